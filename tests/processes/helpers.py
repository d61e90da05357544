"""Real `studybot` processes for the multi-process tests: start them, wait for them without
fixed sleeps, read their output, and make sure none outlives its test."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from tests.slack.conftest import signed_headers
from tests.slack.fake_slack import TEAM, FakeSlack

BIN = Path(sys.executable).parent
STUDYBOT = BIN / "studybot"
HONCHO = BIN / "honcho"
# Environment variables of the developer's shell that must not leak into the processes.
PRIVATE_PREFIXES = ("STUDYBOT_", "SLACK_", "DISCORD_")
PRIVATE_NAMES = ("PORT",)
START_WITHIN = 120.0  # a cold start on a busy 2-core machine: imports, migrations, torch

FENCE = "```"
SOFTMAX = """import torch

def softmax(X):
    e = torch.exp(X - X.max(dim=1, keepdim=True).values)
    return e / e.sum(dim=1, keepdim=True)
"""


def clean_environ() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(PRIVATE_PREFIXES) and k not in PRIVATE_NAMES
    }
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # the Procfile says `studybot`
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    """One child process; its stdout and stderr go to files (a full pipe can't block it)."""

    def __init__(self, name: str, process: asyncio.subprocess.Process, out: Path, err: Path):
        self.name = name
        self.process = process
        self.out_path = out
        self.err_path = err
        self.signalled = False

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def cpu_seconds(self) -> float:
        """User and system CPU time the process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def describe(self) -> str:
        state = "running" if self.returncode is None else f"exited {self.returncode}"
        tail = "\n".join((self.stdout() + self.stderr()).splitlines()[-40:])
        return f"--- {self.name} (pid {self.pid}, {state}) ---\n{tail}"

    def send(self, sig: signal.Signals = signal.SIGTERM) -> None:
        self.signalled = True
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(sig)

    async def wait(self, within: float) -> int:
        try:
            return await asyncio.wait_for(self.process.wait(), within)
        except TimeoutError:
            raise AssertionError(f"{self.name} did not exit within {within:g} s") from None

    async def stop(self, sig: signal.Signals = signal.SIGTERM, within: float = 30) -> int:
        """Signal the process and wait for it to exit; returns its exit code."""
        self.send(sig)
        return await self.wait(within)

    def assert_clean_exit(self, expected: int = 0) -> None:
        """Exited with `expected` and left no traceback (an exception logged or uncaught)."""
        output = self.stdout() + self.stderr()
        assert self.returncode == expected, self.describe()
        assert "Traceback" not in output, self.describe()


class Processes:
    """Starts children in sessions of their own, so teardown can kill each one's whole
    process group (embedded workers, sandboxes) even when the test failed half-way."""

    def __init__(self, directory: Path, env: dict[str, str]) -> None:
        self.directory = directory
        self.env = env
        self.started: list[Proc] = []
        # Process groups a child started (honcho's processes): read again at teardown.
        self.group_finders: list[Callable[[], list[int]]] = []

    async def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> Proc:
        out = self.directory / f"{name}.out"
        err = self.directory / f"{name}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                *args,
                env={**self.env, **(env or {})},
                cwd=self.directory,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
        proc = Proc(name, process, out, err)
        self.started.append(proc)
        return proc

    async def studybot(self, name: str, *args: str, env: dict[str, str] | None = None) -> Proc:
        return await self.start(name, str(STUDYBOT), *args, env=env)

    def running(self) -> list[Proc]:
        return [p for p in self.started if p.returncode is None]

    def describe(self) -> str:
        return "\n".join(p.describe() for p in self.started)

    async def close(self) -> None:
        """Kill whatever is left, process groups included; never raises."""
        groups = [p.pid for p in self.started if p.returncode is None]
        for find in self.group_finders:
            with contextlib.suppress(OSError, ValueError):
                groups += find()
        for group in groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
        for proc in self.started:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.process.wait(), 10)


async def until(
    check: Callable[[], bool],
    *,
    within: float,
    what: str,
    watch: Sequence[Proc] = (),
    describe: Callable[[], str] = lambda: "",
) -> float:
    """Poll `check` until it holds; fail (with the processes' output) at the deadline or as
    soon as a watched process exits. Returns the time (time.time()) it first held."""
    deadline = time.monotonic() + within
    while True:
        if check():
            return time.time()
        for proc in watch:
            if proc.returncode is not None:
                raise AssertionError(f"{proc.name} exited while waiting for {what}\n{describe()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:g} s waiting for {what}\n{describe()}")
        await asyncio.sleep(0.05)


async def port_open(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def wait_for_port(port: int, proc: Proc, within: float) -> None:
    deadline = time.monotonic() + within
    while not await port_open(port):
        if proc.returncode is not None:
            raise AssertionError(f"{proc.name} exited before it listened\n{proc.describe()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{proc.name} did not listen on {port}\n{proc.describe()}")
        await asyncio.sleep(0.1)


class SlackCaller:
    """Plays Slack's servers: signed `/d2l` slash commands to a `web` process's port."""

    def __init__(self, session: aiohttp.ClientSession, fake_url: str) -> None:
        self.session = session
        self.fake_url = fake_url
        self.count = 0

    async def command(
        self, port: int, text: str, *, user: str, channel: str = "C1"
    ) -> tuple[int, str, str]:
        """POST the command; returns the HTTP status, the ack's body and its response_url."""
        self.count += 1
        hook = f"/hooks/commands/{TEAM}/{self.count}"
        body = urlencode(
            {
                "token": "legacy",
                "team_id": TEAM,
                "team_domain": "study",
                "channel_id": channel,
                "channel_name": "d2l",
                "user_id": user,
                "user_name": f"name-{user}",
                "command": "/d2l",
                "text": text,
                "api_app_id": "A111",
                "response_url": self.fake_url + hook,
                "trigger_id": f"trigger-{self.count}",
            }
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(body)}
        url = f"http://127.0.0.1:{port}/slack/events"
        async with self.session.post(url, data=body.encode(), headers=headers) as response:
            return response.status, await response.text(), hook


async def prepare_database(processes: Processes) -> None:
    """What runs before a deployment's processes start: the release phase's migrations.
    The processes then start all at once and race to create the default cohort (one wins;
    bot/app.py `ensure_default_cohort`)."""
    release = await processes.studybot("release", "migrate")
    assert await release.wait(START_WITHIN) == 0, release.describe()


# What the fakes received ---------------------------------------------------------------------


def slack_posts(slack: FakeSlack, channel: str, *, in_threads: bool = False) -> list[str]:
    """The `text` of every chat.postMessage to a channel (DMs: `D` + the user's id): the
    channel's own messages, or with `in_threads` the replies in its threads (session threads)."""
    return [
        str(c.params.get("text", ""))
        for c in slack.called("chat.postMessage")
        if c.params.get("channel") == channel and bool(c.params.get("thread_ts")) == in_threads
    ]


def hook_text(slack: FakeSlack, hook: str) -> str | None:
    """What the bot answered through a slash command's response_url, once it has."""
    for call in slack.called("hook"):
        if call.path == hook:
            return str(call.params.get("text", "")) + str(call.params.get("blocks", ""))
    return None
