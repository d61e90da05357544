"""The pages' own storage on SQLite and PostgreSQL: the signing key made once, a link that
opens, the feed's SEQUENCE, the leaderboard's chosen names."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from icalendar import Calendar

from bot.app import App
from bot.clock import FakeClock
from bot.web import Limits, WebServer, build_site
from tests.conftest import make_settings
from tests.web.conftest import link_in, say


@pytest.fixture
async def site(database_url: str, clock: FakeClock) -> AsyncIterator[tuple[App, str]]:
    app = await App.create(make_settings(database_url), clock=clock)
    server = WebServer(build_site(app, limits=Limits()), "127.0.0.1", 0)
    await server.start()
    yield app, server.url
    await server.stop()
    await app.close()


async def test_links_feed_and_names_work_on_both_databases(site: tuple[App, str]) -> None:
    app, url = site
    await say(app, "olga", "join")
    first = link_in(await say(app, "olga", "web"), "/organize/")
    second = link_in(await say(app, "olga", "web"), "/organize/")
    await say(app, "olga", "leaderboard public on Olga K.")
    await say(app, "olga", "admin session 2 speaker Ada")
    async with aiohttp.ClientSession() as http:
        for link in (first, second):  # both signed with the one key
            async with http.get(url + "/organize/" + link.rsplit("/", 1)[1]) as r:
                assert r.status == 200
        async with http.get(url + "/calendar.ics") as r:
            events = {e["UID"]: e for e in Calendar.from_ical(await r.read()).walk("VEVENT")}
        assert "Speaker: Ada" in str(events["studybot-cohort1-session2@studybot"]["DESCRIPTION"])
        await say(app, "olga", "admin session 2 speaker Grace")
        async with http.get(url + "/calendar.ics") as r:
            events = {e["UID"]: e for e in Calendar.from_ical(await r.read()).walk("VEVENT")}
        assert int(events["studybot-cohort1-session2@studybot"]["SEQUENCE"]) == 1
        assert int(events["studybot-cohort1-session3@studybot"]["SEQUENCE"]) == 0
        async with http.get(url + "/sessions/2") as r:
            assert "Grace" in await r.text()
