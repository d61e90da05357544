"""The public pages over real HTTP: what they show, their headers and their limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import aiohttp
import pytest
from icalendar import Calendar

from bot.app import App
from bot.clock import FakeClock
from bot.web import Limits, WebServer, build_site
from bot.web._security import RateLimit
from models.tables import Submission
from tests.web.conftest import Pages, link_in, local, say

UID_1 = "studybot-cohort1-session1@studybot"


async def test_the_home_page_shows_the_plan_in_the_cohorts_zone_with_machine_times(
    pages: Pages,
) -> None:
    await say(pages.app, "olga", "join")
    await say(pages.app, "olga", "admin cohort link https://meet.example.org/d2l")
    status, html, _ = await pages.get("/")
    assert status == 200
    assert "Test cohort" in html and "Next: session 1" in html
    # 18:00 Berlin on Tue 12 Jan 2027 is 17:00 UTC; the element carries the instant.
    assert '<time datetime="2027-01-12T17:00:00+00:00">Tue 12 Jan 2027, 18:00 CET</time>' in html
    assert "https://meet.example.org/d2l" in html
    assert f'href="webcal://127.0.0.1:{pages.server.port}/calendar.ics"' in html
    assert html.count('href="/sessions/') >= 40  # every session, twice (number and title)


async def test_a_session_page_lists_its_assignments_and_an_unknown_one_is_404(
    pages: Pages,
) -> None:
    await say(pages.app, "olga", "join")
    await say(pages.app, "olga", "admin assign softmax due 2027-01-19 18:00 session 1")
    status, html, _ = await pages.get("/sessions/1")
    assert status == 200
    assert "<code>softmax</code>" in html and "Tue 19 Jan 2027, 18:00 CET" in html
    status, html, _ = await pages.get("/sessions/21")
    assert status == 404 and "Sessions run from 1 to 20" in html


async def test_every_page_carries_the_security_headers(pages: Pages) -> None:
    for path in ("/", "/sessions/1", "/leaderboard", "/verify/NOPE", "/calendar.ics", "/me/x" * 3):
        _, _, response = await pages.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


async def test_the_feed_parses_and_a_moved_session_keeps_its_uid_with_a_higher_sequence(
    pages: Pages, clock: FakeClock
) -> None:
    status, body, response = await pages.get("/calendar.ics")
    assert status == 200 and response.content_type == "text/calendar"
    feed = Calendar.from_ical(body)
    assert feed.get("REFRESH-INTERVAL") is not None and feed.get("X-PUBLISHED-TTL") is not None
    before = {e["UID"]: e for e in feed.walk("VEVENT")}
    assert len(before) == 20 and int(before[UID_1]["SEQUENCE"]) == 0
    _, again, _ = await pages.get("/calendar.ics")  # nothing changed: nothing bumped
    unchanged = {e["UID"]: e for e in Calendar.from_ical(again).walk("VEVENT")}
    assert int(unchanged[UID_1]["SEQUENCE"]) == 0

    await say(pages.app, "olga", "join")
    moved = await say(pages.app, "olga", "admin session 1 date 2027-01-13")
    assert not moved[0].is_error, moved[0].text
    clock.advance(dt.timedelta(minutes=5))
    _, body, _ = await pages.get("/calendar.ics")
    after = {e["UID"]: e for e in Calendar.from_ical(body).walk("VEVENT")}
    assert int(after[UID_1]["SEQUENCE"]) == 1
    assert after[UID_1]["DTSTART"].dt.date() == dt.date(2027, 1, 13)
    assert int(after["studybot-cohort1-session2@studybot"]["SEQUENCE"]) == 0


async def test_the_chat_calendar_gives_the_feed_address_too(pages: Pages) -> None:
    reply = (await say(pages.app, "bob", "calendar"))[0]
    assert "webcal://localhost:3000/calendar.ics" in reply.text
    assert reply.files and reply.files[0].mime == "text/calendar"


async def test_verify_shows_the_holder_or_a_clear_404(pages: Pages) -> None:
    await say(pages.app, "olga", "join")
    await say(pages.app, "bob", "join")
    issued = await say(pages.app, "olga", "admin certificate @bob")
    code = issued[0].text.split("certificate ")[1].split(" ")[0]
    status, html, _ = await pages.get(f"/verify/{code.lower()}")  # as typed: case forgiven
    assert status == 200 and "Valid certificate" in html and ">bob<" in html
    assert "Test cohort" in html
    status, html, _ = await pages.get("/verify/AAAA-BBBB-CCCC")
    assert status == 404 and "No such certificate" in html


@pytest.fixture
def limits() -> Limits:
    return Limits()


async def test_certificate_lookups_are_rate_limited_per_address(pages: Pages) -> None:
    statuses = [(await pages.get(f"/verify/AAAA-BBBB-{i:04d}"))[0] for i in range(12)]
    assert statuses[:10] == [404] * 10
    assert statuses[10:] == [429, 429]
    _, _, response = await pages.get("/verify/AAAA-BBBB-0000")
    assert int(response.headers["Retry-After"]) >= 1
    assert (await pages.get("/"))[0] == 200  # other pages still open


async def test_a_hostile_public_name_is_shown_as_text(pages: Pages) -> None:
    await say(pages.app, "mallory", "join")
    reply = await say(pages.app, "mallory", "leaderboard public on <script>alert(1)</script>")
    assert not reply[0].is_error, reply[0].text
    await say(pages.app, "shy", "join")
    async with pages.app.services.sessions() as db, db.begin():
        for member, score in ((1, 4.0), (2, 8.0)):
            db.add(
                Submission(
                    cohort_id=1,
                    member_id=member,
                    exercise_id="softmax",
                    code="",
                    seed=1,
                    status="graded",
                    score=score,
                    max_score=8.0,
                    reply_to={},
                    created_at=pages.app.services.clock.now(),
                )
            )
    status, html, _ = await pages.get("/leaderboard")
    assert status == 200
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "a member" in html  # "shy" never opted in


async def test_a_form_body_over_the_limit_is_refused_before_it_is_read(pages: Pages) -> None:
    await say(pages.app, "olga", "join")
    dashboard = local(link_in(await say(pages.app, "olga", "web"), "/organize/"), pages)
    big = b"csrf=x&id=1&pad=" + b"x" * 20_000
    async with pages.http.post(dashboard + "/retry", data=big) as response:
        assert response.status == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
        for _ in range(20):
            yield b"x" * 1000

    async with pages.http.post(dashboard + "/retry", data=chunks()) as response:
        assert response.status == 413


async def test_any_page_is_rate_limited_per_address(app: App) -> None:
    limits = Limits(pages=RateLimit(burst=3, per_second=0.01))
    server = WebServer(build_site(app, limits=limits), "127.0.0.1", 0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            statuses = []
            for _ in range(5):
                async with http.get(server.url + "/leaderboard") as response:
                    statuses.append(response.status)
        assert statuses == [200, 200, 200, 429, 429]
    finally:
        await server.stop()


async def test_the_code_of_conduct_page_shows_the_organizers_text(pages: Pages) -> None:
    await say(pages.app, "olga", "join")
    reply = await say(pages.app, "olga", "admin conduct set\n```\nBe kind. <b>No</b> spam.\n```")
    assert not reply[0].is_error, reply[0].text
    status, html, _ = await pages.get("/conduct")
    assert status == 200 and "Be kind. &lt;b&gt;No&lt;/b&gt; spam." in html
    _, home, _ = await pages.get("/")
    assert 'href="/conduct"' in home
