"""Fixtures for operating the bot: `studybot` processes on a SQLite file in a temporary folder,
with none of the developer's own settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from models.migrate import upgrade
from tests.processes.helpers import Processes, clean_environ


def migrate_cli_database(folder: Path) -> None:
    """What `studybot migrate` does to the database of tests/test_cli.py's `studybot()`."""
    upgrade(f"sqlite+aiosqlite:///{folder / 'b.db'}")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'studybot.db'}"


@pytest.fixture
async def procs(tmp_path: Path, db_url: str) -> AsyncIterator[Processes]:
    processes = Processes(tmp_path, {**clean_environ(), "STUDYBOT_DATABASE_URL": db_url})
    try:
        yield processes
    finally:
        await processes.close()
