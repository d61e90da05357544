"""Private reports to the organizers, as console transcripts, checked in the database."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from handlers.types import Invocation
from models.joining_tables import Report
from models.tables import Identity, OutboxMessage
from tests.conftest import START, make_settings
from tests.joining.conftest import Console


async def _reports(console: Console) -> list[Report]:
    async with console.app.services.sessions() as db:
        return list(await db.scalars(select(Report).order_by(Report.number)))


async def test_an_anonymous_report_reaches_the_organizer_and_stores_no_reporter(
    console: Console,
) -> None:
    await console.text("olga", "d2l help")  # the organizer has talked to the bot
    console.printed()
    reply = await console.text("dana", "d2l report anonymous someone keeps DMing me")
    assert "report #1 was received" in reply and "without your name" in reply
    printed = console.printed()
    assert "[bot → @olga, direct message" in printed
    assert "someone keeps DMing me" in printed.split("[bot → @olga, direct message")[1]
    assert "dana" not in printed.split("[bot → @olga, direct message")[1]

    [report] = await _reports(console)
    assert report.reporter_id is None and report.text == "someone keeps DMing me"
    async with console.app.services.sessions() as db:
        rows = list(await db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "report")))
        dana = await db.scalar(select(Identity.member_id).where(Identity.user_id == "dana"))
    # The outbox row (what `admin outbox` and the logs can show) holds neither text nor sender.
    assert [r.payload for r in rows] == [{"report_id": report.id, "direct": True}]
    assert all(str(dana) not in r.key and "DMing" not in r.key for r in rows)


async def test_a_named_report_keeps_its_reporter_and_lines_break_as_written(
    console: Console,
) -> None:
    await console.text("erik", "d2l report first line\nsecond line")
    [report] = await _reports(console)
    assert report.reporter_id is not None
    assert report.text == "first line\nsecond line"
    assert "From erik (console:erik)" in console.printed()


async def test_a_report_over_4000_characters_is_refused_and_nothing_is_kept(
    console: Console,
) -> None:
    reply = await console.text("erik", "d2l report " + "x" * 4001)
    assert "the limit is 4,000" in reply
    assert await _reports(console) == []
    reply = await console.text("erik", "d2l report " + "x" * 4000)
    assert "was received" in reply


async def test_organizers_list_and_close_reports_and_members_cannot(console: Console) -> None:
    await console.text("dana", "d2l report one")
    await console.text("dana", "d2l report anonymous two")
    assert "for organizers" in await console.text("dana", "d2l admin reports")
    assert "for organizers" in await console.text("dana", "d2l admin report 1 closed")
    listing = await console.text("olga", "d2l admin reports")
    assert "#1 · " in listing and "· dana\none" in listing and "· anonymous\ntwo" in listing
    assert "is closed" in await console.text("olga", "d2l admin report 1 closed")
    listing = await console.text("olga", "d2l admin reports")
    assert "#1 · " not in listing and "#2 · " in listing
    assert "There is no report #9" in await console.text("olga", "d2l admin report 9 closed")
    assert [r.status for r in await _reports(console)] == ["closed", "open"]


async def test_an_empty_report_shows_the_usage(console: Console) -> None:
    assert "Usage: `d2l report [anonymous] TEXT`" in await console.text("dana", "d2l report")
    assert await _reports(console) == []


async def test_reports_sent_at_the_same_time_get_distinct_numbers(database_url: str) -> None:
    app = await App.create(
        make_settings(database_url, organizers=["console:olga"]), clock=FakeClock(START)
    )
    try:

        def report(user: str) -> Invocation:
            return Invocation(
                platform="console",
                workspace_id="local",
                channel_id="console",
                user_id=user,
                user_name=user,
                text=f"report from {user}",
                is_direct=True,
            )

        answers = await asyncio.gather(*(app.handle(report(f"u{i}")) for i in range(4)))
        assert all("was received" in replies[0].text for replies in answers), answers
        async with app.services.sessions() as db:
            numbers = sorted(await db.scalars(select(Report.number)))
        assert numbers == [1, 2, 3, 4]
    finally:
        await app.close()
