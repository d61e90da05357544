"""One person on two platforms: link codes, merging history, unlinking, guessing defences."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock
from models.tables import Identity, Member, QuizAttempt, Rsvp, Submission
from tests.conftest import Chat
from tests.progress.conftest import answer, code_in, member_id, say_on, submit, text_of


async def link_code(talk: Chat, user: str) -> str:
    [reply] = await talk.say("link", as_=user)
    assert reply.ephemeral
    return code_in(reply.text)


async def count(bot: App, model: type, **where: object) -> int:
    async with bot.services.sessions() as db:
        query = select(func.count()).select_from(model).filter_by(**where)
        return int(await db.scalar(query) or 0)


async def test_a_code_from_the_console_links_a_slack_account_into_one_member(
    talk: Chat, bot: App
) -> None:
    code = await link_code(talk, "ann")
    assert len(code.replace("-", "")) == 8
    linked = text_of(await say_on(bot, f"link {code.lower()}", user="U1"))
    assert "Accounts linked" in linked
    assert "one member now, ann, on Slack and the console" in linked
    assert await member_id(bot, "U1", "slack") == await member_id(bot, "ann")
    assert await count(bot, Member) == 1


async def test_linking_combines_history_and_keeps_the_best_scores(
    talk: Chat, bot: App, clock: FakeClock
) -> None:
    await talk.say("rsvp no 1", as_="ann")
    clock.advance(dt.timedelta(minutes=1))
    await say_on(bot, "rsvp yes 1", user="U1")  # the newer answer wins
    await submit(bot, "ann", "softmax", 5)
    await submit(bot, "U1", "softmax", 8, platform="slack")
    await submit(bot, "U1", "adam_step", 3, platform="slack")
    await answer(bot, "ann", "probability", 1, seed=7, points=100)
    await answer(bot, "U1", "probability", 1, seed=7, points=700, platform="slack")  # same
    await answer(bot, "U1", "optimization", 2, platform="slack")
    before = await talk.text("leaderboard", as_="ann")
    assert "U1 —" in before

    code = await link_code(talk, "ann")
    await say_on(bot, f"link {code}", user="U1")

    assert await count(bot, Submission) == 3
    assert await count(bot, QuizAttempt) == 3  # the clashing answer kept once: the better one
    assert await count(bot, Rsvp) == 1
    board = await talk.text("leaderboard", as_="ann")
    assert "1. ann — 702 points (3 correct)" in board
    assert "1. ann — 11 points (2 exercises)" in board
    assert "U1 —" not in board
    assert "`softmax` — Numerically stable softmax · best 8/8 ✓" in await talk.text(
        "exercises", as_="ann"
    )
    assert "1 going" in await talk.text("next", as_="ann")


async def test_a_link_code_expires_after_fifteen_minutes(
    talk: Chat, bot: App, clock: FakeClock
) -> None:
    code = await link_code(talk, "ann")
    clock.advance(dt.timedelta(minutes=15, seconds=1))
    assert "expired" in text_of(await say_on(bot, f"link {code}", user="U1"))
    assert await count(bot, Member) == 2


async def test_a_link_code_works_once(talk: Chat, bot: App) -> None:
    code = await link_code(talk, "ann")
    await say_on(bot, f"link {code}", user="U1")
    again = text_of(await say_on(bot, f"link {code}", user="U2", platform="discord"))
    assert "already been used" in again
    assert await count(bot, Member) == 2


async def test_someone_else_in_the_same_workspace_cannot_use_my_code(talk: Chat, bot: App) -> None:
    code = await link_code(talk, "ann")
    refused = await talk.text(f"link {code}", as_="bob")
    assert "another account in this same workspace" in refused
    assert "your other platform" in await talk.text(f"link {code}", as_="ann")
    assert await count(bot, Member) == 2
    assert "Accounts linked" in text_of(await say_on(bot, f"link {code}", user="U1"))


async def test_wrong_codes_are_rate_limited(talk: Chat, bot: App, clock: FakeClock) -> None:
    code = await link_code(talk, "ann")
    for left in (4, 3, 2, 1, 0):
        wrong = text_of(await say_on(bot, "link ZZZZ-ZZZZ", user="U9"))
        assert "That link code isn't valid." in wrong
        assert f"({left} tries left in the next 15 minutes.)" in wrong
    blocked = text_of(await say_on(bot, f"link {code}", user="U9"))
    assert "Too many wrong link codes. Try again in 15 minutes." in blocked
    assert await count(bot, Member) == 2
    clock.advance(dt.timedelta(minutes=15, seconds=1))
    code = await link_code(talk, "ann")
    assert "Accounts linked" in text_of(await say_on(bot, f"link {code}", user="U9"))


async def test_a_new_code_replaces_the_old_one(talk: Chat, bot: App) -> None:
    old = await link_code(talk, "ann")
    await link_code(talk, "ann")
    assert "isn't valid" in text_of(await say_on(bot, f"link {old}", user="U1"))


async def test_unlink_makes_this_account_its_own_member_and_history_stays(
    talk: Chat, bot: App
) -> None:
    assert "isn't linked" in await talk.text("unlink", as_="ann")
    await talk.say("join", as_="ann")
    await submit(bot, "ann", "softmax", 8)
    code = await link_code(talk, "ann")
    await say_on(bot, f"link {code}", user="U1")
    split = text_of(await say_on(bot, "unlink", user="U1"))
    assert "your account on Slack is a member of its own again" in split
    assert await member_id(bot, "U1", "slack") != await member_id(bot, "ann")
    assert await count(bot, Identity, member_id=await member_id(bot, "ann")) == 1
    board = text_of(await say_on(bot, "leaderboard code", user="U1"))
    assert "1. ann — 8 points" in board
    assert "You: no scores yet." in board
