"""Autocomplete for the `/d2l command:` option: command names, then their arguments
(exercise names, quiz topics, session numbers) from the catalog and the curriculum."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.app import App

MAX_CHOICES = 25  # Discord shows at most 25
NAME_LIMIT = 100
# Which catalog each command's first argument comes from; other commands offer the literal
# words of their usage (`rsvp yes|no|maybe` → yes, no, maybe).
_EXERCISES = ("submit", "exercise", "admin assign")
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
