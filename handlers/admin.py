"""Organizer commands: `d2l admin cohort` shows and changes the cohort's schedule settings."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update

from handlers.context import Context, Refused, UsageError
from handlers.planning import plan_cohort
from handlers.router import Command, Router
from handlers.text import when
from handlers.types import Reply, ReplyField
from models.cohorts import RescheduleError, bind, reschedule
from models.tables import OutboxMessage, PlatformBinding

SETTABLE = (
    "name",
    "start",
    "time",
    "cadence",
    "timezone",
    "threshold",
    "quizpass",
    "length",
    "link",
    "solutions",
)


def register(router: Router) -> None:
    register_bindings(router)
    router.add(
        Command(
            name="admin cohort",
            usage="admin cohort [start DATE | time HH:MM | cadence DAYS | timezone ZONE | "
            "name NAME | threshold PERCENT | quizpass PERCENT | length MINUTES | link URL | "
            "solutions after-due|never]",
            summary="show the cohort's settings, or change one; later sessions follow",
            details="Changing start, time, cadence or timezone re-dates every session that "
            "hasn't happened yet; past sessions keep their dates. `quizpass` is the share of "
            "right answers (over at least 5) that makes a quiz count toward the certificate. "
            "`length` is how long a session lasts (90 minutes by default): its calendar event, "
            "when it is happening now and when it is over. "
            "`link` is where sessions are held (a Zoom or Meet link; `-` clears it); a session's "
            "own link (`admin session N link URL`) takes precedence. `solutions` says whether "
            "`d2l solution NAME` shows model solutions after the due time (default after-due).",
            handler=admin_cohort,
            organizer_only=True,
            examples=(
                "admin cohort",
                "admin cohort start 2027-01-12",
                "admin cohort time 18:30",
                "admin cohort timezone Europe/Berlin",
            ),
            group="Organizers",
        )
    )


async def admin_cohort(ctx: Context) -> Reply:
    if not ctx.args:
        return _show(ctx, "")
    key, values = ctx.args[0].lower(), ctx.args[1:]
    if key not in SETTABLE:
        raise Refused(f"I can't change `{key}`; settable: {', '.join(SETTABLE)}.")
    if not values:
        raise UsageError(f"Give a value for `{key}`.")
    if key == "solutions":
        from handlers.feedback import set_solutions

        return _show(ctx, await set_solutions(ctx, values))
    if key == "link":
        ctx.cohort.meeting_url = meeting_url_arg(" ".join(values))
        await ctx.db.flush()
        await plan_cohort(ctx.db, ctx.cohort, ctx.services.clock.now())
        return _show(
            ctx, "Changed the meeting link." if ctx.cohort.meeting_url else "No meeting link."
        )
    cohort = ctx.cohort
    now = ctx.services.clock.now()
    held = [s for s in cohort.sessions if s.starts_at <= now]
    if key == "start" and held:
        raise Refused(
            f"Session {held[0].number} has already taken place, so the start date is fixed. "
            "Change `cadence`, `time` or `timezone` to move the sessions still to come."
        )
    before = {s.id: s.starts_at for s in cohort.sessions}
    _apply(ctx, key, " ".join(values))
    try:
        moved = reschedule(cohort, now)
    except RescheduleError as exc:
        raise Refused(f"Not changed: {exc}. Pick a later start date.") from None
    await ctx.db.flush()
    await plan_cohort(ctx.db, cohort, now)
    note = f"Changed {key}."
    if moved:
        first = min(moved, key=lambda s: s.number)
        note += (
            f" {len(moved)} upcoming sessions moved; session {first.number} is now "
            f"{when(first.starts_at)} (was {when(before[first.id])})."
        )
    elif key in ("start", "time", "cadence", "timezone"):
        note += " No upcoming session had to move."
    return _show(ctx, note)


def _apply(ctx: Context, key: str, value: str) -> None:
    cohort = ctx.cohort
    if key == "name":
        if not 1 <= len(value) <= 100:
            raise Refused("A cohort name has 1 to 100 characters.")
        cohort.name = value
    elif key == "start":
        try:
            cohort.first_session = dt.date.fromisoformat(value)
        except ValueError:
            raise Refused(f"`{value}` is not a date; write it as YYYY-MM-DD.") from None
    elif key == "time":
        try:
            cohort.session_time = dt.time.fromisoformat(value)
        except ValueError:
            raise Refused(f"`{value}` is not a time of day; write it as HH:MM.") from None
    elif key == "cadence":
        days = value.removesuffix("d").removesuffix(" days")
        if not days.isdigit() or not 1 <= int(days) <= 365:
            raise Refused("The cadence is a number of days between sessions, 1 to 365.")
        cohort.cadence_days = int(days)
    elif key == "timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise Refused(
                f"`{value}` is not an IANA timezone (e.g. Europe/Berlin, "
                "America/New_York, Asia/Kolkata)."
            ) from None
        cohort.timezone = value
    elif key == "threshold":
        cohort.pass_threshold = _percentage(value, "The certificate threshold")
    elif key == "quizpass":
        cohort.quiz_pass_mark = _percentage(value, "The quiz pass mark")
    elif key == "length":
        minutes = value.removesuffix("m").removesuffix(" minutes").strip()
        if not minutes.isdigit() or not 15 <= int(minutes) <= 600:
            raise Refused("A session lasts 15 to 600 minutes, e.g. `length 90`.")
        cohort.session_minutes = int(minutes)


def meeting_url_arg(value: str) -> str | None:
    """A meeting link as typed (`-` clears it); Slack wraps links in <…>."""
    value = value.strip().removeprefix("<").removesuffix(">").split("|", 1)[0]
    if value == "-":
        return None
    if not value.startswith(("https://", "http://")) or len(value) > 500 or " " in value:
        raise Refused("A meeting link is one https:// URL (at most 500 characters).")
    return value


def _percentage(value: str, what: str) -> float:
    try:
        share = float(value.removesuffix("%")) / 100
    except ValueError:
        raise Refused(f"{what} is a percentage, e.g. 80%.") from None
    if not 0 < share <= 1:
        raise Refused(f"{what} is between 1% and 100%.")
    return share


def _show(ctx: Context, note: str) -> Reply:
    cohort = ctx.cohort
    fields = (
        ReplyField("Name", cohort.name),
        ReplyField("Timezone", cohort.timezone),
        ReplyField("First session", cohort.first_session.isoformat()),
        ReplyField("Time of day", cohort.session_time.strftime("%H:%M")),
        ReplyField("Sessions last", f"{cohort.session_minutes} minutes"),
        ReplyField("Cadence", f"every {cohort.cadence_days} days"),
        ReplyField("Sessions", str(len(cohort.sessions))),
        ReplyField("Certificate at", f"{cohort.pass_threshold:.0%} of the work"),
        ReplyField("A quiz counts at", f"{cohort.quiz_pass_mark:.0%} right"),
        ReplyField("Meeting link", cohort.meeting_url or "none"),
    )
    return Reply(
        title=f"Cohort settings: {cohort.name}",
        text=note or "Current settings.",
        fields=fields,
        ephemeral=True,
    )


def register_bindings(router: Router) -> None:
    router.add(
        Command(
            name="admin bind",
            usage="admin bind",
            summary="post this cohort's announcements and reminders in this channel",
            handler=bind_here,
            organizer_only=True,
            group="Organizers",
        )
    )
    router.add(
        Command(
            name="admin unbind",
            usage="admin unbind",
            summary="stop posting announcements and reminders in this channel",
            handler=unbind_here,
            organizer_only=True,
            group="Organizers",
        )
    )


async def bind_here(ctx: Context) -> Reply:
    inv = ctx.invocation
    if inv.is_direct:
        raise Refused("Run `d2l admin bind` in the channel that should get the announcements.")
    binding = await bind(
        ctx.db, ctx.cohort.id, inv.platform, inv.workspace_id, inv.channel_id, ctx.now
    )
    if binding.cohort_id != ctx.cohort.id:
        binding.cohort_id = ctx.cohort.id
    await ctx.db.flush()
    await plan_cohort(ctx.db, ctx.cohort, ctx.now)
    return Reply(
        text=f"This channel now gets the announcements and reminders of {ctx.cohort.name}.",
        ephemeral=True,
    )


async def unbind_here(ctx: Context) -> Reply:
    inv = ctx.invocation
    binding = await ctx.db.scalar(
        select(PlatformBinding).where(
            PlatformBinding.platform == inv.platform,
            PlatformBinding.workspace_id == inv.workspace_id,
            PlatformBinding.channel_id == inv.channel_id,
        )
    )
    if binding is None:
        raise Refused("This channel isn't bound to a cohort.")
    await ctx.db.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.platform == inv.platform,
            OutboxMessage.workspace_id == inv.workspace_id,
            OutboxMessage.target == inv.channel_id,
        )
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    await ctx.db.delete(binding)
    return Reply(text="This channel no longer gets announcements or reminders.", ephemeral=True)
