"""Discord guild scheduled events, kept from the database (issue 16).

In every Discord server with a bound channel, each upcoming session has one scheduled event
(an "external" event at the session's meeting link), so members get Discord's own
"Interested" button and notifications. `ScheduledEvents.reconcile` compares what the
database says with what was last synced (`discord_events`): it creates the missing events,
edits those whose session moved or changed (the same event, new time), cancels those whose
session is gone, and leaves alone those that took place. Running it twice changes nothing.
It reads the database, then talks to Discord outside any transaction, then writes down what
it did. A server where the bot lacks Manage Events (403) is logged once and shown in
`admin outbox` (`discord_event_errors`) until a sync works again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass, field

import discord
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.context import Services
from handlers.schedule import SESSION_LENGTH
from models.cohorts import meeting_link
from models.joining_tables import DiscordEvent, DiscordEventError
from models.tables import Cohort, PlatformBinding, Session

log = logging.getLogger(__name__)

# Interested counts are read from Discord this often (one request per server); moves and
# new sessions are synced at every sweep.
COUNT_EVERY = dt.timedelta(minutes=5)
NO_LINK = "Online: the link is posted in the study group's channel"


@dataclass(frozen=True)
class Wanted:
    """A session's event as it should be."""

    session_id: int
    name: str
    description: str
    location: str
    start: dt.datetime
    end: dt.datetime

    @property
    def fingerprint(self) -> str:
        fields = [self.name, self.description, self.location, self.start.isoformat()]
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:32]


def wanted_event(cohort: Cohort, session: Session) -> Wanted:
    return Wanted(
        session_id=session.id,
        name=f"Session {session.number}: {session.title}"[:100],
        description=f"{cohort.name}: {session.title}. Readings: {session.link} — "
        "RSVP with `d2l rsvp yes`; questions with `d2l ask`."[:1000],
        location=(meeting_link(cohort, session) or NO_LINK)[:100],
        start=session.starts_at,
        end=session.starts_at + SESSION_LENGTH,
    )


@dataclass
class GuildPlan:
    cohort_id: int
    guild_id: str
    create: list[Wanted]
    edit: list[tuple[DiscordEvent, Wanted]]
    cancel: list[DiscordEvent]
    count: bool

    @property
    def idle(self) -> bool:
        return not (self.create or self.edit or self.cancel or self.count)


@dataclass
class Done:
    """What one sync did on Discord, to be written down (also when a later call failed)."""

    listed: bool = False
    on_discord: dict[int, discord.ScheduledEvent] = field(default_factory=dict)
    created: list[tuple[Wanted, discord.ScheduledEvent]] = field(default_factory=list)
    edited: list[tuple[DiscordEvent, Wanted, discord.ScheduledEvent]] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return len(self.created) + len(self.edited) + len(self.cancelled)


class ScheduledEvents:
    """The scheduled events of every bound Discord server, for one Discord client."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self._counted_at: dict[str, dt.datetime] = {}

    async def reconcile(self, services: Services) -> int:
        """Bring every bound server's events in line with the sessions; returns how many
        events were created, edited or cancelled."""
        now = services.clock.now()
        async with services.sessions() as db:
            plans = await self._plans(db, now)
        changed = 0
        for plan in plans:
            if not plan.idle:
                changed += await self._apply(services, plan, now)
        return changed

    async def _plans(self, db: AsyncSession, now: dt.datetime) -> list[GuildPlan]:
        servers = (
            await db.execute(
                select(PlatformBinding.cohort_id, PlatformBinding.workspace_id)
                .where(PlatformBinding.platform == "discord")
                .distinct()
            )
        ).all()
        plans = []
        for cohort_id, guild_id in servers:
            cohort = await db.get(Cohort, cohort_id)
            if cohort is None:
                continue
            sessions = await db.scalars(
                select(Session).where(Session.cohort_id == cohort_id, Session.starts_at > now)
            )
            wanted = {s.id: wanted_event(cohort, s) for s in sessions}
            synced = list(
                await db.scalars(
                    select(DiscordEvent).where(
                        DiscordEvent.cohort_id == cohort_id,
                        DiscordEvent.guild_id == guild_id,
                        DiscordEvent.status == "scheduled",
                    )
                )
            )
            known = {e.session_id: e for e in synced if e.session_id is not None}
            due_count = now - self._counted_at.get(guild_id, dt.datetime.min.replace(tzinfo=dt.UTC))
            plans.append(
                GuildPlan(
                    cohort_id=cohort_id,
                    guild_id=guild_id,
                    create=[w for sid, w in wanted.items() if sid not in known],
                    edit=[
                        (known[sid], w)
                        for sid, w in wanted.items()
                        if sid in known and known[sid].fingerprint != w.fingerprint
                    ],
                    # Gone from the plan (or no longer upcoming but not yet begun): cancel.
                    cancel=[
                        e
                        for e in synced
                        if (e.session_id is None or e.session_id not in wanted)
                        and e.starts_at > now
                    ],
                    count=bool(wanted) and due_count >= COUNT_EVERY,
                )
            )
        return plans

    async def _apply(self, services: Services, plan: GuildPlan, now: dt.datetime) -> int:
        guild = self.client.get_guild(int(plan.guild_id))
        if guild is None:  # not in this server (any more), or not connected yet
            return 0
        done = Done()
        try:
            try:
                await self._sync(guild, plan, done)
            finally:  # what went through is written down, even if a later call failed,
                if done.listed:  # so the next sweep doesn't create those events again
                    async with services.sessions() as db, db.begin():
                        await _record(db, plan, now, done)
        except discord.Forbidden as exc:
            await self._forbidden(services, plan, now, exc)
            return done.changed
        self._counted_at[plan.guild_id] = now
        return done.changed

    async def _sync(self, guild: discord.Guild, plan: GuildPlan, done: Done) -> None:
        done.on_discord = {e.id: e for e in await guild.fetch_scheduled_events(with_counts=True)}
        done.listed = True
        for want in plan.create:
            done.created.append((want, await _create(guild, want)))
        for row, want in plan.edit:
            existing = done.on_discord.get(int(row.event_id))
            if existing is None or existing.status in (
                discord.EventStatus.cancelled,
                discord.EventStatus.ended,
            ):
                event = await _create(guild, want)  # someone deleted it: a new one
            else:
                event = await existing.edit(
                    name=want.name,
                    description=want.description,
                    start_time=want.start,
                    end_time=want.end,
                    location=want.location,
                    entity_type=discord.EntityType.external,
                    privacy_level=discord.PrivacyLevel.guild_only,
                )
            done.edited.append((row, want, event))
        for row in plan.cancel:
            existing = done.on_discord.get(int(row.event_id))
            if existing is not None and existing.status is discord.EventStatus.scheduled:
                await existing.cancel()
            done.cancelled.append(row.id)

    async def _forbidden(
        self, services: Services, plan: GuildPlan, now: dt.datetime, exc: discord.Forbidden
    ) -> None:
        """Logged once per server (across restarts too: the row says it was), shown in
        `admin outbox`; the other servers and the outbox go on."""
        async with services.sessions() as db, db.begin():
            if await db.get(DiscordEventError, plan.guild_id) is not None:
                return
            error = (
                f"Discord server {plan.guild_id}: scheduled events can't be kept ({exc.status} "
                f"{exc.text or 'Forbidden'}). Give the bot the Manage Events permission."
            )
            db.add(
                DiscordEventError(
                    guild_id=plan.guild_id, cohort_id=plan.cohort_id, error=error[:500], since=now
                )
            )
        log.warning("%s", error)


async def _create(guild: discord.Guild, want: Wanted) -> discord.ScheduledEvent:
    return await guild.create_scheduled_event(
        name=want.name,
        description=want.description,
        start_time=want.start,
        end_time=want.end,
        location=want.location,
        entity_type=discord.EntityType.external,
        privacy_level=discord.PrivacyLevel.guild_only,
    )


async def _record(db: AsyncSession, plan: GuildPlan, now: dt.datetime, done: Done) -> None:
    await db.execute(delete(DiscordEventError).where(DiscordEventError.guild_id == plan.guild_id))
    for want, event in done.created:
        db.add(
            DiscordEvent(
                session_id=want.session_id,
                cohort_id=plan.cohort_id,
                guild_id=plan.guild_id,
                event_id=str(event.id),
                fingerprint=want.fingerprint,
                starts_at=want.start,
                status="scheduled",
                interested=event.user_count,
                synced_at=now,
            )
        )
    for row, want, event in done.edited:
        fresh = await db.get(DiscordEvent, row.id)
        if fresh is not None:
            fresh.event_id, fresh.fingerprint = str(event.id), want.fingerprint
            fresh.starts_at, fresh.synced_at = want.start, now
    rows = await db.scalars(
        select(DiscordEvent).where(
            DiscordEvent.cohort_id == plan.cohort_id, DiscordEvent.guild_id == plan.guild_id
        )
    )
    for row in rows:
        if row.id in done.cancelled:
            row.status, row.synced_at = "cancelled", now
        found = done.on_discord.get(int(row.event_id))
        if found is not None and row.interested != found.user_count:
            row.interested = found.user_count
