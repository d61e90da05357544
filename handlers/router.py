"""One router for every platform: match the command, resolve the caller, run the handler,
and turn every failure into a clear answer (never a stack trace in chat)."""

from __future__ import annotations

import difflib
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from handlers.context import Context, NotAllowed, Services, UsageError
from handlers.parsing import ParsedMessage, parse_message
from handlers.types import Invocation, Reply
from handlers.welcome import welcome_member, welcome_text
from models.cohorts import cohort_for_channel
from models.members import enroll, join, member_for_identity, named_in

log = logging.getLogger(__name__)

Handler = Callable[[Context], Awaitable[Reply | Sequence[Reply]]]
# Slow I/O a command needs before its transaction opens (a download): returns the invocation
# to handle (with what it fetched) or a reply that ends the command.
Before = Callable[[Services, Invocation, list[str]], Awaitable[Invocation | Reply]]

MAX_MESSAGE_CHARS = 100_000
UNAVAILABLE = "The database is temporarily unavailable. Please try again in a moment."
# SQLSTATE classes and codes that mean "the server can't serve you right now": connection
# exceptions (08), too many connections (53300), shutdown and restart (57P01-57P03), and the
# conflicts whose documented remedy is to run the transaction again (40001, 40P01).
TRANSIENT_SQLSTATES = ("08", "53300", "57P01", "57P02", "57P03", "40001", "40P01")
MAX_WORDS = 200


@dataclass(frozen=True)
class Command:
    name: str  # one or two words: "next", "admin cohort"
    usage: str  # "session N"
    summary: str
    handler: Handler
    details: str = ""
    organizer_only: bool = False
    examples: tuple[str, ...] = ()
    group: str = "Study group"
    # The command records work (a submission, an answer, an RSVP…): it makes the caller a
    # member first. Reading commands enrol nobody. A function decides from the arguments
    # (`remind off` must not make a member of someone who left).
    joins: bool | Callable[[Sequence[str]], bool] = False
    before: Before | None = None

    def joins_with(self, args: Sequence[str]) -> bool:
        return self.joins(args) if callable(self.joins) else self.joins


@dataclass
class Router:
    commands: dict[str, Command] = field(default_factory=dict)

    def add(self, command: Command) -> None:
        if command.name in self.commands:
            raise ValueError(f"command {command.name!r} registered twice")
        self.commands[command.name] = command

    def match(self, words: Sequence[str]) -> tuple[Command, list[str]] | None:
        """The longest command name the words start with, and the remaining arguments."""
        lowered = [w.lower() for w in words[:2]]
        for width in (2, 1):
            name = " ".join(lowered[:width])
            if len(lowered) >= width and name in self.commands:
                return self.commands[name], list(words[width:])
        return None

    def suggest(self, words: Sequence[str]) -> list[str]:
        """Close command names for a mistyped command ("did you mean")."""
        names = list(self.commands)
        typed = " ".join(w.lower() for w in words[:2])
        first = words[0].lower() if words else ""
        close = difflib.get_close_matches(typed, names, n=3, cutoff=0.6)
        close += [n for n in difflib.get_close_matches(first, names, n=3, cutoff=0.6)]
        close += [n for n in names if first and n.split()[0] == first]
        return list(dict.fromkeys(close))[:3]

    async def handle(self, services: Services, invocation: Invocation) -> list[Reply]:
        """Answer one message. Never raises: every failure becomes a reply."""
        if len(invocation.text) > MAX_MESSAGE_CHARS:
            size = len(invocation.text.encode("utf-8", "replace"))
            return [
                error_reply(
                    f"That message is too long ({_size(size)}); the limit is "
                    f"{_size(MAX_MESSAGE_CHARS)}. Nothing was saved — send a shorter one."
                )
            ]
        parsed = parse_message(invocation.text)
        if not parsed.words:
            if parsed.code is not None:
                return [
                    error_reply(
                        "I got code but no command. To submit: `d2l submit NAME` "
                        "followed by the code block."
                    )
                ]
            return [Reply(text="Hi! Type `d2l help` to see what I can do.", ephemeral=True)]
        if len(parsed.words) > MAX_WORDS:
            return [error_reply(f"Too many words in that command (limit {MAX_WORDS}).")]
        found = self.match(parsed.words)
        if found is None:
            return [self._unknown(parsed.words)]
        command, args = found
        try:
            if command.before is not None:
                prepared = await command.before(services, invocation, args)
                if isinstance(prepared, Reply):
                    return [prepared]
                invocation = prepared
            return await self._run(services, invocation, command, args, parsed)
        except UsageError as exc:
            return [usage_reply(command, exc.problem, show_usage=exc.show_usage)]
        except NotAllowed as exc:
            return [error_reply(str(exc) or f"`d2l {command.name}` is for organizers only.")]
        except (OperationalError, PoolTimeout, OSError) as exc:
            return [_unavailable(command, exc)]
        except DBAPIError as exc:
            if exc.connection_invalidated or _transient_sqlstate(exc):
                return [_unavailable(command, exc)]
            return [self._crash(command, exc)]
        except Exception as exc:
            return [self._crash(command, exc)]

    async def _run(
        self,
        services: Services,
        invocation: Invocation,
        command: Command,
        args: list[str],
        parsed: ParsedMessage,
    ) -> list[Reply]:
        now = services.clock.now()
        async with services.sessions() as db, db.begin():
            cohort = await cohort_for_channel(
                db, invocation.platform, invocation.workspace_id, invocation.channel_id
            )
            if cohort is None:
                return [
                    error_reply(
                        "No cohort is set up yet: run `studybot migrate` and "
                        "start the bot once to create the default cohort."
                    )
                ]
            member = await member_for_identity(
                db,
                platform=invocation.platform,
                workspace_id=invocation.workspace_id,
                user_id=invocation.user_id,
                display_name=invocation.user_name,
                now=now,
            )
            organizers = services.settings.cohort.organizers
            configured = named_in(
                organizers, invocation.platform, invocation.workspace_id, invocation.user_id
            )
            enrollment = await enroll(
                db, cohort_id=cohort.id, member_id=member.id, now=now, organizer=configured
            )
            welcome = ""
            if command.joins_with(args):
                joined = await join(db, enrollment, organizers_configured=bool(organizers))
                if joined.joined:
                    welcome = welcome_text(cohort.name, joined)
                    conduct_file = services.settings.cohort.conduct_file
                    await welcome_member(db, cohort, member.id, invocation, now, conduct_file)
            is_organizer = enrollment.role == "organizer"
            if command.organizer_only and not is_organizer:
                raise NotAllowed(f"`d2l {command.name}` is for organizers of {cohort.name}.")
            ctx = Context(
                services=services,
                db=db,
                invocation=invocation,
                member=member,
                cohort=cohort,
                enrollment=enrollment,
                is_organizer=is_organizer,
                args=args,
                code=parsed.code,
                code_language=parsed.code_language,
            )
            result = await command.handler(ctx)
        replies = [result] if isinstance(result, Reply) else list(result)
        if welcome:
            replies = _with_welcome(replies, welcome)
        return [_with_zone(r, cohort.timezone) for r in replies]

    def _unknown(self, words: Sequence[str]) -> Reply:
        typed = " ".join(words[:2])[:60]
        close = self.suggest(words)
        if close:
            options = ", ".join(f"`d2l {name}`" for name in close)
            return error_reply(
                f"I don't know `{typed}`. Did you mean {options}? (`d2l help` lists everything.)"
            )
        return error_reply(f"I don't know `{typed}`. `d2l help` lists what I can do.")

    def _crash(self, command: Command, exc: BaseException) -> Reply:
        ref = secrets.token_hex(4)
        log.error("command %r failed (ref %s)", command.name, ref, exc_info=exc)
        return error_reply(
            f"Sorry, something went wrong on my side while running "
            f"`d2l {command.name}` (error ref {ref}). The organizers can find "
            "it in the bot's log."
        )


def _unavailable(command: Command, exc: BaseException) -> Reply:
    """A database outage (connection refused or dropped, a server restarting): the
    transaction was rolled back or never began, so the member can simply try again."""
    cause = exc.orig if isinstance(exc, DBAPIError) else exc  # no SQL text in the log
    log.warning("database unavailable during %r: %s: %s", command.name, type(cause).__name__, cause)
    return error_reply(UNAVAILABLE)


def _transient_sqlstate(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return isinstance(code, str) and code.startswith(TRANSIENT_SQLSTATES)


def usage_reply(command: Command, problem: str = "", *, show_usage: bool = True) -> Reply:
    if problem and not show_usage:
        return error_reply(problem)
    lines = [problem] if problem else []
    lines.append(f"Usage: `d2l {command.usage}` — {command.summary}")
    lines.extend(f"Example: `d2l {example}`" for example in command.examples[:2])
    return error_reply("\n".join(lines))


def error_reply(text: str) -> Reply:
    return Reply(text=text, ephemeral=True, is_error=True)


def _with_welcome(replies: list[Reply], welcome: str) -> list[Reply]:
    """The joining notice ends the first private reply (one message, as before); after a
    reply the channel sees, it comes as a private reply of its own."""
    first = replies[0] if replies else None
    if first is None or not first.ephemeral:
        return [*replies, Reply(text=welcome, ephemeral=True)]
    return [replace(first, text=f"{first.text}\n\n{welcome}".strip()), *replies[1:]]


def _with_zone(reply: Reply, timezone: str) -> Reply:
    return reply if reply.timezone == timezone else replace(reply, timezone=timezone)


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{n // 1000} KB"
