"""The pages in a real browser: Debian's chromium driven by Playwright (never a downloaded
browser). Screenshots go to the test's temp dir; with STUDYBOT_SCREENSHOTS=DIR the home page
and the dashboard are also written there (how docs/screenshots/ is made)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.async_api import Browser, Page, async_playwright

from bot.clock import FakeClock
from tests.web.conftest import Pages, failed_message, link_in, local, say

HOSTILE = "<script>alert('pwned')</script>"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), args=["--no-sandbox"]
        )
        yield launched
        await launched.close()


async def open_page(browser: Browser) -> tuple[Page, list[str]]:
    """A fresh page that records every dialog (an injected script's alert would open one)."""
    page = await browser.new_page(viewport=DESKTOP)
    dialogs: list[str] = []

    async def dismiss(dialog: object) -> None:
        dialogs.append(str(getattr(dialog, "message", "")))
        await dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", dismiss)
    return page, dialogs


def keep(shot: Path, name: str) -> None:
    folder = os.environ.get("STUDYBOT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(folder) / name)


async def group(pages: Pages) -> dict[str, str]:
    """An organizer, a member with a certificate, a member with a hostile name who opted in
    to the public leaderboard, some work, and a message that failed."""
    app = pages.app
    await say(app, "olga", "join")
    await say(app, "olga", "admin cohort link https://meet.example.org/d2l")
    await say(app, "olga", "admin assign softmax due 2027-01-19 18:00 session 1")
    await say(app, "bob", "join")
    await say(app, HOSTILE, "join")
    await say(app, HOSTILE, "leaderboard public on")
    issued = await say(app, "olga", "admin certificate @bob")
    await failed_message(app)
    code = issued[0].text.split("certificate ")[1].split(" ")[0]
    olga = await say(app, "olga", "web")
    bob = await say(app, "bob", "web")
    return {
        "code": code,
        "dashboard": local(link_in(olga, "/organize/"), pages),
        "bob": local(link_in(bob, "/me/"), pages),
    }


async def test_a_visitor_reads_the_public_pages_and_follows_their_links(
    browser: Browser, pages: Pages, tmp_path: Path
) -> None:
    made = await group(pages)
    page, dialogs = await open_page(browser)
    await page.goto(pages.url + "/")
    assert await page.locator("h1").first.inner_text() == "Test cohort"
    assert "Next: session 1" in await page.inner_text("body")
    assert await page.locator("time").count() >= 21
    await page.screenshot(path=tmp_path / "home.png", full_page=False)
    keep(tmp_path / "home.png", "home.png")
    await page.set_viewport_size(PHONE)
    await page.screenshot(path=tmp_path / "home-phone.png", full_page=True)
    await page.set_viewport_size(DESKTOP)

    # The calendar: the subscribe link is webcal://, the same feed over http parses.
    webcal = await page.get_attribute("text=Subscribe to the calendar", "href")
    assert webcal == f"webcal://127.0.0.1:{pages.server.port}/calendar.ics"
    feed = await page.request.get(webcal.replace("webcal://", "http://"))
    events = Calendar.from_ical(await feed.body()).walk("VEVENT")
    assert len(events) == 20

    # A session, from the plan.
    await page.click("table.plan >> text=Introduction and preliminaries")
    assert page.url.endswith("/sessions/1")
    assert "softmax" in await page.inner_text("body")
    await page.screenshot(path=tmp_path / "session.png")

    # Verify a certificate with the form, then a wrong code.
    await page.goto(pages.url + "/")
    await page.fill("#code", made["code"].lower())
    await page.click("button:has-text('Verify')")
    assert "Valid certificate" in await page.inner_text("h1")
    assert "bob" in await page.inner_text("dl")
    await page.screenshot(path=tmp_path / "verify.png")
    response = await page.goto(pages.url + "/verify/AAAA-BBBB-CCCC")
    assert response is not None and response.status == 404
    assert "No such certificate" in await page.inner_text("body")

    # The leaderboard shows the hostile name as text and runs nothing.
    await page.goto(pages.url + "/leaderboard")
    assert "Leaderboard" in await page.inner_text("h1")
    await page.screenshot(path=tmp_path / "leaderboard.png")

    # The code of conduct, from the navigation.
    await page.click("nav >> text=Code of conduct")
    assert page.url.endswith("/conduct")
    assert "Code of conduct" in await page.inner_text("h1")
    assert dialogs == []


async def test_a_member_and_an_organizer_open_their_signed_links(
    browser: Browser, pages: Pages, clock: FakeClock, tmp_path: Path
) -> None:
    made = await group(pages)
    page, dialogs = await open_page(browser)

    # Bob's own page: his progress chart, his certificate and its public page.
    await page.goto(made["bob"])
    assert "Your progress" in await page.inner_text("body")
    chart_width = await page.eval_on_selector("img.chart", "img => img.naturalWidth")
    assert chart_width > 100
    await page.screenshot(path=tmp_path / "member.png", full_page=True)
    await page.click("text=its public verification page")
    assert "Valid certificate" in await page.inner_text("h1")

    # Bob on the organizer page: refused.
    bob_token = made["bob"].rsplit("/", 1)[1]
    response = await page.goto(f"{pages.url}/organize/{bob_token}")
    assert response is not None and response.status == 403
    assert "For organizers only" in await page.inner_text("body")

    # An altered signature: refused.
    response = await page.goto(made["dashboard"][:-3] + "xyz")
    assert response is not None and response.status == 403
    assert "not valid" in await page.inner_text("body")

    # The dashboard: the hostile member's name is text; retry the failed message.
    await page.goto(made["dashboard"])
    assert "Organizer dashboard" in await page.inner_text("h1")
    assert HOSTILE in await page.inner_text("table.grades")
    await page.screenshot(path=tmp_path / "dashboard.png", full_page=False)
    keep(tmp_path / "dashboard.png", "dashboard.png")
    await page.click("button:has-text('Retry #')")
    assert "is queued again" in await page.inner_text("body")
    await page.click("text=Back")
    assert "Nothing has failed" in await page.inner_text("#outbox + section")

    # A day later the link has expired.
    clock.advance(dt.timedelta(hours=24, minutes=1))
    response = await page.goto(made["dashboard"])
    assert response is not None and response.status == 403
    assert "expired" in await page.inner_text("body")
    assert dialogs == []
