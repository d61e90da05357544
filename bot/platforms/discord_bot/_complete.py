"""Autocomplete for `/d2l run text:` (command names, then their arguments: exercise names,
quiz topics, session numbers) and for the typed options of the other `/d2l` subcommands
(`exercise name:`, `quiz topic:`, `session number:` …), from the catalog and the curriculum."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.app import App

MAX_CHOICES = 25  # Discord shows at most 25
NAME_LIMIT = 100
# Which catalog each command's first argument comes from; other commands offer the literal
# words of their usage (`rsvp yes|no|maybe` → yes, no, maybe).
_EXERCISES = ("submit", "exercise", "admin assign", "hint", "solution", "admin exercisestats")
_QUIZ_TOPICS = ("quiz", "quiz live", "admin assign", "admin quizstats")
_SESSIONS = ("session", "admin session", "review")
_LITERAL = re.compile(r"[a-z]+(\|[a-z]+)*")


def suggestions(app: App, typed: str) -> list[tuple[str, str]]:
    """(label, value) pairs for what has been typed so far."""
    text = " ".join(typed.lower().split()) + (" " if typed.endswith(" ") else "")
    words = text.split()
    # Command names first (members' before organizers'), e.g. "quiz" → quiz, quiz live …
    names = sorted(app.router.commands.items(), key=lambda i: (i[1].organizer_only, i[0]))
    pairs = [(f"{name} — {c.summary}", name) for name, c in names if name.startswith(text)]
    found = app.router.match(words) if words else None
    # Once a whole command and a space are typed, its first argument too.
    if found is not None and (len(words) > len(found[0].name.split()) or text.endswith(" ")):
        command, args = found
        partial = "" if text.endswith(" ") or not args else args[-1]
        if args[: -1 if partial else None]:
            return _limit(pairs)  # past the first argument: nothing more to offer
        pairs += [
            (f"{command.name} {value} — {label}", f"{command.name} {value}")
            for value, label in _arguments(app, command.name)
            if value.lower().startswith(partial)
        ]
    return _limit(pairs)


def _arguments(app: App, command: str) -> list[tuple[str, str]]:
    values = _literals(app.router.commands[command].usage, command)
    catalog = app.services.catalog
    if command in _EXERCISES:
        values += sorted(catalog.exercises.items())
    if command in _QUIZ_TOPICS:
        values += sorted(catalog.quiz_topics.items())
    if command in _SESSIONS:
        values += [(str(s.number), s.title) for s in app.services.curriculum.sessions]
    return values


def _literals(usage: str, command: str) -> list[tuple[str, str]]:
    rest = usage[len(command) :].split()
    first = rest[0].strip("[]") if rest else ""
    if "|" not in first or not _LITERAL.fullmatch(first):
        return []
    return [(word, word) for word in first.split("|")]


def _limit(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for label, value in pairs:
        if len(value) > NAME_LIMIT:
            continue
        out.append((label if len(label) <= NAME_LIMIT else label[: NAME_LIMIT - 1] + "…", value))
        if len(out) == MAX_CHOICES:
            break
    return out


# Typed options of the `/d2l` subcommands -------------------------------------------------


def exercise_choices(app: App, typed: str) -> list[tuple[str, str]]:
    """Exercise names for `exercise name:` and `submit exercise:`."""
    return _matching(sorted(app.services.catalog.exercises.items()), typed)


def topic_choices(app: App, typed: str) -> list[tuple[str, str]]:
    """Quiz topics for `quiz topic:`."""
    return _matching(sorted(app.services.catalog.quiz_topics.items()), typed)


def command_choices(app: App, typed: str) -> list[tuple[str, str]]:
    """Command names (members' first) for `help command:`."""
    names = sorted(app.router.commands.items(), key=lambda i: (i[1].organizer_only, i[0]))
    return _matching([(name, c.summary) for name, c in names], typed)


def session_choices(app: App, typed: str) -> list[tuple[str, int]]:
    """Session numbers for `session number:` and `rsvp session:`: a typed number matches
    numbers starting with it, a word matches titles."""
    wanted = " ".join(typed.lower().split())
    sessions = app.services.curriculum.sessions
    if wanted.isdigit():
        pairs = _limit(
            (f"{s.number} — {s.title}", str(s.number))
            for s in sessions
            if str(s.number).startswith(wanted)
        )
    else:
        pairs = _matching([(str(s.number), s.title) for s in sessions], wanted)
    return [(label, int(value)) for label, value in pairs]


def _matching(values: Iterable[tuple[str, str]], typed: str) -> list[tuple[str, str]]:
    """(value, description) pairs whose value starts with `typed`, then those whose value or
    description contains it; as ("value — description", value)."""
    wanted = " ".join(typed.lower().split())
    items = list(values)
    first = [(v, d) for v, d in items if v.lower().startswith(wanted)]
    then = [
        (v, d)
        for v, d in items
        if (v, d) not in first and (wanted in v.lower() or wanted in d.lower())
    ]
    return _limit((f"{v} — {d}" if d else v, v) for v, d in first + then)
