"""`studybot migrate-data --from URL --to URL`: every table of one database into another,
SQLite ↔ PostgreSQL, with the ids kept.

- The source is read as one consistent snapshot while the bot may go on writing: a running
  SQLite database through the online backup API (bot/backup.py), PostgreSQL in one
  REPEATABLE READ transaction.
- The target is migrated to the code's head first and must hold no rows yet: the copy never
  merges two cohorts.
- Rows go through the models' own tables, so each type (UTC times, JSON) is written as the
  target's dialect wants it; tables are copied parents first.
- PostgreSQL's id sequences are moved past the copied ids, so new rows don't collide.
- slack_sdk's installation tables (many workspaces) are copied when the source has them.
- procrastinate's queue is left out: jobs waiting in it are queued again from the
  `submissions` table when a worker starts (bot/worker.py). So are the 10-minute OAuth states.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Table, func, insert, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

import models  # noqa: F401 - registers every table on Base.metadata
from bot.backup import backup, sqlite_path
from bot.health import code_head
from bot.platforms.slack_app._oauth import installation_tables
from bot.settings import SettingsError, load_settings
from models.base import Base
from models.db import create_engine
from models.migrate import upgrade_async

BATCH = 1000


class CopyError(Exception):
    """The copy can't be done; the message says why and what to do."""


def normalized(url: str) -> str:
    """The URL with the async driver the bot uses (as STUDYBOT_DATABASE_URL is read)."""
    try:
        return load_settings(database_url=url).database_url
    except SettingsError as exc:
        raise CopyError(str(exc).replace("STUDYBOT_DATABASE_URL", "the URL")) from None


def tables() -> list[Table]:
    """Every table of the models, parents before the tables that refer to them."""
    return list(Base.metadata.sorted_tables)


async def copy_database(source_url: str, target_url: str) -> dict[str, int]:
    """Copy every row; returns the number of rows per table."""
    source_url, target_url = normalized(source_url), normalized(target_url)
    if source_url == target_url:
        raise CopyError("--from and --to are the same database")
    with _snapshot(source_url) as snapshot_url:
        source = create_engine(snapshot_url)
        try:
            await _check_revision(source)
            await upgrade_async(target_url)
            target = create_engine(target_url)
            try:
                return await _copy(source, target)
            finally:
                await target.dispose()
        finally:
            await source.dispose()


@contextmanager
def _snapshot(url: str) -> Iterator[str]:
    """A running SQLite database is read from an online backup of it (one snapshot)."""
    path = sqlite_path(url)
    if path is None:
        yield url
        return
    if not path.exists():
        raise CopyError(f"there is no SQLite database at {path}")
    with tempfile.TemporaryDirectory(prefix="studybot-copy-") as folder:
        copy = Path(folder) / "snapshot.db"
        backup(path, copy)
        yield f"sqlite+aiosqlite:///{copy}"


async def _check_revision(source: AsyncEngine) -> None:
    async with source.connect() as conn:
        revision = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    if revision != code_head():
        raise CopyError(
            f"the source database is at migration {revision}, this release at {code_head()}: "
            "run `studybot migrate` on it first"
        )


async def _copy(source: AsyncEngine, target: AsyncEngine) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with source.connect() as reader, target.begin() as writer:
        if source.dialect.name == "postgresql":
            await reader.execution_options(isolation_level="REPEATABLE READ")
        await reader.begin()
        busy = [t.name for t in tables() if await _count(writer, t)]
        if busy:
            raise CopyError(
                f"the target already has rows in {', '.join(busy[:5])}"
                f"{' …' if len(busy) > 5 else ''}: copy into an empty database"
            )
        copied = tables()
        for table in copied:
            counts[table.name] = await _copy_table(reader, writer, table)
        # slack_sdk's installations (many workspaces), where the source has them.
        present = await reader.run_sync(lambda c: set(inspect(c).get_table_names()))
        for table in installation_tables():
            if table.name in present:
                await writer.run_sync(_creator(table))
                if await _count(writer, table):
                    raise CopyError(f"the target already has rows in {table.name}")
                counts[table.name] = await _copy_table(reader, writer, table)
                copied.append(table)
        if target.dialect.name == "postgresql":
            for table in copied:
                await _reset_sequence(writer, table)
    return counts


async def _copy_table(reader: AsyncConnection, writer: AsyncConnection, table: Table) -> int:
    copied = 0
    order = list(table.primary_key.columns) or list(table.columns)
    rows = await reader.stream(select(table).order_by(*order))
    async for batch in rows.mappings().partitions(BATCH):
        await writer.execute(insert(table), [dict(row) for row in batch])
        copied += len(batch)
    return copied


async def _count(conn: AsyncConnection, table: Table) -> int:
    return int((await conn.execute(select(func.count()).select_from(table))).scalar() or 0)


async def _reset_sequence(conn: AsyncConnection, table: Table) -> None:
    """Move the table's id sequence past the copied ids (no sequence: nothing to do)."""
    key = list(table.primary_key.columns)
    if len(key) != 1 or not _integer(key[0].type):
        return
    column = key[0].name
    sequence = (
        await conn.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column},
        )
    ).scalar()
    if sequence is None:
        return
    await conn.execute(
        text(
            f'SELECT setval(:sequence, coalesce(max("{column}"), 1), max("{column}") IS NOT NULL) '
            f'FROM "{table.name}"'
        ),
        {"sequence": sequence},
    )


def _integer(column_type: object) -> bool:
    try:
        return getattr(column_type, "python_type", None) is int
    except NotImplementedError:
        return False


def _creator(table: Table) -> Callable[[Connection], None]:
    def create(conn: Connection) -> None:
        table.create(conn, checkfirst=True)

    return create
