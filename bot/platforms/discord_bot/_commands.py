"""The `/d2l` command group: typed subcommands for the members' everyday commands, and `run`
for any command text (organizers' and two-word ones: `/d2l run text: admin cohort`).

A subcommand only builds the text the router parses (`session 3`, `quiz probability 5`,
`submit softmax` with the code) and hands it to the client's `run_slash`, so every
subcommand is answered the same way (within 3 s, deferred, ephemeral when private) and means
exactly what the same `!d2l` message means.

Discord allows 25 subcommands in a command; this group has 24.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Optional

import discord
from discord import app_commands

from bot.platforms.discord_bot import _complete

MAX_SESSION = 60
MAX_QUIZ = 20  # the router's own limit for `quiz TOPIC N` and `review N`

Interaction = discord.Interaction[Any]
Choices = list[app_commands.Choice[Any]]


def command_text(*parts: object) -> str:
    """The router text from a subcommand's name and its given options (None is left out)."""
    return " ".join(" ".join(str(part).split()) for part in parts if part not in (None, ""))


def d2l_group(client: Any) -> app_commands.Group:
    """The `/d2l` group. `client` is the StudyClient (typed loosely to keep the modules free
    of import cycles): it runs the text (`run_slash`) and knows the catalog (`app`)."""
    d2l = app_commands.Group(name="d2l", description="Talk to the study-group bot (try: help)")

    async def run(
        interaction: Interaction,
        *parts: object,
        code: str | None = None,
        attachment: discord.Attachment | None = None,
    ) -> None:
        await client.run_slash(interaction, command_text(*parts), code, attachment)

    def choices(
        pairs: Sequence[tuple[str, Any]],
    ) -> Choices:
        return [app_commands.Choice(name=label, value=value) for label, value in pairs]

    async def complete_exercise(interaction: Interaction, current: str) -> Choices:
        return choices(_complete.exercise_choices(client.app, str(current or "")))

    async def complete_topic(interaction: Interaction, current: str) -> Choices:
        return choices(_complete.topic_choices(client.app, str(current or "")))

    async def complete_session(interaction: Interaction, current: Any) -> Choices:
        # An integer option's focused value arrives as typed (a string, possibly empty).
        return choices(_complete.session_choices(client.app, str(current or "")))

    async def complete_command(interaction: Interaction, current: str) -> Choices:
        return choices(_complete.command_choices(client.app, str(current or "")))

    async def complete_text(interaction: Interaction, current: str) -> Choices:
        return choices(client.suggestions(str(current or "")))

    # Joining ----------------------------------------------------------------------------

    @d2l.command(description="Join the study group: reminders, progress, a certificate")
    async def join(interaction: Interaction) -> None:
        await run(interaction, "join")

    # Sessions ---------------------------------------------------------------------------

    @d2l.command(name="next", description="The next session in full")
    async def next_(interaction: Interaction) -> None:
        await run(interaction, "next")

    @d2l.command(description="All sessions with their dates and chapters")
    async def schedule(interaction: Interaction) -> None:
        await run(interaction, "schedule")

    @d2l.command(description="One session in full")
    @app_commands.describe(number="The session's number")
    @app_commands.autocomplete(number=complete_session)
    async def session(
        interaction: Interaction, number: app_commands.Range[int, 1, MAX_SESSION]
    ) -> None:
        await run(interaction, "session", number)

    @d2l.command(description="Say whether you'll come to the next session (or session N)")
    @app_commands.describe(answer="Will you come?", session="Another session than the next")
    @app_commands.autocomplete(session=complete_session)
    async def rsvp(
        interaction: Interaction,
        answer: Literal["yes", "no", "maybe"],
        session: Optional[app_commands.Range[int, 1, MAX_SESSION]] = None,  # noqa: UP045
    ) -> None:
        await run(interaction, "rsvp", answer, session)

    @d2l.command(description="All sessions as a calendar file (.ics) to import")
    async def calendar(interaction: Interaction) -> None:
        await run(interaction, "calendar")

    @d2l.command(description="Personal reminders by direct message before each session")
    @app_commands.describe(
        state="on or off; leave out to see your setting",
        offsets="With on: when before a session, e.g. 24h 1h or 2d 30m",
    )
    async def remind(
        interaction: Interaction,
        state: Optional[Literal["on", "off"]] = None,  # noqa: UP045
        offsets: str | None = None,
    ) -> None:
        await run(interaction, "remind", state, offsets)

    # Quizzes ----------------------------------------------------------------------------

    @d2l.command(description="A private quiz; without a topic, the topics")
    @app_commands.describe(topic="The quiz topic", count=f"How many questions (at most {MAX_QUIZ})")
    @app_commands.autocomplete(topic=complete_topic)
    async def quiz(
        interaction: Interaction,
        topic: str | None = None,
        count: Optional[app_commands.Range[int, 1, MAX_QUIZ]] = None,  # noqa: UP045
    ) -> None:
        await run(interaction, "quiz", topic, count)

    @d2l.command(description="Answer your open quiz question")
    @app_commands.describe(value="A letter, true/false, or a number like 3/8")
    async def answer(interaction: Interaction, value: str) -> None:
        await run(interaction, "answer", value)

    @d2l.command(description="Spaced repetition of the questions you missed")
    @app_commands.describe(count=f"How many questions (at most {MAX_QUIZ})")
    async def review(
        interaction: Interaction,
        count: Optional[app_commands.Range[int, 1, MAX_QUIZ]] = None,  # noqa: UP045
    ) -> None:
        await run(interaction, "review", count)

    @d2l.command(description="The top 10 and your own rank")
    @app_commands.describe(board="Which leaderboard (all if left out)")
    async def leaderboard(
        interaction: Interaction,
        board: Optional[Literal["quiz", "code", "all"]] = None,  # noqa: UP045
    ) -> None:
        await run(interaction, "leaderboard", board)

    # Exercises --------------------------------------------------------------------------

    @d2l.command(description="An exercise's statement, starter code and examples")
    @app_commands.describe(name="The exercise")
    @app_commands.autocomplete(name=complete_exercise)
    async def exercise(interaction: Interaction, name: str) -> None:
        await run(interaction, "exercise", name)

    @d2l.command(
        name="exercises", description="The code exercises, their due times and your best scores"
    )
    async def list_exercises(interaction: Interaction) -> None:
        await run(interaction, "exercises")

    @d2l.command(description="Submit code for an exercise; it is graded in a sandbox")
    @app_commands.describe(
        exercise="The exercise",
        code="Your code on one line (for more, attach a file)",
        file="A .py or .ipynb file with your code",
    )
    @app_commands.autocomplete(exercise=complete_exercise)
    async def submit(
        interaction: Interaction,
        exercise: str,
        code: str | None = None,
        file: discord.Attachment | None = None,
    ) -> None:
        await run(interaction, "submit", exercise, code=code, attachment=file)

    @d2l.command(description="The cohort's assignments, due times and whether you've done them")
    async def assignments(interaction: Interaction) -> None:
        await run(interaction, "assignments")

    # You --------------------------------------------------------------------------------

    @d2l.command(description="Your progress toward the certificate")
    async def progress(interaction: Interaction) -> None:
        await run(interaction, "progress")

    @d2l.command(description="Your certificate of completion (a PDF)")
    async def certificate(interaction: Interaction) -> None:
        await run(interaction, "certificate")

    @d2l.command(description="A direct message after a session when you fall behind pace")
    @app_commands.describe(state="on or off; leave out to see your setting")
    async def nudges(
        interaction: Interaction,
        state: Optional[Literal["on", "off"]] = None,  # noqa: UP045
    ) -> None:
        await run(interaction, "nudges", state)

    @d2l.command(description="Join your accounts on Slack and Discord into one member")
    @app_commands.describe(code="The code the other platform gave you; leave out to get one")
    async def link(interaction: Interaction, code: str | None = None) -> None:
        await run(interaction, "link", code)

    # Live Q&A ---------------------------------------------------------------------------

    @d2l.command(description="Add a question for the next session's live Q&A")
    @app_commands.describe(question="Your question")
    async def ask(interaction: Interaction, question: str) -> None:
        await run(interaction, "ask", question)

    @d2l.command(description="The next session's questions, most votes first")
    async def questions(interaction: Interaction) -> None:
        await run(interaction, "questions")

    @d2l.command(description="Vote for a question of the live Q&A")
    @app_commands.describe(number="The question's number in `questions`")
    async def upvote(interaction: Interaction, number: app_commands.Range[int, 1]) -> None:
        await run(interaction, "upvote", number)

    # Everything else --------------------------------------------------------------------

    @d2l.command(name="help", description="List the commands, or explain one")
    @app_commands.describe(command="The command to explain")
    @app_commands.autocomplete(command=complete_command)
    async def help_(interaction: Interaction, command: str | None = None) -> None:
        await run(interaction, "help", command)

    @d2l.command(
        name="run", description="Any command as after !d2l: admin cohort, quiz stop, unlink …"
    )
    @app_commands.describe(
        text="What to do, as after !d2l",
        code="Code for `submit` (one line; attach a .py or .ipynb file for more)",
        attachment="A .py or .ipynb file with your code, for `submit`",
    )
    @app_commands.autocomplete(text=complete_text)
    async def run_text(
        interaction: Interaction,
        text: str,
        code: str | None = None,
        attachment: discord.Attachment | None = None,
    ) -> None:
        await client.run_slash(interaction, text, code, attachment)

    return d2l
