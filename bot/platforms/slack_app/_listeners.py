"""Bolt listeners: ack at once, then run the command in the background and answer.

The app runs with `process_before_response=True`, so the HTTP answer goes out as soon as a
listener returns; listeners only ack and hand the work to `Bridge.spawn`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Coroutine
from dataclasses import replace
from typing import Any, Protocol

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App
from bot.platforms.slack_app._clients import Clients
from bot.platforms.slack_app._controls import register_controls
from bot.platforms.slack_app._dm import handle_direct_message, read_file
from bot.platforms.slack_app._modal import (
    SUBMIT_VIEW,
    code_from_view,
    files_from_view,
    submit_modal,
    wants_modal,
)
from bot.platforms.slack_app._render import ACTION_PREFIX, unescape
from bot.platforms.slack_app._replies import Destination, deliver
from handlers.types import Invocation, Reply
from handlers.welcome import member_arrived

PLATFORM = "slack"
COMMAND = re.compile(r"^/d2l\b")


class Bridge(Protocol):
    """What the listeners need from the platform."""

    app: App
    clients: Clients

    def spawn(self, work: Coroutine[Any, Any, None]) -> None: ...


def register(bolt: AsyncApp, bridge: Bridge) -> None:
    """Attach every listener to the bolt app."""
    register_controls(bolt, bridge)  # checkboxes, Answer buttons and their modal

    @bolt.command(COMMAND)
    async def on_command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        invocation = Invocation(
            platform=PLATFORM,
            workspace_id=body["team_id"],
            channel_id=body["channel_id"],
            user_id=body["user_id"],
            user_name=body.get("user_name") or body["user_id"],
            text=unescape(body.get("text") or "").strip(),
            is_direct=_is_dm(body["channel_id"]),
        )
        dest = Destination(
            client=client,
            channel_id=invocation.channel_id,
            user_id=invocation.user_id,
            response_url=body.get("response_url"),
            is_direct=invocation.is_direct,
        )
        if wants_modal(bridge.app, invocation.text) and body.get("trigger_id"):
            # A trigger_id lives 3 s: open the modal now, not behind other work.
            view = submit_modal(invocation, dest.response_url)
            bridge.spawn(_open_modal(client, body["trigger_id"], view))
            return
        bridge.spawn(run(bridge, invocation, dest))

    @bolt.action(re.compile(f"^{ACTION_PREFIX}"))
    async def on_choice(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        action = body["actions"][0]
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
        user = body["user"]
        invocation = Invocation(
            platform=PLATFORM,
            workspace_id=_team(body),
            channel_id=channel,
            user_id=user["id"],
            user_name=user.get("username") or user.get("name") or user["id"],
            text=str(action.get("value") or ""),
            is_direct=_is_dm(channel),
        )
        dest = Destination(
            client=client,
            channel_id=channel,
            user_id=invocation.user_id,
            response_url=body.get("response_url"),
            is_direct=invocation.is_direct,
            replace_original=bool(container.get("is_ephemeral")),
            source_url=None if container.get("is_ephemeral") else body.get("response_url"),
        )
        bridge.spawn(run(bridge, invocation, dest))

    @bolt.view(SUBMIT_VIEW)
    async def on_submit(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body["view"]
        code = code_from_view(view)
        files = files_from_view(view)
        if not code.strip() and not files:
            await ack(
                response_action="errors", errors={"code": "Paste your code or attach a file."}
            )
            return
        await ack()
        meta = json.loads(view.get("private_metadata") or "{}")
        user = body["user"]
        channel = str(meta.get("channel_id", ""))
        invocation = Invocation(
            platform=PLATFORM,
            workspace_id=_team(body),
            channel_id=channel,
            user_id=user["id"],
            user_name=user.get("username") or user.get("name") or user["id"],
            text=str(meta.get("command", "submit"))
            + (f"\n```python\n{code}\n```" if code.strip() else ""),
            is_direct=_is_dm(channel),
        )
        dest = Destination(
            client=client,
            channel_id=channel,
            user_id=invocation.user_id,
            response_url=meta.get("response_url"),
            is_direct=invocation.is_direct,
        )
        bridge.spawn(run_with_file(bridge, client, invocation, dest, files[:1]))

    @bolt.event("message")
    async def on_message(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        # Only members' own messages in a DM with the bot; edits, joins and bots are ignored.
        if event.get("channel_type") != "im" or event.get("bot_id"):
            return
        if event.get("subtype") not in (None, "file_share") or not event.get("user"):
            return
        bridge.spawn(handle_direct_message(bridge, client, str(body.get("team_id", "")), event))

    @bolt.event("member_joined_channel")
    async def on_member_joined(
        event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        # Someone joined a channel: if it is bound, the welcome DM (once per person). The bot
        # itself joining (being invited) is not a person arriving.
        user = event.get("user")
        if not user or user == context.bot_user_id:
            return
        team = str(event.get("team") or body.get("team_id") or "")
        bridge.spawn(_arrived(bridge, team, str(event.get("channel", "")), str(user)))


async def run(bridge: Bridge, invocation: Invocation, dest: Destination) -> None:
    """Run one command through the router and send its answers."""
    replies = await bridge.app.handle(invocation)
    await deliver(bridge.clients, dest, replies)


async def run_with_file(
    bridge: Bridge,
    client: AsyncWebClient,
    invocation: Invocation,
    dest: Destination,
    files: list[dict[str, Any]],
) -> None:
    """The modal's file (if any) is downloaded with the bot token, then the command runs."""
    if files:
        try:
            invocation = replace(invocation, attachments=(await read_file(client, files[0]),))
        except ValueError as exc:
            await deliver(bridge.clients, dest, [Reply(text=str(exc), is_error=True)])
            return
    await run(bridge, invocation, dest)


async def _arrived(bridge: Bridge, team: str, channel: str, user: str) -> None:
    await member_arrived(
        bridge.app.services,
        platform=PLATFORM,
        workspace_id=team,
        user_id=user,
        user_name=user,  # the event carries no name; the first command brings it
        channel_id=channel,
    )


async def _open_modal(client: AsyncWebClient, trigger_id: str, view: dict[str, Any]) -> None:
    await client.views_open(trigger_id=trigger_id, view=view)


def _team(body: dict[str, Any]) -> str:
    team = body.get("team") or {}
    return str(team.get("id") or body.get("user", {}).get("team_id") or "")


def _is_dm(channel_id: str) -> bool:
    return channel_id.startswith("D")
