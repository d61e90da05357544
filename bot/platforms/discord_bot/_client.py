"""The discord.py client: turns messages, `/d2l` and button clicks into invocations."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator
from typing import Any

import discord
from discord import app_commands

from bot.app import App
from bot.platforms.discord_bot._buttons import ChoiceButton, RerunButton, rerun_view
from bot.platforms.discord_bot._code import (
    ATTACH_HINT,
    CodeError,
    attach_code,
    is_code,
    with_code,
    with_files,
)
from bot.platforms.discord_bot._commands import d2l_group
from bot.platforms.discord_bot._complete import suggestions
from bot.platforms.discord_bot._controls import AnswerButton, PickerSelect
from bot.platforms.discord_bot._interactions import ACK_AFTER, answer
from bot.platforms.discord_bot._render import render
from handlers.parsing import parse_message, strip_prefix
from handlers.router import error_reply
from handlers.types import Attachment, Invocation, Reply
from handlers.welcome import member_arrived

log = logging.getLogger(__name__)

PLATFORM = "discord"
DM_WORKSPACE = "dm"
# discord.py sleeps through a 429 up to this long; a longer one raises so the caller
# (the outbox dispatcher) retries later instead of blocking.
MAX_RATELIMIT_WAIT = 30.0
REIDENTIFY_DELAY = 5.0  # Discord allows one IDENTIFY per 5 s (max_concurrency 1)
EDIT_WINDOW = 30.0  # seconds after a submission in which an edit offers a re-run
DM_FAILED = (
    "I couldn't send you that privately: your direct messages are closed for this server. "
    "Use `/d2l` instead and only you will see the answer."
)


def intents(members: bool = True) -> discord.Intents:
    """Guilds, guild and direct messages, message content (privileged) for `!d2l`, and
    members (privileged) to welcome people who join the server (optional: a deployment that
    hasn't turned it on in the portal runs without those welcomes)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.members = members
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.message_content = True
    return wanted


class StudyClient(discord.Client):
    def __init__(
        self,
        app: App,
        *,
        prefix: str,
        guild_ready_timeout: float = 2.0,
        ack_after: float = ACK_AFTER,
        edit_window: float = EDIT_WINDOW,
        sync_commands: bool = True,
        reidentify_delay: float = REIDENTIFY_DELAY,
        members_intent: bool = True,
    ) -> None:
        super().__init__(
            intents=intents(members_intent),
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
            guild_ready_timeout=guild_ready_timeout,
            # The members intent is for welcomes only: no member lists fetched on connect.
            chunk_guilds_at_startup=False,
        )
        self.app = app
        self.prefix = prefix.lower()  # strip_prefix compares lowercased text
        self.ack_after = ack_after
        self.edit_window = edit_window
        self.sync_commands = sync_commands
        self.reidentify_delay = reidentify_delay
        self.tree: app_commands.CommandTree[StudyClient] = app_commands.CommandTree(self)
        self.tree.add_command(d2l_group(self))
        self.draining = False
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._submissions: dict[int, float] = {}  # message id → when it was handled
        self._member_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ChoiceButton, RerunButton, PickerSelect, AnswerButton)
        if self.sync_commands:
            try:  # PUT /applications/{id}/commands: idempotent, so done on every start
                await self.tree.sync()
            except discord.HTTPException as exc:
                log.warning("could not register the /d2l command: %s", exc)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py waits 5 s before a fresh IDENTIFY (Discord's identify rate limit); tests
        # of an invalidated session set the delay to 0.
        if not initial:
            await asyncio.sleep(self.reidentify_delay)

    # Members -----------------------------------------------------------------------------

    async def on_member_join(self, member: discord.Member) -> None:
        """Someone joined a server with a bound channel: the welcome DM (once per person)."""
        if member.bot:
            return
        await member_arrived(
            self.app.services,
            platform="discord",
            workspace_id=str(member.guild.id),
            user_id=str(member.id),
            user_name=member.display_name,
        )

    # Messages ----------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return  # never answer bots, ourselves included
        rest = strip_prefix(message.content, (self.prefix,))
        if rest is None or self.draining:
            return
        try:
            async with self.busy():
                await self._answer_message(message, rest)
        except discord.HTTPException as exc:  # e.g. no permission to post in that channel
            log.warning(
                "could not answer message %s in %s: %s", message.id, message.channel.id, exc
            )

    async def _answer_message(self, message: discord.Message, rest: str) -> None:
        try:
            text, files = await attach_code(rest, message.attachments)
        except CodeError as exc:
            await self._reply_to(message, error_reply(str(exc)))
            return
        invocation = self._invocation(message.guild, message.channel.id, message.author, text)
        invocation = with_files(invocation, files)
        if _is_submission(text):
            self._remember_submission(message.id)
        for reply in await self._handle(invocation):
            await self._reply_to(message, reply)

    async def on_message_edit(self, before: discord.Message, after: discord.Message) -> None:
        handled_at = self._submissions.get(after.id)
        if handled_at is None or time.monotonic() - handled_at > self.edit_window:
            return
        if before.content == after.content and before.attachments == after.attachments:
            return  # an embed unfurl, not an edit by the member
        await after.channel.send(
            "You edited your submission. Run it again?",
            view=rerun_view(after.channel.id, after.id),
            reference=after.to_reference(fail_if_not_exists=False),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def _reply_to(self, message: discord.Message, reply: Reply) -> None:
        """Public replies in the channel; private ones by DM (a message can't be ephemeral)."""
        rendered = render(reply, prefix=self.prefix)
        if reply.ephemeral and message.guild is not None:
            try:
                await message.author.send(**rendered.kwargs())
                return
            except discord.HTTPException as exc:
                log.info("DM to %s failed (%s); noting it in the channel", message.author.id, exc)
                rendered = render(Reply(text=DM_FAILED, ephemeral=True), prefix=self.prefix)
        await message.channel.send(
            **rendered.kwargs(),
            reference=message.to_reference(fail_if_not_exists=False),
            mention_author=False,
        )

    # Interactions ------------------------------------------------------------------------

    async def run_slash(
        self,
        interaction: discord.Interaction[Any],
        command: str,
        code: str | None,
        attachment: discord.Attachment | None,
    ) -> None:
        async def work() -> list[Reply]:
            text = command
            files: tuple[Attachment, ...] = ()
            if code:
                text = with_code(text, code)
            elif attachment is not None:
                if not is_code(attachment):
                    return [error_reply(f"`{attachment.filename}` is not code: {ATTACH_HINT}")]
                try:
                    text, files = await attach_code(text, [attachment])
                except CodeError as exc:
                    return [error_reply(str(exc))]
            invocation = self._interaction_invocation(interaction, text)
            return await self._handle(with_files(invocation, files))

        async with self.busy():
            await answer(interaction, work(), ack_after=self.ack_after)

    async def run_choice(self, interaction: discord.Interaction[Any], command: str) -> None:
        """A button click: run its command for the member who clicked, answer privately."""
        invocation = self._interaction_invocation(interaction, command)
        async with self.busy():
            await answer(
                interaction, self._handle(invocation), private=True, ack_after=self.ack_after
            )

    async def rerun(
        self, interaction: discord.Interaction[Any], channel_id: int, message_id: int
    ) -> None:
        """The "Run again" button of an edited submission: run the message as it reads now."""
        message = discord.utils.get(self.cached_messages, id=message_id)
        if message is None:
            message = await self.get_partial_messageable(channel_id).fetch_message(message_id)
        if interaction.user.id != message.author.id:
            await interaction.response.send_message(
                "Only the author of the submission can run it again.", ephemeral=True
            )
            return
        rest = strip_prefix(message.content, (self.prefix,)) or ""

        async def work() -> list[Reply]:
            try:
                text, files = await attach_code(rest, message.attachments)
            except CodeError as exc:
                return [error_reply(str(exc))]
            invocation = self._invocation(message.guild, channel_id, message.author, text)
            return await self._handle(with_files(invocation, files))

        async with self.busy():
            await answer(interaction, work(), ack_after=self.ack_after)

    def suggestions(self, typed: str) -> list[tuple[str, str]]:
        return suggestions(self.app, typed)

    @contextlib.asynccontextmanager
    async def busy(self) -> AsyncIterator[None]:
        """Marks an answer in progress, so `drain` can wait for it."""
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    async def drain(self, within: float) -> None:
        """Stop taking new messages and let the answers in progress go out."""
        self.draining = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), within)

    # Shared ------------------------------------------------------------------------------

    async def _handle(self, invocation: Invocation) -> list[Reply]:
        # One member's commands run in order (discord.py runs every event in a task of its
        # own): a quick double click or two messages in a row are answered in sequence.
        lock = self._member_locks.setdefault(invocation.user_id, asyncio.Lock())
        async with lock:
            return await self.app.handle(invocation)

    def _interaction_invocation(
        self, interaction: discord.Interaction[Any], text: str
    ) -> Invocation:
        return self._invocation(
            interaction.guild, interaction.channel_id or 0, interaction.user, text
        )

    def _invocation(
        self,
        guild: discord.Guild | None,
        channel_id: int,
        user: discord.abc.User,
        text: str,
    ) -> Invocation:
        return Invocation(
            platform=PLATFORM,
            workspace_id=self._workspace(guild),
            channel_id=str(channel_id),
            user_id=str(user.id),
            user_name=user.display_name,
            text=text,
            is_direct=guild is None,
        )

    def _workspace(self, guild: discord.Guild | None) -> str:
        """The server; in a DM, the bot's only server if it has one (members are per server
        in the core, and a study group's bot usually serves one), else "dm"."""
        if guild is not None:
            return str(guild.id)
        if len(self.guilds) == 1:
            return str(self.guilds[0].id)
        return DM_WORKSPACE

    def _remember_submission(self, message_id: int) -> None:
        now = time.monotonic()
        for old in [m for m, at in self._submissions.items() if now - at > self.edit_window]:
            del self._submissions[old]
        self._submissions[message_id] = now


def _is_submission(text: str) -> bool:
    words = parse_message(text).words
    return bool(words) and words[0].lower() == "submit"
