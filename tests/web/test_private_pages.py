"""Private pages by signed link: what opens them, what doesn't, and forms that change things."""

from __future__ import annotations

import datetime as dt
import re

from itsdangerous import URLSafeSerializer
from sqlalchemy import delete

from bot.app import App
from bot.clock import FakeClock
from handlers.web_links import SALT
from models.tables import Identity, OutboxMessage
from tests.conftest import make_settings
from tests.web.conftest import Pages, failed_message, link_in, local, say


async def links(pages: Pages, who: str) -> tuple[str, str | None]:
    replies = await say(pages.app, who, "web")
    me = local(link_in(replies, "/me/"), pages)
    try:
        organize: str | None = local(link_in(replies, "/organize/"), pages)
    except AssertionError:
        organize = None
    return me, organize


async def test_a_member_page_shows_their_progress_chart_and_work(pages: Pages) -> None:
    await say(pages.app, "olga", "join")
    await say(pages.app, "bob", "join")
    me, organize = await links(pages, "bob")
    assert organize is None  # members get no dashboard link
    status, html, response = await pages.get(me.removeprefix(pages.url))
    assert status == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Your progress" in html and 'src="data:image/png;base64,' in html
    assert "/me/" not in html.split("Certificate")[0]  # no link to itself
    assert "No certificate yet" in html


async def test_progress_in_chat_links_to_the_same_page(pages: Pages) -> None:
    await say(pages.app, "bob", "join")
    replies = await say(pages.app, "bob", "progress")
    page = local(link_in(replies, "/me/"), pages).removeprefix(pages.url)
    status, html, _ = await pages.get(page)
    assert status == 200 and "bob" in html


async def test_an_altered_or_expired_link_or_a_member_on_the_dashboard_is_refused(
    pages: Pages, clock: FakeClock
) -> None:
    await say(pages.app, "olga", "join")  # the first member: an organizer
    await say(pages.app, "bob", "join")
    bob_page, _ = await links(pages, "bob")
    _, olga_dashboard = await links(pages, "olga")
    assert olga_dashboard is not None
    bob_token = bob_page.rsplit("/", 1)[1]

    # Bob's member link on the organizer page: 403, even with his valid signature.
    status, html, _ = await pages.get(f"/organize/{bob_token}")
    assert status == 403 and "For organizers only" in html

    # Bob rewrites his payload to be olga (member 1) as organizer: the signature breaks.
    payload, signature = bob_token.split(".")
    forged = URLSafeSerializer("guess", salt=SALT).dumps(
        {"m": 1, "r": "organizer", "i": ["console", "local", "olga"], "x": 2_000_000_000}
    )
    for token in (
        forged.split(".")[0] + "." + signature,
        payload + "." + signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB"),
        forged,
    ):
        status, html, _ = await pages.get(f"/organize/{token}")
        assert status == 403 and "not valid" in html, token
        status, _, _ = await pages.get(f"/me/{token}")
        assert status == 403

    # 24 hours later the links have expired.
    clock.advance(dt.timedelta(hours=24, minutes=1))
    status, html, _ = await pages.get(olga_dashboard.removeprefix(pages.url))
    assert status == 403 and "expired" in html


async def test_a_link_stops_working_when_its_identity_leaves_the_member(pages: Pages) -> None:
    await say(pages.app, "bob", "join")
    me, _ = await links(pages, "bob")
    async with pages.app.services.sessions() as db, db.begin():
        await db.execute(delete(Identity).where(Identity.user_id == "bob"))
    status, html, _ = await pages.get(me.removeprefix(pages.url))
    assert status == 403 and "changed" in html


async def test_the_dashboard_retries_a_failed_message_through_a_protected_form(
    pages: Pages,
) -> None:
    await say(pages.app, "olga", "join")
    message = await failed_message(pages.app)
    _, dashboard = await links(pages, "olga")
    assert dashboard is not None
    path = dashboard.removeprefix(pages.url)
    status, html, _ = await pages.get(path)
    assert status == 200 and f"Retry #{message}" in html
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert csrf is not None

    # Without the form's token, or from another site: refused and nothing changes.
    for data, headers in (
        ({"id": str(message)}, {}),
        ({"id": str(message), "csrf": "0" * 64}, {}),
        ({"id": str(message), "csrf": csrf.group(1)}, {"Origin": "https://evil.example"}),
    ):
        async with pages.http.post(pages.url + path + "/retry", data=data, headers=headers) as r:
            assert r.status == 403
    assert await _status(pages, message) == "failed"

    async with pages.http.post(
        pages.url + path + "/retry", data={"id": str(message), "csrf": csrf.group(1)}
    ) as r:
        assert r.status == 200
        assert f"Message #{message} is queued again" in await r.text()
    assert await _status(pages, message) == "pending"


async def test_a_setting_changed_on_the_dashboard_is_the_chat_command(pages: Pages) -> None:
    await say(pages.app, "olga", "join")
    _, dashboard = await links(pages, "olga")
    assert dashboard is not None
    path = dashboard.removeprefix(pages.url)
    _, html, _ = await pages.get(path)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert csrf is not None
    form = {"csrf": csrf.group(1), "setting": "name", "value": "Deep Learning 'Spring' 2027"}
    async with pages.http.post(pages.url + path + "/cohort", data=form) as r:
        assert r.status == 200
    _, home, _ = await pages.get("/")
    assert "Deep Learning &#39;Spring&#39; 2027" in home
    bad = {"csrf": csrf.group(1), "setting": "timezone", "value": "Mars/Olympus"}
    async with pages.http.post(pages.url + path + "/cohort", data=bad) as r:
        text = await r.text()
        assert r.status == 200 and "Traceback" not in text and "Mars/Olympus" in text


async def _status(pages: Pages, message_id: int) -> str:
    async with pages.app.services.sessions() as db:
        found = await db.get(OutboxMessage, message_id)
        assert found is not None
        return found.status


async def test_the_dashboard_lists_who_agreed_to_the_code_of_conduct(pages: Pages) -> None:
    await say(pages.app, "olga", "join")
    await say(pages.app, "bob", "join")
    await say(pages.app, "ann", "join")
    await say(pages.app, "bob", "conduct agree")
    _, dashboard = await links(pages, "olga")
    assert dashboard is not None
    _, html, _ = await pages.get(dashboard.removeprefix(pages.url))
    section = html[html.index('id="conduct"') :]
    agreed, not_yet = section.split("Not yet", 1)
    assert "bob" in agreed and "ann" not in agreed
    assert "ann" in not_yet.split("</section>")[0]


async def test_links_without_a_public_address_say_where_they_work(
    app: App, sqlite_url: str, clock: FakeClock
) -> None:
    text = "\n".join(r.text for r in await say(app, "bob", "web"))
    assert "http://localhost:" in text and "STUDYBOT_PUBLIC_URL" in text
    settings = make_settings(sqlite_url).model_copy(
        update={"public_url": "https://study.example.org"}
    )
    public = await App.create(settings, clock=clock)
    try:
        text = "\n".join(r.text for r in await say(public, "bob", "web"))
    finally:
        await public.close()
    assert "https://study.example.org/me/" in text and "STUDYBOT_PUBLIC_URL" not in text
