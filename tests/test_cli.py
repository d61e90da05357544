"""The `studybot` command line: settings errors, migrations, the Procfile's processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from bot.grading_queue import libpq_conninfo

STUDYBOT = Path(sys.executable).with_name("studybot")


def studybot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "STUDYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}", **env}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run(
        [str(STUDYBOT), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
        check=False,
    )


def registered_workers(url: str) -> int:
    """procrastinate workers signed in (they sign off when they stop)."""
    with psycopg.connect(libpq_conninfo(url)) as connection:
        row = connection.execute("SELECT count(*) FROM procrastinate_workers").fetchone()
    return int(row[0]) if row else 0


def wait_for_worker(url: str, *, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if registered_workers(url) > 0:
                return True
        except psycopg.Error:  # not migrated yet
            pass
        time.sleep(0.2)
    return False


def test_a_bad_setting_stops_the_bot_with_the_variable_named(tmp_path: Path) -> None:
    result = studybot(tmp_path, "migrate", STUDYBOT_COHORT__TIMEZONE="Nowhere/Land")
    assert result.returncode == 2
    assert "STUDYBOT_COHORT__TIMEZONE" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_creates_the_database(tmp_path: Path) -> None:
    result = studybot(tmp_path, "migrate")
    assert result.returncode == 0, result.stderr
    assert "migrated to head" in result.stdout
    assert (tmp_path / "b.db").stat().st_size > 0
    down = studybot(tmp_path, "migrate", "--down", "base")
    assert down.returncode == 0 and "downgraded to base" in down.stdout


def test_the_discord_process_without_credentials_explains_what_it_needs(tmp_path: Path) -> None:
    result = studybot(tmp_path, "discord")
    assert result.returncode != 0
    assert "need" in result.stderr


def test_the_web_process_serves_the_pages_without_slack_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "STUDYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN"):
        environment.pop(name, None)
    environment["PORT"] = str(port)
    web = subprocess.Popen(
        [str(STUDYBOT), "web"], cwd=tmp_path, env=environment, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        page = ""
        while time.monotonic() < deadline and not page:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    page = answer.read().decode()
            except OSError:
                assert web.poll() is None, web.stderr.read() if web.stderr else ""
                time.sleep(0.2)
        assert "The plan" in page
        web.send_signal(signal.SIGTERM)
        assert web.wait(timeout=30) == 0
        assert web.stderr is not None
        assert "Traceback" not in web.stderr.read()
    finally:
        if web.poll() is None:
            web.kill()
            web.wait()
        if web.stderr is not None:
            web.stderr.close()


@pytest.mark.postgres
def test_processes_that_migrate_at_once_take_turns(tmp_path: Path, postgres_url: str) -> None:
    """A deployment's processes all migrate at start: on an empty database they must not
    trip over each other (an advisory lock serializes them)."""
    env = {**os.environ, "STUDYBOT_DATABASE_URL": postgres_url}
    runs = [
        subprocess.Popen(
            [str(STUDYBOT), "migrate"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [(run.wait(timeout=120), *run.communicate()) for run in runs]
    for code, out, err in outcomes:
        assert code == 0, err
        assert "migrated to head" in out


def test_the_worker_needs_postgresql(tmp_path: Path) -> None:
    result = studybot(tmp_path, "worker")
    assert result.returncode == 2
    assert "worker needs PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.postgres
def test_the_worker_process_starts_and_stops_cleanly_on_sigterm(
    tmp_path: Path, postgres_url: str
) -> None:
    env = {**os.environ, "STUDYBOT_DATABASE_URL": postgres_url}
    worker = subprocess.Popen(
        [str(STUDYBOT), "worker"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started = wait_for_worker(postgres_url, within=60)
        assert started, worker.stderr.read() if worker.stderr else ""
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
        assert worker.stderr is not None
        assert "Traceback" not in worker.stderr.read()
        assert registered_workers(postgres_url) == 0  # it signed off from procrastinate
    finally:
        if worker.poll() is None:
            worker.kill()
        if worker.stderr is not None:
            worker.stderr.close()


def connected(url: str) -> bool:
    """Whether anyone else is connected to the database `url` names."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(libpq_conninfo(url.rsplit("/", 1)[0] + "/postgres")) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
        ).fetchone()
    return bool(row and row[0])


@pytest.mark.postgres
def test_a_worker_stopped_while_it_starts_up_exits_cleanly(
    tmp_path: Path, postgres_url: str
) -> None:
    """SIGTERM during start-up (migrations, the torch import, the sandbox's warm-up: seconds
    on a busy machine) is a normal stop, not death by signal."""
    env = {**os.environ, "STUDYBOT_DATABASE_URL": postgres_url}
    worker = subprocess.Popen(
        [str(STUDYBOT), "worker"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while not connected(postgres_url):  # it is migrating: its signal handlers are on
            assert worker.poll() is None and time.monotonic() < deadline, "no connection"
            time.sleep(0.05)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
        assert worker.stderr is not None
        assert "Traceback" not in worker.stderr.read()
        assert registered_workers(postgres_url) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
        if worker.stderr is not None:
            worker.stderr.close()


def test_procfile_names_existing_commands() -> None:
    procfile = Path(__file__).parents[1] / "Procfile"
    entries = dict(line.split(":", 1) for line in procfile.read_text().splitlines() if line)
    assert set(entries) == {"release", "web", "discord", "worker"}
    # `exec`: honcho (like foreman) signals the shell's process group and reports the
    # shell's exit; without exec the shell dies at once while studybot is still stopping.
    commands = [cmd.strip().removeprefix("exec ").split() for cmd in entries.values()]
    assert all(words[0] == "studybot" for words in commands)


def test_run_without_tokens_falls_back_to_the_console(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(STUDYBOT), "run"],
        input="d2l next\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
        | {"STUDYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"},
    )
    assert result.returncode == 0, result.stderr
    assert "starting the console" in result.stderr
    assert "Next session 1" in result.stdout


def test_schedule_ics_prints_a_calendar(tmp_path: Path) -> None:
    from icalendar import Calendar

    result = subprocess.run(
        [str(STUDYBOT), "schedule", "ics"],
        capture_output=True,
        cwd=tmp_path,
        env={
            **os.environ,
            "STUDYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
            "STUDYBOT_COHORT__FIRST_SESSION": "2027-03-02",
        },
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    events = list(Calendar.from_ical(result.stdout).walk("VEVENT"))
    assert len(events) == 20
    assert events[0].decoded("DTSTART").date().isoformat() == "2027-03-02"
