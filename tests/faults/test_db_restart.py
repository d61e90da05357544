"""The database restarting under load: every member gets either their answer or "temporarily
unavailable, try again", nothing answered as accepted is lost, and the same bot process
serves everyone again as soon as the server is back, without a restart."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from bot.app import App
from handlers.router import UNAVAILABLE
from handlers.types import Invocation, Reply
from models.tables import Identity, QuizAttempt, Submission
from tests.faults.db_proxy import DbProxy

pytestmark = pytest.mark.postgres

MEMBERS = 16
OUTAGE_SECONDS = 2.0  # the server is away this long: down, then starting up
STABLE = """```python
import torch
def softmax(X):
    Z = X - X.max(dim=1, keepdim=True).values
    return torch.exp(Z) / torch.exp(Z).sum(dim=1, keepdim=True)
```"""
FEEDBACK = ("✅ Correct!", "❌ Not quite", "⏰ Too late")
SUBMITTED = re.compile(r"Grading submission #(\d+) for `softmax`")


def said(user: str, text: str) -> Invocation:
    return Invocation("console", "local", "console", user, user, text)


def is_card(reply: Reply) -> bool:
    return "question" in (reply.title or "") and reply.title is not None


@dataclass
class Member:
    """One member's side of the conversation, and what the bot told them."""

    name: str
    card: Reply | None = None  # the question on screen
    lost_track: bool = True  # after an outage: ask `quiz` to see where we are
    accepted_answers: int = 0
    unavailable_answers: int = 0
    submissions: list[int] = field(default_factory=list)
    unavailable: int = 0
    after_restore: int = 0  # answers to messages sent after the server came back
    replies: Counter[str] = field(default_factory=Counter)


class Load:
    """Members take quizzes and submit code as fast as the bot answers them."""

    def __init__(self, bot: App) -> None:
        self.bot = bot
        self.members = [Member(f"m{i}") for i in range(MEMBERS)]
        self.restored = False
        self.stop = asyncio.Event()
        self.progress = asyncio.Condition()
        self.problems: list[str] = []

    async def accepted(self) -> int:
        return sum(m.accepted_answers + len(m.submissions) for m in self.members)

    async def wait(self, check: object) -> None:
        async with self.progress:
            await self.progress.wait_for(check)  # type: ignore[arg-type]

    async def run(self, member: Member) -> None:
        turn = 0
        while not self.stop.is_set():
            turn += 1
            text = self.next_message(member, turn)
            after_restore = self.restored
            replies = await self.bot.handle(said(member.name, text))
            self.record(member, text, replies, after_restore)
            async with self.progress:
                self.progress.notify_all()
            await asyncio.sleep(0.01)  # a member's think time; keeps the loop fair

    def next_message(self, member: Member, turn: int) -> str:
        if not member.submissions and turn % 5 == 0:
            return f"submit softmax {STABLE}"
        if member.lost_track:
            return "quiz"
        if member.card is None:
            return "quiz probability 20"
        if member.card.choices:
            return member.card.choices[0].command
        if member.card.picker is not None:
            return "answer a"
        return "answer 0.5"

    def record(self, member: Member, text: str, replies: list[Reply], after_restore: bool) -> None:
        first = replies[0].text if replies else ""
        if first == UNAVAILABLE:
            if after_restore:
                self.problems.append(f"{member.name}: {text!r} failed after the restore")
            member.unavailable += 1
            member.lost_track = True
            if text.startswith("answer"):
                member.unavailable_answers += 1
            member.replies["unavailable"] += 1
            return
        if after_restore:
            member.after_restore += 1
        if text.startswith("submit"):
            found = SUBMITTED.search(first)
            if found is None:
                self.problems.append(f"{member.name}: submit answered {first[:120]!r}")
            else:
                member.submissions.append(int(found[1]))
            member.replies["submitted"] += 1
            return
        if text.startswith("answer"):
            if not first.startswith(FEEDBACK):
                self.problems.append(f"{member.name}: {text!r} answered {first[:120]!r}")
                return
            member.accepted_answers += 1
            member.replies["answered"] += 1
            member.card = replies[-1] if is_card(replies[-1]) else None
            return
        # `quiz` (where am I?) or `quiz probability 20` (a new quiz)
        member.lost_track = False
        card = next((r for r in replies if is_card(r)), None)
        if card is None and text != "quiz":
            self.problems.append(f"{member.name}: {text!r} answered {first[:120]!r}")
        member.card = card
        member.replies["quiz"] += 1


async def answered_attempts(bot: App, member: str) -> int:
    async with bot.services.sessions() as db:
        rows = await db.scalars(
            select(QuizAttempt)
            .join(Identity, Identity.member_id == QuizAttempt.member_id)
            .where(Identity.user_id == member, QuizAttempt.answered_at.is_not(None))
        )
        return len(rows.all())


async def stored_submissions(bot: App, member: str) -> list[int]:
    async with bot.services.sessions() as db:
        rows = await db.scalars(
            select(Submission.id)
            .join(Identity, Identity.member_id == Submission.member_id)
            .where(Identity.user_id == member)
        )
        return sorted(rows.all())


async def test_a_database_restart_under_load_loses_nothing_and_heals_itself(
    proxied_bot: App, proxy: DbProxy
) -> None:
    bot = proxied_bot
    load = Load(bot)
    members = [asyncio.create_task(load.run(m)) for m in load.members]
    try:
        async with asyncio.timeout(40):
            await load.wait(lambda: sum(m.accepted_answers for m in load.members) >= 2 * MEMBERS)
            before = await load.accepted()
            await proxy.cut()
            await load.wait(lambda: sum(m.unavailable for m in load.members) >= MEMBERS)
            await asyncio.sleep(OUTAGE_SECONDS / 2)
            await proxy.starting_up()
            await load.wait(lambda: proxy.turned_away > 0)
            await asyncio.sleep(OUTAGE_SECONDS / 2)
            during = await load.accepted()
            await proxy.restore()
            load.restored = True
            await load.wait(lambda: all(m.after_restore >= 4 for m in load.members))
    finally:
        load.stop.set()
        await asyncio.gather(*members)

    assert load.problems == []
    assert proxy.terminated > 0  # connections really died mid-use
    unavailable = sum(m.unavailable for m in load.members)
    assert unavailable >= MEMBERS
    assert during - before <= MEMBERS  # at most the requests in flight when it went down
    for member in load.members:
        stored = await answered_attempts(bot, member.name)
        # every accepted answer is stored; an answer whose commit reached the server just as
        # it went down may be stored although its member was told to try again
        assert (
            member.accepted_answers
            <= stored
            <= (member.accepted_answers + member.unavailable_answers)
        ), member
        kept = await stored_submissions(bot, member.name)
        assert set(member.submissions) <= set(kept), member
    # the same process answers normally now, with no restart
    [reply] = await bot.handle(said("late-comer", "next"))
    assert "session 1 of 20" in reply.text
    print(
        f"accepted before the cut {before}, during {during - before}, unavailable replies "
        f"{unavailable}, connections killed {proxy.terminated}, turned away (starting up) "
        f"{proxy.turned_away}"
    )
