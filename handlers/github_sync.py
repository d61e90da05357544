"""The group's GitHub repository as a third place the bot announces to (issue 20).

What goes there is planned into the outbox like the chat messages, with the same keys and
`github` where the chat keys name a channel: `announce:<session>:github` (a Discussion),
`moved:<session>:<start>:github:<edits>` (the Discussion edited), `recording:<session>:<link
hash>:github` (a comment) and `schedule:<cohort>:<plan change>:github` (the schedule file).
Planning is data: a cohort publishes when its `github_sync` row is enabled, which the chat
processes set from the environment at start (`apply_settings`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.context import Services
from handlers.text import when
from handlers.types import Reply, ReplyField
from models.cohorts import meeting_link
from models.github_tables import GitHubDiscussion, GitHubSync
from models.outbox import Planned, enqueue
from models.tables import Cohort, OutboxMessage, Session
from models.work import session_assignments
from quizzes.curriculum import Curriculum

PLATFORM = "github"
DISCUSSION = "github_discussion"
EDIT = "github_edit"
COMMENT = "github_comment"
SCHEDULE = "github_schedule"


class NotPublished(Exception):
    """This GitHub message has nothing to act on (its reason is recorded on the row)."""


async def apply_settings(services: Services) -> None:
    """Make every cohort publish to the configured repository, or stop (no token): called
    by the processes that deliver the outbox, before they plan anything."""
    settings = services.settings
    async with services.sessions() as db, db.begin():
        cohorts = list(await db.scalars(select(Cohort)))
        for cohort in cohorts:
            state = await db.get(GitHubSync, cohort.id)
            if not settings.github_enabled or settings.github_repo is None:
                if state is not None and state.enabled:
                    state.enabled = False
                    # Planning again (with a token) makes them pending again.
                    await db.execute(
                        update(OutboxMessage)
                        .where(
                            OutboxMessage.cohort_id == cohort.id,
                            OutboxMessage.platform == PLATFORM,
                            OutboxMessage.status == "pending",
                        )
                        .values(status="cancelled")
                        .execution_options(synchronize_session=False)
                    )
                continue
            if state is None:
                state = await _create_state(db, cohort.id, settings.github_repo)
            elif state.repo != settings.github_repo:
                # Another repository: its schedule file is written afresh, and the old
                # Discussions stay where they are (`admin github sync` announces again).
                state.schedule_hash = None
                await db.execute(
                    delete(GitHubDiscussion).where(GitHubDiscussion.cohort_id == cohort.id)
                )
            state.enabled = True
            state.repo = settings.github_repo
            state.category = settings.github_category
            state.schedule_path = settings.github_schedule_path


async def _create_state(db: AsyncSession, cohort_id: int, repo: str) -> GitHubSync:
    """The cohort's row; processes starting at once all try, one inserts it."""
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    await db.execute(
        insert(GitHubSync)
        .values(
            cohort_id=cohort_id,
            enabled=True,
            repo=repo,
            category="",
            schedule_path="",
            schedule_version=0,
        )
        .on_conflict_do_nothing(index_elements=["cohort_id"])
    )
    state = await db.get(GitHubSync, cohort_id, with_for_update=True)
    assert state is not None
    return state


async def plan_github(
    db: AsyncSession, cohort: Cohort, now: dt.datetime, horizon: dt.timedelta | None = None
) -> int:
    """Queue what the repository should get for this cohort (nothing unless it publishes)."""
    state = await db.get(GitHubSync, cohort.id)
    if state is None or not state.enabled:
        return 0
    limit = None if horizon is None else now + horizon
    discussions = {
        d.session_id: d
        for d in await db.scalars(
            select(GitHubDiscussion).where(GitHubDiscussion.cohort_id == cohort.id)
        )
    }
    planned: list[Planned] = []
    for session in cohort.sessions:
        found = discussions.get(session.id)
        if session.starts_at > now:
            announce_at = session.starts_at - dt.timedelta(days=cohort.announce_days_before)
            if found is None and (limit is None or announce_at <= limit):
                key = f"announce:{session.id}:{PLATFORM}"
                planned.append(_row(state, key, DISCUSSION, session, announce_at))
            if found is not None and found.announced_start != session.starts_at:
                stamp = int(session.starts_at.timestamp())
                key = f"moved:{session.id}:{stamp}:{PLATFORM}:{found.edits}"
                planned.append(_row(state, key, EDIT, session, now))
        elif found is not None and session.recording_url:
            key = f"recording:{session.id}:{link_key(session.recording_url)}:{PLATFORM}"
            planned.append(_row(state, key, COMMENT, session, now, expires=False))
    planned += await _schedule_change(db, state, cohort, now)
    await enqueue(db, planned, now)
    return len(planned)


def link_key(url: str) -> str:
    """One post per distinct recording link (as for the chat channels)."""
    return hashlib.sha256(url.encode()).hexdigest()[:12]


def _row(
    state: GitHubSync,
    key: str,
    kind: str,
    session: Session,
    due_at: dt.datetime,
    *,
    expires: bool = True,
) -> Planned:
    return Planned(
        key=key,
        kind=kind,
        platform=PLATFORM,
        workspace_id=state.repo,
        target=state.category,
        payload={"session_id": session.id},
        due_at=due_at,
        expires_at=session.starts_at if expires else None,
        cohort_id=state.cohort_id,
    )


async def _schedule_change(
    db: AsyncSession, state: GitHubSync, cohort: Cohort, now: dt.datetime
) -> list[Planned]:
    """One schedule-file row per change of the plan. Planners of one cohort take turns
    (a row lock on PostgreSQL), so two changes at once are two versions, never one."""
    fingerprint = plan_fingerprint(cohort)
    if fingerprint == state.schedule_hash:
        return []
    await db.refresh(state, with_for_update=True)
    if fingerprint == state.schedule_hash:
        return []
    state.schedule_hash = fingerprint
    state.schedule_version += 1
    return [
        Planned(
            key=f"schedule:{cohort.id}:{state.schedule_version}:{PLATFORM}",
            kind=SCHEDULE,
            platform=PLATFORM,
            workspace_id=state.repo,
            target=state.schedule_path,
            payload={"version": state.schedule_version},
            due_at=now,
            cohort_id=cohort.id,
        )
    ]


def plan_fingerprint(cohort: Cohort) -> str:
    """What the schedule file shows, as a hash: a change of it is a change of the plan."""
    shown = [
        cohort.name,
        cohort.timezone,
        cohort.meeting_url,
        [
            [
                s.number,
                s.starts_at.isoformat(),
                s.title,
                s.chapters,
                s.link,
                s.speaker,
                s.recording_url,
                s.meeting_url,
            ]
            for s in sorted(cohort.sessions, key=lambda s: s.number)
        ],
    ]
    return hashlib.sha256(json.dumps(shown, default=str).encode()).hexdigest()


# Rendering, at send time (bot.github turns these replies into Markdown) ----------------------


async def render_github(db: AsyncSession, message: OutboxMessage, curriculum: Curriculum) -> Reply:
    """The reply a GitHub row stands for, or NotPublished."""
    if message.kind == SCHEDULE:
        cohort = await db.get(Cohort, message.cohort_id)
        if cohort is None:
            raise NotPublished("the cohort no longer exists")
        sessions = list(
            await db.scalars(
                select(Session).where(Session.cohort_id == cohort.id).order_by(Session.number)
            )
        )
        return schedule_file(cohort, sessions, curriculum)
    session = await db.get(Session, int(message.payload.get("session_id", 0)))
    if session is None:
        raise NotPublished("the session no longer exists")
    cohort = await db.get(Cohort, session.cohort_id)
    assert cohort is not None
    if message.kind == COMMENT:
        return Reply(
            title=f"🎥 Recording of session {session.number}: {session.title}",
            text=session.recording_url or "",
            timezone=cohort.timezone,
        )
    if message.kind == EDIT:
        known = await db.get(GitHubDiscussion, session.id)
        if known is None:
            raise NotPublished("the session has no Discussion")
        if known.announced_start == session.starts_at:  # an earlier edit did it
            raise NotPublished("the Discussion already gives this time")
    return await announcement(db, cohort, session, curriculum)


async def announcement(
    db: AsyncSession, cohort: Cohort, session: Session, curriculum: Curriculum
) -> Reply:
    """A session's Discussion: what stays true until the session moves (no countdown, no
    RSVP counts: those go stale on a page that isn't rewritten every hour)."""
    fields = [
        ReplyField("When", when(session.starts_at)),
        ReplyField("Chapter", curriculum.chapter_label(session.chapters)),
    ]
    if session.speaker:
        fields.append(ReplyField("Speaker", session.speaker))
    link = meeting_link(cohort, session)
    if link:
        fields.append(ReplyField("Meeting link", link))
    fields.append(ReplyField("Read", "\n".join(session.sections), inline=False))
    if session.prepare:
        fields.append(ReplyField("Prepare", session.prepare, inline=False))
    work = await session_assignments(db, session.id)
    if work:
        lines = [f"{a.kind} `{a.ref}` — due {when(a.due_at)}" for a in work]
        fields.append(ReplyField("Assignments", "\n".join(lines), inline=False))
    fields.append(ReplyField("Readings", session.link, inline=False))
    total = await db.scalar(select(func.count()).where(Session.cohort_id == cohort.id))
    return Reply(
        title=f"Session {session.number}: {session.title}",
        text=f"{cohort.name} · session {session.number} of {total}",
        fields=tuple(fields),
        footer="Questions about the session are welcome below. To RSVP, answer "
        "`d2l rsvp yes` to the bot in the group's Slack or Discord.",
        timezone=cohort.timezone,
    )


def schedule_file(cohort: Cohort, sessions: list[Session], curriculum: Curriculum) -> Reply:
    """The schedule file: a Markdown table of the whole plan, times in the cohort's zone."""
    meetings = any(meeting_link(cohort, s) for s in sessions)
    header = ["#", "Date and time", "Chapter and readings", "Speaker", "Recording"]
    if meetings:
        header.append("Meeting link")
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for s in sessions:
        chapter = f"{curriculum.chapter_label(s.chapters)}: [{_cell(s.title)}]({s.link})"
        cells = [
            str(s.number),
            when(s.starts_at),
            chapter,
            _cell(s.speaker or ""),
            f"[recording]({s.recording_url})" if s.recording_url else "",
        ]
        if meetings:
            link = meeting_link(cohort, s)
            cells.append(f"[join]({link})" if link else "")
        rows.append("| " + " | ".join(cells) + " |")
    intro = (
        f"The plan of {cohort.name}, {len(sessions)} sessions; times are in "
        f"{cohort.timezone}. The study group's bot rewrites this file whenever the plan "
        "changes, so edits made here by hand don't last: organizers change the plan with "
        "`d2l admin session` and `d2l admin cohort`."
    )
    return Reply(
        title=f"Schedule: {cohort.name}",
        text=intro + "\n\n" + "\n".join(rows),
        timezone=cohort.timezone,
    )


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell (a `|` would start a new cell)."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
