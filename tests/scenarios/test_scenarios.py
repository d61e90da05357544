"""Behaviours every member meets, checked once on each adapter: console, Slack, Discord."""

from __future__ import annotations

from tests.scenarios.conftest import Driver


async def test_next_shows_the_first_session(driver: Driver) -> None:
    text = await driver.ask("alice", "next")
    assert "Next session 1" in text
    assert "Introduction and preliminaries" in text
    assert "https://d2l.ai/chapter_preliminaries/index.html" in text


async def test_a_typo_gets_did_you_mean(driver: Driver) -> None:
    text = await driver.ask("alice", "shedule")
    assert "Did you mean" in text
    assert "d2l schedule" in text


async def test_rsvps_are_counted_for_everyone(driver: Driver) -> None:
    await driver.ask("alice", "rsvp yes")
    await driver.ask("carol", "rsvp maybe")
    assert "1 going · 1 maybe" in await driver.ask("bob", "next")


async def test_only_organizers_change_the_cohort(driver: Driver) -> None:
    assert "organizer" in await driver.ask("alice", "join")  # the first member organizes
    assert "Cohort settings" in await driver.ask("alice", "admin cohort")
    assert "for organizers" in await driver.ask("bob", "admin cohort time 20:00")


async def test_a_personal_quiz_starts_with_its_first_question(driver: Driver) -> None:
    text = await driver.ask("alice", "quiz probability 1")
    assert "question 1 of 1" in text
    assert "d2l 2.6" in text or "d2l 22." in text


async def test_every_command_answers_without_an_internal_error(driver: Driver) -> None:
    from handlers import build_router

    await driver.ask("alice", "join")  # alice, the first member, is the organizer
    for name, command in build_router().commands.items():
        text = await driver.ask("alice", command.examples[0] if command.examples else name)
        assert text.strip(), name
        assert "went wrong" not in text, (name, text)
