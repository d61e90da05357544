"""`studybot worker --check`: the /healthz report for a host without an HTTP port."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import cmd_health_check
from models.migrate import upgrade
from tests.conftest import make_settings
from tests.operating.conftest import migrate_cli_database
from tests.processes.helpers import free_port
from tests.test_cli import studybot


def test_worker_check_is_healthy_on_a_migrated_database(tmp_path: Path) -> None:
    migrate_cli_database(tmp_path)  # in-process: one process start fewer
    result = studybot(tmp_path, "worker", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "migrations: " in result.stdout and "(current)" in result.stdout
    assert "last outbox send: never" in result.stdout
    assert result.stdout.rstrip().endswith("healthy")


def test_worker_check_says_to_migrate_an_old_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0003")
    assert cmd_health_check(make_settings(url)) == 1
    out = capsys.readouterr().out
    assert "database schema is at 0003" in out
    assert "run `studybot migrate`" in out


def test_worker_check_reports_an_unreachable_database(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql+asyncpg://studybot@127.0.0.1:{free_port()}/studybot"
    assert cmd_health_check(make_settings(url)) == 1
    out = capsys.readouterr().out
    assert "database: unreachable" in out
    assert "unhealthy: database unreachable: " in out
