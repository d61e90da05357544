"""A personal quiz played through Slack: started with a button, answered with buttons (or
typed answers for numeric questions); each private question is replaced by its feedback."""

from __future__ import annotations

import pytest

from bot.app import App
from tests.slack.conftest import SlackUser, buttons, click
from tests.slack.fake_slack import FakeSlack


async def test_a_quiz_is_played_with_buttons(app: App, slack: SlackUser, fake: FakeSlack) -> None:
    if app.router.match(["quiz"]) is None:
        pytest.skip("the quiz is not part of this build")
    await slack.command("quiz", user="U1")
    start = buttons(fake.hooks()[-1]["blocks"])[0]
    assert start["value"].startswith("quiz ")
    await slack.interact(click(fake, start, ephemeral=True, user="U1"))
    for _ in range(10):  # a quiz is a handful of questions
        question = fake.hooks()[-1]
        answers = [
            b
            for b in buttons(question["blocks"])
            if b["action_id"].startswith("d2l_choice_") and b["value"].startswith("answer")
        ]
        before = len(fake.hooks())
        if answers:
            await slack.interact(click(fake, answers[0], ephemeral=True, user="U1"))
            feedback = fake.hooks()[before]
            assert feedback["replace_original"] is True  # the question becomes its feedback
        else:
            await slack.command("answer 1", user="U1")
            feedback = fake.hooks()[before]
        assert feedback["response_type"] == "ephemeral"
        assert "Sorry, something went wrong" not in feedback["text"]
        if len(fake.hooks()) == before + 1:  # no next question: the quiz is over
            break
    else:
        pytest.fail("the quiz never ended")
