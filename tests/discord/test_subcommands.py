"""The `/d2l` command group: its registration, the typed subcommands (each builds the text
`!d2l` would get), `run` for any command text, and the typed options' autocomplete."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bot.app import App
from bot.platforms.discord_bot import DiscordPlatform
from handlers.context import Context
from handlers.types import Reply
from tests.discord import payloads as p
from tests.discord.conftest import ALICE
from tests.discord.fake_discord import FakeDiscord, Sent

FENCE = "```"
STRING, INTEGER, ATTACHMENT, SUBCOMMAND = 3, 4, 11, 1


def registered(fake: FakeDiscord) -> dict[str, dict[str, Any]]:
    """The `/d2l` subcommands as registered, by name."""
    (sync,) = fake.calls_to(f"/applications/{p.APP_ID}/commands", "PUT")
    (command,) = sync.body
    assert command["name"] == "d2l"
    return {o["name"]: o for o in command["options"]}


def options(subcommand: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["name"]: o for o in subcommand.get("options", [])}


async def slash(
    fake: FakeDiscord, subcommand: str, attachments: dict[str, Any] | None = None, **opts: Any
) -> None:
    token = f"token-{p.snowflake()}"
    payload = p.slash(token, ALICE, subcommand, opts, attachments=attachments)
    await fake.dispatch("INTERACTION_CREATE", payload)


async def typing(fake: FakeDiscord, subcommand: str, focused: str, **opts: Any) -> list[Any]:
    """The values offered while `focused` is typed."""
    before = len(fake.sent)
    token = f"token-{p.snowflake()}"
    await fake.dispatch(
        "INTERACTION_CREATE", p.slash(token, ALICE, subcommand, opts, autocomplete=focused)
    )
    sent = await fake.wait_sent(before + 1)
    assert sent[before].kind == "autocomplete"
    return [c["value"] for c in sent[before].body["choices"]]


async def test_d2l_is_a_group_of_typed_subcommands_within_discords_limits(
    platform: DiscordPlatform, fake: FakeDiscord, app: App
) -> None:
    subs = registered(fake)
    assert len(subs) <= 25
    assert {s["type"] for s in subs.values()} == {SUBCOMMAND}
    for name, sub in subs.items():
        assert name in app.router.commands or name == "run"
        assert 1 <= len(sub["description"]) <= 100
        assert all(1 <= len(o["description"]) <= 100 for o in sub.get("options", []))

    number = options(subs["session"])["number"]
    assert (number["type"], number["min_value"], number["max_value"]) == (INTEGER, 1, 60)
    assert number["required"] and number["autocomplete"]
    answer = options(subs["rsvp"])["answer"]
    assert [c["value"] for c in answer["choices"]] == ["yes", "no", "maybe"]
    quiz = options(subs["quiz"])
    assert quiz["topic"]["autocomplete"] and quiz["topic"]["type"] == STRING
    assert (quiz["count"]["min_value"], quiz["count"]["max_value"]) == (1, 20)
    assert not quiz["count"].get("required")
    submit = options(subs["submit"])
    assert submit["exercise"]["autocomplete"] and submit["exercise"]["required"]
    assert (submit["code"]["type"], submit["file"]["type"]) == (STRING, ATTACHMENT)
    assert [c["value"] for c in options(subs["leaderboard"])["board"]["choices"]] == [
        "quiz",
        "code",
        "all",
    ]
    assert options(subs["exercise"])["name"]["autocomplete"]
    assert options(subs["help"])["command"]["autocomplete"]
    run = options(subs["run"])
    assert run["text"]["autocomplete"] and run["attachment"]["type"] == ATTACHMENT


@pytest.fixture
def heard(app: App) -> list[tuple[str, str | None]]:
    """Every command records the text and code it got instead of answering (for anyone:
    this is about parsing, not about who may run what)."""
    seen: list[tuple[str, str | None]] = []

    async def record(ctx: Context) -> Reply:
        files = ctx.invocation.attachments
        code = ctx.code if ctx.code is not None or not files else files[0].content.decode()
        seen.append((ctx.invocation.text, code.rstrip() if code is not None else None))
        return Reply(text="ok")

    for name, command in list(app.router.commands.items()):
        app.router.commands[name] = dataclasses.replace(
            command, handler=record, joins=False, organizer_only=False
        )
    return seen


CASES: list[tuple[str, dict[str, Any], str]] = [
    ("join", {}, "join"),
    ("next", {}, "next"),
    ("schedule", {}, "schedule"),
    ("session", {"number": 3}, "session 3"),
    ("rsvp", {"answer": "maybe", "session": 4}, "rsvp maybe 4"),
    ("calendar", {}, "calendar"),
    ("remind", {"state": "on", "offsets": "2d  30m"}, "remind on 2d 30m"),
    ("quiz", {"topic": "probability", "count": 5}, "quiz probability 5"),
    ("quiz", {}, "quiz"),
    ("answer", {"value": "3/8"}, "answer 3/8"),
    ("review", {"count": 2}, "review 2"),
    ("leaderboard", {"board": "code"}, "leaderboard code"),
    ("exercise", {"name": "softmax"}, "exercise softmax"),
    ("exercises", {}, "exercises"),
    ("assignments", {}, "assignments"),
    ("progress", {}, "progress"),
    ("certificate", {}, "certificate"),
    ("nudges", {"state": "off"}, "nudges off"),
    ("link", {"code": "AB12"}, "link AB12"),
    ("ask", {"question": "Why  softmax?"}, "ask Why softmax?"),
    ("questions", {}, "questions"),
    ("upvote", {"number": 2}, "upvote 2"),
    ("help", {"command": "quiz"}, "help quiz"),
    ("run", {"text": "admin cohort"}, "admin cohort"),
]


async def test_every_subcommand_builds_the_text_the_router_parses(
    platform: DiscordPlatform, fake: FakeDiscord, heard: list[tuple[str, str | None]]
) -> None:
    assert {name for name, _, _ in CASES} | {"submit"} == set(registered(fake))  # below
    for index, (name, opts, _) in enumerate(CASES):
        await slash(fake, name, **opts)
        await fake.wait_sent(index + 1)  # one at a time, so `heard` is in order
    assert [text for text, _ in heard] == [text for _, _, text in CASES]


async def test_submit_with_the_code_option_or_a_file(
    platform: DiscordPlatform, fake: FakeDiscord, heard: list[tuple[str, str | None]]
) -> None:
    await slash(fake, "submit", exercise="softmax", code="def softmax(X): return X")
    await fake.wait_sent(1)
    file = fake.add_file("mine.py", b"def softmax(X):\n    return X\n")
    await slash(fake, "submit", attachments={"file": file}, exercise="softmax")
    await fake.wait_sent(2)
    assert [code for _, code in heard] == [
        "def softmax(X): return X",
        "def softmax(X):\n    return X",
    ]
    # The code option arrives fenced; a file arrives as itself, for the neutral reader.
    assert [text.split("\n")[0] for text, _ in heard] == ["submit softmax"] * 2
    assert heard[0][0].startswith(f"submit softmax\n{FENCE}")


async def answer_of(fake: FakeDiscord, subcommand: str, **opts: Any) -> Sent:
    before = len(fake.sent)
    await slash(fake, subcommand, **opts)
    sent = await fake.wait_sent(before + 1)
    assert sent[before].kind == "response"
    return sent[before]


async def test_session_rsvp_quiz_and_run_answer_as_their_messages_do(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    session = await answer_of(fake, "session", number=3)
    assert not session.ephemeral and session.embeds[0]["title"].startswith("Session 3:")
    rsvp = await answer_of(fake, "rsvp", answer="yes")
    assert rsvp.ephemeral and rsvp.content.startswith("Noted: yes for session 1")
    quiz = await answer_of(fake, "quiz", topic="probability", count=1)
    assert quiz.ephemeral and "question 1 of 1" in quiz.text()
    cohort = await answer_of(fake, "run", text="admin cohort")  # Alice organizes: she came first
    assert "something went wrong" not in cohort.text() and "Unknown" not in cohort.text()
    assert "cadence" in cohort.text().lower()


async def test_join_is_a_typed_subcommand_and_hints_name_it(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    joined = await answer_of(fake, "join")
    assert joined.ephemeral and "You've joined" in joined.text()
    assert "/d2l leave" not in joined.text() and "!d2l leave" in joined.text()  # no subcommand
    again = await answer_of(fake, "join")
    assert "already a member" in again.text()
    help_join = await answer_of(fake, "help", command="join")
    assert "/d2l join" in help_join.text() and "!d2l join" not in help_join.text()


async def test_submit_is_graded_like_a_message(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    await slash(fake, "submit", exercise="nosuchexercise", code="x = 1")
    (sent,) = await fake.wait_sent(1)
    assert sent.ephemeral and "nosuchexercise" in sent.text()


async def test_exercise_topic_and_session_options_autocomplete(
    platform: DiscordPlatform, fake: FakeDiscord, app: App
) -> None:
    exercises = sorted(app.services.catalog.exercises)
    assert await typing(fake, "exercise", "name", name="") == exercises[:25]
    soft = await typing(fake, "submit", "exercise", exercise="soft")
    assert soft[0] == "softmax"  # then those that mention it, e.g. masked_attention
    assert all("soft" in x or "soft" in app.services.catalog.exercises[x].lower() for x in soft)
    assert await typing(fake, "quiz", "topic", topic="prob") == ["probability"]
    assert await typing(fake, "quiz", "topic", topic="") == sorted(app.services.catalog.quiz_topics)
    assert await typing(fake, "session", "number", number="1") == [1, *range(10, 20)]
    assert await typing(fake, "rsvp", "session", answer="yes", session="2") == [2, 20]
    assert (await typing(fake, "help", "command", command="qui"))[:2] == ["quiz", "quiz answer"]
    assert await typing(fake, "run", "text", text="admin coh") == ["admin cohort"]
