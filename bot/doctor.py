"""`studybot doctor`: is this host ready to run the bot? One line per check, with the fix.

Each check reuses the piece the bot itself relies on (the sandbox's bubblewrap probe and
cgroup detection, the health report, the platforms' token checks), so the doctor and the
bot never disagree about what works.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import time
from dataclasses import dataclass

import aiohttp

from bot.health import check_health
from bot.logs import one_line
from bot.settings import Settings
from models.db import create_engine

PYTHON = (3, 11)
# Warm start slower than this is reported (not a failure): members wait that long per grade.
SLOW_SANDBOX_SECONDS = 15.0
TIMEOUT = aiohttp.ClientTimeout(total=10)
# Discord application flags: the message-content intent, approved or (< 100 servers) limited.
MESSAGE_CONTENT_FLAGS = (1 << 18) | (1 << 19)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not applicable or skipped
    detail: str
    fix: str = ""
    needed: bool = True  # a failed check that isn't needed is only a warning

    def line(self) -> str:
        mark = "–" if self.ok is None else "✓" if self.ok else "✗" if self.needed else "!"
        text = f"{mark} {self.name}: {self.detail}"
        return f"{text}\n    fix: {self.fix}" if self.fix and not self.ok else text


async def run_checks(settings: Settings, *, sandbox: bool = True) -> list[Check]:
    checks = [python_version()]
    if settings.sandbox.unsafe_no_sandbox:
        checks.append(
            Check("sandbox", False, "STUDYBOT_SANDBOX__UNSAFE_NO_SANDBOX is on", "turn it off")
        )
    bwrap = await asyncio.to_thread(bubblewrap)
    checks += [bwrap, await asyncio.to_thread(cgroups)]
    if not sandbox:
        checks.append(Check("sandbox warm start", None, "skipped (--skip-sandbox)"))
    elif bwrap.ok:
        checks.append(await sandbox_start(settings))
    checks.append(await database(settings))
    checks += await tokens(settings)
    checks.append(await public_url(settings))
    return checks


def python_version() -> Check:
    found = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] == PYTHON:
        return Check("Python", True, found)
    return Check(
        "Python",
        False,
        f"{found}, the bot needs 3.11",
        "install Python 3.11 (README, 'Python 3.11 on current Ubuntu') and recreate .venv",
    )


def bubblewrap() -> Check:
    """bwrap on PATH and able to make unprivileged user namespaces (the sandbox's probe)."""
    from bot.sandbox._bwrap import INSTALL_HINT, unavailable_reason

    reason = unavailable_reason()
    if reason is None:
        return Check("bubblewrap and user namespaces", True, "bwrap can create namespaces")
    problem = reason.replace(INSTALL_HINT, "").strip().rstrip(".")
    return Check("bubblewrap and user namespaces", False, problem, INSTALL_HINT)


def cgroups() -> Check:
    """Per-job memory, process and CPU limits (cgroup v2 delegation, or v1 as root)."""
    from bot.sandbox._cgroups import CgroupManager

    manager = CgroupManager.detect(f"studybot-doctor-{os.getpid()}")
    if manager is None:
        return Check(
            "cgroups for the sandbox",
            False,
            "no cgroup with memory and pids controllers to delegate: jobs get rlimits only",
            "run the bot under systemd with Delegate=yes (deploy/systemd/), or as root",
            needed=False,
        )
    manager.close()
    cpu = "with a CPU quota" if manager.has_cpu else "no cpu controller: no CPU quota"
    return Check(
        "cgroups for the sandbox",
        manager.has_cpu,
        f"cgroup v{manager.version}, memory and pids, {cpu}",
        "" if manager.has_cpu else "enable the cpu controller (Delegate=yes under systemd)",
        needed=False,
    )


async def sandbox_start(settings: Settings) -> Check:
    """Start the warm sandbox (it imports torch once) and run one tiny job."""
    from bot.sandbox import Evaluator
    from bot.sandbox._bench import TINY_TORCH_JOB

    evaluator = Evaluator(settings.sandbox.to_limits(mode="warm"))
    started = time.monotonic()
    try:
        await evaluator.start()
        if evaluator.refusal is not None:
            return Check("sandbox warm start", False, evaluator.refusal)
        result = await evaluator.run(TINY_TORCH_JOB)
    finally:
        await evaluator.close()
    seconds = time.monotonic() - started
    if result.status != "ok":
        return Check("sandbox warm start", False, f"a tiny torch job ended {result.status}")
    return Check(
        "sandbox warm start",
        seconds < SLOW_SANDBOX_SECONDS,
        f"{seconds:.1f} s to start and run a tiny torch job",
        "a slow disk or CPU: grading will be slow (see `studybot bench sandbox`)",
        needed=False,
    )


async def database(settings: Settings) -> Check:
    from bot.cli import _redact

    engine = create_engine(settings.database_url)
    try:
        report = await check_health(engine, dt.datetime.now(dt.UTC))
    finally:
        await engine.dispose()
    where = _redact(settings.database_url)
    if report.healthy:
        return Check("database", True, f"{where}, migration {report.schema}")
    fix = (
        "run `studybot migrate`"
        if report.database
        else "start the database, or fix STUDYBOT_DATABASE_URL"
    )
    return Check("database", False, f"{where}: {report.problems[0]}", fix)


async def tokens(settings: Settings) -> list[Check]:
    checks = []
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
        if settings.slack_bot_token is not None:
            checks.append(await slack_token(http, settings))
        if settings.discord_token is not None:
            checks.append(await discord_token(http, settings))
    if not checks:
        checks.append(Check("chat tokens", None, "none set: `studybot run` starts the console"))
    return checks


async def slack_token(http: aiohttp.ClientSession, settings: Settings) -> Check:
    from bot.platforms.slack_app._oauth import BOT_SCOPES

    assert settings.slack_bot_token is not None
    token = settings.slack_bot_token.get_secret_value()
    try:
        async with http.post(
            settings.slack_api_url + "auth.test", headers={"Authorization": f"Bearer {token}"}
        ) as response:
            body = await response.json(content_type=None)
            granted = set(response.headers.get("x-oauth-scopes", "").split(","))
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return Check("SLACK_BOT_TOKEN", False, f"Slack unreachable ({one_line(exc)})", "")
    if not body.get("ok"):
        return Check(
            "SLACK_BOT_TOKEN",
            False,
            f"refused ({body.get('error')})",
            "copy the Bot User OAuth Token again (api.slack.com/apps → OAuth & Permissions)",
        )
    missing = [s for s in BOT_SCOPES if s not in granted] if granted != {""} else []
    if missing:
        return Check(
            "SLACK_BOT_TOKEN",
            False,
            f"workspace {body.get('team_id')}, missing scopes: {', '.join(missing)}",
            "add them under OAuth & Permissions (or re-create the app from "
            "slack-manifest.yml) and reinstall the app",
        )
    return Check("SLACK_BOT_TOKEN", True, f"the bot of workspace {body.get('team_id')}")


async def discord_token(http: aiohttp.ClientSession, settings: Settings) -> Check:
    assert settings.discord_token is not None
    headers = {"Authorization": f"Bot {settings.discord_token.get_secret_value()}"}
    url = settings.discord_api_url.rstrip("/") + "/oauth2/applications/@me"
    try:
        async with http.get(url, headers=headers) as response:
            status = response.status
            body = await response.json(content_type=None) if status == 200 else {}
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return Check("DISCORD_TOKEN", False, f"Discord unreachable ({one_line(exc)})", "")
    portal = "https://discord.com/developers/applications"
    if status == 401:
        return Check("DISCORD_TOKEN", False, "refused", f"reset and copy the bot token at {portal}")
    if status != 200:
        return Check("DISCORD_TOKEN", False, f"Discord answered HTTP {status}", "")
    if not int(body.get("flags") or 0) & MESSAGE_CONTENT_FLAGS:
        return Check(
            "DISCORD_TOKEN",
            False,
            f"application {body.get('name')}: the Message Content intent is off",
            f"turn on Bot → Privileged Gateway Intents → Message Content at {portal}",
        )
    return Check("DISCORD_TOKEN", True, f"application {body.get('name')}, message content on")


async def public_url(settings: Settings) -> Check:
    url = getattr(settings, "public_url", None)
    if not url:
        return Check("public URL", None, "STUDYBOT_PUBLIC_URL not set (Socket Mode, console)")
    probe = url.rstrip("/") + "/healthz"
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http, http.get(probe) as response:
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Check(
            "public URL",
            False,
            f"{probe} unreachable ({one_line(exc)})",
            "start `studybot web` and point the address (DNS, proxy) at its PORT",
        )
    if status in (200, 503):  # 503 is the bot answering that something else is wrong
        return Check("public URL", True, f"{probe} answers ({status})")
    return Check("public URL", False, f"{probe} answered HTTP {status}", "check the proxy")
