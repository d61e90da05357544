"""Statistics count members only: visitors, people who left and organizers who never joined
are on no leaderboard, in no median and in no nudge plan; leaving keeps the history."""

from __future__ import annotations

from bot.app import App
from models.cohorts import first_cohort
from models.progress import cohort_median, cohort_progress, required_work
from tests.conftest import Chat
from tests.core.conftest import CATALOG
from tests.progress.conftest import submit


async def test_only_members_count_in_the_leaderboard_and_the_cohort_median(
    talk: Chat, bot: App
) -> None:
    await talk.say("help", as_="olga")  # organizes without joining
    await talk.say("help", as_="vic")  # a visitor
    for name in ("ann", "ben", "dan"):
        await talk.say("join", as_=name)
    for name in ("olga", "vic", "ann", "dan"):
        await submit(bot, name, "softmax", 8)
        await submit(bot, name, "adam_step", 8)
    assert "You've left" in await talk.text("leave", as_="dan")

    board = await talk.text("leaderboard code", as_="ben")
    assert "ann — 16 points" in board
    assert "olga" not in board and "vic" not in board and "dan" not in board

    async with bot.services.sessions() as db:
        cohort = await first_cohort(db)
        assert cohort is not None
        items = await required_work(db, cohort, CATALOG.exercises, CATALOG.quiz_topics)
        everyone = await cohort_progress(db, cohort, items, bot.services.clock.now())
    assert [p.name for p in everyone] == ["ann", "ben"]
    assert cohort_median(everyone, [20]) == [0.25]  # ann 2/4, ben 0/4; not a flat 0%

    assert "Your work is kept" in await talk.text("leave", as_="ann")
    await talk.say("join", as_="ann")
    assert "ann — 16 points" in await talk.text("leaderboard code", as_="ben")  # history kept
