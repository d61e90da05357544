"""Autocomplete of `/d2l run text:` and of the typed options, from the router's commands,
the catalog and the curriculum."""

from __future__ import annotations

from bot.app import App
from bot.platforms.discord_bot._complete import (
    MAX_CHOICES,
    command_choices,
    exercise_choices,
    session_choices,
    suggestions,
    topic_choices,
)


def values(app: App, typed: str) -> list[str]:
    return [value for _, value in suggestions(app, typed)]


def test_command_names_complete_members_commands_before_organizers(app: App) -> None:
    everything = values(app, "")
    assert len(everything) <= MAX_CHOICES
    assert not any(v.startswith("admin") for v in everything[:5])
    assert values(app, "sch") == ["schedule"]


def test_after_a_command_its_first_argument_is_offered(app: App) -> None:
    topics = sorted(app.services.catalog.quiz_topics)
    assert topics  # the shipped question bank
    assert [v for v in values(app, "quiz ") if v.count(" ") == 1][-len(topics) :] == [
        f"quiz {t}" for t in topics
    ]
    assert values(app, "rsvp m") == ["rsvp maybe"]
    assert values(app, "session 2 ") == []


def test_exercise_names_complete_for_submit(app: App) -> None:
    exercises = sorted(app.services.catalog.exercises)
    if not exercises:  # the exercise catalog is another part of the project
        return
    first = exercises[0]
    assert f"submit {first}" in values(app, f"submit {first[:2]}")


def test_every_label_and_value_fits_discord(app: App) -> None:
    for typed in ("", "q", "quiz ", "submit ", "session ", "admin "):
        for label, value in suggestions(app, typed):
            assert 1 <= len(label) <= 100 and 1 <= len(value) <= 100


def test_typed_options_offer_prefix_matches_first_then_mentions(app: App) -> None:
    assert [v for _, v in session_choices(app, "")][:3] == [1, 2, 3]
    assert [v for _, v in session_choices(app, " 2")] == [2, 20]
    title = app.services.curriculum.sessions[2].title
    assert 3 in [v for _, v in session_choices(app, title.split()[0].lower())]
    assert [v for _, v in topic_choices(app, "PROB")] == ["probability"]
    assert [v for _, v in command_choices(app, "rsv")] == ["rsvp"]
    assert exercise_choices(app, "zzz-nothing") == []
    for pairs in (exercise_choices(app, ""), topic_choices(app, ""), command_choices(app, "")):
        assert 1 <= len(pairs) <= MAX_CHOICES
        assert all(1 <= len(label) <= 100 and 1 <= len(str(v)) <= 100 for label, v in pairs)
