"""`studybot backup FILE` and `studybot restore FILE` for a SQLite database.

Copying `studybot.db` with `cp` loses data: in WAL mode the latest commits live in
`studybot.db-wal` until a checkpoint. SQLite's online backup API copies a consistent snapshot
(every commit up to the moment it starts) while the bot goes on writing. PostgreSQL has its
own tool, `pg_dump`; we print how to use it rather than reimplement it.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url

PG_DUMP_HOWTO = """\
studybot backs up SQLite only; for PostgreSQL use its own tools:
  pg_dump --format=custom --file={file} '{url}'
and to restore (with the bot stopped):
  pg_restore --clean --if-exists --no-owner --dbname='{url}' {file}
Both come with PostgreSQL (Debian/Ubuntu: apt-get install postgresql-client)."""


class BackupError(Exception):
    """The backup or restore can't be done; the message says why and what to do."""


@dataclass(frozen=True)
class Copied:
    path: Path
    tables: int
    bytes: int
    revision: str | None


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL)."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite"):
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database can't be backed up")
    return Path(url.database)


def backup(database: Path, target: Path) -> Copied:
    """Copy the live database at `database` into `target` (replaced if it exists)."""
    if not database.exists():
        raise BackupError(f"there is no database at {database}: nothing to back up")
    if target.resolve() == database.resolve():
        raise BackupError("the backup file can't be the database itself")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            # One step (pages=-1): a consistent snapshot under one read transaction. In WAL
            # mode the bot's writes go on meanwhile; stepping would restart on every write.
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
    finally:
        source.close()
    checked = check(partial)
    os.replace(partial, target)  # never a half-written backup under the final name
    return Copied(target, checked.tables, target.stat().st_size, checked.revision)


def restore(backup_file: Path, database: Path) -> Copied:
    """Replace the database's contents with `backup_file` (the bot should be stopped)."""
    checked = check(backup_file)
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        live = sqlite3.connect(database, timeout=30)
        try:
            source.backup(live)  # page by page into the live file, WAL and all, atomically
        finally:
            live.close()
    finally:
        source.close()
    return Copied(database, checked.tables, database.stat().st_size, checked.revision)


def check(path: Path) -> Copied:
    """Open `path` as a studybot SQLite database and check its integrity."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            [(result,)] = db.execute("PRAGMA integrity_check").fetchall()
            tables = db.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            has_version = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
            revision = (
                db.execute("SELECT version_num FROM alembic_version").fetchone()
                if has_version
                else None
            )
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database ({exc})") from exc
    if result != "ok":
        raise BackupError(f"{path} is damaged: {result}")
    if revision is None:
        raise BackupError(f"{path} is not a studybot database (no migration revision)")
    return Copied(path, int(tables), path.stat().st_size, str(revision[0]))
