"""`studybot worker --check`: the /healthz report for a host without an HTTP port."""

from __future__ import annotations

from pathlib import Path

from tests.processes.helpers import free_port
from tests.test_cli import studybot


def test_worker_check_is_healthy_on_a_migrated_database(tmp_path: Path) -> None:
    assert studybot(tmp_path, "migrate").returncode == 0
    result = studybot(tmp_path, "worker", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "migrations: " in result.stdout and "(current)" in result.stdout
    assert "last outbox send: never" in result.stdout
    assert result.stdout.rstrip().endswith("healthy")


def test_worker_check_says_to_migrate_an_old_schema(tmp_path: Path) -> None:
    assert studybot(tmp_path, "migrate", "0003").returncode == 0
    result = studybot(tmp_path, "worker", "--check")
    assert result.returncode == 1
    assert "database schema is at 0003" in result.stdout
    assert "run `studybot migrate`" in result.stdout


def test_worker_check_reports_an_unreachable_database(tmp_path: Path) -> None:
    url = f"postgresql://studybot@127.0.0.1:{free_port()}/studybot"
    result = studybot(tmp_path, "worker", "--check", STUDYBOT_DATABASE_URL=url)
    assert result.returncode == 1
    assert "database: unreachable" in result.stdout
    assert "Traceback" not in result.stderr
