"""Storage on SQLite and PostgreSQL: migrations up and down, constraints, UTC round trips."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from models.base import Base
from models.cohorts import cohort_for_channel, create_cohort, first_cohort
from models.db import create_engine, create_sessionmaker
from models.members import enroll, join, member_for_identity
from models.migrate import downgrade_async, include_name, upgrade_async
from models.tables import Identity, OutboxMessage, PlatformBinding, QuizAttempt, Submission
from quizzes.curriculum import default_curriculum

NOW = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    return set(names)


@pytest.fixture
async def engine(database_url: str) -> AsyncEngine:
    await upgrade_async(database_url)
    engine = create_engine(database_url)
    yield engine  # type: ignore[misc]
    await engine.dispose()


async def test_migrations_create_every_table_and_downgrade_removes_them(
    database_url: str,
) -> None:
    await upgrade_async(database_url)
    engine = create_engine(database_url)
    try:
        assert set(Base.metadata.tables) <= await table_names(engine)
        await downgrade_async(database_url, "base")
        assert await table_names(engine) <= {"alembic_version"}
        await upgrade_async(database_url)
        assert set(Base.metadata.tables) <= await table_names(engine)
    finally:
        await engine.dispose()


async def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    await upgrade_async(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"include_name": include_name}),
                    Base.metadata,
                )
            )
    finally:
        await engine.dispose()
    assert diff == []


async def test_a_cohort_is_created_with_dated_sessions(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as db, db.begin():
        await create_cohort(
            db,
            name="c",
            timezone="Asia/Kolkata",
            first_session=dt.date(2027, 3, 1),
            session_time=dt.time(19, 0),
            cadence_days=14,
            session_count=20,
            curriculum=default_curriculum(),
            now=NOW,
        )
    async with sessions() as db:
        cohort = await first_cohort(db)
    assert cohort is not None
    assert [s.number for s in cohort.sessions] == list(range(1, 21))
    first = cohort.sessions[0].starts_at
    assert first == dt.datetime(2027, 3, 1, 13, 30, tzinfo=dt.UTC)  # 19:00 IST
    assert first.tzinfo is dt.UTC
    assert cohort.sessions[1].starts_at - first == dt.timedelta(days=14)


async def test_an_identity_belongs_to_one_member(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as db, db.begin():
        one = await member_for_identity(
            db, platform="slack", workspace_id="T1", user_id="U1", display_name="Ada", now=NOW
        )
        again = await member_for_identity(
            db, platform="slack", workspace_id="T1", user_id="U1", display_name="Ada L.", now=NOW
        )
        other = await member_for_identity(
            db, platform="discord", workspace_id="G1", user_id="U1", display_name="Ada", now=NOW
        )
    assert one.id == again.id != other.id
    with pytest.raises(IntegrityError):
        async with sessions() as db, db.begin():
            db.add(
                Identity(
                    member_id=one.id,
                    platform="slack",
                    workspace_id="T1",
                    user_id="U1",
                    display_name="dup",
                    created_at=NOW,
                )
            )


async def test_outbox_keys_are_unique(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)

    def message() -> OutboxMessage:
        return OutboxMessage(
            key="reminder:1:60:C1",
            kind="reminder",
            platform="slack",
            workspace_id="T1",
            target="C1",
            payload={"text": "hi"},
            due_at=NOW,
            created_at=NOW,
        )

    async with sessions() as db, db.begin():
        db.add(message())
    with pytest.raises(IntegrityError):
        async with sessions() as db, db.begin():
            db.add(message())
    async with sessions() as db:
        rows = (await db.scalars(select(OutboxMessage))).all()
    assert len(rows) == 1 and rows[0].status == "pending" and rows[0].due_at == NOW


async def test_work_records_round_trip_with_json_and_utc(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as db, db.begin():
        cohort = await create_cohort(
            db,
            name="c",
            timezone="UTC",
            first_session=dt.date(2027, 3, 1),
            session_time=dt.time(9),
            cadence_days=7,
            session_count=2,
            curriculum=default_curriculum(),
            now=NOW,
        )
        member = await member_for_identity(
            db, platform="console", workspace_id="local", user_id="a", display_name="a", now=NOW
        )
        db.add(
            QuizAttempt(
                cohort_id=cohort.id,
                member_id=member.id,
                question_id="p-1",
                topic="probability",
                seed=7,
                params={"p": 0.25},
                answer_given="3/8",
                correct=True,
                points=1.0,
                asked_at=NOW,
                answered_at=NOW,
                time_ms=1200,
            )
        )
        db.add(
            Submission(
                cohort_id=cohort.id,
                member_id=member.id,
                exercise_id="softmax",
                code="def softmax(x): ...",
                seed=3,
                status="passed",
                score=9.5,
                max_score=10,
                result={"tests": [{"name": "t1", "passed": True}]},
                created_at=NOW,
            )
        )
    async with sessions() as db:
        attempt = await db.scalar(select(QuizAttempt))
        submission = await db.scalar(select(Submission))
    assert attempt is not None and attempt.params == {"p": 0.25} and attempt.asked_at == NOW
    assert submission is not None and submission.result == {
        "tests": [{"name": "t1", "passed": True}]
    }


async def test_a_bound_channel_finds_its_cohort(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as db, db.begin():
        common = {
            "timezone": "UTC",
            "first_session": dt.date(2027, 3, 1),
            "session_time": dt.time(9),
            "cadence_days": 7,
            "session_count": 1,
            "curriculum": default_curriculum(),
            "now": NOW,
        }
        first = await create_cohort(db, name="first", **common)  # type: ignore[arg-type]
        second = await create_cohort(db, name="second", **common)  # type: ignore[arg-type]
        db.add(
            PlatformBinding(
                cohort_id=second.id,
                platform="discord",
                workspace_id="G",
                channel_id="C2",
                created_at=NOW,
            )
        )
    async with sessions() as db:
        bound = await cohort_for_channel(db, "discord", "G", "C2")
        unbound = await cohort_for_channel(db, "discord", "G", "C9")
    assert bound is not None and bound.id == second.id
    assert unbound is not None and unbound.id == first.id


async def test_the_first_to_join_organizes_and_visitors_join_nothing(
    engine: AsyncEngine,
) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as db, db.begin():
        cohort = await create_cohort(
            db,
            name="c",
            timezone="UTC",
            first_session=dt.date(2027, 3, 1),
            session_time=dt.time(9),
            cadence_days=7,
            session_count=1,
            curriculum=default_curriculum(),
            now=NOW,
        )
        seen = []
        for name, joins in (("v", False), ("a", True), ("b", True), ("a", True)):
            member = await member_for_identity(
                db,
                platform="console",
                workspace_id="local",
                user_id=name,
                display_name=name,
                now=NOW,
            )
            enrollment = await enroll(db, cohort_id=cohort.id, member_id=member.id, now=NOW)
            if joins:
                await join(db, enrollment, organizers_configured=False)
            seen.append((name, enrollment.status, enrollment.role))
    assert seen == [
        ("v", "visitor", "member"),
        ("a", "member", "organizer"),
        ("b", "member", "member"),
        ("a", "member", "organizer"),
    ]
