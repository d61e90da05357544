"""The code of conduct: `d2l conduct [agree]`, and the organizers' `d2l admin conduct`.

The text is the organizers' (`admin conduct set` with a fenced block), else the file named in
STUDYBOT_COHORT__CONDUCT_FILE, else the one shipped with the bot. Agreeing is recorded with
its time; whether it is required before submitting work is the cohort's choice (off unless
turned on).
"""

from __future__ import annotations

from sqlalchemy import select

from handlers.conduct_text import conduct_reply, conduct_required
from handlers.context import Context, Refused, UsageError
from handlers.router import Command, Router
from handlers.text import when
from handlers.types import Reply
from models.conduct import agree, agreed_at, agreements, save_conduct
from models.members import MEMBER
from models.tables import Enrollment, Member

MAX_CONDUCT_CHARS = 8000


def register(router: Router) -> None:
    router.add(
        Command(
            name="conduct",
            usage="conduct [agree]",
            summary="the group's code of conduct; `agree` records that you accept it",
            details="The button under the text does the same as `d2l conduct agree`. The time "
            "you agreed is kept; organizers see who has agreed.",
            handler=show_conduct,
        )
    )
    router.add(
        Command(
            name="admin conduct",
            usage="admin conduct [set + a ``` block | required on|off]",
            summary="who has agreed to the code of conduct; set its text; require it or not",
            details="`admin conduct set` followed by a fenced block replaces the text "
            f"(at most {MAX_CONDUCT_CHARS:,} characters). `admin conduct required on` makes "
            "members agree before they submit work; `off` (the default) only records it.",
            handler=admin_conduct,
            organizer_only=True,
            group="Organizers",
            examples=("admin conduct", "admin conduct required on"),
        )
    )


async def show_conduct(ctx: Context) -> Reply:
    if not ctx.args:
        return await conduct_reply(
            ctx.db, ctx.cohort, ctx.member.id, ctx.services.settings.cohort.conduct_file
        )
    if len(ctx.args) != 1 or ctx.args[0].lower() != "agree":
        raise UsageError("Say `d2l conduct` to read it or `d2l conduct agree` to accept it.")
    if not await agree(ctx.db, ctx.cohort.id, ctx.member.id, ctx.now):
        when_agreed = await agreed_at(ctx.db, ctx.cohort.id, ctx.member.id)
        assert when_agreed is not None
        return Reply(
            text=f"You already agreed to the code of conduct on {when(when_agreed, 'f')}.",
            ephemeral=True,
        )
    return Reply(
        text=f"Thank you: you agreed to the code of conduct of {ctx.cohort.name}. "
        "`d2l conduct` shows it any time.",
        ephemeral=True,
    )


async def admin_conduct(ctx: Context) -> Reply:
    if not ctx.args:
        return await _who_agreed(ctx)
    action = ctx.args[0].lower()
    if action == "set":
        return await _set_text(ctx)
    if action == "required" and len(ctx.args) == 2 and ctx.args[1].lower() in ("on", "off"):
        required = ctx.args[1].lower() == "on"
        await save_conduct(ctx.db, ctx.cohort.id, ctx.now, required=required)
        rule = (
            "Members must agree to the code of conduct before they submit work."
            if required
            else "Agreeing to the code of conduct is recorded but not required."
        )
        return Reply(text=rule, ephemeral=True)
    raise UsageError("Say `set` with a ``` block, `required on|off`, or nothing to list.")


async def _set_text(ctx: Context) -> Reply:
    text = (ctx.code or "").strip()
    if len(ctx.args) != 1 or not text:
        raise UsageError(
            "Put the new text in a fenced block after `d2l admin conduct set`:\n```\nBe kind…\n```"
        )
    if len(text) > MAX_CONDUCT_CHARS:
        raise Refused(
            f"That text has {len(text):,} characters; the limit is {MAX_CONDUCT_CHARS:,}."
        )
    await save_conduct(ctx.db, ctx.cohort.id, ctx.now, text=text)
    return Reply(
        text=f"The code of conduct of {ctx.cohort.name} is now your text "
        f"({len(text):,} characters). Agreements already given are kept.",
        ephemeral=True,
    )


async def _who_agreed(ctx: Context) -> Reply:
    agreed = await agreements(ctx.db, ctx.cohort.id)
    rows = await ctx.db.execute(
        select(Member.id, Member.display_name)
        .join(Enrollment, Enrollment.member_id == Member.id)
        .where(Enrollment.cohort_id == ctx.cohort.id, Enrollment.status == MEMBER)
        .order_by(Member.display_name)
    )
    members = list(rows)
    yes = [f"• {name} — {when(agreed[mid], 'f')}" for mid, name in members if mid in agreed]
    no = [f"• {name}" for mid, name in members if mid not in agreed]
    required = await conduct_required(ctx.db, ctx.cohort.id)
    lines = [f"Agreed ({len(yes)}):", *(yes or ["• nobody yet"])]
    lines += [f"Not yet ({len(no)}):", *(no or ["• nobody"])]
    rule = "required before submitting" if required else "recorded, not required"
    return Reply(
        title=f"Code of conduct · {ctx.cohort.name}",
        text="\n".join(lines),
        footer=f"Agreement is {rule}. `d2l admin conduct required on|off` · "
        "`d2l admin conduct set` + a ``` block",
        ephemeral=True,
    )
