"""Many workspaces: the OAuth install flow, with installations and states in the bot's database.

slack_sdk's async SQLAlchemy stores run on the bot's own `AsyncEngine`, so this works on
SQLite (aiosqlite) and PostgreSQL (asyncpg) alike, with no second (sync) driver.
"""

from __future__ import annotations

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings

# Keep in step with slack-manifest.yml.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "im:write",
    "im:history",
    "files:read",
    "files:write",
    "channels:read",  # member_joined_channel in public channels: the welcome DM
    "groups:read",  # ... and in private ones the bot was invited to
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600


class Stores:
    def __init__(self, client_id: str, engine: AsyncEngine) -> None:
        self.installations = AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=engine)
        self.states = AsyncSQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_SECONDS, engine=engine
        )

    async def create_tables(self) -> None:
        """slack_bots, slack_installations, slack_oauth_states (create_all: only if missing)."""
        # slack_sdk leaves these unannotated.
        await self.installations.create_tables()  # type: ignore[no-untyped-call]
        await self.states.create_tables()  # type: ignore[no-untyped-call]


def oauth_settings(settings: Settings, stores: Stores) -> AsyncOAuthSettings:
    assert settings.slack_client_id and settings.slack_client_secret
    return AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=authorization_url(settings.slack_api_url),
        installation_store=stores.installations,
        installation_store_bot_only=True,
        state_store=stores.states,
        state_expiration_seconds=STATE_SECONDS,
    )


def authorization_url(api_url: str) -> str:
    """Slack's authorize page next to its Web API (`…/api/` → `…/oauth/v2/authorize`)."""
    if api_url.endswith("/api/"):
        return api_url.removesuffix("api/") + "oauth/v2/authorize"
    return "https://slack.com/oauth/v2/authorize"


def installation_tables() -> list[Table]:
    """slack_sdk's tables of installed workspaces (bots, installations), as slack_sdk defines
    them, for `studybot migrate-data`. The OAuth states live 10 minutes: not worth copying."""
    metadata = MetaData()
    store = AsyncSQLAlchemyInstallationStore
    return [
        store.build_installations_table(metadata, store.default_installations_table_name),
        store.build_bots_table(metadata, store.default_bots_table_name),
    ]
