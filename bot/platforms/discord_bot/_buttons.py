"""Buttons: a quiz choice (or any `Choice`) runs its command for whoever clicks it.

The command travels in the button's `custom_id`, so a click works after a restart too (a
`DynamicItem` is matched by pattern, not by a view kept in memory). A command too long for a
custom_id (100 characters) is kept in memory under a short digest instead.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Protocol

import discord

from handlers.types import Choice

CUSTOM_ID_LIMIT = 100
LABEL_LIMIT = 80
PER_ROW = 5
_COMMAND = "d2l:"
_DIGEST = "d2l#"
_RERUN = "d2l-rerun:"
# Commands too long for a custom_id, by digest; they last as long as the process.
_long_commands: dict[str, str] = {}


class ButtonHost(Protocol):
    """What the client offers the buttons (implemented by the StudyClient)."""

    async def run_choice(self, interaction: discord.Interaction[Any], command: str) -> None: ...

    async def rerun(
        self, interaction: discord.Interaction[Any], channel_id: int, message_id: int
    ) -> None: ...


def choice_custom_id(command: str) -> str:
    custom_id = _COMMAND + command
    if len(custom_id) <= CUSTOM_ID_LIMIT:
        return custom_id
    digest = hashlib.sha256(command.encode()).hexdigest()[:32]
    _long_commands[digest] = command
    return _DIGEST + digest


def command_of(custom_id: str) -> str | None:
    if custom_id.startswith(_COMMAND):
        return custom_id[len(_COMMAND) :]
    return _long_commands.get(custom_id[len(_DIGEST) :])


class ChoiceButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"d2l[:#](?P<rest>.+)"):
    def __init__(self, label: str, custom_id: str, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:LABEL_LIMIT] or "…",
                custom_id=custom_id,
                style=discord.ButtonStyle.secondary,
                row=row,
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ChoiceButton:
        label = getattr(item, "label", None) or "choice"
        return cls(label, getattr(item, "custom_id", None) or match.group(0))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        host: ButtonHost = interaction.client
        command = command_of(self.item.custom_id or "")
        if command is None:
            await interaction.response.send_message(
                "That button has expired; type the command instead.", ephemeral=True
            )
            return
        await host.run_choice(interaction, command)


class RerunButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"d2l-rerun:(?P<channel>\d+):(?P<message>\d+)",
):
    """Offered when a submission is edited soon after it was sent: run it again."""

    def __init__(self, channel_id: int, message_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Run again",
                custom_id=f"{_RERUN}{channel_id}:{message_id}",
                style=discord.ButtonStyle.primary,
            )
        )
        self.channel_id = channel_id
        self.message_id = message_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> RerunButton:
        return cls(int(match["channel"]), int(match["message"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        host: ButtonHost = interaction.client
        await host.rerun(interaction, self.channel_id, self.message_id)


def choices_view(choices: tuple[Choice, ...]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for index, choice in enumerate(choices):
        view.add_item(
            ChoiceButton(choice.label, choice_custom_id(choice.command), row=index // PER_ROW)
        )
    return view


def rerun_view(channel_id: int, message_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(RerunButton(channel_id, message_id))
    return view
