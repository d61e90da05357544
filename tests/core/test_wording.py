"""The wording defects of issue 21, one test each, through the console (the renderers'
part, backticks in plain-text places, is tests/platforms/test_hints.py)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.platforms.console import render_plain
from bot.platforms.console._adapter import advance
from tests.conftest import START, Chat, make_settings
from tests.core.conftest import RecordingSender

SESSION_1 = dt.datetime(2027, 1, 12, 17, 0, tzinfo=dt.UTC)


async def test_a_reminder_90_minutes_ahead_says_1_hour_30_minutes(
    app: App, chat: Chat, clock: FakeClock
) -> None:
    assert "1h30m before" in await chat.text("remind on 90m", as_="bob")
    sender = RecordingSender(clock)
    dispatcher = Dispatcher(app.services, {"console": sender})
    await advance(clock, dispatcher, SESSION_1)
    (dm,) = [d for d in sender.sent if d.kind == "dm_reminder"]
    assert "starts in 1 hour 30 minutes" in (dm.reply.title or "")


async def test_one_piece_of_work_is_one_piece(chat: Chat) -> None:
    await chat.text("join", as_="olga")
    await chat.text("admin assign softmax due 2027-01-20 18:00", as_="olga")
    await chat.text("join", as_="bob")
    progress = await chat.text("progress", as_="bob")
    assert "0 of 1 piece of required work done" in progress
    assert "1 pieces" not in progress


async def test_best_scores_read_the_same_way_tried_or_not(chat: Chat) -> None:
    text = await chat.text("exercises", as_="bob")
    assert re.search(r"`softmax` — [^\n]* · not tried yet", text)
    assert "✓/" not in text and "—/" not in text


async def test_stopping_a_quiz_before_answering_says_so(chat: Chat) -> None:
    await chat.text("quiz probability 3", as_="bob")
    text = await chat.text("quiz stop", as_="bob")
    assert "Stopped before any question was answered." in text
    assert "0 of 0" not in text


async def test_help_admin_lists_the_admin_commands(chat: Chat, app: App) -> None:
    text = await chat.text("help admin", as_="bob")
    admin = [c for c in app.router.commands.values() if c.name.startswith("admin ")]
    assert len(admin) > 5
    for command in admin:
        assert f"d2l {command.usage}" in text
    assert "There is no command" not in text


async def test_verify_accepts_a_code_typed_with_spaces_and_lower_case(chat: Chat) -> None:
    await chat.text("join", as_="olga")
    await chat.text("help", as_="bob")
    issued = await chat.text("admin certificate @bob", as_="olga")
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", issued)
    assert code is not None, issued
    typed = code.group(0).lower().replace("-", " ")
    assert "Valid certificate" in await chat.text(f"verify {typed}", as_="stranger")
    assert "No certificate has that code" in await chat.text("verify abcd efgh jkmn")


async def test_usage_only_when_the_usage_is_the_problem(chat: Chat) -> None:
    await chat.text("join", as_="olga")
    shape = await chat.text("session twelve")
    assert "Usage: `d2l session N`" in shape
    value = await chat.text("session 25")
    assert "There is no session 25" in value and "Usage" not in value
    passed = await chat.text("admin session 1 date 2027-01-01", as_="olga")
    assert "has already passed" in passed and "Usage" not in passed
    for typo, says in (("help nxt", "There is no command"), ("exercise sofmax", "no exercise")):
        text = await chat.text(typo)
        assert says in text and "Did you mean" in text and "Usage" not in text
    # a value the command can't use: the reason alone, which says what to write instead
    for as_, command, says in (
        ("olga", "admin cohort start 2027-13-01", "is not a date"),
        ("olga", "admin cohort time 25:00", "is not a time of day"),
        ("olga", "admin cohort cadence 0", "1 to 365"),
        ("olga", "admin cohort timezone Mars/Olympus", "not an IANA timezone"),
        ("olga", "admin cohort nonsense 3", "I can't change"),
        ("olga", "admin cohort link ftp://x", "one https:// URL"),
        ("olga", "admin session 2 date 2027-02-30", "is not a YYYY-MM-DD date"),
        ("olga", "admin skip 2027-02-30", "is not a date"),
        ("olga", "admin certificate @nobody", "hasn't talked to the bot"),
        ("bob", "quiz astrology", "There is no quiz topic"),
        ("bob", "quiz prob 99", "must be 1 to"),
        ("bob", "quiz stop", "no quiz in progress"),
        ("bob", "answer b", "no open question"),
        ("olga", "quiz next", "No live round"),
        ("bob", "remind on 40d", "is not an offset"),
        ("bob", "rsvp yes 99", "no session 99"),
        ("bob", "name " + "x" * 200, "one line of at most"),
    ):
        text = await chat.text(command, as_=as_)
        assert says in text and "Usage" not in text, (command, text)
    # the wrong shape still gets the usage
    for command in ("quiz stop now", "remind maybe", "rsvp", "leaderboard public maybe"):
        assert "Usage: `d2l" in await chat.text(command, as_="bob"), command


async def test_setting_a_speaker_echoes_it(chat: Chat) -> None:
    await chat.text("join", as_="olga")
    text = await chat.text("admin session 5 speaker Ada Lovelace", as_="olga")
    assert "Session 5: speaker set to Ada Lovelace." in text
    assert "Session 5: speaker cleared." in await chat.text("admin session 5 speaker -", as_="olga")


@pytest.fixture
async def new_york(sqlite_url: str, tmp_path: Path) -> AsyncIterator[Chat]:
    clock = FakeClock(START)
    app = await App.create(make_settings(sqlite_url, timezone="America/New_York"), clock=clock)
    clock.set(dt.datetime(2027, 1, 20, 12, 0, tzinfo=dt.UTC))  # session 1 has taken place
    yield Chat(app, tmp_path / "out")
    await app.close()


async def test_a_past_date_error_in_a_new_york_cohort_speaks_new_york_time(
    new_york: Chat,
) -> None:
    await new_york.text("join", as_="olga")
    text = await new_york.text("admin cohort cadence 1", as_="olga")
    assert "which has already passed" in text
    assert "EST" in text and "UTC" not in text


def test_console_renders_a_reply_without_a_hint_untouched() -> None:
    from handlers.types import Reply

    assert render_plain(Reply(text="plain words")) == "plain words"
