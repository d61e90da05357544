"""Migration 0005 on a database made by the previous release (migrated to 0004 and filled
the way that release filled it): nothing is lost, people with recorded work stay members,
everyone else becomes a visitor, and old certificates stay valid, marked as such."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter, ConsoleMessage, render_plain
from models.db import create_engine
from models.migrate import upgrade_async
from models.progress_tables import Certificate
from models.tables import Enrollment, Member, QuizAttempt, Submission
from tests.conftest import make_settings

WHEN = dt.datetime(2027, 1, 20, 12, 0)  # naive UTC, as the columns store it
# Who did what under the previous release; all of them were enrolled by typing anything.
PEOPLE = ("olga", "ann", "bea", "cal", "dee", "eve", "fay", "gus")
MEMBERS = {"ann", "bea", "cal", "dee", "eve", "fay"}  # recorded work (fay: reminders on)


def _table(name: str, *columns: Any) -> sa.TableClause:
    return sa.table(name, *[_column(c) if isinstance(c, str) else c for c in columns])


def _column(name: str) -> sa.ColumnClause[Any]:
    """Typed where the driver needs to know (SQLite binds no `datetime.time` by itself)."""
    if name.endswith("_at"):
        return sa.column(name, sa.DateTime)
    kinds = {"session_time": sa.Time}
    return sa.column(name, kinds.get(name, sa.types.NULLTYPE))


# The previous release's columns, as 0001-0004 created them.
COHORTS = _table(
    "cohorts",
    "id", "name", "timezone", sa.column("first_session", sa.Date), "session_time", "cadence_days",
    "pass_threshold", sa.column("skipped_dates", sa.JSON), "announce_days_before",
    sa.column("reminder_offsets", sa.JSON), sa.column("assignment_offsets", sa.JSON),
    "created_at",
)  # fmt: skip
SESSIONS = _table(
    "sessions",
    "id", "cohort_id", "number", "starts_at", "title", sa.column("chapters", sa.JSON),
    sa.column("sections", sa.JSON), "link", "prepare", "pinned",
)  # fmt: skip
MEMBERS_T = _table("members", "id", "display_name", "created_at")
IDENTITIES = _table(
    "identities", "id", "member_id", "platform", "workspace_id", "user_id", "display_name",
    "created_at",
)  # fmt: skip
ENROLLMENTS = _table(
    "enrollments", "id", "cohort_id", "member_id", "role", "dm_reminders",
    sa.column("dm_offsets", sa.JSON), "joined_at",
)  # fmt: skip
SUBMISSIONS = _table(
    "submissions", "id", "cohort_id", "member_id", "exercise_id", "code", "seed", "status",
    "score", "max_score", "late", sa.column("reply_to", sa.JSON), "attempts", "created_at",
)  # fmt: skip
ATTEMPTS = _table(
    "quiz_attempts", "id", "cohort_id", "member_id", "question_id", "topic", "seed",
    sa.column("params", sa.JSON), "answer_given", "correct", "points", "mode", "asked_at",
    "answered_at",
)  # fmt: skip
RSVPS = _table("rsvps", "id", "session_id", "member_id", "answer", "updated_at")
QUESTIONS = _table(
    "questions", "id", "cohort_id", "session_id", "member_id", "number", "text", "cleared",
    "created_at",
)  # fmt: skip
CERTIFICATES = _table(
    "certificates", "id", "cohort_id", "member_id", "code", "name", "cohort_name", "share",
    "first_session", "last_session", "issued_at",
)  # fmt: skip


async def _previous_release(url: str) -> None:
    await upgrade_async(url, "0004")
    engine = create_engine(url)
    try:
        async with engine.begin() as db:
            await db.execute(
                COHORTS.insert().values(
                    id=1, name="Old cohort", timezone="UTC", first_session=dt.date(2027, 1, 12),
                    session_time=dt.time(17), cadence_days=14, pass_threshold=0.8,
                    skipped_dates=[], announce_days_before=3, reminder_offsets=[1440, 60],
                    assignment_offsets=[2880, 120], created_at=WHEN,
                )
            )  # fmt: skip
            await db.execute(
                SESSIONS.insert().values(
                    id=1, cohort_id=1, number=1, starts_at=dt.datetime(2027, 1, 12, 17),
                    title="Introduction", chapters=[1], sections=["1.1"], link="https://d2l.ai",
                    prepare="", pinned=False,
                )
            )  # fmt: skip
            for i, name in enumerate(PEOPLE, start=1):
                await db.execute(
                    MEMBERS_T.insert().values(id=i, display_name=name, created_at=WHEN)
                )
                await db.execute(
                    IDENTITIES.insert().values(
                        id=i, member_id=i, platform="console", workspace_id="local",
                        user_id=name, display_name=name, created_at=WHEN,
                    )
                )  # fmt: skip
                await db.execute(
                    ENROLLMENTS.insert().values(
                        id=i, cohort_id=1, member_id=i, role="organizer" if i == 1 else "member",
                        dm_reminders=name == "fay", dm_offsets=[1440, 60], joined_at=WHEN,
                    )
                )  # fmt: skip
            await db.execute(
                SUBMISSIONS.insert().values(
                    id=1, cohort_id=1, member_id=2, exercise_id="softmax", code="def f(): ...",
                    seed=7, status="passed", score=8.0, max_score=8.0, late=False, reply_to={},
                    attempts=1, created_at=WHEN,
                )
            )  # fmt: skip
            for n in range(5):  # bea: five wrong answers
                await db.execute(
                    ATTEMPTS.insert().values(
                        id=n + 1, cohort_id=1, member_id=3, question_id=f"p{n}",
                        topic="probability", seed=n, params={}, answer_given="a",
                        correct=False, points=0.0, mode="personal", asked_at=WHEN,
                        answered_at=WHEN,
                    )
                )  # fmt: skip
            await db.execute(
                RSVPS.insert().values(
                    id=1, session_id=1, member_id=4, answer="yes", updated_at=WHEN
                )
            )
            await db.execute(
                QUESTIONS.insert().values(
                    id=1, cohort_id=1, session_id=1, member_id=5, number=1, text="Why?",
                    cleared=False, created_at=WHEN,
                )
            )  # fmt: skip
            await db.execute(
                CERTIFICATES.insert().values(
                    id=1, cohort_id=1, member_id=6, code="ABCD-EFGH-JKMN", name="eve",
                    cohort_name="Old cohort", share=1.0, first_session=1, last_session=1,
                    issued_at=WHEN,
                )
            )  # fmt: skip
            if db.dialect.name == "postgresql":  # explicit ids leave the sequences behind
                for table in ("cohorts", "sessions", "members", "identities", "enrollments"):
                    await db.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
    finally:
        await engine.dispose()


async def test_upgrading_the_previous_release_keeps_work_and_sorts_members_from_visitors(
    database_url: str, tmp_path: Path
) -> None:
    await _previous_release(database_url)
    await upgrade_async(database_url)

    engine = create_engine(database_url)
    try:
        async with engine.connect() as db:
            rows = await db.execute(
                select(Member.display_name, Enrollment.status, Enrollment.role).join(
                    Enrollment, Enrollment.member_id == Member.id
                )
            )
            people = {name: (status, role) for name, status, role in rows}
            counts = [
                await db.scalar(select(func.count()).select_from(table))
                for table in (Submission, QuizAttempt, Certificate)
            ]
            certificate = (
                await db.execute(select(Certificate.rule, Certificate.code, Certificate.early))
            ).one()
    finally:
        await engine.dispose()
    assert {n for n, (status, _) in people.items() if status == "member"} == MEMBERS
    assert people["gus"] == ("visitor", "member")
    assert people["olga"] == ("visitor", "organizer")  # still organizes; gets no DMs
    assert counts == [1, 5, 1]
    assert tuple(certificate) == ("work_so_far", "ABCD-EFGH-JKMN", False)

    app = await App.create(
        make_settings(database_url, name="Old cohort", timezone="UTC"),
        clock=FakeClock(dt.datetime(2027, 2, 1, tzinfo=dt.UTC)),
    )
    try:
        console = ConsoleAdapter(app, user="olga", out_dir=tmp_path, stdin=io.StringIO())
        said = await console.handle(ConsoleMessage(sender="olga", text="admin certificates"))
        listing = render_plain(said[0])
        assert "eve — " in listing and "old rule: the work assigned when issued" in listing
        assert "gus" not in listing and "olga" not in listing
        checked = await console.handle(ConsoleMessage(sender="zed", text="verify ABCDEFGHJKMN"))
        assert "eve completed 100% of the required work of Old cohort (session 1)" in (
            checked[0].text
        )
    finally:
        await app.close()
