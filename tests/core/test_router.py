"""The router answers everything: unknown commands, wrong arguments, huge or binary input,
organizer-only commands, and its own failures — never with a stack trace."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app import App
from handlers.router import Command
from handlers.types import Invocation
from models.tables import Identity, Member
from tests.conftest import Chat


def invocation(text: str, user: str = "alice") -> Invocation:
    return Invocation(
        platform="console",
        workspace_id="local",
        channel_id="console",
        user_id=user,
        user_name=user,
        text=text,
    )


async def test_unknown_command_suggests_the_closest(chat: Chat) -> None:
    text = await chat.text("shedule")
    assert "I don't know `shedule`" in text
    assert "`d2l schedule`" in text


async def test_unknown_command_without_a_close_match_points_to_help(chat: Chat) -> None:
    text = await chat.text("xyzzy plugh")
    assert "`d2l help` lists what I can do" in text


async def test_wrong_argument_answers_with_the_usage(chat: Chat) -> None:
    text = await chat.text("session twelve")
    assert "Usage: `d2l session N`" in text
    assert "Give a session number from 1 to 20" in text


async def test_help_lists_every_command_with_usage(chat: Chat, app: App) -> None:
    await chat.text("join")  # the first member organizes: organizers see every command
    text = await chat.text("help")
    for command in app.router.commands.values():
        assert f"d2l {command.usage}" in text


async def test_help_for_one_command_gives_details_and_examples(chat: Chat) -> None:
    text = await chat.text("help session")
    assert "`d2l session N`" in text
    assert "Example: `d2l session 2`" in text


async def test_help_for_a_missing_command_says_so(chat: Chat) -> None:
    text = await chat.text("help sesion")
    assert "There is no command `sesion`" in text
    assert "session" in text


async def test_a_one_megabyte_message_is_refused_politely(chat: Chat) -> None:
    replies = await chat.say("next " + "x" * 1_000_000)
    assert len(replies) == 1
    assert replies[0].is_error
    assert "too long (1.0 MB)" in replies[0].text


async def test_binary_garbage_gets_an_answer(app: App) -> None:
    garbage = bytes(range(256)).decode("latin-1")
    replies = await app.handle(invocation(garbage))
    assert replies and replies[0].is_error


async def test_an_empty_message_gets_a_greeting(app: App) -> None:
    replies = await app.handle(invocation("   "))
    assert "d2l help" in replies[0].text


async def test_code_without_a_command_explains_how_to_submit(app: App) -> None:
    replies = await app.handle(invocation("```\nprint(1)\n```"))
    assert "d2l submit NAME" in replies[0].text


async def test_the_first_member_is_the_organizer_and_is_told_so(chat: Chat) -> None:
    assert "for organizers" in await chat.text("admin cohort", as_="vic")  # a visitor
    joined = await chat.text("join", as_="olga")
    assert "You've joined Test cohort; `d2l leave` to stop." in joined
    assert "no organizer is configured, so you are an organizer" in joined
    assert "Cohort settings" in await chat.text("admin cohort", as_="olga")
    assert "organizer" not in await chat.text("join", as_="max")
    assert "for organizers" in await chat.text("admin cohort", as_="max")


async def test_organizers_named_in_settings_are_organizers(
    sqlite_url: str, clock: object, tmp_path: object
) -> None:
    from bot.clock import FakeClock
    from tests.conftest import START, make_settings

    settings = make_settings(sqlite_url, organizers=["console:zoe"])
    bot = await App.create(settings, clock=FakeClock(START))
    try:
        [joined] = await bot.handle(invocation("join", user="first"))
        assert "organizer" not in joined.text  # one is configured
        replies = await bot.handle(invocation("admin cohort", user="zoe"))
        assert replies[0].title is not None and "Cohort settings" in replies[0].title
        refused = await bot.handle(invocation("admin cohort", user="first"))
        assert "for organizers" in refused[0].text
    finally:
        await bot.close()


async def test_a_member_is_created_once_per_identity(app: App) -> None:
    for _ in range(3):
        await app.handle(invocation("help", user="bob"))
    async with app.services.sessions() as db:
        count = await db.scalar(
            select(func.count()).select_from(Identity).where(Identity.user_id == "bob")
        )
        members = await db.scalar(select(func.count()).select_from(Member))
    assert count == 1
    assert members == 1


async def test_a_crashing_handler_answers_with_a_reference_not_a_traceback(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(_ctx: object) -> object:
        raise RuntimeError("secret internals")

    app.router.add(Command(name="boom", usage="boom", summary="fails", handler=broken))  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR):
        replies = await app.handle(invocation("boom"))
    text = replies[0].text
    assert "something went wrong" in text
    assert "secret internals" not in text and "Traceback" not in text
    ref = text.split("error ref ")[1][:8]
    assert ref in caplog.text and "secret internals" in caplog.text


async def test_an_unreachable_database_gets_a_try_again_answer(app: App) -> None:
    from models.db import create_engine, create_sessionmaker

    dead = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    broken = dataclasses.replace(app.services, sessions=create_sessionmaker(dead))
    replies = await app.router.handle(broken, invocation("next"))
    await dead.dispose()
    assert "temporarily unavailable" in replies[0].text
    assert replies[0].is_error


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
async def test_any_message_gets_replies_and_no_exception(app: App, text: str) -> None:
    replies = await app.handle(invocation(text))
    assert replies
    assert all("Traceback" not in reply.text for reply in replies)
