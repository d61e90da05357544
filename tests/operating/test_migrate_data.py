"""`studybot migrate-data`: a running SQLite cohort copied to PostgreSQL and back, every
table with the same rows and ids, PostgreSQL's sequences moved past the copied ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.app import App
from bot.copy_data import CopyError, copy_database, tables
from models.db import create_engine
from tests.operating.writes import Writer

pytestmark = pytest.mark.postgres


async def rows(url: str) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every table, by table (primary keys only, to compare ids)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            found = {}
            for table in tables():
                key = list(table.primary_key.columns) or list(table.columns)
                result = await conn.execute(select(*key))
                found[table.name] = {tuple(row) for row in result}
            return found
    finally:
        await engine.dispose()


async def test_a_running_sqlite_cohort_goes_to_postgresql_and_back_with_every_row(
    app: App, tmp_path: Path, postgres_url: str
) -> None:
    source = app.services.settings.database_url
    async with Writer(app, tmp_path / "out").running(at_least=5) as writer:
        before = writer.committed
        counts = await copy_database(source, postgres_url)
        after = writer.committed
    assert before <= counts["identities"] <= after + 1  # one snapshot of a bot still writing

    on_postgres = await rows(postgres_url)
    assert {name: len(ids) for name, ids in on_postgres.items()} == counts
    assert counts["sessions"] > 0 and counts["outbox"] > 0 and counts["rsvps"] > 0
    assert set(counts) == {t.name for t in tables()}  # every table of the schema

    # New rows on PostgreSQL get ids after the copied ones.
    engine = create_engine(postgres_url)
    try:
        async with engine.begin() as conn:
            new_id = (
                await conn.execute(
                    text(
                        "INSERT INTO identities (platform, workspace_id, user_id, member_id, "
                        "display_name, created_at) SELECT 'console', 'local', 'new', member_id, "
                        "'new', created_at FROM identities LIMIT 1 RETURNING id"
                    )
                )
            ).scalar_one()
            assert new_id > max(i for (i,) in on_postgres["identities"])
            await conn.execute(text("DELETE FROM identities WHERE id = :id"), {"id": new_id})
    finally:
        await engine.dispose()

    back = f"sqlite+aiosqlite:///{tmp_path / 'back.db'}"
    assert await copy_database(postgres_url, back) == counts
    assert await rows(back) == on_postgres


async def test_the_copy_refuses_a_target_that_already_has_a_cohort(
    app: App, postgres_url: str
) -> None:
    source = app.services.settings.database_url
    first = await copy_database(source, postgres_url)
    with pytest.raises(CopyError, match="already has rows in cohorts"):
        await copy_database(source, postgres_url)
    on_postgres = await rows(postgres_url)
    assert {name: len(ids) for name, ids in on_postgres.items()} == first  # nothing doubled


async def test_slack_installations_of_many_workspaces_are_copied_too(
    app: App, postgres_url: str
) -> None:
    from slack_sdk.oauth.installation_store import Installation

    from bot.platforms.slack_app._oauth import Stores

    stores = Stores("client-1", app.engine)
    await stores.create_tables()
    await stores.installations.async_save(
        Installation(
            app_id="A1",
            team_id="T9",
            user_id="U1",
            bot_token="xoxb-t9",
            bot_id="B1",
            bot_user_id="UB1",
            bot_scopes=["commands"],
        )
    )
    counts = await copy_database(app.services.settings.database_url, postgres_url)
    assert counts["slack_bots"] == 1 and counts["slack_installations"] == 1

    engine = create_engine(postgres_url)
    try:
        bot = await Stores("client-1", engine).installations.async_find_bot(
            enterprise_id=None, team_id="T9"
        )
    finally:
        await engine.dispose()
    assert bot is not None and bot.bot_token == "xoxb-t9"
