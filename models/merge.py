"""Merging two members into one person, and splitting an identity off again.

Merging moves every row that points at the absorbed member to the surviving one, table by
table, found from the foreign keys on `members.id` (so tables added later are covered too).
Where a unique constraint would clash, one row of the pair is kept: the better quiz answer,
the newer RSVP, the survivor's own row otherwise; enrolments are combined (organizer if
either was, a member if either was, personal reminders if either had them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Column,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    delete,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import Base
from models.tables import Enrollment, Identity, Member, OutboxMessage

# On a clash, keep the row with the larger value of this column (else the survivor's row).
PREFER = {"quiz_attempts": "points", "rsvps": "updated_at", "certificates": "-issued_at"}


async def merge_members(db: AsyncSession, survivor_id: int, absorbed_id: int) -> None:
    """Everything of `absorbed_id` becomes `survivor_id`'s; the absorbed member is deleted."""
    if survivor_id == absorbed_id:
        raise ValueError("a member cannot be merged with itself")
    await _merge_enrollments(db, survivor_id, absorbed_id)
    for table in Base.metadata.sorted_tables:
        for column in _member_columns(table):
            await _move(db, table, column, survivor_id, absorbed_id)
    await _cancel_pending_direct_messages(db, absorbed_id)
    await db.execute(delete(Member).where(Member.id == absorbed_id))


async def split_identity(db: AsyncSession, identity: Identity, now: dt.datetime) -> Member:
    """The identity becomes a member of its own (enrolled where its old member was, as a
    plain member); all history stays with the old member."""
    old_id = identity.member_id
    member = Member(display_name=identity.display_name, created_at=now)
    db.add(member)
    await db.flush()
    identity.member_id = member.id
    cohorts = await db.scalars(select(Enrollment.cohort_id).where(Enrollment.member_id == old_id))
    for cohort_id in list(cohorts):
        db.add(
            Enrollment(
                cohort_id=cohort_id,
                member_id=member.id,
                role="member",
                status="visitor",
                joined_at=now,
            )
        )
    await db.flush()
    return member


def _member_columns(table: Table) -> list[Column[int]]:
    return [
        fk.parent
        for fk in table.foreign_keys
        if fk.column.table.name == "members" and fk.column.name == "id"
    ]


async def _move(
    db: AsyncSession, table: Table, column: Column[int], survivor_id: int, absorbed_id: int
) -> None:
    for key in _unique_keys(table, column):
        await _drop_clashes(db, table, column, key, survivor_id, absorbed_id)
    await db.execute(
        update(table)
        .where(column == absorbed_id)
        .values({column.name: survivor_id})
        .execution_options(synchronize_session=False)
    )


def _unique_keys(table: Table, column: Column[int]) -> list[list[Column[Any]]]:
    """The other columns of every unique key (or primary key) that includes `column`."""
    keys = []
    for constraint in table.constraints:
        if not isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint):
            continue
        columns = list(constraint.columns)
        if column.name in {c.name for c in columns}:
            keys.append([c for c in columns if c.name != column.name])
    return keys


async def _drop_clashes(
    db: AsyncSession,
    table: Table,
    column: Column[int],
    key: Sequence[Column[Any]],
    survivor_id: int,
    absorbed_id: int,
) -> None:
    """For each pair of rows that would share a unique key, delete the one not kept."""
    if table.name == "enrollments":
        return  # combined by _merge_enrollments
    ours = table.alias("ours")
    pk = list(table.primary_key.columns)
    prefer = PREFER.get(table.name, "")
    name = prefer.lstrip("-")
    wanted: list[Any] = [*pk, *[ours.c[c.name] for c in pk]]
    if name:
        wanted += [table.c[name], ours.c[name]]
    rows = await db.execute(
        select(*wanted).where(
            column == absorbed_id,
            ours.c[column.name] == survivor_id,
            *[ours.c[c.name] == table.c[c.name] for c in key],
        )
    )
    n = len(pk)
    for row in rows.all():
        keep_theirs = False
        if name and row[2 * n] is not None and row[2 * n + 1] is not None:
            theirs, mine = row[2 * n], row[2 * n + 1]
            keep_theirs = theirs < mine if prefer.startswith("-") else theirs > mine
        drop = row[n : 2 * n] if keep_theirs else row[:n]
        await db.execute(
            delete(table)
            .where(*[c == v for c, v in zip(pk, drop, strict=True)])
            .execution_options(synchronize_session=False)
        )


async def _merge_enrollments(db: AsyncSession, survivor_id: int, absorbed_id: int) -> None:
    absorbed = list(await db.scalars(select(Enrollment).where(Enrollment.member_id == absorbed_id)))
    for theirs in absorbed:
        ours = await db.scalar(
            select(Enrollment).where(
                Enrollment.member_id == survivor_id, Enrollment.cohort_id == theirs.cohort_id
            )
        )
        if ours is None:
            continue  # moved as it is
        if theirs.role == "organizer":
            ours.role = "organizer"
        if theirs.status == "member" or (theirs.status == "left" and ours.status == "visitor"):
            ours.status, ours.left_at = theirs.status, theirs.left_at
        ours.assignment_reminders = ours.assignment_reminders and theirs.assignment_reminders
        if theirs.dm_reminders and not ours.dm_reminders:
            ours.dm_reminders, ours.dm_offsets = True, theirs.dm_offsets
        ours.joined_at = min(ours.joined_at, theirs.joined_at)
        await db.delete(theirs)
    await db.flush()


async def _cancel_pending_direct_messages(db: AsyncSession, absorbed_id: int) -> None:
    """Pending DMs planned for the absorbed member; the planner plans them for the survivor."""
    pending = await db.scalars(
        select(OutboxMessage).where(
            OutboxMessage.status == "pending", OutboxMessage.key.like(f"%:{absorbed_id}")
        )
    )
    for message in pending:
        if message.payload.get("member_id") == absorbed_id:
            message.status = "cancelled"
    await db.flush()
