"""The code of conduct in storage: a cohort's own text and rule, and who agreed when.

`agreements` is the one query for "who agreed" (the web pages read it too).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.joining_tables import ConductAgreement, ConductSettings


async def conduct_settings(db: AsyncSession, cohort_id: int) -> ConductSettings | None:
    return await db.get(ConductSettings, cohort_id)


async def save_conduct(
    db: AsyncSession,
    cohort_id: int,
    now: dt.datetime,
    *,
    text: str | None = None,
    required: bool | None = None,
) -> ConductSettings:
    """Change the cohort's text and/or rule (None leaves that part as it is)."""
    row = await db.get(ConductSettings, cohort_id)
    if row is None:
        row = ConductSettings(cohort_id=cohort_id, text=None, required=False, updated_at=now)
        db.add(row)
    if text is not None:
        row.text = text
    if required is not None:
        row.required = required
    row.updated_at = now
    await db.flush()
    return row


async def agreements(db: AsyncSession, cohort_id: int) -> dict[int, dt.datetime]:
    """member id -> when they agreed to the cohort's code of conduct."""
    rows = await db.execute(
        select(ConductAgreement.member_id, ConductAgreement.agreed_at).where(
            ConductAgreement.cohort_id == cohort_id
        )
    )
    return {member_id: agreed_at for member_id, agreed_at in rows}


async def agreed_at(db: AsyncSession, cohort_id: int, member_id: int) -> dt.datetime | None:
    found: dt.datetime | None = await db.scalar(
        select(ConductAgreement.agreed_at).where(
            ConductAgreement.cohort_id == cohort_id, ConductAgreement.member_id == member_id
        )
    )
    return found


async def agree(db: AsyncSession, cohort_id: int, member_id: int, now: dt.datetime) -> bool:
    """Record the agreement; False if it was already recorded (the first time is kept)."""
    if await agreed_at(db, cohort_id, member_id) is not None:
        return False
    try:
        async with db.begin_nested():  # a double click: one row wins, the other finds it
            db.add(ConductAgreement(cohort_id=cohort_id, member_id=member_id, agreed_at=now))
            await db.flush()
    except IntegrityError:
        return False
    return True
