"""Issue 20 at scale: two `studybot web` processes on one PostgreSQL database both deliver
the GitHub rows, and the repository still gets one Discussion per session and one commit
per plan change."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from tests.github.fake_github import REPO, TOKEN, FakeGitHubApi
from tests.processes.conftest import SLACK_ORGANIZER, session_env
from tests.processes.helpers import (
    START_WITHIN,
    Proc,
    Processes,
    SlackCaller,
    free_port,
    hook_text,
    prepare_database,
    until,
    wait_for_port,
)
from tests.slack.fake_slack import FakeSlack

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
async def github() -> AsyncIterator[FakeGitHubApi]:
    server = await FakeGitHubApi().start()
    yield server
    await server.stop()


async def unsettled(pg_url: str) -> int:
    """GitHub rows still waiting or being sent."""
    connection = await asyncpg.connect(pg_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return int(
            await connection.fetchval(
                "SELECT count(*) FROM outbox WHERE platform = 'github' "
                "AND status IN ('pending', 'claimed') AND due_at <= now()"
            )
        )
    finally:
        await connection.close()


async def test_two_processes_make_one_discussion_per_session_and_one_commit_per_change(
    processes: Processes,
    slack: FakeSlack,
    caller: SlackCaller,
    github: FakeGitHubApi,
    pg_url: str,
) -> None:
    # Two sessions a day apart, the first 70 minutes out: both are announced at once.
    first = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=70)
    processes.env.update(session_env(first))
    processes.env.update(
        {
            "STUDYBOT_COHORT__CADENCE_DAYS": "1",
            "STUDYBOT_GITHUB_TOKEN": TOKEN,
            "STUDYBOT_GITHUB_REPO": REPO,
            "STUDYBOT_GITHUB_API_URL": github.url + "/",
        }
    )
    # Each write takes a while, so the processes' sweeps overlap in it.
    github.slow = {"createDiscussion": 1.0, "updateDiscussion": 0.5, "PUT": 1.0}
    await prepare_database(processes)
    ports = [free_port(), free_port()]
    webs: list[Proc] = list(
        await asyncio.gather(
            *(
                processes.studybot(f"web.{i}", "web", env={"PORT": str(port)})
                for i, port in enumerate(ports, start=1)
            )
        )
    )
    for port, web in zip(ports, webs, strict=True):
        await wait_for_port(port, web, START_WITHIN)

    async def wait(check: object, what: str, within: float = 60) -> None:
        await until(
            check,  # type: ignore[arg-type]
            within=within,
            what=what,
            watch=processes.running(),
            describe=processes.describe,
        )

    async def slash(port: int, text: str) -> str:
        status, _, hook = await caller.command(port, text, user=SLACK_ORGANIZER)
        assert status == 200
        await wait(lambda: hook_text(slack, hook) is not None, f"/d2l {text}", 30)
        return hook_text(slack, hook) or ""

    await wait(
        lambda: len(github.discussions) == 2 and len(github.commits) == 1,
        "two Discussions and the schedule file",
    )
    # Two plan changes, one through each process.
    assert "speaker set" in await slash(ports[0], "admin session 2 speaker Ada")
    await wait(lambda: len(github.commits) == 2, "the speaker's commit")
    zone = ZoneInfo(processes.env["STUDYBOT_COHORT__TIMEZONE"])
    later = (first + dt.timedelta(minutes=5)).astimezone(zone).time().isoformat()
    assert "Changed time" in await slash(ports[1], f"admin cohort time {later}")
    await wait(
        lambda: len(github.commits) == 3 and github.count("updateDiscussion") == 2,
        "the new time's commit and both Discussions edited",
    )
    # Whatever either process still had in hand is done before counting.
    await settled(pg_url)

    assert github.count("createDiscussion") == 2
    assert sorted(d.title.split(":")[0] for d in github.discussions) == ["Session 1", "Session 2"]
    texts = [c.text for c in github.commits]
    assert len(set(texts)) == 3 and "| Ada |" in texts[1] and "| Ada |" in texts[2]
    new_time = later[:5]
    assert all(new_time in d.body for d in github.discussions)
    assert github.count("updateDiscussion") == 2
    for web in webs:
        await web.stop()
        web.assert_clean_exit()


async def settled(pg_url: str, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while await unsettled(pg_url):
        assert time.monotonic() < deadline, "GitHub rows still pending"
        await asyncio.sleep(0.2)
