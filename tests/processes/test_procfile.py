"""The Procfile as a platform runs it, with honcho: `release` first, then `web`, `discord` and
`worker` together against the fake Slack, the fake Discord and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import signal
import time
from pathlib import Path

import pytest

from tests.discord.conftest import say
from tests.discord.fake_discord import FakeDiscord
from tests.processes.conftest import session_env
from tests.processes.helpers import (
    FENCE,
    HONCHO,
    SOFTMAX,
    START_WITHIN,
    Processes,
    SlackCaller,
    free_port,
    hook_text,
    slack_posts,
    until,
    wait_for_port,
)
from tests.slack.fake_slack import FakeSlack

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PROCFILE = Path(__file__).resolve().parents[2] / "Procfile"
PROCESS_TYPES = ("web", "discord", "worker")


def honcho_args(tmp_path: Path, *args: str) -> list[str]:
    # -d: the app root, where honcho would read a .env (there is none in tmp_path).
    return [str(HONCHO), "start", "-f", str(PROCFILE), "-d", str(tmp_path), "--no-colour", *args]


def started_pids(output: str) -> list[int]:
    return [int(pid) for pid in re.findall(r"\S+ started \(pid=(\d+)\)", output)]


@pytest.fixture(autouse=True)
def _needs_honcho() -> None:
    if not HONCHO.exists():
        pytest.skip("honcho is not installed (pip install -e '.[dev]')")


async def test_honcho_runs_the_procfile_and_stops_it_cleanly(
    processes: Processes,
    slack: FakeSlack,
    discord: FakeDiscord,
    caller: SlackCaller,
    tmp_path: Path,
) -> None:
    processes.env.update(session_env(dt.datetime.now(dt.UTC) + dt.timedelta(days=3)))

    # The release phase migrates the database before any new process starts.
    release = await processes.start("release", *honcho_args(tmp_path, "release"))
    assert await release.wait(START_WITHIN) == 0, release.describe()
    assert "database migrated to head" in release.stdout(), release.describe()
    assert "release.1 stopped (rc=0)" in release.stdout(), release.describe()

    port = free_port()
    honcho = await processes.start(
        "honcho", *honcho_args(tmp_path, "-p", str(port), *PROCESS_TYPES)
    )

    # Each of honcho's processes leads a session of its own: teardown kills them too.
    processes.group_finders.append(lambda: started_pids(honcho.stdout()))
    await until(
        lambda: len(started_pids(honcho.stdout())) == len(PROCESS_TYPES),
        within=30,
        what="honcho's processes",
        watch=[honcho],
    )
    await asyncio.gather(
        wait_for_port(port, honcho, START_WITHIN),  # web gets honcho's first PORT
        until(
            lambda: bool(discord.identifies),
            within=START_WITHIN,
            what="the Discord gateway IDENTIFY",
            watch=[honcho],
            describe=honcho.describe,
        ),
    )

    # web answers a signed Slack slash command.
    status, _, hook = await caller.command(port, "next", user="U1")
    assert status == 200
    await until(
        lambda: hook_text(slack, hook) is not None,
        within=30,
        what="the answer to /d2l next",
        watch=[honcho],
        describe=honcho.describe,
    )
    assert "Next session 1" in (hook_text(slack, hook) or "")

    # discord answers `!d2l next` from the gateway.
    await say(discord, "!d2l next")
    (sent,) = await discord.wait_sent(1, within=30)
    assert sent.embeds[0]["title"].startswith("Next session 1:")

    # A submission through web is graded by worker; web delivers the result by DM, once.
    submitted = time.monotonic()
    status, _, hook = await caller.command(
        port, f"submit softmax {FENCE}python\n{SOFTMAX}{FENCE}", user="U2"
    )
    assert status == 200
    await until(
        lambda: any("softmax:" in t for t in slack_posts(slack, "DU2")),
        within=90,
        what="the grading result",
        watch=[honcho],
        describe=honcho.describe,
    )
    result_after = time.monotonic() - submitted

    # Ctrl-C: honcho sends SIGTERM to every process (on SIGTERM too; only its own exit code
    # differs), which must stop by itself within honcho's 5 s (after that honcho kills it),
    # exit 0 and leave no traceback.
    honcho.send(signal.SIGINT)
    assert await honcho.wait(30) == 130, honcho.describe()
    output = honcho.stdout() + honcho.stderr()
    for name in PROCESS_TYPES:
        assert f"{name}.1 stopped (rc=0)" in output, output
    assert "SIGKILL" not in output, output
    assert "Traceback" not in output, output
    assert sum("softmax:" in t for t in slack_posts(slack, "DU2")) == 1
    print(f"result after {result_after:.1f} s")
