"""`d2l certificate`, `d2l verify CODE` and `d2l admin certificates`."""

from __future__ import annotations

import asyncio
import secrets

from sqlalchemy import select

from handlers.context import Context, UsageError
from handlers.progress._common import load, missing_lines
from handlers.progress._pdf import certificate_pdf, sessions_label
from handlers.text import when
from handlers.types import Reply, ReplyField, ReplyFile
from models.progress import MemberProgress
from models.progress_tables import Certificate

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
    if issued is None:
        items, progress = await load(ctx, [ctx.member.id])
        me = progress[0]
        if not me.eligible:
            return _not_yet(ctx, me)
        sessions = sorted({i.session for i in items})
        if all(i.due_at is None for i in items):  # nothing assigned: the whole course
            sessions = [min((s.number for s in ctx.cohort.sessions), default=1), sessions[-1]]
        issued = Certificate(
            cohort_id=ctx.cohort.id,
            member_id=ctx.member.id,
            code=new_code(),
            name=ctx.member.display_name,
            cohort_name=ctx.cohort.name,
            share=me.share,
            first_session=sessions[0],
            last_session=sessions[-1],
            issued_at=ctx.now,
        )
        ctx.db.add(issued)
        await ctx.db.flush()
        note = "Congratulations! Here is your certificate."
    else:
        note = "Here is your certificate again."
    pdf = await asyncio.to_thread(certificate_pdf, issued, verify_hint(issued.code))
    return Reply(
        title=f"🎓 Certificate of completion · {issued.cohort_name}",
        text=f"{note} Anyone can check it with `d2l verify {issued.code}`.",
        fields=(
            ReplyField("Name", issued.name),
            ReplyField("Completion", f"{issued.share:.0%}"),
            ReplyField("Issued", when(issued.issued_at, "D")),
        ),
        files=(ReplyFile(f"certificate-{issued.code}.pdf", pdf, "application/pdf"),),
        ephemeral=True,
    )


def verify_hint(code: str) -> str:
    return f"Verify: ask the study group's bot `d2l verify {code}`"


async def verify(ctx: Context) -> Reply:
    if len(ctx.args) != 1:
        raise UsageError("Give the code printed on the certificate.")
    found = await ctx.db.scalar(
        select(Certificate).where(Certificate.code == normalise(ctx.args[0]))
    )
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
        f"{found.cohort_name} ({sessions_label(found.first_session, found.last_session)}); "
        f"the certificate was issued on {when(found.issued_at, 'D')}.",
        fields=(ReplyField("Code", found.code),),
        ephemeral=True,
    )


async def admin_certificates(ctx: Context) -> Reply:
    if ctx.args:
        raise UsageError("`d2l admin certificates` takes no arguments.")
    _, progress = await load(ctx)
    issued = {
        c.member_id: c
        for c in await ctx.db.scalars(
            select(Certificate).where(Certificate.cohort_id == ctx.cohort.id)
        )
    }
    lines = []
    for p in progress[:MAX_LISTED]:
        cert = issued.get(p.member_id)
        if cert is not None:
            state = f"🎓 certificate {cert.code} ({when(cert.issued_at, 'd')})"
        elif p.eligible:
            state = "✅ eligible, not asked yet"
        else:
            state = f"✗ {p.needed} more needed"
        lines.append(f"{p.name} — {p.share:.0%} ({p.done}/{p.total}) · {state}")
    if len(progress) > MAX_LISTED:
        lines.append(f"… and {len(progress) - MAX_LISTED} more: `d2l admin export grades`.")
    eligible = sum(p.eligible or p.member_id in issued for p in progress)
    return Reply(
        title=f"Certificates · {ctx.cohort.name}",
        text="\n".join(lines) or "Nobody is enrolled yet.",
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
            f"Not yet: you've done {me.done} of {me.total} pieces of required work "
            f"({me.share:.0%}); the certificate needs {ctx.cohort.pass_threshold:.0%}, so "
            f"{me.needed} more."
        )
    missing = missing_lines(me)
    return Reply(
        text=text,
        fields=(ReplyField("What's missing", "\n".join(missing), inline=False),) if missing else (),
        ephemeral=True,
    )
