"""Issue 22 in chat: an organizers' content folder, hints, a diagnosed mistake, the fix,
model solutions after the due time, and the organizers' exercise statistics."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from models.feedback import exercise_stats
from models.feedback_tables import HintUse
from models.tables import Assignment, Cohort
from quizzes import content
from quizzes.exercises import catalog
from quizzes.questions import _loader
from tests.conftest import Chat
from tests.core.conftest import RecordingSender
from tests.exercises.conftest import ForkServerExecutor
from tests.exercises.content_folder import EXERCISE_YAML, MISTAKE_SOURCE, write_folder
from tests.grading.test_submissions import worker

FIX = "```python\n" + EXERCISE_YAML.split("solution: |\n", 1)[1].replace("\n  ", "\n")[2:] + "```"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_folder(tmp_path_factory.mktemp("organizers"))


@pytest.fixture(autouse=True)
def content_dir(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """STUDYBOT_CONTENT_DIR names the folder for this test; the catalogues read it afresh."""
    monkeypatch.setenv(content.ENV, str(folder))
    catalog.clear_cache()
    _loader._shipped_bank.cache_clear()
    yield folder
    catalog.clear_cache()
    _loader._shipped_bank.cache_clear()


async def cohort_of(bot: App) -> int:
    async with bot.services.sessions() as db:
        found = await db.scalar(select(Cohort.id).order_by(Cohort.id))
    assert found is not None
    return found


async def graded(
    bot: App, executor: ForkServerExecutor, dispatcher: Dispatcher, sender: RecordingSender
) -> RecordingSender:
    await worker(bot, executor).drain()
    await dispatcher.run_once()
    return sender


async def test_a_member_uses_the_organizers_exercise_from_hint_to_full_marks(
    bot: App,
    talk: Chat,
    executor: ForkServerExecutor,
    dispatcher: Dispatcher,
    sender: RecordingSender,
) -> None:
    listing = await talk.text("exercises", as_="ann")
    assert "`leaky_relu` — Leaky ReLU" in listing and "`softmax`" in listing
    shown = await talk.text("exercise leaky_relu", as_="ann")
    assert "Stuck? `d2l hint leaky_relu` gives a hint." in shown
    first = await talk.text("hint leaky_relu", as_="ann")
    assert "Hint 1 of 2: torch.where(condition, a, b)" in first
    assert "Hint 2 of 2" not in first
    second = await talk.text("hint leaky_relu", as_="ann")
    assert "Hint 2 of 2: The condition is X > 0" in second
    assert "That's every hint" in await talk.text("hint leaky_relu", as_="ann")

    await talk.text(f"submit leaky_relu ```python\n{MISTAKE_SOURCE}```", as_="ann")
    reply = (await graded(bot, executor, dispatcher, sender)).sent[-1].reply
    assert reply.title == "❌ leaky_relu: 0/4"
    assert (
        "What went wrong:\n• example, random_matrix, all_negative: this is a plain ReLU: "
        "negative inputs must be multiplied by alpha, not set to 0." in reply.text
    )
    assert "See d2l 5.1. https://d2l.ai/chapter_multilayer-perceptrons/mlp.html" in reply.text
    assert "(seed " in (reply.footer or "")

    await talk.text(f"submit leaky_relu {FIX}", as_="ann")
    reply = (await graded(bot, executor, dispatcher, sender)).sent[-1].reply
    assert reply.title == "✅ leaky_relu: 4/4"
    assert "What went wrong" not in reply.text

    quiz = await talk.text("quiz activations 1", as_="ann")
    assert "What is leaky ReLU with slope alpha" in quiz

    stats = await talk.text("admin exercisestats leaky_relu", as_="olga")
    assert "1 tried, 1 passed, median 2 attempts to pass" in stats
    assert "plain_relu ×1" in stats
    assert "Hints: 2 taken by 1 member(s)" in stats
    async with bot.services.sessions() as db:
        numbers = await exercise_stats(db, await cohort_of(bot), "leaky_relu")
    assert numbers[0]["mistakes"][0]["id"] == "plain_relu"
    assert {t["name"]: t["pass_rate"] for t in numbers[0]["tests"]}["all_negative"] == 0.5


async def test_the_model_solution_opens_after_the_due_time_unless_kept_private(
    bot: App, talk: Chat, clock: FakeClock
) -> None:
    await talk.text("join", as_="ann")
    assert "no due time yet" in await talk.text("solution leaky_relu", as_="ann")
    cohort_id = await cohort_of(bot)
    async with bot.services.sessions() as db, db.begin():
        db.add(
            Assignment(
                cohort_id=cohort_id,
                session_id=None,
                kind="exercise",
                ref="leaky_relu",
                due_at=clock.now() + dt.timedelta(days=1),
                created_at=clock.now(),
            )
        )
    assert "opens after its due time" in await talk.text("solution leaky_relu", as_="ann")
    clock.advance(dt.timedelta(days=1, minutes=1))
    shown = await talk.text("solution leaky_relu", as_="ann")
    assert "return torch.where(X > 0, X, alpha * X)" in shown
    assert "Model solutions: never shown." in await talk.text(
        "admin cohort solutions never", as_="olga"
    )
    private = await talk.text("solution leaky_relu", as_="ann")
    assert "keep model solutions private" in private
    assert "torch.where" not in private
    assert "is one of: after-due, never" in await talk.text(
        "admin cohort solutions sometimes", as_="olga"
    )
    async with bot.services.sessions() as db:
        assert await db.scalar(select(HintUse)) is None  # a solution is not a hint


def test_every_platform_shows_the_recognised_mistake_and_the_seed() -> None:
    from bot.platforms.console._render import render_plain
    from bot.platforms.discord_bot._render import render as discord_render
    from bot.platforms.slack_app._render import render as slack_render
    from handlers.grading_reply import result_reply

    mistake = {
        "id": "no_max_subtraction",
        "message": "this is softmax without subtracting the row maximum: exp(1000) overflows. "
        "See d2l 4.4.",
        "link": "https://d2l.ai/chapter_linear-classification/softmax-regression-scratch.html",
    }
    test = {"passed": False, "points": 0, "max_points": 3, "visible": False}
    result = {
        "exercise": "softmax",
        "status": "partial",
        "score": 5,
        "max_score": 8,
        "seed": 123456789012,
        "tests": [
            {**test, "name": "huge_logits", "message": mistake["message"], "mistake": mistake},
            {**test, "name": "single_row", "message": "NaN in output", "mistake": None},
        ],
    }
    reply = result_reply(result, submission_id=3)
    line = f"• huge_logits: {mistake['message']} {mistake['link']}"
    assert f"What went wrong:\n{line}" in reply.text
    assert "single_row:" not in reply.text  # no mistake recognised: the category alone
    slack = slack_render(reply)
    discord = discord_render(reply)
    shown = {
        "console": render_plain(reply),
        "slack": json.dumps(slack.blocks, ensure_ascii=False),
        "discord": json.dumps([e.to_dict() for e in discord.embeds], ensure_ascii=False)
        + (discord.content or ""),
    }
    for platform, text in shown.items():
        assert "this is softmax without subtracting the row maximum" in text, platform
        assert "See d2l 4.4." in text, platform
        assert "123456789012" in text, platform
