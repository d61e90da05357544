"""`d2l certificate`, `d2l verify CODE`, `d2l admin certificates` and
`d2l admin certificate @someone`."""

from __future__ import annotations

import asyncio
import secrets
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from handlers.context import Context, Refused, UsageError
from handlers.mentions import mentioned
from handlers.progress._common import course_end, course_over, load, missing_lines
from handlers.progress._name import certificate_name, name_of
from handlers.progress._pdf import COURSE_RULE, certificate_pdf, course_label, issued_on
from handlers.text import plural, when
from handlers.types import Reply, ReplyField, ReplyFile
from handlers.web_links import public_base
from models.cohorts import session_length
from models.members import MEMBER
from models.progress import MemberProgress
from models.progress_tables import Certificate
from models.tables import Cohort, Session

# Crockford's base32 without I, L, O, U: easy to read aloud and to type.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_CHARS = 12  # 60 bits
LOOK_ALIKES = str.maketrans("OIL", "011")
MAX_LISTED = 60  # members in `d2l admin certificates`; the CSV export has everyone


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_CHARS, 4))


def normalise(code: str) -> str:
    """What a member typed, in the stored form (case, dashes and look-alikes forgiven)."""
    raw = code.upper().replace("-", "").replace(" ", "")
    raw = raw.translate(LOOK_ALIKES)
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


async def certificate(ctx: Context) -> Reply:
    if ctx.args:
        raise UsageError("`d2l certificate` takes no arguments.")
    issued = await _issued(ctx, ctx.member.id)
    if issued is not None:
        return await _certificate_reply(ctx, issued, "Here is your certificate again.")
    if ctx.enrollment.status != MEMBER:
        return Reply(
            text=f"Certificates are for members of {ctx.cohort.name}: `d2l join` to take part.",
            ephemeral=True,
        )
    items, progress = await load(ctx, [ctx.member.id])
    me = progress[0]
    if not me.eligible:
        return _not_yet(ctx, me)
    end = course_end(ctx.cohort, items)
    if end is not None and not course_over(end, ctx.now, session_length(ctx.cohort)):
        return Reply(
            text=f"You've done {me.share:.0%} of the whole course's required work, enough for "
            f"the certificate. It measures the whole course, so it can be issued once session "
            f"{end.number} has taken place ({when(end.starts_at, 'D')}). Keep it up!",
            ephemeral=True,
        )
    name = await certificate_name(ctx)
    issued = await _issue(ctx, ctx.member.id, name, me, end, by=None)
    return await _certificate_reply(ctx, issued, "Congratulations! Here is your certificate.")


async def admin_certificate(ctx: Context) -> Reply:
    """An organizer issues a certificate before the course has ended, recorded as early."""
    if len(ctx.args) != 1:
        raise UsageError("Name one person: `d2l admin certificate @someone`.")
    who = await mentioned(ctx, ctx.args[0], create=False)
    issued = await _issued(ctx, who.member_id)
    if issued is not None:
        return Reply(
            text=f"{issued.name} already has certificate {issued.code} "
            f"({when(issued.issued_at, 'd')}).",
            ephemeral=True,
        )
    items, progress = await load(ctx, [who.member_id])
    if not progress:
        raise Refused(f"{who.name} has never used this cohort.")
    end = course_end(ctx.cohort, items)
    early = end is not None and not course_over(end, ctx.now, session_length(ctx.cohort))
    name = await name_of(ctx, who.member_id)
    issued = await _issue(ctx, who.member_id, name, progress[0], end, by=ctx.member.id)
    how = "early, before the course ended" if early else "after the course ended"
    return Reply(
        text=f"Issued certificate {issued.code} to {issued.name} ({issued.share:.0%} of the "
        f"required work), {how}; it is recorded as issued by you. They get it with "
        "`d2l certificate`.",
        ephemeral=True,
    )


async def _issue(
    ctx: Context,
    member_id: int,
    name: str,
    me: MemberProgress,
    end: Session | None,
    *,
    by: int | None,
) -> Certificate:
    """A certificate of the whole plan: its sessions and the day the course ended."""
    numbers = [s.number for s in ctx.cohort.sessions] or [1]
    zone = ZoneInfo(ctx.cohort.timezone)
    issued = Certificate(
        cohort_id=ctx.cohort.id,
        member_id=member_id,
        code=new_code(),
        name=name,
        cohort_name=ctx.cohort.name,
        share=me.share,
        first_session=min(numbers),
        last_session=max(numbers),
        issued_at=ctx.now,
        rule=COURSE_RULE,
        course_ended_on=None if end is None else end.starts_at.astimezone(zone).date(),
        early=end is not None and not course_over(end, ctx.now, session_length(ctx.cohort)),
        issued_by=by,
    )
    ctx.db.add(issued)
    await ctx.db.flush()
    return issued


async def _certificate_reply(ctx: Context, issued: Certificate, note: str) -> Reply:
    url = verify_url(ctx.services.settings, issued.code)
    pdf = await asyncio.to_thread(certificate_pdf, issued, url, ctx.cohort.timezone)
    return Reply(
        title=f"🎓 Certificate of completion · {issued.cohort_name}",
        text=f"{note} Anyone can check it at {url} or with `d2l verify {issued.code}`.",
        fields=(
            ReplyField("Name", issued.name),
            ReplyField("Completion", f"{issued.share:.0%}"),
            ReplyField("Course", course_label(issued)),
            ReplyField("Issued", issued_on(issued, ctx.cohort.timezone)),  # the PDF's date
        ),
        files=(ReplyFile(f"certificate-{issued.code}.pdf", pdf, "application/pdf"),),
        ephemeral=True,
    )


def verify_url(settings: Settings, code: str) -> str:
    """The certificate's public page (`/verify/CODE`), printed and QR-coded on the PDF."""
    return f"{public_base(settings)}/verify/{code}"


async def verify(ctx: Context) -> Reply:
    if not ctx.args:
        raise UsageError("Give the code printed on the certificate.")
    found = await find_certificate(ctx.db, "".join(ctx.args))  # typed with spaces: one code
    if found is None:
        return Reply(
            text="No certificate has that code. Check it against the PDF (letters and digits, "
            "like `ABCD-1234-EFGH`).",
            ephemeral=True,
            is_error=True,
        )
    return Reply(
        title="✅ Valid certificate",
        text=f"{found.name} completed {found.share:.0%} of the required work of "
        f"{found.cohort_name} ({course_label(found)}); "
        f"the certificate was issued on {issued_on(found, await _zone(ctx, found))}.",
        fields=(ReplyField("Code", found.code),),
        ephemeral=True,
    )


async def _zone(ctx: Context, certificate: Certificate) -> str:
    if certificate.cohort_id == ctx.cohort.id:
        return ctx.cohort.timezone
    cohort = await ctx.db.get(Cohort, certificate.cohort_id)
    return cohort.timezone if cohort is not None else "UTC"


async def find_certificate(db: AsyncSession, code: str) -> Certificate | None:
    """The certificate with this code (as typed: case, dashes and look-alikes forgiven)."""
    return await db.scalar(select(Certificate).where(Certificate.code == normalise(code)))


async def admin_certificates(ctx: Context) -> Reply:
    if ctx.args:
        raise UsageError("`d2l admin certificates` takes no arguments.")
    items, progress = await load(ctx)
    end = course_end(ctx.cohort, items)
    issued = {
        c.member_id: c
        for c in await ctx.db.scalars(
            select(Certificate).where(Certificate.cohort_id == ctx.cohort.id)
        )
    }
    lines = []
    length = session_length(ctx.cohort)
    for p in progress[:MAX_LISTED]:
        cert = issued.get(p.member_id)
        if cert is not None:
            state = f"🎓 certificate {cert.code} ({when(cert.issued_at, 'd')})"
            if cert.rule != COURSE_RULE:
                state += " · old rule: the work assigned when issued"
            if cert.early:
                state += " · issued early by an organizer"
        elif p.eligible and end is not None and not course_over(end, ctx.now, length):
            state = f"✅ enough so far; certificate once session {end.number} has taken place"
        elif p.eligible:
            state = "✅ eligible, not asked yet"
        else:
            state = f"✗ {p.needed} more needed"
        lines.append(f"{p.name} — {p.share:.0%} ({p.done}/{p.total}) · {state}")
    if len(progress) > MAX_LISTED:
        lines.append(f"… and {len(progress) - MAX_LISTED} more: `d2l admin export grades`.")
    eligible = sum(p.eligible or p.member_id in issued for p in progress)
    # Certificates of people who are no longer members still count as issued.
    return Reply(
        title=f"Certificates · {ctx.cohort.name}",
        text="\n".join(lines) or "Nobody has joined yet.",
        footer=f"{eligible} of {len(progress)} eligible, {len(issued)} issued; the threshold "
        f"is {ctx.cohort.pass_threshold:.0%} of the required work.",
        ephemeral=True,
    )


async def _issued(ctx: Context, member_id: int) -> Certificate | None:
    return await ctx.db.scalar(
        select(Certificate).where(
            Certificate.cohort_id == ctx.cohort.id, Certificate.member_id == member_id
        )
    )


def _not_yet(ctx: Context, me: MemberProgress) -> Reply:
    if me.total == 0:
        text = "No work is required yet, so there is nothing to certify."
    else:
        text = (
            f"Not yet: you've done {me.done} of {plural(me.total, 'piece')} of required work "
            f"({me.share:.0%}); the certificate needs {ctx.cohort.pass_threshold:.0%}, so "
            f"{me.needed} more."
        )
    missing = missing_lines(me)
    return Reply(
        text=text,
        fields=(ReplyField("What's missing", "\n".join(missing), inline=False),) if missing else (),
        ephemeral=True,
    )
