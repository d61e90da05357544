"""Private pages, opened by the signed links `d2l web` and `d2l progress` send: a member's
own page and the organizers' dashboard. Everything shown or changed goes through the chat
commands (run as the link's owner), so a page can never do what the command would refuse."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hmac
import io
import shlex
from dataclasses import dataclass, replace

from aiohttp import web
from sqlalchemy import select

from bot.web._render import page
from bot.web._security import csrf_token, read_form, same_origin
from bot.web._state import Site, site_of
from handlers.admin import SETTABLE
from handlers.calendar import subscribe_url
from handlers.progress._summary import WEB_FIELD
from handlers.types import Invocation, Reply
from handlers.web_links import ORGANIZER, LinkClaims, LinkRefused, read_token, web_secret
from models.cohorts import first_cohort
from models.progress_tables import Certificate
from models.quiz_play import QuestionStats, question_stats
from models.tables import Cohort, Enrollment, Identity, OutboxMessage

TOKEN = r"{token:[A-Za-z0-9_.\-]{10,600}}"
FAILED_SHOWN = 50


def register(router: web.UrlDispatcher) -> None:
    router.add_get(f"/me/{TOKEN}", member_page)
    router.add_get(f"/me/{TOKEN}/certificate.pdf", certificate_pdf)
    router.add_get(f"/organize/{TOKEN}", dashboard)
    router.add_get(f"/organize/{TOKEN}/grades.csv", grades_csv)
    router.add_post(f"/organize/{TOKEN}/retry", retry)
    router.add_post(f"/organize/{TOKEN}/cohort", change_setting)


@dataclass(frozen=True)
class Visit:
    """An opened link: who it belongs to and what their pages need."""

    claims: LinkClaims
    name: str
    cohort: Cohort
    token: str
    csrf: str

    def invocation(self, text: str) -> Invocation:
        c = self.claims
        return Invocation(
            platform=c.platform,
            workspace_id=c.workspace_id,
            channel_id="web",
            user_id=c.user_id,
            user_name=self.name,
            text=text,
            is_direct=True,
        )


async def member_page(request: web.Request) -> web.Response:
    site = site_of(request)
    visit = await _open(request, organizer=False)
    replies = [
        replace(r, fields=tuple(f for f in r.fields if f.name != WEB_FIELD))
        for r in await _run(site, visit, "progress")
    ]
    async with site.app.services.sessions() as db:
        certificate = await db.scalar(
            select(Certificate).where(
                Certificate.cohort_id == visit.cohort.id,
                Certificate.member_id == visit.claims.member_id,
            )
        )
    return page(
        "member.html",
        {
            **_common(request, visit),
            "replies": [_shown(r) for r in replies],
            "certificate": certificate,
        },
    )


async def certificate_pdf(request: web.Request) -> web.Response:
    visit = await _open(request, organizer=False)
    replies = await _run(site_of(request), visit, "certificate")
    for reply in replies:
        for file in reply.files:
            if file.mime == "application/pdf":
                return web.Response(
                    body=file.content,
                    content_type="application/pdf",
                    headers={
                        "Content-Disposition": f'inline; filename="{file.name}"',
                        "Cache-Control": "no-store",
                    },
                )
    return _result(request, visit, replies, status=404)


async def dashboard(request: web.Request) -> web.Response:
    site = site_of(request)
    visit = await _open(request, organizer=True)
    header, rows = await _grades(site, visit)
    sort = request.query.get("sort", "")
    descending = request.query.get("desc") == "1"
    if sort in header:
        column = header.index(sort)
        rows.sort(key=lambda row: _sort_key(row[column]), reverse=descending)
    outbox = await _run(site, visit, "admin outbox")
    settings = await _run(site, visit, "admin cohort")
    conduct = await _run(site, visit, "admin conduct")  # who agreed, and who not yet
    async with site.app.services.sessions() as db:
        stats = await question_stats(db, visit.cohort.id)
        failed = list(
            await db.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.cohort_id == visit.cohort.id, OutboxMessage.status == "failed")
                .order_by(OutboxMessage.due_at.desc())
                .limit(FAILED_SHOWN)
            )
        )
    return page(
        "dashboard.html",
        {
            **_common(request, visit),
            "header": header,
            "columns": _columns(header),
            "rows": rows,
            "sort": sort,
            "descending": descending,
            "pass_rates": _pass_rates(header, rows),
            "stats": stats,
            "quiz_share": _share,
            "failed": failed,
            "outbox": [_shown(r) for r in outbox],
            "settings": [_shown(r) for r in settings],
            "settable": SETTABLE,
            "conduct": [_shown(r) for r in conduct],
        },
    )


async def grades_csv(request: web.Request) -> web.Response:
    visit = await _open(request, organizer=True)
    replies = await _run(site_of(request), visit, "admin export grades")
    for reply in replies:
        for file in reply.files:
            return web.Response(
                body=file.content,
                content_type="text/csv",
                charset="utf-8",
                headers={
                    "Content-Disposition": f'attachment; filename="{file.name}"',
                    "Cache-Control": "no-store",
                },
            )
    return _result(request, visit, replies, status=500)


async def retry(request: web.Request) -> web.Response:
    visit = await _open(request, organizer=True)
    form = await _checked_form(request, visit)
    number = form.get("id", "")
    if not number.isdigit():
        raise web.HTTPBadRequest(text="Which message? The form's id is missing.")
    replies = await _run(site_of(request), visit, f"admin outbox retry {number}")
    return _result(request, visit, replies)


async def change_setting(request: web.Request) -> web.Response:
    visit = await _open(request, organizer=True)
    form = await _checked_form(request, visit)
    setting, value = form.get("setting", ""), form.get("value", "").strip()
    if setting not in SETTABLE:
        raise web.HTTPBadRequest(text=f"Choose one of: {', '.join(SETTABLE)}.")
    if not value or "\n" in value or len(value) > 500:
        raise web.HTTPBadRequest(text="Give one value on one line (at most 500 characters).")
    replies = await _run(site_of(request), visit, f"admin cohort {setting} {shlex.quote(value)}")
    return _result(request, visit, replies)


async def _open(request: web.Request, *, organizer: bool) -> Visit:
    """The visit of a link, or a refusal page: 403 for a bad, altered or expired link, a link
    whose identity no longer belongs to its member, and a member's link on an organizer page."""
    site = site_of(request)
    token = request.match_info["token"]
    now = site.app.services.clock.now()
    async with site.app.services.sessions() as db, db.begin():
        cohort = await first_cohort(db)
        if cohort is None:
            raise web.HTTPServiceUnavailable(text="No cohort is set up yet.")
        secret = await web_secret(db, now)
        try:
            claims = read_token(secret, token, now)
        except LinkRefused as exc:
            raise _refusal(request, cohort, "This link doesn't open", str(exc)) from None
        identity = await db.scalar(
            select(Identity).where(
                Identity.platform == claims.platform,
                Identity.workspace_id == claims.workspace_id,
                Identity.user_id == claims.user_id,
            )
        )
        if identity is None or identity.member_id != claims.member_id:
            raise _refusal(
                request,
                cohort,
                "This link doesn't open",
                "It belongs to an account that has changed since. Ask for a new one: `d2l web`.",
            )
        if organizer:
            role = await db.scalar(
                select(Enrollment.role).where(
                    Enrollment.cohort_id == cohort.id, Enrollment.member_id == claims.member_id
                )
            )
            if claims.role != ORGANIZER or role != ORGANIZER:
                raise _refusal(
                    request,
                    cohort,
                    "For organizers only",
                    f"The dashboard is for organizers of {cohort.name}. Your own page is "
                    "linked from `d2l web`.",
                )
    return Visit(claims, identity.display_name, cohort, token, csrf_token(secret, token))


async def _checked_form(request: web.Request, visit: Visit) -> dict[str, str]:
    form = await read_form(request)
    public_url = site_of(request).app.services.settings.public_url
    token_ok = hmac.compare_digest(form.get("csrf", ""), visit.csrf)
    if not same_origin(request, public_url) or not token_ok:
        raise _refusal(
            request,
            visit.cohort,
            "Refused",
            "That form didn't come from this page. Open the dashboard again and retry.",
        )
    return form


async def _run(site: Site, visit: Visit, text: str) -> list[Reply]:
    """The chat command `text`, as the link's owner: the same use case, the same checks."""
    return await site.app.handle(visit.invocation(text))


async def _grades(site: Site, visit: Visit) -> tuple[list[str], list[list[str]]]:
    """The members × work table: the very CSV of `d2l admin export grades`."""
    for reply in await _run(site, visit, "admin export grades"):
        for file in reply.files:
            table = list(csv.reader(io.StringIO(file.content.decode("utf-8"))))
            return table[0], table[1:]
    return [], []


def _columns(header: list[str]) -> list[tuple[int, str]]:
    """The table's shown columns (index, title): each item's score and lateness sit in one
    cell, so its "done" column stands for the item."""
    shown = []
    for i, name in enumerate(header):
        if name in ("member_id", "identities") or name.endswith((" score", " late")):
            continue
        shown.append((i, name.removesuffix(" done")))
    return shown


def _pass_rates(header: list[str], rows: list[list[str]]) -> list[tuple[str, int, int]]:
    """Per exercise: how many members passed it, of how many."""
    rates = []
    for i, name in enumerate(header):
        if name.startswith("exercise ") and name.endswith(" done"):
            passed = sum(row[i] == "yes" for row in rows)
            rates.append((name.removeprefix("exercise ").removesuffix(" done"), passed, len(rows)))
    return rates


def _share(stat: QuestionStats) -> str:
    return f"{stat.share_correct:.0%}"


def _sort_key(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value.lower())


@dataclass(frozen=True)
class ShownReply:
    reply: Reply
    images: list[str]  # data: URIs of the reply's PNGs


def _shown(reply: Reply) -> ShownReply:
    images = [
        "data:image/png;base64," + base64.b64encode(f.content).decode()
        for f in reply.files
        if f.mime == "image/png"
    ]
    return ShownReply(reply, images)


def _common(request: web.Request, visit: Visit) -> dict[str, object]:
    services = site_of(request).app.services
    base = services.settings.public_url or f"{request.scheme}://{request.host}"
    return {
        "cohort": visit.cohort,
        "zone": visit.cohort.timezone,
        "feed": f"{base}/calendar.ics",
        "webcal": subscribe_url(f"{base}/calendar.ics"),
        "visit": visit,
        "private": True,
        "expires": visit.claims.expires,
        "now": dt.datetime.now(dt.UTC),
    }


def _result(
    request: web.Request, visit: Visit, replies: list[Reply], *, status: int = 200
) -> web.Response:
    back = f"/organize/{visit.token}" if visit.claims.role == ORGANIZER else f"/me/{visit.token}"
    return page(
        "result.html",
        {**_common(request, visit), "replies": [_shown(r) for r in replies], "back": back},
        status=status,
    )


def _refusal(request: web.Request, cohort: Cohort, heading: str, message: str) -> web.HTTPForbidden:
    base = site_of(request).app.services.settings.public_url or (
        f"{request.scheme}://{request.host}"
    )
    response = page(
        "error.html",
        {
            "cohort": cohort,
            "zone": cohort.timezone,
            "webcal": subscribe_url(f"{base}/calendar.ics"),
            "heading": heading,
            "message": message,
            "private": True,
        },
        status=403,
    )
    return web.HTTPForbidden(
        text=response.text, content_type="text/html", headers={"Cache-Control": "no-store"}
    )
