"""The public pages: the plan, one session, the calendar feed, certificate verification and
the leaderboard. They read the same queries the chat commands use and show nothing private."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.web._render import page
from bot.web._security import client_address
from bot.web._state import site_of
from handlers.calendar import cohort_ics, subscribe_url
from handlers.conduct_text import conduct_text
from handlers.progress import find_certificate
from handlers.progress._pdf import course_label
from handlers.schedule import SESSION_LENGTH, next_session
from models.cohorts import first_cohort, meeting_link
from models.quiz_play import Standing, code_standings, quiz_standings
from models.tables import Cohort
from models.web_tables import PublicName
from models.work import session_assignments

TOP = 20
ANONYMOUS = "a member"
CODE_SHAPE = re.compile(r"^[A-Za-z0-9 -]{1,40}$")


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/", home)
    router.add_get(r"/sessions/{number:\d{1,4}}", session_page)
    router.add_get("/calendar.ics", calendar_feed)
    router.add_get("/verify", verify_form)
    router.add_get("/verify/{code}", verify_page)
    router.add_get("/leaderboard", leaderboard)
    router.add_get("/conduct", conduct)


async def home(request: web.Request) -> web.Response:
    return await _cached(request, "home", _home)


async def _home(request: web.Request) -> web.Response:
    site = site_of(request)
    now = site.app.services.clock.now()
    async with site.app.services.sessions() as db:
        cohort = await _cohort(db)
        upcoming = next_session(cohort.sessions, now)
        return page(
            "home.html",
            {
                **_common(request, cohort),
                "upcoming": upcoming,
                "upcoming_link": meeting_link(cohort, upcoming) if upcoming else None,
                "now": now,
                "length": SESSION_LENGTH,
            },
        )


async def session_page(request: web.Request) -> web.Response:
    return await _cached(request, f"session:{request.match_info['number']}", _session_page)


async def _session_page(request: web.Request) -> web.Response:
    site = site_of(request)
    number = int(request.match_info["number"])
    async with site.app.services.sessions() as db:
        cohort = await _cohort(db)
        session = next((s for s in cohort.sessions if s.number == number), None)
        if session is None:
            return page(
                "error.html",
                {
                    **_common(request, cohort),
                    "heading": "No such session",
                    "message": f"Sessions run from 1 to {len(cohort.sessions)}.",
                },
                status=404,
            )
        work = await session_assignments(db, session.id)
        return page(
            "session.html",
            {
                **_common(request, cohort),
                "session": session,
                "work": work,
                "join": meeting_link(cohort, session),
                "now": site.app.services.clock.now(),
                "length": SESSION_LENGTH,
            },
        )


async def calendar_feed(request: web.Request) -> web.Response:
    services = site_of(request).app.services
    async with services.sessions() as db, db.begin():
        cohort = await _cohort(db)
        data = await cohort_ics(db, cohort, services.curriculum, services.clock.now())
    return web.Response(
        body=data,
        content_type="text/calendar",
        charset="utf-8",
        headers={
            "Content-Disposition": 'inline; filename="calendar.ics"',
            "Cache-Control": "public, max-age=300",
        },
    )


async def verify_form(request: web.Request) -> web.StreamResponse:
    """The form on the home page: `/verify?code=…` goes to `/verify/CODE`."""
    code = request.query.get("code", "").strip()
    if code and CODE_SHAPE.match(code):
        raise web.HTTPSeeOther(f"/verify/{code.replace(' ', '')}")
    site = site_of(request)
    async with site.app.services.sessions() as db:
        cohort = await _cohort(db)
    return page(
        "verify.html",
        {**_common(request, cohort), "found": None, "code": code, "asked": bool(code)},
        status=404 if code else 200,
    )


async def verify_page(request: web.Request) -> web.Response:
    site = site_of(request)
    limits = site.limits
    address = client_address(request)
    if limits is not None and not limits.verify.allow(address):
        raise web.HTTPTooManyRequests(
            text="Too many certificate look-ups from your address; try again in a minute.",
            headers={"Retry-After": str(limits.verify.retry_after(address))},
        )
    return await _cached(request, f"verify:{request.match_info['code'].upper()}", _verify_page)


async def _verify_page(request: web.Request) -> web.Response:
    site = site_of(request)
    code = request.match_info["code"]
    async with site.app.services.sessions() as db:
        cohort = await _cohort(db)
        found = await find_certificate(db, code) if CODE_SHAPE.match(code) else None
    return page(
        "verify.html",
        {
            **_common(request, cohort),
            "found": found,
            "covered": course_label(found) if found else "",
            "code": code,
            "asked": True,
        },
        status=200 if found else 404,
    )


async def leaderboard(request: web.Request) -> web.Response:
    return await _cached(request, "leaderboard", _leaderboard)


async def _leaderboard(request: web.Request) -> web.Response:
    site = site_of(request)
    async with site.app.services.sessions() as db:
        cohort = await _cohort(db)
        names = await public_names(db, cohort.id)
        boards = [
            ("Quizzes", "correct answers", _public(await quiz_standings(db, cohort.id), names)),
            ("Code exercises", "exercises", _public(await code_standings(db, cohort.id), names)),
        ]
    return page("leaderboard.html", {**_common(request, cohort), "boards": boards})


async def conduct(request: web.Request) -> web.Response:
    return await _cached(request, "conduct", _conduct)


async def _conduct(request: web.Request) -> web.Response:
    """The cohort's code of conduct: the same text `d2l conduct` shows."""
    site = site_of(request)
    async with site.app.services.sessions() as db:
        cohort = await _cohort(db)
        text = await conduct_text(db, cohort.id, site.app.services.settings.cohort.conduct_file)
    return page("conduct.html", {**_common(request, cohort), "text": text})


async def public_names(db: AsyncSession, cohort_id: int) -> dict[int, str]:
    rows = await db.execute(
        select(PublicName.member_id, PublicName.name).where(PublicName.cohort_id == cohort_id)
    )
    return {member_id: name for member_id, name in rows}


def _public(standings: list[Standing], names: dict[int, str]) -> list[tuple[int, str, Standing]]:
    """Ranked rows with only the names members chose to show."""
    rows = []
    rank = 0
    for i, s in enumerate(standings[:TOP]):
        if i == 0 or round(s.points, 6) != round(standings[i - 1].points, 6):
            rank = i + 1
        rows.append((rank, names.get(s.member_id, ANONYMOUS), s))
    return rows


async def _cached(
    request: web.Request, key: str, make: Callable[[web.Request], Awaitable[web.Response]]
) -> web.Response:
    """The page from the site's short cache (its links depend on the host asked for)."""
    return await site_of(request).cache.page(f"{request.host}|{key}", lambda: make(request))


async def _cohort(db: AsyncSession) -> Cohort:
    cohort = await first_cohort(db)
    if cohort is None:
        raise web.HTTPServiceUnavailable(text="No cohort is set up yet: run `studybot migrate`.")
    return cohort


def _common(request: web.Request, cohort: Cohort) -> dict[str, object]:
    services = site_of(request).app.services
    # Without STUDYBOT_PUBLIC_URL the pages link to the address they were reached at.
    base = services.settings.public_url or f"{request.scheme}://{request.host}"
    feed = f"{base}/calendar.ics"
    return {
        "cohort": cohort,
        "zone": cohort.timezone,
        "curriculum": services.curriculum,
        "feed": feed,
        "webcal": subscribe_url(feed),
    }
