"""`d2l admin github [sync]`: the GitHub configuration and last sync, and re-creating what is
missing in the repository."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select, update

from handlers.context import Context, UsageError
from handlers.github_sync import DISCUSSION, PLATFORM, plan_github
from handlers.router import Command, Router
from handlers.text import when
from handlers.types import Reply, ReplyField
from models.github_tables import GitHubDiscussion, GitHubSync
from models.outbox import Planned, enqueue
from models.tables import OutboxMessage

NOT_CONFIGURED = (
    "GitHub isn't configured: set STUDYBOT_GITHUB_REPO (owner/name) and STUDYBOT_GITHUB_TOKEN "
    "and restart the bot (the README lists the token's permissions)."
)


def register(router: Router) -> None:
    router.add(
        Command(
            name="admin github",
            usage="admin github [sync]",
            summary="the GitHub repository the bot announces to, and its last sync; "
            "`sync` re-creates what is missing there",
            details="Each session's announcement is a Discussion, edited when the session "
            "moves; a recording link becomes a comment; the schedule file is rewritten when "
            "the plan changes. `sync` announces again the sessions whose Discussion is "
            "missing, rewrites the schedule file if it differs, and retries failed messages.",
            handler=admin_github,
            organizer_only=True,
            group="Organizers",
        )
    )


async def admin_github(ctx: Context) -> Reply:
    if len(ctx.args) > 1 or (ctx.args and ctx.args[0].lower() != "sync"):
        raise UsageError()
    state = await ctx.db.get(GitHubSync, ctx.cohort.id)
    if state is None or not state.enabled:
        return Reply(text=NOT_CONFIGURED, ephemeral=True)
    if ctx.args:
        return await _sync(ctx, state)
    return await _show(ctx, state)


async def _show(ctx: Context, state: GitHubSync) -> Reply:
    mine = (OutboxMessage.cohort_id == ctx.cohort.id, OutboxMessage.platform == PLATFORM)
    counts = dict(
        (
            await ctx.db.execute(
                select(OutboxMessage.status, func.count())
                .where(*mine)
                .group_by(OutboxMessage.status)
            )
        ).all()
    )
    discussions = await ctx.db.scalar(
        select(func.count()).where(GitHubDiscussion.cohort_id == ctx.cohort.id)
    )
    # Given up on, or being retried after an error (a wrong token, a missing category).
    troubled = list(
        await ctx.db.scalars(
            select(OutboxMessage)
            .where(
                *mine,
                or_(
                    OutboxMessage.status == "failed",
                    (OutboxMessage.status == "pending") & OutboxMessage.last_error.is_not(None),
                ),
            )
            .order_by(OutboxMessage.due_at.desc())
            .limit(5)
        )
    )
    last = (
        f"{when(state.last_sync_at)}: {state.last_sync}"
        if state.last_sync_at is not None
        else "nothing written yet"
    )
    fields = (
        ReplyField("Repository", state.repo),
        ReplyField("Discussion category", state.category),
        ReplyField("Schedule file", f"{state.schedule_path}, plan change {state.schedule_version}"),
        ReplyField("API", ctx.services.settings.github_api_url),
        ReplyField("Discussions", f"{discussions} of {len(ctx.cohort.sessions)} sessions"),
        ReplyField("Last sync", last, inline=False),
        ReplyField(
            "Outbox",
            " · ".join(f"{counts.get(s, 0)} {s}" for s in ("pending", "sent", "failed")),
        ),
    )
    lines = [
        f"{m.kind} `{m.key}` ({'failed' if m.status == 'failed' else 'retrying'}) — {m.last_error}"
        for m in troubled
    ]
    text = "\n".join(lines) if lines else "Nothing has failed."
    if any(m.status == "failed" for m in troubled):
        text += "\n`d2l admin github sync` tries the failed ones again."
    return Reply(title="GitHub", text=text, fields=fields, ephemeral=True)


async def _sync(ctx: Context, state: GitHubSync) -> Reply:
    """Queue again what should be in the repository and isn't (or may not be)."""
    now = ctx.now
    retried = await ctx.db.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.cohort_id == ctx.cohort.id,
            OutboxMessage.platform == PLATFORM,
            OutboxMessage.status == "failed",
        )
        .values(status="pending", attempts=0, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    announced = set(
        await ctx.db.scalars(
            select(GitHubDiscussion.session_id).where(GitHubDiscussion.cohort_id == ctx.cohort.id)
        )
    )
    lead = dt.timedelta(days=ctx.cohort.announce_days_before)
    due = [s for s in ctx.cohort.sessions if s.starts_at - lead <= now < s.starts_at]
    missing = [s for s in due if s.id not in announced]
    # A row per announced session that looks for its Discussion on GitHub (by its marker)
    # and creates it only if it is gone (deleted by hand, say).
    stamp = int(now.timestamp())
    keys = [
        f"announce:{s.id}:{PLATFORM}"
        if s.id not in announced
        else f"announce:{s.id}:{PLATFORM}:sync:{stamp}"
        for s in due
    ]
    if keys:
        # Announced before (another repository) or given up on: announce again.
        await ctx.db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key.in_(keys))
            .values(status="pending", attempts=0, next_attempt_at=None, due_at=now)
            .execution_options(synchronize_session=False)
        )
        await enqueue(
            ctx.db,
            [
                Planned(
                    key=key,
                    kind=DISCUSSION,
                    platform=PLATFORM,
                    workspace_id=state.repo,
                    target=state.category,
                    payload={"session_id": s.id},
                    due_at=now,
                    expires_at=s.starts_at,
                    cohort_id=ctx.cohort.id,
                )
                for key, s in zip(keys, due, strict=True)
            ],
            now,
            reschedule=False,
        )
    # A new version of the schedule file; it makes no commit if the file is already right.
    state.schedule_hash = None
    await plan_github(ctx.db, ctx.cohort, now)
    count = int(getattr(retried, "rowcount", 0) or 0)
    return Reply(
        text=f"Queued for {state.repo}: {len(missing)} missing Discussions, a check of the "
        f"{len(due) - len(missing)} announced ones (re-created if deleted), the schedule "
        f"file ({state.schedule_path}), and {count} failed messages again. "
        "`d2l admin github` shows how it went.",
        ephemeral=True,
    )
