"""The meeting link (issue 21): a cohort-wide default and a per-session link that wins."""

from __future__ import annotations

from bot.app import App
from models.cohorts import first_cohort, meeting_link
from tests.conftest import Chat


async def _links(app: App) -> tuple[str | None, str | None, str | None]:
    async with app.services.sessions() as db:
        cohort = await first_cohort(db)
        assert cohort is not None
        one, two = cohort.sessions[0], cohort.sessions[1]
        return cohort.meeting_url, meeting_link(cohort, one), meeting_link(cohort, two)


async def test_a_session_link_overrides_the_cohorts_and_dash_clears_it(
    app: App, chat: Chat
) -> None:
    await chat.text("rsvp yes")  # the first member becomes the organizer
    assert "Meeting link" in await chat.text("admin cohort link https://zoom.us/j/123")
    assert await _links(app) == ("https://zoom.us/j/123",) * 3
    reply = await chat.text("admin session 2 link <https://meet.google.com/abc-defg-hij>")
    assert "https://meet.google.com/abc-defg-hij" in reply
    assert await _links(app) == (
        "https://zoom.us/j/123",
        "https://zoom.us/j/123",
        "https://meet.google.com/abc-defg-hij",
    )
    await chat.text("admin session 2 link -")
    await chat.text("admin cohort link -")
    assert await _links(app) == (None, None, None)


async def test_a_link_that_is_not_one_url_is_refused_and_nothing_changes(
    app: App, chat: Chat
) -> None:
    await chat.text("rsvp yes")
    for bad in ("zoom.us/j/123", "javascript:alert(1)", "https://a b", "https://" + "x" * 500):
        assert "A meeting link is one https:// URL" in await chat.text(f"admin cohort link {bad}")
        assert "A meeting link is one https:// URL" in await chat.text(
            f"admin session 1 link {bad}"
        )
    assert await _links(app) == (None, None, None)


async def test_members_cannot_set_links(app: App, chat: Chat) -> None:
    await chat.text("rsvp yes")  # alice becomes the first organizer
    reply = await chat.text("admin cohort link https://evil.example/j", as_="mallory")
    assert "for organizers" in reply
    assert await _links(app) == (None, None, None)
