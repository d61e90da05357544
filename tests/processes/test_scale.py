"""Issue 9: several bot processes on one PostgreSQL database lose nothing and double nothing.

A deployment as the README describes it, as real `studybot` processes: three `web`
processes (Slack over HTTP, each on its own port, as behind a load balancer), one `discord`
process (one gateway connection: a second one would receive, and answer, every message
again) and a grading `worker`. Every chat process runs the scheduler and delivers the
outbox for its platform, so the three `web` processes race for every Slack message. The
fake Slack and Discord servers count what arrives.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.discord import payloads as p
from tests.discord.conftest import ALICE, BOB, say
from tests.discord.fake_discord import FakeDiscord
from tests.processes.conftest import SLACK_ORGANIZER, session_env
from tests.processes.helpers import (
    FENCE,
    SOFTMAX,
    START_WITHIN,
    Proc,
    Processes,
    SlackCaller,
    free_port,
    hook_text,
    prepare_database,
    slack_posts,
    until,
    wait_for_port,
)
from tests.slack.fake_slack import FakeSlack

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

# Busy for about a second when imported, so a SIGTERM can land while it is being graded.
SLOW_SOFTMAX = "total = 0\nfor i in range(6_000_000):\n    total += i\n" + SOFTMAX
# The 1-hour reminder falls due this long after the organizer moves the session: enough for
# every process's next 30 s tick to send what the bind made overdue before it.
LEAD = dt.timedelta(seconds=45)
# A chat process's CPU over the whole test: about 2 s, mostly imports.
MAX_CPU_SECONDS = 8.0


# What the fakes received ---------------------------------------------------------------------


def discord_posts(discord: FakeDiscord, channel: str | None) -> list[str]:
    """Every request to create a message in a channel (not what the fake deduplicated by
    nonce: a second request for the same row is a double send)."""
    if channel is None:
        return []
    posts = discord.calls_to(f"/channels/{channel}/messages", "POST")
    # not `…/messages/ID/threads`: opening the session's thread posts no message
    return [_discord_text(c.body) for c in posts if c.path.endswith("/messages")]


def _discord_text(body: Any) -> str:
    parts = [str(body.get("content") or "")]
    parts += [str(e.get("title") or "") for e in body.get("embeds") or []]
    return "\n".join(parts)


def count(texts: list[str], marker: str) -> int:
    return sum(marker in t for t in texts)


# The deployment ------------------------------------------------------------------------------


class Deployment:
    def __init__(
        self,
        processes: Processes,
        slack: FakeSlack,
        discord: FakeDiscord,
        caller: SlackCaller,
    ) -> None:
        self.processes = processes
        self.slack = slack
        self.discord = discord
        self.caller = caller
        self.ports: list[int] = []
        self.webs: list[Proc] = []
        self.gateway: Proc | None = None
        self.workers: list[Proc] = []

    def watch(self) -> list[Proc]:
        return self.processes.running()

    async def until(self, check: Any, what: str, within: float = 60) -> float:
        return await until(
            check,
            within=within,
            what=what,
            watch=self.watch(),
            describe=self.processes.describe,
        )

    async def slash(self, port: int, text: str, user: str) -> str:
        """A signed `/d2l TEXT` to one web process; returns the answer it posts back."""
        status, _, hook = await self.caller.command(port, text, user=user)
        assert status == 200
        await self.until(lambda: hook_text(self.slack, hook) is not None, f"/d2l {text}", 30)
        return hook_text(self.slack, hook) or ""

    async def discord_dm(self, author: Any, text: str, expect: str) -> None:
        """`!d2l …` in the server's channel; the private answer comes by DM."""
        await say(self.discord, text, author=author)
        user = str(author["id"])
        await self.until(
            lambda: any(expect in t for t in discord_posts(self.discord, self.dm(user))),
            f"{expect!r} in a Discord DM to {user}",
            30,
        )

    def dm(self, user_id: str) -> str | None:
        return self.discord.dm_channel(user_id)


async def start_deployment(
    processes: Processes, slack: FakeSlack, discord: FakeDiscord, caller: SlackCaller
) -> Deployment:
    d = Deployment(processes, slack, discord, caller)
    await prepare_database(processes)
    d.ports = [free_port() for _ in range(3)]
    for i, port in enumerate(d.ports, start=1):
        d.webs.append(await processes.studybot(f"web.{i}", "web", env={"PORT": str(port)}))
    d.gateway = await processes.studybot("discord.1", "discord")
    d.workers.append(await processes.studybot("worker.1", "worker"))
    await asyncio.gather(
        *(
            wait_for_port(port, web, START_WITHIN)
            for port, web in zip(d.ports, d.webs, strict=True)
        ),
        d.until(lambda: bool(discord.identifies), "the Discord gateway IDENTIFY", START_WITHIN),
    )
    return d


async def test_three_web_processes_a_discord_process_and_workers_send_everything_once(
    processes: Processes, slack: FakeSlack, discord: FakeDiscord, caller: SlackCaller
) -> None:
    began = time.monotonic()
    # Session 1 is planned 70 minutes out: its announcement (3 days before) and 24-hour
    # reminder are overdue from the start; the organizer pulls it in once channels are bound.
    processes.env.update(session_env(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=70)))
    d = await start_deployment(processes, slack, discord, caller)
    web1, web2, web3 = d.ports
    started = time.monotonic() - began

    # Organizers bind a channel on each platform, through different processes.
    assert "now gets the announcements" in await d.slash(web1, "admin bind", SLACK_ORGANIZER)
    await d.discord_dm(ALICE, "!d2l admin bind", "now gets the announcements")
    # A Slack member opts in to personal reminders (24 h and 1 h before, by DM).
    assert "Session reminders: on" in await d.slash(web2, "remind on", "U3")
    # The organizer moves session 1 so its 1-hour reminders fall due LEAD from now; the
    # seconds pin it down (the cohort's zone keeps it near noon, far from a date change).
    # The time is given in the cohort's own zone: a zone picked afresh from `session` would
    # differ by an hour when the test starts late in an hour (70 vs 61 minutes ahead).
    session = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1) + LEAD
    zone = ZoneInfo(processes.env["STUDYBOT_COHORT__TIMEZONE"])
    local = session.astimezone(zone)
    assert local.date().isoformat() == processes.env["STUDYBOT_COHORT__FIRST_SESSION"]
    moved = await d.slash(web3, f"admin cohort time {local.time().isoformat()}", SLACK_ORGANIZER)
    assert "Changed time" in moved, moved
    one_hour_due = (session - dt.timedelta(hours=1)).timestamp()

    # Code from both platforms; each result is a DM to its author.
    code = f"{FENCE}python\n{SOFTMAX}{FENCE}"
    assert "softmax" in await d.slash(web1, f"submit softmax {code}", "U2")
    await say(discord, f"!d2l submit softmax\n{code}", author=BOB)

    def results() -> tuple[int, int, int]:
        return (
            count(slack_posts(slack, "DU2"), "softmax:"),
            count(discord_posts(discord, d.dm(p.BOB_ID)), "softmax:"),
            count(slack_posts(slack, "DU4"), "softmax:"),
        )

    await d.until(lambda: min(results()[:2]) >= 1, "the first grading results", 90)
    # SIGTERM to the (now warm) worker with a slow job just handed in: the job is either
    # finished before the worker exits or left queued for the worker that replaces it.
    slow = f"{FENCE}python\n{SLOW_SOFTMAX}{FENCE}"
    assert "softmax" in await d.slash(web2, f"submit softmax {slow}", "U4")
    await asyncio.sleep(1.0)  # let the worker take it: the signal should land mid-job
    old_worker = d.workers[0]
    stopping = time.monotonic()
    await old_worker.stop(signal.SIGTERM, within=45)
    worker_stop = time.monotonic() - stopping
    old_worker.assert_clean_exit()
    d.workers.append(await processes.studybot("worker.2", "worker"))
    await d.until(lambda: results()[2] >= 1, "the slow submission's result", 90)

    # Reminders: per channel the announcement and the 24-hour reminder (overdue since the
    # bind), then the 1-hour one when it falls due; the same two reminders for the member.
    def slack_channel() -> list[str]:
        return slack_posts(slack, "C1")

    def discord_channel() -> list[str]:
        return discord_posts(discord, p.CHANNEL_ID)

    arrivals = await asyncio.gather(
        d.until(lambda: count(slack_channel(), "⏰") >= 2, "Slack's 1-hour reminder", 90),
        d.until(lambda: count(discord_channel(), "⏰") >= 2, "Discord's 1-hour reminder", 90),
        d.until(lambda: count(slack_posts(slack, "DU3"), "⏰") >= 2, "the personal one", 90),
    )
    for arrived in arrivals:
        # A second ⏰ before then is a reminder sent twice, or the 1-hour one sent early.
        assert arrived >= one_hour_due - 0.5, "a second reminder came before the 1-hour one"

    # No process spun meanwhile: one that serves one platform used to loop without a pause
    # while another platform's messages were due (16 s of CPU here instead of 2).
    for proc in [*d.webs, d.gateway]:
        assert proc is not None
        assert proc.cpu_seconds() < MAX_CPU_SECONDS, (proc.name, proc.cpu_seconds())

    # Everything has gone out; stop every process gracefully, so nothing can be in flight.
    # A web process stopped right after acking a command still answers it.
    status, _, hook = await caller.command(web1, "schedule", user="U5")
    assert status == 200
    d.webs[0].send(signal.SIGTERM)
    await d.until(lambda: hook_text(slack, hook) is not None, "the answer in flight", 30)
    for proc in processes.running():
        if not proc.signalled:
            proc.send(signal.SIGTERM)
    for proc in processes.started:
        await proc.wait(30)
        proc.assert_clean_exit()

    for where, texts in (("Slack #C1", slack_channel()), ("Discord", discord_channel())):
        assert count(texts, "📣") == 1, (where, texts)
        assert count(texts, "⏰") == 2, (where, texts)
        assert len(texts) == 3, (where, texts)
    assert count(slack_posts(slack, "DU3"), "⏰") == 2
    # The announcement opened one session thread, whichever process sent it.
    assert len(slack_posts(slack, "C1", in_threads=True)) == 1
    # Discord's opens when a plan runs after the announcement went out; never twice.
    assert len(discord.calls_to("/threads", "POST")) <= 1
    assert results() == (1, 1, 1)
    # Discord drops a repeated nonce; every row must still have been sent only once.
    nonces = [c.body.get("nonce") for c in discord.calls_to("/messages", "POST")]
    nonces = [n for n in nonces if n is not None]
    assert len(nonces) == len(set(nonces)), nonces
    print(f"started in {started:.1f} s; worker stopped in {worker_stop:.1f} s")
