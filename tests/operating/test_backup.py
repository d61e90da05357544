"""`studybot backup` copies a SQLite database while the bot writes (a plain file copy misses
what is still in the WAL), and `studybot restore` puts it back."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.app import App
from bot.backup import BackupError, backup, restore, sqlite_path
from tests.operating.conftest import migrate_cli_database
from tests.operating.writes import Writer, members
from tests.test_cli import studybot


def count(path: Path, table: str = "identities") -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


async def test_a_backup_taken_while_the_bot_writes_holds_every_earlier_commit(
    app: App, tmp_path: Path
) -> None:
    database = sqlite_path(app.services.settings.database_url)
    assert database is not None
    async with Writer(app, tmp_path / "out").running(at_least=10) as writer:
        before = writer.committed
        copied = await asyncio.to_thread(backup, database, tmp_path / "backup.db")
        after = writer.committed
        await writer.until(after + 2)  # and the bot goes on writing
    assert copied.revision is not None
    in_backup = count(copied.path)
    assert before <= in_backup <= after + 1  # +1: the commit in flight when it started
    assert await members(app) > in_backup  # the bot wasn't held up by the copy


def test_a_file_copy_misses_the_commits_in_the_wal_and_the_backup_does_not(
    tmp_path: Path,
) -> None:
    live = tmp_path / "live.db"
    bot = sqlite3.connect(live)  # the bot's connection stays open, as it does while running
    bot.execute("PRAGMA journal_mode=WAL")
    bot.execute("PRAGMA wal_autocheckpoint=0")  # no checkpoint happens to run meanwhile
    bot.execute("CREATE TABLE alembic_version (version_num TEXT)")
    bot.execute("INSERT INTO alembic_version VALUES ('x')")
    bot.execute("CREATE TABLE identities (id INTEGER PRIMARY KEY)")
    bot.commit()
    bot.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the tables are in the main file
    for _ in range(20):
        bot.execute("INSERT INTO identities DEFAULT VALUES")
        bot.commit()
    try:
        shutil.copyfile(live, tmp_path / "cp.db")
        assert count(tmp_path / "cp.db") == 0  # every one of the 20 commits is lost
        assert count(backup(live, tmp_path / "backup.db").path) == 20
    finally:
        bot.close()


async def test_restore_puts_the_backup_back(app: App, tmp_path: Path) -> None:
    database = sqlite_path(app.services.settings.database_url)
    assert database is not None
    async with Writer(app, tmp_path / "out").running(at_least=5):
        saved = await asyncio.to_thread(backup, database, tmp_path / "backup.db")
    await app.close()  # restoring is done with the bot stopped

    target = tmp_path / "restored.db"
    restored = restore(saved.path, target)
    assert restored.revision == saved.revision
    for table in ("identities", "rsvps", "outbox", "sessions", "alembic_version"):
        assert count(target, table) == count(saved.path, table), table


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"not a database at all" * 100, "is not a SQLite database"),
        (b"", "is not a studybot database"),  # an empty file opens as an empty database
    ],
)
def test_restore_refuses_what_is_not_a_studybot_backup_and_changes_nothing(
    tmp_path: Path, content: bytes, says: str
) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(content)
    live = tmp_path / "live.db"
    with sqlite3.connect(live) as db:
        db.execute("CREATE TABLE kept (x)")
    with pytest.raises(BackupError, match=says):
        restore(bogus, live)
    assert count(live, "kept") == 0  # still there, untouched


def test_a_backup_can_not_overwrite_the_database_itself(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    with sqlite3.connect(live) as db:
        db.execute("CREATE TABLE kept (x)")
    with pytest.raises(BackupError, match="can't be the database itself"):
        backup(live, tmp_path / "." / "live.db")


def test_backup_and_restore_from_the_command_line(tmp_path: Path) -> None:
    migrate_cli_database(tmp_path)  # in-process: one process start fewer
    made = studybot(tmp_path, "backup", "saved.db")
    assert made.returncode == 0, made.stderr
    assert "backed up" in made.stdout and "saved.db" in made.stdout
    (tmp_path / "b.db").unlink()  # the database is lost
    back = studybot(tmp_path, "restore", "saved.db")
    assert back.returncode == 0, back.stderr
    assert count(tmp_path / "b.db", "alembic_version") == 1


def test_backup_on_postgresql_says_how_to_use_pg_dump(tmp_path: Path) -> None:
    result = studybot(
        tmp_path,
        "backup",
        "saved.dump",
        STUDYBOT_DATABASE_URL="postgresql://bot:secret@db.example/studybot",
    )
    assert result.returncode == 2
    assert "pg_dump --format=custom --file=saved.dump" in result.stderr
    assert "pg_restore" in result.stderr
    assert "secret" not in result.stderr
