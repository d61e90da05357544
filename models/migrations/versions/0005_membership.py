"""membership: members and visitors, per-kind reminders, the quiz pass mark, course certificates

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 09:00:00

Before this release everyone who typed a command was enrolled as a member. Enrolments of
people with recorded work (a submission, a quiz answer, an RSVP, a Q&A question or vote, a
certificate, or personal reminders turned on) stay members; everyone else becomes a visitor.
Certificates issued so far were measured against the work assigned when they were asked for:
they stay valid and are marked with the old rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables whose rows are a member's work, each with its own cohort_id.
WORK_BY_COHORT = ("submissions", "quiz_attempts", "questions", "certificates")


def upgrade() -> None:
    with op.batch_alter_table("enrollments") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="visitor")
        )
        batch.add_column(sa.Column("left_at", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column(
                "assignment_reminders", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )
    with op.batch_alter_table("cohorts") as batch:
        batch.add_column(
            sa.Column("quiz_pass_mark", sa.Float(), nullable=False, server_default="0.6")
        )
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(
            sa.Column("rule", sa.String(length=16), nullable=False, server_default="work_so_far")
        )
        batch.add_column(sa.Column("course_ended_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("early", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("issued_by", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_certificates_issued_by_members"),
            "members",
            ["issued_by"],
            ["id"],
            ondelete="SET NULL",
        )
    _carry_members_over()


def _carry_members_over() -> None:
    """Enrolments with any recorded work in their cohort become members."""
    worked = " OR ".join(
        f"EXISTS (SELECT 1 FROM {table} w WHERE w.member_id = enrollments.member_id "
        "AND w.cohort_id = enrollments.cohort_id)"
        for table in WORK_BY_COHORT
    )
    attended = (
        "EXISTS (SELECT 1 FROM rsvps r JOIN sessions s ON s.id = r.session_id "
        "WHERE r.member_id = enrollments.member_id AND s.cohort_id = enrollments.cohort_id)"
    )
    voted = (
        "EXISTS (SELECT 1 FROM question_votes v JOIN questions q ON q.id = v.question_id "
        "WHERE v.member_id = enrollments.member_id AND q.cohort_id = enrollments.cohort_id)"
    )
    reminded = "enrollments.dm_reminders = :yes"
    op.get_bind().execute(
        sa.text(
            f"UPDATE enrollments SET status = 'member' "
            f"WHERE {worked} OR {attended} OR {voted} OR {reminded}"
        ),
        {"yes": True},
    )


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.drop_constraint(op.f("fk_certificates_issued_by_members"), type_="foreignkey")
        batch.drop_column("issued_by")
        batch.drop_column("early")
        batch.drop_column("course_ended_on")
        batch.drop_column("rule")
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_column("quiz_pass_mark")
    with op.batch_alter_table("enrollments") as batch:
        batch.drop_column("assignment_reminders")
        batch.drop_column("left_at")
        batch.drop_column("status")
