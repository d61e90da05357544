"""Alembic environment: runs migrations on the async engine the bot itself uses."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from models import tables  # noqa: F401  (registers the tables on Base.metadata)
from models.base import Base
from models.db import create_engine
from models.migrate import include_name

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only ALTER through table copies
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


# Processes started together (several `web`, a `discord`, workers) all migrate at start; on
# PostgreSQL they take turns, so that only the first one runs what is missing.
MIGRATION_LOCK = 0x5747_4D49  # any constant shared by every studybot process


async def _run_async() -> None:
    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            await connection.commit()
        else:
            # SQLite ALTERs by copying a table and dropping the old one; with foreign keys on,
            # that DROP cascades and deletes every row that refers to the table (a cohort's
            # sessions, submissions, certificates...). Off for the migration (outside any
            # transaction, where SQLite honours it), and checked afterwards.
            await connection.execute(text("PRAGMA foreign_keys=OFF"))
            await connection.commit()
        try:
            await connection.run_sync(_run)
            await connection.commit()
            if not postgres:
                broken = (await connection.execute(text("PRAGMA foreign_key_check"))).all()
                if broken:
                    raise RuntimeError(f"the migration left rows with broken references: {broken}")
        finally:
            if postgres:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK}
                )
                await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
