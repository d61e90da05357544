"""The outbox: every message the bot sends on its own is a row first, then delivered once.

A unique key per message makes double sends impossible across restarts and processes.
Claiming is atomic: `FOR UPDATE SKIP LOCKED` on PostgreSQL, a compare-and-set on SQLite.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import OutboxMessage

# Retries: 5 s, 10 s, 20 s, … doubling up to 10 min, so a blip of a few seconds costs a few
# seconds, and a message is given up on (`failed`, retried by hand with `admin outbox retry`)
# only after about half an hour of failures.
MAX_ATTEMPTS = 10
FIRST_RETRY_SECONDS = 5
MAX_RETRY_SECONDS = 600
CLAIM_SECONDS = 120
# Messages due this soon wake the delivering processes up at once (a grading result, a
# notice of a moved session) instead of waiting for their next tick.
WAKE_HORIZON = dt.timedelta(seconds=60)
# PostgreSQL channel that carries "something is due now" to every process (payload: the
# platforms, comma-separated); bot.outbox_listener listens to it.
NOTIFY_CHANNEL = "studybot_outbox"

log = logging.getLogger(__name__)
_subscribers: list[Callable[[set[str]], None]] = []


def subscribe(callback: Callable[[set[str]], None]) -> Callable[[], None]:
    """Call `callback(platforms)` in this process whenever a transaction that queued
    messages due soon commits. Returns the unsubscribe function."""
    _subscribers.append(callback)
    return lambda: _subscribers.remove(callback)


def publish(platforms: set[str]) -> None:
    for callback in list(_subscribers):
        try:
            callback(platforms)
        except Exception:  # a subscriber's bug must not break the committing transaction
            log.exception("outbox subscriber failed")


@dataclass(frozen=True)
class Planned:
    """A message to deliver at `due_at`, identified by its unique `key`."""

    key: str
    kind: str
    platform: str
    workspace_id: str
    target: str
    payload: dict[str, Any]
    due_at: dt.datetime
    expires_at: dt.datetime | None = None
    cohort_id: int | None = None


async def enqueue(
    db: AsyncSession, messages: list[Planned], now: dt.datetime, *, reschedule: bool = True
) -> None:
    """Insert messages; a key already there keeps its row (and, if still pending and
    `reschedule`, takes the new due time, expiry and payload: the session moved). A row
    cancelled because its person no longer wanted it is pending again when planned again
    (they joined again, or turned that kind of message back on)."""
    if not messages:
        return
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    rows = [
        {
            "key": m.key,
            "kind": m.kind,
            "platform": m.platform,
            "workspace_id": m.workspace_id,
            "target": m.target,
            "payload": m.payload,
            "due_at": m.due_at,
            "expires_at": m.expires_at,
            "cohort_id": m.cohort_id,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        }
        for m in messages
    ]
    for start in range(0, len(rows), 500):
        statement = insert(OutboxMessage).values(rows[start : start + 500])
        if reschedule:
            statement = statement.on_conflict_do_update(
                index_elements=["key"],
                set_={
                    "due_at": statement.excluded.due_at,
                    "expires_at": statement.excluded.expires_at,
                    "payload": statement.excluded.payload,
                    "status": "pending",
                },
                where=OutboxMessage.status.in_(("pending", "cancelled")),
            )
        else:
            statement = statement.on_conflict_do_nothing(index_elements=["key"])
        await db.execute(statement)
    soon = {m.platform for m in messages if m.due_at <= now + WAKE_HORIZON}
    if soon:
        await _announce(db, soon)


async def _announce(db: AsyncSession, platforms: set[str]) -> None:
    """Once the transaction commits, tell this process's schedulers and (PostgreSQL's
    NOTIFY is transactional too) every other process's that these platforms have work."""
    event.listen(db.sync_session, "after_commit", lambda _s: publish(platforms), once=True)
    if db.get_bind().dialect.name == "postgresql":
        await db.execute(
            text("SELECT pg_notify(:channel, :platforms)"),
            {"channel": NOTIFY_CHANNEL, "platforms": ",".join(sorted(platforms))},
        )


async def claim_due(
    db: AsyncSession,
    now: dt.datetime,
    worker: str,
    *,
    platforms: Iterable[str] | None = None,
    limit: int = 100,
) -> list[OutboxMessage]:
    """Claim up to `limit` due messages (for the platforms this process can send to).

    One UPDATE … WHERE id IN (due rows) AND status='pending' RETURNING: atomic on both
    backends; PostgreSQL's SKIP LOCKED lets several processes claim side by side.
    Commit right after.
    """
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.due_at <= now,
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
    )
    if platforms is not None:
        due = due.where(OutboxMessage.platform.in_(list(platforms)))
    if db.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = await db.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()), OutboxMessage.status == "pending")
        .values(
            status="claimed",
            claimed_by=worker,
            claim_until=now + dt.timedelta(seconds=CLAIM_SECONDS),
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    ids = list(claimed)
    if not ids:
        return []
    rows = await db.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def release_stale_claims(db: AsyncSession, now: dt.datetime) -> int:
    """Claims whose process died go back to pending (at-least-once delivery)."""
    result = await db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "claimed", OutboxMessage.claim_until < now)
        .values(status="pending", claimed_by=None, claim_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def mark_sent(message: OutboxMessage, now: dt.datetime, ref: str | None) -> None:
    message.status = "sent"
    message.sent_at = now
    message.delivered_ref = ref
    message.attempts += 1
    message.claim_until = None


def mark_skipped(message: OutboxMessage, reason: str) -> None:
    message.status = "skipped"
    message.last_error = reason
    message.claim_until = None


def mark_failed(message: OutboxMessage, now: dt.datetime, error: str) -> None:
    """Retry later with exponential backoff; give up after MAX_ATTEMPTS."""
    message.attempts += 1
    message.last_error = error[:2000]
    message.claim_until = None
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        return
    message.status = "pending"
    message.next_attempt_at = now + backoff(message.attempts)


def mark_given_up(message: OutboxMessage, error: str) -> None:
    """Failed for good without further tries (the sender knows retrying can't help)."""
    message.attempts += 1
    message.status = "failed"
    message.last_error = error[:2000]
    message.claim_until = None


def mark_deferred(message: OutboxMessage, until: dt.datetime) -> None:
    """Put back, untried, to be sent at `until` (its platform is failing right now)."""
    message.status = "pending"
    message.claim_until = None
    message.next_attempt_at = until


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed try: 5 s, 10 s, 20 s, … at most 10 min."""
    exponent = min(max(attempts, 1) - 1, 16)
    return dt.timedelta(seconds=min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2**exponent))


async def next_due(db: AsyncSession) -> dt.datetime | None:
    """When the next pending message falls due (for the scheduler's wake-up)."""
    when = func.coalesce(OutboxMessage.next_attempt_at, OutboxMessage.due_at)
    result: dt.datetime | None = await db.scalar(
        select(func.min(when)).where(OutboxMessage.status == "pending")
    )
    if result is not None and result.tzinfo is None:  # an aggregate skips the column type
        result = result.replace(tzinfo=dt.UTC)
    return result
