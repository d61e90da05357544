"""Quiz questions answered the way Slack is used (issue 18): checkboxes and Submit for a
multiple-choice question, an Answer button opening a modal for a numeric one, with the
modal's validation errors shown inside the modal. Through the real Bolt app, signed
requests and the fake Slack API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.slack_app._render import BOX_OPEN, PICK_BLOCK, PICK_SUBMIT, PICK_TICK
from tests.quizplay.conftest import attempts, live_question, open_question
from tests.slack.conftest import SlackUser, buttons, click
from tests.slack.fake_slack import TEAM, FakeSlack


def control(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any] | None:
    found = [e for e in buttons(blocks) if e.get("action_id") == action_id]
    return found[0] if found else None


def submit_with_ticks(
    fake: FakeSlack, blocks: list[dict[str, Any]], values: list[str], *, user: str
) -> dict[str, Any]:
    """Pressing Submit after ticking `values`: Slack sends the message's checkbox state."""
    submit = control(blocks, PICK_SUBMIT)
    assert submit is not None
    ticks = control(blocks, PICK_TICK)
    assert ticks is not None
    selected = [o for o in ticks["options"] if o["value"] in values]
    payload = click(fake, submit, ephemeral=True, user=user)
    payload["actions"][0]["block_id"] = PICK_BLOCK
    payload["state"] = {
        "values": {PICK_BLOCK: {PICK_TICK: {"type": "checkboxes", "selected_options": selected}}}
    }
    return payload


def view_submission(view: dict[str, Any], text: str, *, user: str) -> dict[str, Any]:
    value = {"type": "plain_text_input", "value": text}
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "study"},
        "user": {"id": user, "username": f"name-{user}", "team_id": TEAM},
        "api_app_id": "A111",
        "trigger_id": "trigger-view",
        "view": {
            **view,
            "id": "V9",
            "team_id": TEAM,
            "state": {"values": {"answer": {"answer": value}}},
        },
    }


async def play_until(
    app: App, slack: SlackUser, fake: FakeSlack, kind: str, user: str = "U1"
) -> dict[str, Any]:
    """Start a 20-question quiz and answer (with buttons or typed) until a `kind` question."""
    await slack.command("quiz probability 20", user=user)
    for _ in range(20):
        card = fake.hooks()[-1]
        rq = await open_question(app, user)
        if rq.type == kind and (kind != "numeric" or rq.answer_range is not None):
            return card
        await slack.command(f"answer {_typed(rq)}", user=user)
    raise AssertionError(f"no {kind} question in the quiz")


def _typed(rq: Any) -> str:
    if isinstance(rq.answer, bool):
        return "true"
    if isinstance(rq.answer, float):
        return "0.5"
    return "a"


async def test_a_multiple_choice_question_is_answered_with_checkboxes_and_submit(
    app: App, slack: SlackUser, fake: FakeSlack
) -> None:
    card = await play_until(app, slack, fake, "multiple")
    ticks = control(card["blocks"], PICK_TICK)
    assert ticks is not None and ticks["type"] == "checkboxes"
    assert [o["value"] for o in ticks["options"]] == list("abcde"[: len(ticks["options"])])
    # Checkboxes and Submit sit in the same message (one actions block).
    [block] = [b for b in card["blocks"] if b.get("block_id") == PICK_BLOCK]
    assert [e["type"] for e in block["elements"]] == ["checkboxes", "button"]

    rq = await open_question(app, "U1")
    assert isinstance(rq.answer, tuple)
    before = len(fake.hooks())
    status, _ = await slack.interact(
        submit_with_ticks(fake, card["blocks"], list(rq.answer), user="U1")
    )
    assert status == 200
    feedback = fake.hooks()[before]
    assert feedback["response_type"] == "ephemeral" and feedback["replace_original"] is True
    assert feedback["text"].startswith("✅ Correct!"), feedback["text"]
    answered = [a for a in await attempts(app, "U1") if a.question_id == rq.id][-1]
    assert answered.answer_given == " ".join(rq.answer) and answered.correct

    # A second Submit on the same (now answered) question changes nothing and says so.
    again = await slack.interact(submit_with_ticks(fake, card["blocks"], ["a"], user="U1"))
    assert again[0] == 200
    assert "already answered" in fake.hooks()[-1]["text"]
    assert [a for a in await attempts(app, "U1") if a.question_id == rq.id][-1].correct


async def test_submit_with_nothing_ticked_asks_for_a_tick_and_records_nothing(
    app: App, slack: SlackUser, fake: FakeSlack
) -> None:
    card = await play_until(app, slack, fake, "multiple")
    count = len(await attempts(app, "U1"))
    await slack.interact(submit_with_ticks(fake, card["blocks"], [], user="U1"))
    assert "Tick at least one choice" in fake.hooks()[-1]["text"]
    rows = await attempts(app, "U1")
    assert len(rows) == count and rows[-1].answered_at is None


async def test_a_numeric_question_is_answered_in_a_modal_that_refuses_a_non_number(
    app: App, slack: SlackUser, fake: FakeSlack
) -> None:
    card = await play_until(app, slack, fake, "numeric")
    answer_button = control(card["blocks"], BOX_OPEN)
    assert answer_button is not None and answer_button["text"]["text"] == "Answer"
    await slack.interact(click(fake, answer_button, ephemeral=True, user="U1"))
    [opened] = fake.called("views.open")
    assert opened.params["trigger_id"] == "trigger-click"
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    rq = await open_question(app, "U1")
    open_attempt = (await attempts(app, "U1"))[-1]
    # The question's reference travels in private_metadata.
    assert json.loads(view["private_metadata"])["command"] == f"answer {{text}} q{open_attempt.id}"
    assert rq.prompt.strip()[:100] in view["blocks"][0]["label"]["text"]

    status, body = await slack.interact(view_submission(view, "about a third", user="U1"))
    assert status == 200
    errors = json.loads(body)
    assert errors["response_action"] == "errors"
    assert "Could not read 'about a third' as a number" in errors["errors"]["answer"]
    assert (await attempts(app, "U1"))[-1].answered_at is None  # nothing counted

    assert rq.answer_range is not None  # a probability: 1.5 is refused in the modal too
    status, body = await slack.interact(view_submission(view, "1.5", user="U1"))
    assert "out of range" in json.loads(body)["errors"]["answer"]

    before = len(fake.hooks())
    status, body = await slack.interact(view_submission(view, repr(rq.answer), user="U1"))
    assert status == 200 and body == ""
    feedback = fake.hooks()[before]
    assert feedback["response_type"] == "ephemeral"
    assert feedback["text"].startswith("✅ Correct!"), feedback["text"]
    assert (await attempts(app, "U1"))[-2].correct is True


async def test_a_modal_answer_after_the_time_limit_says_time_is_up(
    app: App, slack: SlackUser, fake: FakeSlack, clock: FakeClock
) -> None:
    card = await play_until(app, slack, fake, "numeric")
    answer_button = control(card["blocks"], BOX_OPEN)
    assert answer_button is not None
    await slack.interact(click(fake, answer_button, ephemeral=True, user="U1"))
    view = fake.called("views.open")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    rq = await open_question(app, "U1")
    clock.advance(dt.timedelta(seconds=(rq.time_limit_s or 120) + 5))
    before = len(fake.hooks())
    await slack.interact(view_submission(view, repr(rq.answer), user="U1"))
    assert "time is up" in fake.hooks()[before]["text"]
    assert fake.hooks()[before]["response_type"] == "ephemeral"


def click_as(fake: FakeSlack, element: dict[str, Any], user: str) -> dict[str, Any]:
    """A click in the shared channel message, answered through the member's own URL."""
    payload = click(fake, element, ephemeral=False, user=user)
    payload["response_url"] = f"{fake.url}/hooks/actions/{TEAM}/{user}"
    return payload


async def answer_live_with_controls(
    slack: SlackUser, fake: FakeSlack, card: dict[str, Any], rq: Any, user: str, *, right: bool
) -> None:
    """Answer the channel's live question with whatever control its card offers."""
    blocks = card["blocks"]
    if rq.type == "multiple":
        values = list(rq.answer) if right else [x for x in "ab" if (x,) != rq.answer][:1]
        payload = submit_with_ticks(fake, blocks, values, user=user)
        payload["container"]["is_ephemeral"] = False
        payload["response_url"] = f"{fake.url}/hooks/actions/{TEAM}/{user}"
        await slack.interact(payload)
    elif rq.type == "numeric":
        box = control(blocks, BOX_OPEN)
        assert box is not None
        await slack.interact(click_as(fake, box, user))
        view = fake.called("views.open")[-1].params["view"]
        view = json.loads(view) if isinstance(view, str) else view
        meta = json.loads(view["private_metadata"])
        assert meta["response_url"].endswith(f"/{user}")  # the member's own answer URL
        text = repr(rq.answer) if right else repr(rq.answer + 1000 * max(1.0, abs(rq.answer)))
        if not right and rq.answer_range is not None:
            text = repr(rq.answer_range[0] if rq.answer > 0.5 else rq.answer_range[1])
        await slack.interact(view_submission(view, text, user=user))
    else:
        key = {True: "true", False: "false"}.get(rq.answer, rq.answer)  # type: ignore[call-overload]
        wanted = (
            key
            if right
            else next(
                b["value"].split()[1] for b in buttons(blocks) if b["value"].split()[1] != key
            )
        )
        [button] = [
            b for b in buttons(blocks) if b.get("value", "").startswith(f"answer {wanted} ")
        ]
        await slack.interact(click_as(fake, button, user))


@pytest.mark.parametrize("kind", ["multiple", "numeric", "true_false"])
async def test_a_live_round_answered_by_controls_gives_private_feedback_and_one_distribution(
    app: App, slack: SlackUser, fake: FakeSlack, kind: str, clock: FakeClock
) -> None:
    await slack.command("join", user="U0")  # the first member organizes
    # (Round 1's optimization questions include a multiple-choice one; probability's don't.)
    topic = "optimization" if kind == "multiple" else "probability"
    await slack.command(f"quiz live {topic} 20", user="U0")
    for _ in range(20):  # the organizer moves on until a `kind` question is up
        card = fake.hooks()[-1]
        game, rq = await live_question(app)
        if rq.type == kind:
            break
        await slack.command("quiz next", user="U0")
    assert rq.type == kind and card["response_type"] == "in_channel"
    number = game.position + 1
    closes = next(b["text"]["text"] for b in card["blocks"] if "Answers close" in str(b))
    assert "<!date^" in closes and "^{time}|" in closes  # each reader's local time
    for user, right, wait in (("U1", True, 0.5), ("U2", True, 1.0), ("U3", False, 0)):
        await answer_live_with_controls(slack, fake, card, rq, user, right=right)
        clock.advance(dt.timedelta(seconds=wait))
    # The public question shows the count, replaced at most once a second: U2's answer came
    # 0.5 s after U1's, so only U1's and U3's controls updated it.
    updates = [
        c.params["text"]
        for c in fake.called("hook")
        if c.params.get("replace_original") and c.params["response_type"] == "in_channel"
    ]
    assert len(updates) == 2, updates
    assert "1 answer so far" in updates[0] and "3 answers so far" in updates[1]
    for user in ("U1", "U2", "U3"):
        own = [
            c.params
            for c in fake.called("hook")
            if c.path.endswith(f"/{user}") and c.params["response_type"] != "in_channel"
        ]
        assert own, f"{user} got no answer"
        assert all(m["response_type"] == "ephemeral" for m in own), own
        assert any("Got it" in m["text"] for m in own), own
        # Nobody's private feedback reveals the key while the question is open.
        assert all("Answer:" not in m["text"] for m in own)
    rows = [a for u in ("U1", "U2", "U3") for a in await attempts(app, u) if a.question_id == rq.id]
    assert sorted(bool(a.correct) for a in rows) == [False, True, True]

    await slack.command("quiz next", user="U0")
    await slack.command("quiz live stop", user="U0")
    title = f"Question {number}: the answer"
    posted = [h for h in fake.hooks() if title in json.dumps(h, ensure_ascii=False)]
    assert len(posted) == 1  # once, with the explanation and the bars
    text = json.dumps(posted[0], ensure_ascii=False)
    assert "How the room answered (3 answers)" in text and "Answer:" in text
    assert "2 of 3 answers correct" in text
    assert game.question_ids[number - 1] == rq.id
