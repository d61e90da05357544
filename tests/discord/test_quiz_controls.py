"""Quiz questions answered with Discord's own controls (issue 18), through discord.py and
the fake gateway: a multi-select menu for a multiple-choice question, and an Answer button
opening a modal with a text input for a numeric one (a bad entry gets a private reply)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.discord_bot import DiscordPlatform
from tests.discord import payloads as p
from tests.discord.conftest import ALICE, say
from tests.discord.fake_discord import FakeDiscord, Sent
from tests.quizplay.conftest import attempts, live_question, open_question

SELECT, BUTTON, TEXT_INPUT = 3, 2, 4


def components(sent: Sent, kind: int) -> list[dict[str, Any]]:
    return [c for c in sent.buttons if c.get("type") == kind]


def select_menu(sent: Sent, values: list[str], author: Any = ALICE) -> dict[str, Any]:
    """Closing the multi-select menu of `sent` with `values` picked."""
    [menu] = components(sent, SELECT)
    payload: dict[str, Any] = {
        **p._interaction_base(f"token-{p.snowflake()}", author, sent.channel_id),
        "type": 3,
        "data": {"custom_id": menu["custom_id"], "component_type": SELECT, "values": values},
        "message": sent.message,
    }
    return payload


def modal_submit(
    modal: Sent, text: str, author: Any = ALICE, source: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Submitting the modal the bot opened, with `text` typed in its input."""
    inputs = [c for row in modal.body["components"] for c in row["components"]]
    [box] = [c for c in inputs if c["type"] == TEXT_INPUT]
    row = {
        "type": 1,
        "components": [{"type": TEXT_INPUT, "custom_id": box["custom_id"], "value": text}],
    }
    payload: dict[str, Any] = {
        **p._interaction_base(f"token-{p.snowflake()}", author, modal.channel_id),
        "type": 5,
        "data": {"custom_id": modal.body["custom_id"], "components": [row]},
    }
    if source is not None:  # a modal opened from a message's button comes with that message
        payload["message"] = source
    return payload


async def play_until(app: App, fake: FakeDiscord, kind: str) -> Sent:
    """A 20-question quiz answered by typing until a `kind` question is shown."""
    await say(fake, "!d2l quiz probability 20")
    dm = ""
    for _turn in range(1, 21):
        await fake.wait_for(
            lambda: any(s.kind == "channel" and "question" in s.text() for s in fake.sent[-2:])
        )
        card = [s for s in fake.sent if s.kind == "channel"][-1]
        dm = card.channel_id
        rq = await open_question(app, p.ALICE_ID)
        if rq.type == kind and (kind != "numeric" or rq.answer_range is not None):
            return card
        count = len(fake.sent)
        typed = "true" if rq.type == "true_false" else "0.5" if rq.type == "numeric" else "a"
        await say(fake, f"!d2l answer {typed}", dm=True, channel_id=dm)
        await fake.wait_sent(count + 2)
    raise AssertionError(f"no {kind} question in 20 questions")


async def test_a_multiple_choice_question_is_answered_with_a_multi_select_menu(
    app: App, platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    card = await play_until(app, fake, "multiple")
    [menu] = components(card, SELECT)
    assert menu["min_values"] == 1 and menu["max_values"] == len(menu["options"])
    assert [o["value"] for o in menu["options"]] == list("abcde"[: len(menu["options"])])
    rq = await open_question(app, p.ALICE_ID)
    assert isinstance(rq.answer, tuple)
    count = len(fake.sent)
    await fake.dispatch("INTERACTION_CREATE", select_menu(card, list(rq.answer)))
    sent = await fake.wait_sent(count + 1)
    feedback = sent[count]
    assert feedback.ephemeral and feedback.text().startswith("✅ Correct!"), feedback.text()
    answered = [a for a in await attempts(app, p.ALICE_ID) if a.question_id == rq.id][-1]
    assert answered.correct and answered.answer_given == " ".join(rq.answer)

    # Picking again on the answered question changes nothing and says so.
    count = len(fake.sent)
    await fake.dispatch("INTERACTION_CREATE", select_menu(card, ["a"]))
    again = (await fake.wait_sent(count + 1))[count]
    assert again.ephemeral and "already answered" in again.text()
    assert [a for a in await attempts(app, p.ALICE_ID) if a.question_id == rq.id][-1].correct


async def open_modal(fake: FakeDiscord, card: Sent, author: Any = ALICE) -> Sent:
    """Press the card's Answer button; Discord shows the modal the bot answers with."""
    [button] = components(card, BUTTON)
    assert button["label"] == "Answer"
    count = len(fake.sent)
    click = p.button_click(f"token-{p.snowflake()}", author, button["custom_id"], card.message)
    await fake.dispatch("INTERACTION_CREATE", click)
    await fake.wait_for(lambda: any(s.kind == "other" for s in fake.sent[count:]))
    modal = next(s for s in fake.sent[count:] if s.kind == "other")  # callback type 9
    assert modal.body["title"] == "Your answer"  # a modal, not a message
    return modal


async def submit(
    fake: FakeDiscord, modal: Sent, text: str, author: Any = ALICE, source: Sent | None = None
) -> Sent:
    count = len(fake.sent)
    message = source.message if source is not None else None
    await fake.dispatch("INTERACTION_CREATE", modal_submit(modal, text, author, message))
    await fake.wait_for(lambda: any(s.kind == "response" for s in fake.sent[count:]))
    return next(s for s in fake.sent[count:] if s.kind == "response")


async def test_a_numeric_question_is_answered_in_a_modal_and_a_non_number_is_refused(
    app: App, platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    card = await play_until(app, fake, "numeric")
    open_attempt = (await attempts(app, p.ALICE_ID))[-1]
    # Discord closes a modal when it is submitted: each try presses Answer again.
    refused = await submit(fake, await open_modal(fake, card), "about a third")
    assert refused.ephemeral and "Could not read 'about a third' as a number" in refused.text()
    assert (await attempts(app, p.ALICE_ID))[-1].answered_at is None  # nothing counted

    rq = await open_question(app, p.ALICE_ID)
    assert rq.answer_range is not None  # a probability: 1.5 is refused too
    refused = await submit(fake, await open_modal(fake, card), "1.5")
    assert refused.ephemeral and "out of range" in refused.text()

    feedback = await submit(fake, await open_modal(fake, card), repr(rq.answer))
    assert feedback.ephemeral and feedback.text().startswith("✅ Correct!"), feedback.text()
    rows = await attempts(app, p.ALICE_ID)
    assert [a.correct for a in rows if a.id == open_attempt.id] == [True]


CAROL = p.user("300000000000000003", "carol")
DAVE = p.user("300000000000000004", "dave")


async def answer_live(fake: FakeDiscord, card: Sent, rq: Any, author: Any, right: bool) -> Sent:
    """Answer the channel's live question with the card's control; the bot's private answer
    (an edit of the card may come before or after it)."""
    count = len(fake.sent)
    await _use_control(fake, card, rq, author, right)
    await fake.wait_for(lambda: any(s.kind == "response" for s in fake.sent[count:]))
    return next(s for s in fake.sent[count:] if s.kind == "response")


async def _use_control(fake: FakeDiscord, card: Sent, rq: Any, author: Any, right: bool) -> Any:
    if rq.type == "multiple":
        values = list(rq.answer) if right else [x for x in "ab" if (x,) != rq.answer][:1]
        count = len(fake.sent)
        await fake.dispatch("INTERACTION_CREATE", select_menu(card, values, author))
        return (await fake.wait_sent(count + 1))[count]
    if rq.type == "numeric":
        text = repr(rq.answer) if right else repr(rq.answer + 1000 * max(1.0, abs(rq.answer)))
        if not right and rq.answer_range is not None:  # wrong, but within the range
            text = repr(rq.answer_range[0] if rq.answer > 0.5 else rq.answer_range[1])
        return await submit(fake, await open_modal(fake, card, author), text, author, card)
    key = {True: "true", False: "false"}.get(rq.answer, rq.answer)
    wrong = next(
        b["custom_id"] for b in card.buttons if not b["custom_id"].startswith(f"d2l:answer {key} ")
    )
    right_id = next(
        b["custom_id"] for b in card.buttons if b["custom_id"].startswith(f"d2l:answer {key} ")
    )
    count = len(fake.sent)
    click = p.button_click(
        f"token-{p.snowflake()}", author, right_id if right else wrong, card.message
    )
    await fake.dispatch("INTERACTION_CREATE", click)
    return (await fake.wait_sent(count + 1))[count]


@pytest.mark.parametrize("kind", ["multiple", "numeric", "true_false"])
async def test_a_live_round_answered_by_controls_gives_private_feedback_and_one_distribution(
    app: App, platform: DiscordPlatform, fake: FakeDiscord, kind: str, clock: FakeClock
) -> None:
    await say(fake, "!d2l join")  # alice, the first member, organizes
    await fake.wait_sent(1)
    topic = "optimization" if kind == "multiple" else "probability"
    count = len(fake.sent)
    await say(fake, f"!d2l quiz live {topic} 20")
    await fake.wait_sent(count + 2)
    for _ in range(20):  # alice moves on until a `kind` question is up
        card = [s for s in fake.sent if "Live · question" in s.text()][-1]
        game, rq = await live_question(app)
        if rq.type == kind:
            break
        count = len(fake.sent)
        await say(fake, "!d2l quiz next")
        await fake.wait_sent(count + 2)
    assert rq.type == kind and not card.ephemeral
    assert re.search(r"Answers close <t:\d+:R>", card.text())  # relative, in Discord's syntax
    number = game.position + 1
    members = ((p.user(p.BOB_ID, "bob"), True, 0.5), (CAROL, True, 1.0), (DAVE, False, 0))
    for author, right, wait in members:
        private = await answer_live(fake, card, rq, author, right)
        assert private.ephemeral and "Got it" in private.text(), private.text()
        assert "Answer:" not in private.text()  # the key stays hidden while it is open
        clock.advance(dt.timedelta(seconds=wait))
    # The card shows the count, edited at most once a second: carol answered 0.5 s after bob.
    await fake.wait_for(lambda: len([s for s in fake.sent if s.kind == "message-edit"]) >= 2)
    edits = [s for s in fake.sent if s.kind == "message-edit"]
    assert len(edits) == 2 and all(e.message["id"] == card.message["id"] for e in edits)
    assert "1 answer so far" in edits[0].text() and "3 answers so far" in edits[1].text()
    count = len(fake.sent)
    await say(fake, "!d2l quiz next")
    await fake.wait_sent(count + 2)
    await say(fake, "!d2l quiz live stop")
    await fake.wait_sent(count + 3)
    posted = [s for s in fake.sent if f"Question {number}: the answer" in s.text()]
    assert len(posted) == 1 and not posted[0].ephemeral
    assert "How the room answered (3 answers)" in posted[0].text()
    assert "2 of 3 answers correct" in posted[0].text() and "Answer:" in posted[0].text()
