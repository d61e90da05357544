"""Starting and stopping like a service: a signal always stops the bot at once with exit 0,
a start that cannot work says in one line what to fix, and a platform that stays unreachable
costs one log line per try."""

from __future__ import annotations

import logging
import signal
import socket
import time

import aiohttp
import pytest

from bot.logs import OneLineRetry
from tests.processes.helpers import (
    START_WITHIN,
    Processes,
    free_port,
    until,
    wait_for_port,
)
from tests.slack.fake_slack import FakeSlack

STOP_WITHIN = 5.0
MAX_STDERR_LINES = 3


async def test_socket_mode_with_slack_unreachable_stops_on_sigterm_within_5_s(
    procs: Processes,
) -> None:
    nowhere = free_port()  # nothing listens there: Slack is unreachable
    bot = await procs.studybot(
        "run",
        "run",
        env={  # the defaults otherwise: on SQLite it grades in its own process too
            "SLACK_APP_TOKEN": "xapp-1-test",
            "SLACK_BOT_TOKEN": "xoxb-test",
            "STUDYBOT_SLACK_API_URL": f"http://127.0.0.1:{nowhere}/api/",
            "PORT": str(free_port()),
        },
    )
    retrying = "Slack Socket Mode: cannot connect"
    await until(
        lambda: bot.stderr().count(retrying) >= 2,
        within=START_WITHIN,
        what="two connection attempts",
        watch=[bot],
        describe=bot.describe,
    )
    # Each failed try is one line with the delay, not a traceback.
    lines = [line for line in bot.stderr().splitlines() if retrying in line]
    assert all(line.endswith("retrying in 10 s") for line in lines), lines
    assert "Traceback" not in bot.stderr()

    started = time.monotonic()
    assert await bot.stop(signal.SIGTERM, within=STOP_WITHIN) == 0, bot.describe()
    assert time.monotonic() - started < STOP_WITHIN
    bot.assert_clean_exit(0)


async def test_sigint_stops_it_the_same_way(procs: Processes) -> None:
    bot = await procs.studybot(
        "run",
        "run",
        env={
            "SLACK_APP_TOKEN": "xapp-1-test",
            "SLACK_BOT_TOKEN": "xoxb-test",
            "STUDYBOT_SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",
            "STUDYBOT_WORKERS": "0",
            "PORT": str(free_port()),
        },
    )
    await until(
        lambda: "Slack is unreachable" in bot.stderr(),
        within=START_WITHIN,
        what="the token check",
        watch=[bot],
        describe=bot.describe,
    )
    assert await bot.stop(signal.SIGINT, within=STOP_WITHIN) == 0, bot.describe()


def short_failure(proc_stderr: str) -> list[str]:
    lines = proc_stderr.strip().splitlines()
    assert len(lines) <= MAX_STDERR_LINES, proc_stderr
    assert "Traceback" not in proc_stderr
    return lines


async def test_unreachable_discord_is_one_line_saying_what_to_fix(procs: Processes) -> None:
    bot = await procs.studybot(
        "discord",
        "discord",
        env={
            "DISCORD_TOKEN": "a-token",
            "STUDYBOT_DISCORD_API_URL": f"http://127.0.0.1:{free_port()}/api/v10",
        },
    )
    assert await bot.wait(START_WITHIN) != 0
    *_, last = short_failure(bot.stderr())
    assert last.startswith("studybot: could not reach Discord's API"), last
    assert "network" in last


async def test_organizers_that_are_not_json_are_one_line_naming_the_variable(
    procs: Processes,
) -> None:
    bot = await procs.studybot(
        "migrate", "migrate", env={"STUDYBOT_COHORT__ORGANIZERS": "slack:T1:U1"}
    )
    assert await bot.wait(START_WITHIN) != 0
    [line] = short_failure(bot.stderr())
    assert "STUDYBOT_COHORT__ORGANIZERS must be a JSON list" in line
    assert "'slack:T1:U1'" in line


async def test_a_port_in_use_is_one_line_saying_so(procs: Processes) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        web = await procs.studybot("web", "web", env={"PORT": str(port), "STUDYBOT_WORKERS": "0"})
        assert await web.wait(START_WITHIN) == 1
    *_, last = short_failure(web.stderr())
    assert last.endswith("another process listens on that port; stop it or set PORT"), last
    assert str(port) in last


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_unreachable_postgresql_at_migrate_is_one_line_and_a_traceback_only_at_debug(
    procs: Processes, level: str
) -> None:
    url = f"postgresql://studybot:secret@127.0.0.1:{free_port()}/studybot"
    bot = await procs.studybot(
        "migrate",
        "migrate",
        env={"STUDYBOT_DATABASE_URL": url, "STUDYBOT_LOG_LEVEL": level},
    )
    assert await bot.wait(START_WITHIN) == 1
    if level == "DEBUG":
        assert "Traceback" in bot.stderr()
        return
    [line] = short_failure(bot.stderr())
    assert line.startswith("studybot: cannot reach the database at postgresql"), line
    assert "secret" not in line  # the password stays out of logs
    assert "STUDYBOT_DATABASE_URL" in line


def test_a_library_retry_traceback_becomes_one_line_with_the_delay() -> None:
    record = logging.LogRecord(
        "discord.client",
        logging.ERROR,
        __file__,
        1,
        "Attempting a reconnect in %.2fs",
        (4.21,),
        None,
    )
    try:
        raise ConnectionResetError("Connection lost")
    except ConnectionResetError as exc:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    assert OneLineRetry("Attempting a reconnect in", "Discord gateway").filter(record)
    assert record.getMessage() == (
        "Discord gateway: cannot connect (ConnectionResetError: Connection lost); retrying in 4 s"
    )
    assert record.exc_info is None
    assert record.levelname == "WARNING"


async def test_the_web_process_answers_healthz(procs: Processes) -> None:
    migrate = await procs.studybot("migrate", "migrate")
    assert await migrate.wait(START_WITHIN) == 0, migrate.describe()
    port = free_port()
    web = await procs.studybot("web", "web", env={"PORT": str(port), "STUDYBOT_WORKERS": "0"})
    await wait_for_port(port, web, START_WITHIN)
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/healthz") as response,
    ):
        status, report = response.status, await response.json()
    assert status == 200, report
    assert report["migrations"]["current"] is True
    assert await web.stop(signal.SIGTERM, within=STOP_WITHIN) == 0, web.describe()


async def test_a_refused_slack_token_is_one_line_saying_where_to_copy_it(
    procs: Processes,
) -> None:
    fake = await FakeSlack().start()  # knows only its own token
    try:
        bot = await procs.studybot(
            "run",
            "run",
            env={
                "SLACK_APP_TOKEN": "xapp-1-test",
                "SLACK_BOT_TOKEN": "xoxb-revoked",
                "STUDYBOT_SLACK_API_URL": fake.url + "/api/",
                "STUDYBOT_WORKERS": "0",
                "PORT": str(free_port()),
            },
        )
        assert await bot.wait(START_WITHIN) == 1
    finally:
        await fake.stop()
    *_, last = short_failure(bot.stderr())
    assert last.startswith("studybot: Slack rejected SLACK_BOT_TOKEN (invalid_auth)"), last
