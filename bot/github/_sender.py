"""Outbox delivery to the group's GitHub repository: Discussions, comments, the schedule file."""

from __future__ import annotations

import logging

import gidgethub

from bot.delivery import GiveUp, RetryLater
from bot.github._client import Conflict, GitHubClient, describe
from bot.github._discussions import CategoryMissing, Discussion, Discussions
from bot.github._render import marker, to_markdown
from handlers.context import Services
from handlers.github_sync import COMMENT, DISCUSSION, EDIT, PLATFORM, SCHEDULE
from handlers.serialize import reply_to_json
from handlers.types import Reply
from models.github_tables import GitHubDiscussion, GitHubSync
from models.members import organizers_of
from models.outbox import Planned, enqueue
from models.tables import OutboxMessage, Session

log = logging.getLogger(__name__)


class GitHubError(Exception):
    """A call to GitHub failed; the message is retried with the outbox's backoff."""


class GitHubSender:
    """Does what a GitHub outbox row stands for. Each step first looks for what a crashed
    earlier try may have done (a Discussion or comment by its marker, the file by its
    content), so a row sent again after a restart changes nothing twice."""

    def __init__(self, services: Services, client: GitHubClient, category: str) -> None:
        self.services = services
        self.client = client
        self.discussions = Discussions(client, category)

    async def send(self, message: OutboxMessage, reply: Reply, *, direct: bool) -> str | None:
        title, body = to_markdown(reply)
        try:
            if message.kind == DISCUSSION:
                return await self._announce(message, title, body)
            if message.kind == EDIT:
                return await self._edit(message, title, body)
            if message.kind == COMMENT:
                return await self._comment(message, title, body)
            if message.kind == SCHEDULE:
                return await self._schedule(message, title, body)
        except (RetryLater, GiveUp):
            raise
        except CategoryMissing as exc:
            raise GitHubError(str(exc)) from None
        except (gidgethub.GitHubException, OSError, TimeoutError) as exc:
            raise GitHubError(describe(exc)) from None
        raise GiveUp(f"unknown GitHub message kind {message.kind!r}")

    async def _announce(self, message: OutboxMessage, title: str, body: str) -> str:
        # The session's marker, whichever row asks (`admin github sync` queues rows of its
        # own): one Discussion per session, found again if it exists.
        tag = _announce_marker(message)
        found = await self.discussions.find(tag)
        created = found is None
        if found is None:
            found = await self.discussions.create(title, f"{body}\n\n{tag}")
        await self._remember(message, found, wrote=created)
        await self._synced(message, f"Discussion #{found.number} announces {title}")
        return found.node_id

    async def _edit(self, message: OutboxMessage, title: str, body: str) -> str:
        known = await self._known(message)
        tag = _announce_marker(message)  # it stays findable
        found = await self.discussions.update(known.node_id, title, f"{body}\n\n{tag}")
        await self._remember(message, found, wrote=True, edited=True)
        await self._synced(message, f"Discussion #{found.number} edited: {title}")
        return found.node_id

    async def _comment(self, message: OutboxMessage, title: str, body: str) -> str:
        known = await self._known(message)
        tag = marker(message.key)
        url = await self.discussions.comment(known.node_id, f"**{title}**\n\n{body}\n\n{tag}", tag)
        await self._synced(message, f"recording posted on Discussion #{known.number}")
        return url[:100]

    async def _schedule(self, message: OutboxMessage, title: str, body: str) -> str:
        """Write the file with the sha just read; a conflict is retried once with the new
        sha, then reported to the organizers (someone else is editing the file)."""
        path = message.target
        text = f"# {title}\n\n{body}\n"
        version = message.payload.get("version")
        for _ in range(2):
            current, sha = await self.client.read_file(path)
            if current == text:
                await self._synced(message, f"{path} already up to date")
                return "unchanged"
            try:
                commit = await self.client.write_file(
                    path, text, sha, f"Schedule: plan change {version} (studybot)"
                )
            except Conflict:
                log.warning("%s changed while the bot wrote it", path)
                continue
            await self._synced(message, f"{path} updated (commit {commit[:7]})")
            return commit[:40] or "written"
        await self._report_conflict(message, path)
        raise GiveUp(
            f"{path} in {message.workspace_id} changed while the bot wrote it, twice (409): "
            "organizers were told; `d2l admin github sync` writes it again"
        )

    async def _known(self, message: OutboxMessage) -> GitHubDiscussion:
        async with self.services.sessions() as db:
            known = await db.get(GitHubDiscussion, int(message.payload.get("session_id", 0)))
        if known is None:
            raise GiveUp("the session has no Discussion to edit")
        return known

    async def _remember(
        self, message: OutboxMessage, found: Discussion, *, wrote: bool, edited: bool = False
    ) -> None:
        """Keep the Discussion and the start time its text gives (a later move edits it);
        one found again keeps the start it was recorded with."""
        now = self.services.clock.now()
        async with self.services.sessions() as db, db.begin():
            session = await db.get(Session, int(message.payload.get("session_id", 0)))
            if session is None:
                return
            known = await db.get(GitHubDiscussion, session.id)
            if known is None:
                known = GitHubDiscussion(session_id=session.id, edits=0, created_at=now)
                db.add(known)
            known.cohort_id = session.cohort_id
            known.node_id, known.number, known.url = found.node_id, found.number, found.url
            if wrote or known.announced_start is None:
                known.announced_start = session.starts_at
            if edited:
                known.edits += 1

    async def _synced(self, message: OutboxMessage, what: str) -> None:
        """The last thing written to GitHub, for `admin github`."""
        if message.cohort_id is None:
            return
        async with self.services.sessions() as db, db.begin():
            state = await db.get(GitHubSync, message.cohort_id)
            if state is not None:
                state.last_sync_at = self.services.clock.now()
                state.last_sync = what[:300]

    async def _report_conflict(self, message: OutboxMessage, path: str) -> None:
        """A direct message to every organizer (by the platform they first used)."""
        if message.cohort_id is None:
            return
        now = self.services.clock.now()
        reply = Reply(
            title=f"⚠️ {path} on GitHub was not updated",
            text=f"Someone changed `{path}` in {message.workspace_id} while the bot was "
            "rewriting it, twice in a row, so the bot stopped rather than overwrite that "
            "edit. When the edit is done, `d2l admin github sync` writes the schedule again.",
        )
        async with self.services.sessions() as db, db.begin():
            planned = [
                Planned(
                    key=f"github-conflict:{message.id}:{message.attempts}:{identities[0].id}",
                    kind="notice",
                    platform=identities[0].platform,
                    workspace_id=identities[0].workspace_id,
                    target=identities[0].user_id,
                    payload={"reply": reply_to_json(reply), "direct": True},
                    due_at=now,
                    cohort_id=message.cohort_id,
                )
                for _, identities in await organizers_of(db, message.cohort_id)
                if identities and identities[0].platform != "github"
            ]
            await enqueue(db, planned, now, reschedule=False)


def _announce_marker(message: OutboxMessage) -> str:
    return marker(f"announce:{int(message.payload.get('session_id', 0))}:{PLATFORM}")
