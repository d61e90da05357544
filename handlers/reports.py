"""Private reports to the organizers: `d2l report [anonymous] TEXT`, `d2l admin reports`,
`d2l admin report N closed`.

A report goes to every organizer by direct message through the outbox. The outbox row holds
only the report's id (`report:<id>:<organizer>`), so `admin outbox` and the logs never show
its text, and an anonymous report stores no reporter at all.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.context import Context, Refused, UsageError
from handlers.router import Command, Router
from handlers.text import when
from handlers.types import Reply
from models.joining_tables import Report
from models.members import DISCORD_ID, SLACK_ID, first_identities, identity_key, organizers_of
from models.outbox import Planned, enqueue
from models.tables import Identity, Member, OutboxMessage

MAX_REPORT_CHARS = 4000
REPORT_KIND = "report"
# The words after "report" (and "anonymous"), newlines kept: a report is prose, not arguments.
_REPORT_TEXT = re.compile(r"^\s*report\b(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
_ANONYMOUS = re.compile(r"^\s*anonymous\b", re.IGNORECASE)


def register(router: Router) -> None:
    router.add(
        Command(
            name="report",
            usage="report [anonymous] TEXT",
            summary="tell the organizers privately about a problem; `anonymous` leaves your "
            "name out",
            details="Only the organizers see it, by direct message, with a reference number. "
            "With `anonymous` the bot doesn't keep who sent it. "
            f"At most {MAX_REPORT_CHARS:,} characters. Send it to the bot in a direct message "
            "or with the slash command, so nobody else sees it.",
            handler=send_report,
            examples=("report someone keeps messaging me after I asked them to stop",),
        )
    )
    router.add(
        Command(
            name="admin reports",
            usage="admin reports",
            summary="the open reports to the organizers",
            handler=list_reports,
            organizer_only=True,
            group="Organizers",
        )
    )
    router.add(
        Command(
            name="admin report",
            usage="admin report N closed",
            summary="close report N",
            handler=close_report,
            organizer_only=True,
            group="Organizers",
            examples=("admin report 3 closed",),
        )
    )


def report_text(ctx: Context) -> tuple[bool, str]:
    """(anonymous, the text) as the member wrote it, a fenced block included."""
    found = _REPORT_TEXT.match(ctx.invocation.text)
    rest = found["rest"] if found else " ".join(ctx.args)
    anonymous = bool(_ANONYMOUS.match(rest))
    if anonymous:
        rest = _ANONYMOUS.sub("", rest, count=1)
    if ctx.code and ctx.code not in rest:
        rest = f"{rest}\n{ctx.code}"
    return anonymous, rest.strip()


async def send_report(ctx: Context) -> Reply:
    anonymous, text = report_text(ctx)
    if not text:
        raise UsageError("Write what happened after `d2l report`.")
    if len(text) > MAX_REPORT_CHARS:
        raise Refused(
            f"That report has {len(text):,} characters; the limit is {MAX_REPORT_CHARS:,}. "
            "Nothing was sent: shorten it, or send it in two reports."
        )
    report = await _store(ctx, None if anonymous else ctx.member.id, text)
    number = report.number
    recipients = await organizer_inboxes(ctx)
    await enqueue(
        ctx.db,
        [
            Planned(
                key=f"report:{report.id}:{platform}:{workspace}:{user}",
                kind=REPORT_KIND,
                platform=platform,
                workspace_id=workspace,
                target=user,
                payload={"report_id": report.id, "direct": True},
                due_at=ctx.now,
                cohort_id=ctx.cohort.id,
            )
            for platform, workspace, user in recipients
        ],
        ctx.now,
        reschedule=False,
    )
    who = "without your name" if anonymous else "with your name"
    reached = "the organizers" if recipients else "the organizers (none can be reached yet)"
    return Reply(
        text=f"Thank you. Your report #{number} was received and goes to {reached} {who}, "
        "by direct message. Nobody else sees it.",
        ephemeral=True,
    )


async def _store(ctx: Context, reporter_id: int | None, text: str) -> Report:
    """The report with the cohort's next number; two reports at once both get one."""
    for attempt in range(5):
        number = 1 + int(
            await ctx.db.scalar(
                select(func.coalesce(func.max(Report.number), 0)).where(
                    Report.cohort_id == ctx.cohort.id
                )
            )
            or 0
        )
        report = Report(
            cohort_id=ctx.cohort.id,
            number=number,
            reporter_id=reporter_id,
            text=text,
            status="open",
            created_at=ctx.now,
        )
        try:
            async with ctx.db.begin_nested():
                ctx.db.add(report)
                await ctx.db.flush()
        except IntegrityError:
            if attempt == 4:
                raise
            continue
        return report
    raise AssertionError("unreachable")


async def organizer_inboxes(ctx: Context) -> list[tuple[str, str, str]]:
    """(platform, workspace, user) of every organizer: those recorded in the cohort (their
    first identity) and those named in STUDYBOT_COHORT__ORGANIZERS who never talked to the bot."""
    found: dict[str, tuple[str, str, str]] = {}
    enrolled = await organizers_of(ctx.db, ctx.cohort.id)
    firsts = await first_identities(ctx.db, [e.member_id for e, _ in enrolled])
    known_keys: set[str] = set()
    for _, identities in enrolled:
        known_keys.update(identity_key(i.platform, i.workspace_id, i.user_id) for i in identities)
    for identity in firsts.values():
        found[_key(identity)] = (identity.platform, identity.workspace_id, identity.user_id)
    for entry in ctx.services.settings.cohort.organizers:
        if entry in known_keys:
            continue
        if slack := SLACK_ID.fullmatch(entry):
            found[entry] = ("slack", slack[1], slack[2])
        elif discord := DISCORD_ID.fullmatch(entry):
            found[entry] = ("discord", "", discord[1])
        elif entry.startswith("console:"):
            found[entry] = ("console", "local", entry.removeprefix("console:"))
    return sorted(found.values())


def _key(identity: Identity) -> str:
    return identity_key(identity.platform, identity.workspace_id, identity.user_id)


async def render_report(db: AsyncSession, message: OutboxMessage) -> Reply:
    """The direct message to one organizer, written from the report row when it goes out."""
    report = await db.get(Report, message.payload.get("report_id"))
    if report is None:
        raise LookupError("the report no longer exists")
    if report.reporter_id is None:
        sender = "anonymous (the bot doesn't know who sent it)"
    else:
        member = await db.get(Member, report.reporter_id)
        identities = await first_identities(db, [report.reporter_id])
        key = _key(identities[report.reporter_id]) if report.reporter_id in identities else ""
        sender = f"{member.display_name if member else 'a former member'} ({key})"
    return Reply(
        title=f"🔒 Report #{report.number} to the organizers",
        text=report.text,
        footer=f"From {sender}, {when(report.created_at, 'f')}. "
        f"`d2l admin report {report.number} closed` when it's dealt with.",
    )


async def list_reports(ctx: Context) -> Reply:
    if ctx.args:
        raise UsageError("`d2l admin reports` takes nothing after it.")
    reports = list(
        await ctx.db.scalars(
            select(Report)
            .where(Report.cohort_id == ctx.cohort.id, Report.status == "open")
            .order_by(Report.number)
        )
    )
    names = dict(
        (
            await ctx.db.execute(
                select(Member.id, Member.display_name).where(
                    Member.id.in_([r.reporter_id for r in reports if r.reporter_id])
                )
            )
        ).all()
    )
    lines = [
        f"#{r.number} · {when(r.created_at, 'f')} · "
        f"{names.get(r.reporter_id, 'a former member') if r.reporter_id else 'anonymous'}\n"
        f"{_excerpt(r.text)}"
        for r in reports
    ]
    return Reply(
        title=f"Open reports · {ctx.cohort.name}",
        text="\n\n".join(lines) or "No open reports.",
        footer="`d2l admin report N closed` closes one." if lines else None,
        ephemeral=True,
    )


async def close_report(ctx: Context) -> Reply:
    if len(ctx.args) != 2 or not ctx.args[0].isdigit() or ctx.args[1].lower() != "closed":
        raise UsageError("Say which report and `closed`, e.g. `d2l admin report 3 closed`.")
    number = int(ctx.args[0])
    report = await ctx.db.scalar(
        select(Report).where(Report.cohort_id == ctx.cohort.id, Report.number == number)
    )
    if report is None:
        raise Refused(f"There is no report #{number}. `d2l admin reports` lists the open ones.")
    if report.status == "closed":
        return Reply(text=f"Report #{number} was already closed.", ephemeral=True)
    report.status, report.closed_at = "closed", ctx.now
    return Reply(text=f"Report #{number} is closed.", ephemeral=True)


def _excerpt(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
