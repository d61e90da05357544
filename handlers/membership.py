"""Who is in the group: `d2l join`, `d2l leave`, and the organizers' `d2l admin organizers`.

Reading commands enrol nobody; `join` (or any command that records work) makes a person a
member. Only members get direct messages on the bot's own initiative, count in the
statistics and can earn a certificate. Organizers are a role, not a membership: they run the
group and get no reminders unless they join too.
"""

from __future__ import annotations

from handlers.context import Context, Refused, UsageError
from handlers.mentions import Mentioned, mentioned
from handlers.planning import plan_cohort
from handlers.router import Command, Router
from handlers.types import Reply
from handlers.welcome import welcome_member, welcome_text
from models.members import MEMBER, enroll, identity_key, join, leave, organizers_of
from models.tables import Enrollment, Identity


def register(router: Router) -> None:
    router.add(
        Command(
            name="join",
            usage="join",
            summary="become a member of the study group (reminders, progress, certificate)",
            details="Reading the plan needs no membership. Submitting, quizzes, RSVPs, "
            "questions and reminders make you a member on the way.",
            handler=join_group,
        )
    )
    router.add(
        Command(
            name="leave",
            usage="leave",
            summary="stop being a member: no more direct messages; your history is kept",
            details="You leave the leaderboard and the statistics. `d2l join` brings you "
            "back with everything you had done.",
            handler=leave_group,
        )
    )
    router.add(
        Command(
            name="admin organizers",
            usage="admin organizers [add|remove @someone]",
            summary="list the organizers, or add or remove one (by mention or platform id)",
            details="Organizers are people, by platform identity, never by display name. "
            "Give a mention or an id such as `slack:T012AB3C4:U012AB3CD` or "
            "`discord:80351110224678912`. The last organizer cannot be removed; organizers "
            "named in STUDYBOT_COHORT__ORGANIZERS are removed there.",
            handler=admin_organizers,
            organizer_only=True,
            group="Organizers",
            examples=("admin organizers", "admin organizers add @bob"),
        )
    )


async def join_group(ctx: Context) -> Reply:
    if ctx.args:
        raise UsageError("`d2l join` takes nothing after it.")
    configured = bool(ctx.services.settings.cohort.organizers)
    joined = await join(ctx.db, ctx.enrollment, organizers_configured=configured)
    if not joined.joined:
        return Reply(
            text=f"You're already a member of {ctx.cohort.name}. `d2l leave` to stop.",
            ephemeral=True,
        )
    await welcome_member(
        ctx.db,
        ctx.cohort,
        ctx.member.id,
        ctx.invocation,
        ctx.now,
        ctx.services.settings.cohort.conduct_file,
    )
    return Reply(text=welcome_text(ctx.cohort.name, joined), ephemeral=True)


async def leave_group(ctx: Context) -> Reply:
    if ctx.args:
        raise UsageError("`d2l leave` takes nothing after it.")
    if not await leave(ctx.db, ctx.enrollment, ctx.now):
        return Reply(text=f"You aren't a member of {ctx.cohort.name}.", ephemeral=True)
    await plan_cohort(ctx.db, ctx.cohort, ctx.now)  # cancels what was planned for you
    organizer = " You are still an organizer." if ctx.enrollment.role == "organizer" else ""
    return Reply(
        text=f"You've left {ctx.cohort.name}: no more reminders or nudges, and you're out of "
        f"the leaderboard and the statistics. Your work is kept; `d2l join` to come back."
        + organizer,
        ephemeral=True,
    )


async def admin_organizers(ctx: Context) -> Reply:
    if not ctx.args:
        return await _listing(ctx, "")
    action = ctx.args[0].lower()
    if action not in ("add", "remove") or len(ctx.args) != 2:
        raise UsageError("Say `add @someone` or `remove @someone`, or nothing to list them.")
    who = await mentioned(ctx, ctx.args[1], create=action == "add")
    enrollment = await enroll(ctx.db, cohort_id=ctx.cohort.id, member_id=who.member_id, now=ctx.now)
    if action == "add":
        if enrollment.role == "organizer":
            return await _listing(ctx, f"{who.name} is already an organizer.")
        enrollment.role = "organizer"
        await ctx.db.flush()
        return await _listing(ctx, f"{who.name} ({who.key}) is an organizer now.")
    return await _remove(ctx, who, enrollment)


async def _remove(ctx: Context, who: Mentioned, enrollment: Enrollment) -> Reply:
    configured = set(ctx.services.settings.cohort.organizers)
    if configured & set(who.keys):
        raise Refused(
            f"{who.name} is named in STUDYBOT_COHORT__ORGANIZERS; remove them there and "
            "restart the bot."
        )
    if enrollment.role != "organizer":
        return await _listing(ctx, f"{who.name} isn't an organizer.")
    others = [e for e, _ in await organizers_of(ctx.db, ctx.cohort.id) if e.id != enrollment.id]
    if not others and not configured:
        raise Refused(
            f"{who.name} is the last organizer, so they stay one. Add another organizer first."
        )
    enrollment.role = "member"
    await ctx.db.flush()
    return await _listing(ctx, f"{who.name} is no longer an organizer.")


async def _listing(ctx: Context, note: str) -> Reply:
    lines = []
    for enrollment, identities in await organizers_of(ctx.db, ctx.cohort.id):
        keys = ", ".join(_key(i) for i in identities) or "no identity"
        member = " · member" if enrollment.status == MEMBER else ""
        name = identities[0].display_name if identities else f"member {enrollment.member_id}"
        lines.append(f"• {name} — {keys}{member}")
    configured = ctx.services.settings.cohort.organizers
    if configured:
        lines.append("From STUDYBOT_COHORT__ORGANIZERS: " + ", ".join(configured))
    return Reply(
        title=f"Organizers · {ctx.cohort.name}",
        text="\n".join(p for p in (note, *lines) if p) or "No organizers.",
        footer="`d2l admin organizers add @someone` · `d2l admin organizers remove @someone`",
        ephemeral=True,
    )


def _key(identity: Identity) -> str:
    return identity_key(identity.platform, identity.workspace_id, identity.user_id)
