"""Listeners for the answer controls (issue 18): checkboxes with a Submit button, and an
Answer button that opens a modal whose errors show inside the modal.

Each control ends in an ordinary command (`answer a c q42`, `answer 0.375 q42`), run for the
member who used it and answered privately, exactly as if they had typed it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack_app._modal import ANSWER_BLOCK, ANSWER_VIEW, answer_from_view, answer_modal
from bot.platforms.slack_app._render import (
    BOX_OPEN,
    PICK_BLOCK,
    PICK_SUBMIT,
    PICK_TICK,
    box_from_value,
)
from bot.platforms.slack_app._replies import Destination, deliver
from handlers.controls import box_error, picked_command
from handlers.types import Invocation, Reply

if TYPE_CHECKING:
    from bot.platforms.slack_app._listeners import Bridge

PLATFORM = "slack"
NOTHING_TICKED = "Tick at least one choice, then press Submit."


def register_controls(bolt: AsyncApp, bridge: Bridge) -> None:
    """Attach the control listeners to the bolt app."""

    @bolt.action(PICK_TICK)
    async def on_tick(ack: AsyncAck) -> None:
        await ack()  # ticking only changes the message's state; Submit reads it

    @bolt.action(PICK_SUBMIT)
    async def on_pick(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        command = picked_command(str(body["actions"][0].get("value") or ""), ticked(body))
        dest = _destination(body, client)
        if command is None:
            reply = Reply(text=NOTHING_TICKED, ephemeral=True, is_error=True)
            bridge.spawn(deliver(bridge.clients, dest, [reply]))
            return
        bridge.spawn(_run(bridge, _invocation(body, command), dest))

    @bolt.action(BOX_OPEN)
    async def on_box(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        box = box_from_value(str(body["actions"][0].get("value") or ""))
        dest = _destination(body, client)
        if box is None or not body.get("trigger_id"):
            reply = Reply(text="That button no longer works; type `d2l answer VALUE`.")
            bridge.spawn(deliver(bridge.clients, dest, [reply]))
            return
        # A trigger_id lives 3 s: open the modal now, not behind other work.
        view = answer_modal(box, dest.channel_id, dest.response_url, public=bool(dest.source_url))
        bridge.spawn(_open(client, str(body["trigger_id"]), view))

    @bolt.view(ANSWER_VIEW)
    async def on_answer(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        box, text, meta = answer_from_view(body["view"])
        if box is None:
            await ack(response_action="errors", errors={ANSWER_BLOCK: "This form is damaged."})
            return
        problem = box_error(box, text)
        if problem is not None:  # shown under the input; nothing is sent or counted
            await ack(response_action="errors", errors={ANSWER_BLOCK: problem})
            return
        await ack()
        channel = str(meta.get("channel_id") or "")
        user = body["user"]
        invocation = Invocation(
            platform=PLATFORM,
            workspace_id=_team(body),
            channel_id=channel,
            user_id=user["id"],
            user_name=user.get("username") or user.get("name") or user["id"],
            text=box.command_for(text),
            is_direct=channel.startswith("D"),
        )
        dest = Destination(
            client=client,
            channel_id=channel,
            user_id=invocation.user_id,
            response_url=meta.get("response_url"),
            is_direct=invocation.is_direct,
            source_url=meta.get("response_url") if meta.get("public") else None,
        )
        bridge.spawn(_run(bridge, invocation, dest))


def ticked(body: dict[str, Any]) -> list[str]:
    """The values ticked in the message's checkboxes when Submit was pressed."""
    values = ((body.get("state") or {}).get("values") or {}).get(PICK_BLOCK) or {}
    selected = (values.get(PICK_TICK) or {}).get("selected_options") or []
    return [str(o.get("value")) for o in selected if isinstance(o, dict) and o.get("value")]


async def _run(bridge: Bridge, invocation: Invocation, dest: Destination) -> None:
    replies = await bridge.app.handle(invocation)
    await deliver(bridge.clients, dest, [_private(r) for r in replies])


def _private(reply: Reply) -> Reply:
    # Feedback on a control is the member's own, even for a question posted in a channel
    # (an update of that public message is the one exception).
    return reply if reply.ephemeral or reply.replaces_source else replace(reply, ephemeral=True)


async def _open(client: AsyncWebClient, trigger_id: str, view: dict[str, Any]) -> None:
    await client.views_open(trigger_id=trigger_id, view=view)


def _channel(body: dict[str, Any]) -> str:
    container = body.get("container") or {}
    return str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")


def _destination(body: dict[str, Any], client: AsyncWebClient) -> Destination:
    channel = _channel(body)
    container = body.get("container") or {}
    return Destination(
        client=client,
        channel_id=channel,
        user_id=body["user"]["id"],
        response_url=body.get("response_url"),
        is_direct=channel.startswith("D"),
        replace_original=bool(container.get("is_ephemeral")),
        source_url=None if container.get("is_ephemeral") else body.get("response_url"),
    )


def _invocation(body: dict[str, Any], text: str) -> Invocation:
    user = body["user"]
    channel = _channel(body)
    return Invocation(
        platform=PLATFORM,
        workspace_id=_team(body),
        channel_id=channel,
        user_id=user["id"],
        user_name=user.get("username") or user.get("name") or user["id"],
        text=text,
        is_direct=channel.startswith("D"),
    )


def _team(body: dict[str, Any]) -> str:
    team = body.get("team") or {}
    return str(team.get("id") or body.get("user", {}).get("team_id") or "")
