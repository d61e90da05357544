"""Answer controls on Discord (issue 18): a multi-select menu for multiple-choice questions
(min 1, max every choice; it submits when the menu closes) and an Answer button opening a
modal with one text input. A modal can't show errors inside itself on Discord, so a bad
entry (not a number, out of range) gets a private reply saying why, and nothing is sent.

Like the choice buttons, the command travels in the `custom_id` (persistent across
restarts); a command too long for one is kept in memory under a digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import discord

from bot.platforms.discord_bot._buttons import CUSTOM_ID_LIMIT, LABEL_LIMIT, ButtonHost
from handlers.controls import box_error, picked_command
from handlers.types import AnswerBox, Picker

_PICK = "d2l-pick:"
_BOX = "d2l-box:"
OPTION_LIMIT = 25  # options in one select menu
OPTION_LABEL_LIMIT = 100
MODAL_TITLE_LIMIT = 45
MODAL_LIFETIME = dt.timedelta(minutes=15)  # an interaction token's lifetime
NOTHING_PICKED = "Pick at least one choice."
EXPIRED = "That control has expired; type the command instead (`d2l answer …`)."
_long: dict[str, str] = {}  # digest -> custom_id payload too long for Discord


def _custom_id(prefix: str, payload: str) -> str:
    custom_id = prefix + payload
    if len(custom_id) <= CUSTOM_ID_LIMIT:
        return custom_id
    digest = hashlib.sha256(payload.encode()).hexdigest()[:32]
    _long[digest] = payload
    return f"{prefix}#{digest}"


def _payload(prefix: str, custom_id: str) -> str | None:
    rest = custom_id[len(prefix) :] if custom_id.startswith(prefix) else None
    if rest is None:
        return None
    return _long.get(rest[1:]) if rest.startswith("#") else rest


class PickerSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"d2l-pick:(?P<rest>.+)"
):
    """The multi-select menu; its custom_id carries the command (`answer {picked} q42`)."""

    def __init__(self, custom_id: str, options: list[discord.SelectOption], placeholder: str):
        super().__init__(
            discord.ui.Select(
                custom_id=custom_id,
                placeholder=placeholder[:150] or None,
                min_values=1,
                max_values=max(1, len(options)),
                options=options,
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PickerSelect:
        options = list(getattr(item, "options", None) or [])
        placeholder = getattr(item, "placeholder", None) or ""
        return cls(getattr(item, "custom_id", None) or match.group(0), options, placeholder)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        host: ButtonHost = interaction.client
        template = _payload(_PICK, self.item.custom_id or "")
        if template is None:
            await interaction.response.send_message(EXPIRED, ephemeral=True)
            return
        command = picked_command(template, list(self.item.values))
        if command is None:
            await interaction.response.send_message(NOTHING_PICKED, ephemeral=True)
            return
        await host.run_choice(interaction, command)


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"d2l-box:(?P<rest>.+)"
):
    """Opens the answer modal; its custom_id carries `low:high:command`."""

    def __init__(self, label: str, custom_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:LABEL_LIMIT] or "Answer",
                custom_id=custom_id,
                style=discord.ButtonStyle.primary,
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AnswerButton:
        label = getattr(item, "label", None) or "Answer"
        return cls(label, getattr(item, "custom_id", None) or match.group(0))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        box = box_of(self.item.custom_id or "")
        if box is None:
            await interaction.response.send_message(EXPIRED, ephemeral=True)
            return
        await interaction.response.send_modal(AnswerModal(box))


class AnswerModal(discord.ui.Modal):
    """One text input; a bad entry is answered privately and nothing is sent."""

    def __init__(self, box: AnswerBox) -> None:
        super().__init__(
            title=(box.title or "Your answer")[:MODAL_TITLE_LIMIT],
            timeout=MODAL_LIFETIME.total_seconds(),
        )
        self.box = box
        self.answer: discord.ui.TextInput[AnswerModal] = discord.ui.TextInput(
            label="Answer",
            placeholder=box.placeholder[:100] or None,
            max_length=200,
        )
        self.add_item(self.answer)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        text = self.answer.value or ""
        problem = box_error(self.box, text)
        if problem is not None:
            await interaction.response.send_message(
                f"{problem} Nothing was sent; press **Answer** to try again.", ephemeral=True
            )
            return
        host: ButtonHost = interaction.client
        await host.run_choice(interaction, self.box.command_for(text))


def box_of(custom_id: str) -> AnswerBox | None:
    """The box an Answer button stands for; None if its custom_id isn't one."""
    payload = _payload(_BOX, custom_id)
    if payload is None:
        return None
    low, _, rest = payload.partition(":")
    high, _, command = rest.partition(":")
    try:
        lo = float(low) if low else None
        hi = float(high) if high else None
    except ValueError:
        return None
    if "{text}" not in command:
        return None
    return AnswerBox(
        label="Answer", title="Your answer", prompt="", command=command, low=lo, high=hi
    )


def add_controls(
    view: discord.ui.View, picker: Picker | None, box: AnswerBox | None, *, row: int
) -> None:
    """Add the picker (a row of its own) and the Answer button to `view`."""
    if picker is not None:
        options = [
            discord.SelectOption(label=o.label[:OPTION_LABEL_LIMIT] or o.value, value=o.value)
            for o in picker.options[:OPTION_LIMIT]
        ]
        select = PickerSelect(_custom_id(_PICK, picker.command), options, picker.placeholder)
        select.item.row = row
        view.add_item(select)
        row += 1
    if box is not None:
        low = "" if box.low is None else repr(box.low)
        high = "" if box.high is None else repr(box.high)
        button = AnswerButton(box.label, _custom_id(_BOX, f"{low}:{high}:{box.command}"))
        button.item.row = min(row, 4)
        view.add_item(button)
