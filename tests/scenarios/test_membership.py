"""Who is in the group, who runs it, and what a certificate means: issue 15's reproducers as
console transcripts. The real console adapter delivers what falls due while `:wait` moves a
simulated clock, so every direct message below really went out through the outbox."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter, ConsoleMessage, render_plain
from handlers.types import Reply
from models.preferences import ASSIGNMENT_REMINDER, NUDGE, SESSION_REMINDER
from models.tables import Enrollment, Identity, OutboxMessage, Session
from tests.conftest import START, make_settings
from tests.progress.conftest import CODE, submit
from tests.quizplay.conftest import open_question, right_answer, wrong_answer

JOINED = "You've joined Test cohort; `d2l leave` to stop."


class Console:
    """The console adapter in a test: type as anyone, wait, read what was delivered."""

    def __init__(self, app: App, out: Path) -> None:
        self.app = app
        self.output = io.StringIO()
        self.adapter = ConsoleAdapter(
            app, user="olga", out_dir=out, stdin=io.StringIO(), stdout=self.output
        )

    async def say(self, user: str, text: str) -> list[Reply]:
        return await self.adapter.handle(ConsoleMessage(sender=user, text=text))

    async def text(self, user: str, text: str) -> str:
        return "\n\n".join(render_plain(r) for r in await self.say(user, text))

    async def wait(self, duration: str) -> None:
        await self.adapter.console_command(f":wait {duration}")

    async def sent_directly(self) -> list[OutboxMessage]:
        async with self.app.services.sessions() as db:
            rows = await db.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.status == "sent")
                .order_by(OutboxMessage.sent_at, OutboxMessage.id)
            )
            return [m for m in rows if m.payload.get("direct")]

    async def status(self, user: str) -> str | None:
        async with self.app.services.sessions() as db:
            return await db.scalar(
                select(Enrollment.status)
                .join(Identity, Identity.member_id == Enrollment.member_id)
                .where(Identity.user_id == user)
            )


@pytest.fixture
async def console(sqlite_url: str, tmp_path: Path) -> AsyncIterator[Console]:
    """Weekly sessions; olga organizes by her console id and never joins."""
    settings = make_settings(sqlite_url, cadence_days=7, organizers=["console:olga"])
    app = await App.create(settings, clock=FakeClock(START))
    await app.bind_channel("console", "local", "console")
    yield Console(app, tmp_path / "out")
    await app.close()


READING = (
    "help",
    "help next",
    "schedule",
    "next",
    "session 2",
    "calendar",
    "exercises",
    "exercise softmax",
    "verify ABCD-EFGH-JKMN",
)


async def test_reading_enrols_nobody_and_recording_work_joins_once(console: Console) -> None:
    for command in READING:
        assert JOINED not in await console.text("zed", command)
    assert await console.status("zed") == "visitor"
    assert "You're reading as a visitor: `d2l join`" in await console.text("zed", "help")
    for asking in ("remind", "remind off", "quiz"):  # a status, a refusal, a list: no join
        assert JOINED not in await console.text("zed", asking)
    assert "You aren't a member, so none of these are sent" in await console.text("zed", "remind")
    assert await console.status("zed") == "visitor"
    assert "You aren't a member" in await console.text("zed", "progress")

    joined = await console.text("zed", "rsvp yes")
    assert joined.count(JOINED) == 1
    assert "Noted: yes for session 1" in joined
    assert "organizer" not in joined  # one is configured: the first member is no organizer
    assert JOINED not in await console.text("zed", "rsvp maybe")
    assert await console.status("zed") == "member"
    assert "You're already a member" in await console.text("zed", "join")


async def test_bad_input_to_a_work_command_joins_nobody(console: Console) -> None:
    assert "Usage: `d2l rsvp" in await console.text("zed", "rsvp perhaps")
    assert await console.status("zed") == "visitor"


async def test_no_certificate_before_the_last_session_with_required_work(
    console: Console,
) -> None:
    assigned = await console.text("olga", "admin assign softmax due 2027-01-18 session 1")
    assert "Assigned" in assigned
    await console.say("bob", "join")
    await submit(console.app, "bob", "softmax", 8)  # passed on Monday 4 January
    early = await console.text("bob", "certificate")
    assert "can be issued once session 1 has taken place" in early
    assert CODE.search(early) is None

    await console.wait("9d")  # Wednesday 13 January: session 1 took place on the 12th
    [issued] = await console.say("bob", "certificate")
    code = CODE.search(issued.text)
    assert code is not None
    pdf = PdfReader(io.BytesIO(issued.files[0].content)).pages[0].extract_text()
    assert "sessions 1-20, ended 12 January 2027" in pdf  # the whole plan and its end
    verified = await console.text("zed", f"verify {code.group(1)}")
    assert (
        "bob completed 100% of the required work of Test cohort (sessions 1-20, ended" in verified
    )


async def test_an_organizer_can_issue_a_certificate_early_and_it_says_so(
    console: Console,
) -> None:
    await console.text("olga", "admin assign softmax due 2027-01-18 session 1")
    await console.text("olga", "admin assign adam due 2027-01-25 session 2")
    await console.say("bob", "join")
    await submit(console.app, "bob", "softmax", 8)
    assert "for organizers" in await console.text("bob", "admin certificate @bob")
    issued = await console.text("olga", "admin certificate @bob")
    assert "(50% of the required work), early, before the course ended" in issued
    [mine] = await console.say("bob", "certificate")
    assert "Here is your certificate again." in mine.text
    pdf = PdfReader(io.BytesIO(mine.files[0].content)).pages[0].extract_text()
    assert "issued early by an organizer" in pdf
    listing = await console.text("olga", "admin certificates")
    assert "bob — 50% (1/2) · 🎓 certificate" in listing
    assert "issued early by an organizer" in listing
    assert "Usage: `d2l admin certificate @someone`" in await console.text(
        "olga", "admin certificate"
    )


async def test_a_quiz_answered_all_wrong_does_not_count(console: Console) -> None:
    await console.text("olga", "admin assign probability due 2027-01-18 session 1")
    await console.say("ann", "quiz probability 5")
    for _ in range(5):
        await console.say("ann", f"answer {wrong_answer(await open_question(console.app, 'ann'))}")
    progress = await console.text("ann", "progress")
    assert "0 of 1 piece of required work done (0%)" in progress
    assert "✅" not in await console.text("ann", "assignments")

    await console.say("ann", "quiz probability 5")  # 5 right of 10 answers: 50%, short of 60%
    for _ in range(5):
        await console.say("ann", f"answer {right_answer(await open_question(console.app, 'ann'))}")
    assert "0 of 1 piece of" in await console.text("ann", "progress")
    await console.say("ann", "quiz probability 5")  # 10 right of 15: 67%
    for _ in range(5):
        await console.say("ann", f"answer {right_answer(await open_question(console.app, 'ann'))}")
    assert "1 of 1 piece of required work done (100%)" in await console.text("ann", "progress")


@dataclass(frozen=True)
class Wants:
    """What a person asked for by direct message in the run below."""

    kinds: frozenset[str]
    until: dt.datetime | None = None  # they left then
    not_coming: frozenset[int] = frozenset()  # session numbers answered "no"


NOTHING = Wants(frozenset())
DEFAULTS = Wants(frozenset({ASSIGNMENT_REMINDER, NUDGE}))
EVERYTHING = frozenset({SESSION_REMINDER, ASSIGNMENT_REMINDER, NUDGE})


async def test_in_ten_weeks_nobody_gets_a_direct_message_they_did_not_ask_for(
    console: Console,
) -> None:
    c = console
    for line in (
        "admin assign softmax due 2027-01-18 session 1",
        "admin assign probability due 2027-01-25 session 2",
        "admin assign adam due 2027-02-08 session 4",
        "admin assign optimization due 2027-03-01 session 7",
    ):
        assert "Assigned" in await c.text("olga", line)  # olga organizes; she never joins
    await c.say("zed", "help next")  # a passer-by
    await c.say("zed", "schedule")
    await c.say("ann", "join")  # defaults: assignment reminders and nudges
    await c.say("bob", "remind on")  # everything, but not session 3
    await c.say("bob", "rsvp no 3")
    await c.say("cid", "join")
    await c.say("cid", "remind off")  # nothing at all
    await c.say("dan", "remind on")  # everything, until he leaves
    await c.say("eve", "remind on sessions 2h")  # only session reminders
    await c.say("eve", "remind off assignments")
    await c.say("eve", "remind off nudges")
    await submit(c.app, "bob", "softmax", 8)
    await c.wait("20d")  # to Sunday 24 January
    left_at = c.app.services.clock.now()
    assert "You've left Test cohort" in await c.text("dan", "leave")
    await c.wait("50d")  # ten weeks in all

    wants = {
        "olga": NOTHING,
        "zed": NOTHING,
        "cid": NOTHING,
        "ann": DEFAULTS,
        "bob": Wants(EVERYTHING, not_coming=frozenset({3})),
        "dan": Wants(EVERYTHING, until=left_at),
        "eve": Wants(frozenset({SESSION_REMINDER})),
    }
    sessions = {s.id: s.number for s in await _sessions(c.app)}
    got: dict[str, set[str]] = {name: set() for name in wants}
    welcomed = []
    for message in await c.sent_directly():
        if message.kind == "welcome":  # the one unasked DM: once, to whoever joins (issue 16)
            welcomed.append(message.target)
            continue
        want = wants[message.target]
        assert message.kind in want.kinds, (message.target, message.kind, message.key)
        assert want.until is None or (message.sent_at or left_at) <= want.until, message.key
        if message.kind == SESSION_REMINDER:
            assert sessions[message.payload["session_id"]] not in want.not_coming, message.key
        got[message.target].add(message.kind)
    # The run did send things, so the checks above had something to check.
    assert got["ann"] == {ASSIGNMENT_REMINDER, NUDGE}
    assert got["bob"] >= {SESSION_REMINDER, ASSIGNMENT_REMINDER}
    assert got["eve"] == {SESSION_REMINDER}
    assert got["dan"]  # before he left
    assert "[bot → @ann, direct message" in c.output.getvalue()
    assert sorted(welcomed) == ["ann", "bob", "cid", "dan", "eve"]


async def test_leave_stops_every_direct_message_and_join_brings_them_back(
    console: Console,
) -> None:
    await console.text("olga", "admin assign softmax due 2027-01-25 session 2")
    await console.say("dan", "remind on")
    await console.wait("2d")
    assert "You've left Test cohort" in await console.text("dan", "leave")
    assert "You aren't a member" in await console.text("dan", "leave")
    await console.wait("30d")  # past session 2 and its assignment and nudge
    # Only the welcome dan got on joining, before he left.
    assert [m.kind for m in await console.sent_directly()] == ["welcome"]
    assert "Session reminders: on" in await console.text("dan", "remind")  # kept for later
    assert await console.status("dan") == "left"  # asking about reminders doesn't rejoin
    await console.say("dan", "join")
    await console.wait("8d")  # session 5 on 9 February: a day and an hour before
    # and the nudge of session 4 (he is behind), still timely until session 5; no second welcome
    assert {m.kind for m in await console.sent_directly()} == {"welcome", SESSION_REMINDER, NUDGE}
    assert [m.kind for m in await console.sent_directly()].count("welcome") == 1


async def _sessions(app: App) -> list[Session]:
    async with app.services.sessions() as db:
        return list(await db.scalars(select(Session)))


async def test_every_command_answers_a_visitor_without_an_internal_error(
    console: Console,
) -> None:
    [overview] = await console.say("vic", "help")
    assert [c.command for c in overview.choices] == ["join"]  # the welcome's button
    router = console.app.router
    typed = {n: c.examples[0] if c.examples else n for n, c in router.commands.items()}

    def reads(name: str) -> bool:
        found = router.match(typed[name].split())
        assert found is not None
        return not found[0].joins_with(found[1]) and name not in ("join", "leave")

    reading = [n for n in typed if reads(n)]
    for name in [*reading, *[n for n in typed if n not in reading]]:
        text = await console.text("vic", typed[name])
        assert text.strip() and "went wrong" not in text, (name, text)
        if name in reading:
            assert await console.status("vic") == "visitor", name
