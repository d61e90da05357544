"""One typed settings object, read from the environment (and `.env`) and validated at start.

Everything is prefixed `STUDYBOT_` and nested with `__` (`STUDYBOT_COHORT__TIMEZONE`), except
the chat platforms' credentials, which keep their conventional names (`SLACK_BOT_TOKEN`, ...).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

from models.members import organizer_key

if TYPE_CHECKING:
    from bot.sandbox.limits import SandboxLimits

ENV_PREFIX = "STUDYBOT_"


class CohortDefaults(BaseModel):
    """The cohort created on first start, when the database has none."""

    name: str = Field("d2l study group", min_length=1, max_length=100)
    timezone: str = "UTC"
    # None: the Monday after the bot's first start, by the bot's clock (the console's
    # `--clock` when given), so a scripted console never finds its start date in the past.
    first_session: dt.date | None = None
    session_time: dt.time = dt.time(17, 0)
    cadence_days: int = Field(14, ge=1, le=365)
    sessions: int = Field(20, ge=1, le=60)
    quiz_pass_mark: float = Field(
        0.6, gt=0, le=1, description="Share of right answers that makes a quiz count."
    )
    organizers: list[str] = Field(
        default_factory=list,
        description="Platform ids (slack:T123:U456, discord:789) of the organizers.",
    )
    # The code of conduct's text (UTF-8), unless an organizer set one with `admin conduct
    # set`; None: the text shipped with the bot (handlers/code_of_conduct.txt).
    conduct_file: Path | None = None

    @field_validator("conduct_file")
    @classmethod
    def _readable_text(cls, value: Path | None) -> Path | None:
        if value is not None:
            try:
                value.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"can't read {value} as UTF-8 text: {exc}") from exc
        return value

    @field_validator("organizers")
    @classmethod
    def _platform_ids(cls, value: list[str]) -> list[str]:
        return [organizer_key(entry) for entry in value]  # a name: ValueError, with the forms

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r} (e.g. Europe/Berlin)") from exc
        return value


class SandboxSettings(BaseModel):
    """Limits of the code evaluator; see bot/sandbox for what each one does."""

    cpu_seconds: int = Field(10, ge=1, le=600)
    wall_seconds: float = Field(15.0, gt=0, le=900)
    memory_mb: int = Field(1536, ge=64, le=65536)
    max_processes: int = Field(64, ge=1, le=4096)
    max_open_files: int = Field(256, ge=16, le=65536)
    max_file_mb: int = Field(16, ge=1, le=4096)
    tmp_mb: int = Field(64, ge=1, le=4096)
    tmp_inodes: int = Field(4096, ge=64, le=1_000_000)
    cpu_cores: float = Field(1.0, ge=0, le=256)
    output_bytes: int = Field(65536, ge=1024, le=16 * 1024 * 1024)
    unsafe_no_sandbox: bool = Field(
        False, description="Run submitted code WITHOUT a sandbox. Local development only."
    )

    def to_limits(self, **overrides: Any) -> SandboxLimits:
        """The evaluator's policy from these settings (the one place that maps them)."""
        from bot.sandbox.limits import SandboxLimits

        return SandboxLimits(
            cpu_seconds=self.cpu_seconds,
            wall_seconds=self.wall_seconds,
            memory_mb=self.memory_mb,
            processes=self.max_processes,
            open_files=self.max_open_files,
            file_size_mb=self.max_file_mb,
            tmp_size_mb=self.tmp_mb,
            tmp_inodes=self.tmp_inodes,
            cpu_cores=self.cpu_cores,
            output_bytes=self.output_bytes,
            unsafe_no_sandbox=self.unsafe_no_sandbox,
        ).replace(**overrides)


def _cores() -> int:
    return max(1, os.cpu_count() or 1)


class GradingSettings(BaseModel):
    """How grading workers take jobs (procrastinate's worker options)."""

    # Jobs one worker grades at once; the evaluator runs one job per core at best.
    concurrency: int = Field(default_factory=_cores, ge=1, le=64)
    # A worker reports it is alive this often; one silent for `stalled_seconds` is taken
    # for dead and its jobs are graded again by another worker.
    heartbeat_seconds: float = Field(10.0, gt=0, le=300)
    stalled_seconds: float = Field(30.0, gt=0, le=3600)
    # Fallback poll for new jobs (PostgreSQL also wakes workers with LISTEN/NOTIFY).
    poll_seconds: float = Field(2.0, gt=0, le=60)

    @model_validator(mode="after")
    def _stalled_after_heartbeats(self) -> GradingSettings:
        if self.stalled_seconds <= 2 * self.heartbeat_seconds:
            raise ValueError("stalled_seconds must be more than twice heartbeat_seconds")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    database_url: str = "sqlite+aiosqlite:///studybot.db"
    log_level: str = Field("INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")
    output_dir: Path = Path("studybot-out")
    # Grading: on SQLite the bot grades in its own process (0 turns that off); on PostgreSQL
    # `studybot run`/`console` start this many `studybot worker` child processes, and 0
    # leaves grading to separate `studybot worker` processes (other machines).
    workers: int = Field(1, ge=0, le=16)
    grading: GradingSettings = Field(default_factory=GradingSettings)
    cohort: CohortDefaults = Field(default_factory=CohortDefaults)
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)

    # Chat platforms: conventional names, no prefix.
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "slack_bot_token")
    )
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "slack_signing_secret")
    )
    slack_app_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "slack_app_token")
    )
    slack_client_id: str | None = Field(
        None, validation_alias=AliasChoices("SLACK_CLIENT_ID", "slack_client_id")
    )
    slack_client_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_CLIENT_SECRET", "slack_client_secret")
    )
    discord_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("DISCORD_TOKEN", "discord_token")
    )

    # Where the platform clients connect: their real services by default; tests and
    # compatible deployments point them elsewhere.
    slack_api_url: str = "https://slack.com/api/"
    discord_api_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str | None = None  # None: ask Discord's REST API for it
    discord_prefix: str = Field("!d2l", min_length=1, max_length=20)
    # The privileged Server Members intent, for welcomes on joining a server. A deployment
    # that hasn't turned it on in the developer portal sets this false and runs without them.
    discord_members_intent: bool = True
    # Where `submit NAME URL` downloads from. Members write the public github.com/gist/Colab
    # URLs (https only, checked as written); the bot fetches from these bases, which tests
    # point at a fake server on loopback (plain http is allowed for 127.0.0.1 only).
    github_raw_url: str = "https://raw.githubusercontent.com/"
    github_api_url: str = "https://api.github.com/"
    link_timeout_seconds: float = Field(10.0, gt=0, le=60)
    # The group's GitHub repository (issue 20): session announcements as Discussions and the
    # schedule file. Nothing goes to GitHub without a token; the API is `github_api_url`.
    github_repo: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    github_token: SecretStr | None = None
    github_category: str = Field("Announcements", min_length=1, max_length=100)
    github_schedule_path: str = Field(
        "SCHEDULE.md", min_length=1, max_length=200, pattern=r"^[\w][\w./ -]*$"
    )
    # HTTP port of the `web` process (Slack events, OAuth install pages); PORT as on Heroku.
    port: int = Field(
        3000, ge=1, le=65535, validation_alias=AliasChoices("PORT", "STUDYBOT_PORT", "port")
    )

    # Where the group's web pages are reached from outside (issue 17), e.g.
    # https://study.example.org: links in chat messages and certificates use it. Unset: the
    # pages' own address on this machine (http://localhost:PORT).
    public_url: str | None = Field(None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else None

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith(("sqlite://", "sqlite:///")) and "+aiosqlite" not in value:
            return value.replace("sqlite://", "sqlite+aiosqlite://", 1)
        if value.startswith(("postgres://", "postgresql://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST/DB")
        return value

    @field_validator("github_raw_url", "github_api_url")
    @classmethod
    def _download_base(cls, value: str) -> str:
        loopback = value.startswith(("http://127.0.0.1:", "http://localhost:"))
        if not value.startswith("https://") and not loopback:
            raise ValueError("download bases must be https:// URLs (http only on 127.0.0.1)")
        return value if value.endswith("/") else value + "/"

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"  # slack_sdk needs it

    @property
    def slack_enabled(self) -> bool:
        # HTTP mode verifies requests with the signing secret; Socket Mode needs the app token.
        transport = self.slack_signing_secret is not None or self.slack_app_token is not None
        return transport and (self.slack_bot_token is not None or self.slack_client_id is not None)

    @property
    def discord_enabled(self) -> bool:
        return self.discord_token is not None

    @field_validator("github_schedule_path")
    @classmethod
    def _inside_the_repository(cls, value: str) -> str:
        if ".." in value.split("/"):
            raise ValueError("a path inside the repository, such as SCHEDULE.md or docs/plan.md")
        return value

    @property
    def github_enabled(self) -> bool:
        return self.github_token is not None and self.github_repo is not None

    @model_validator(mode="after")
    def _github_repo_with_token(self) -> Settings:
        if self.github_token is not None and self.github_repo is None:
            raise ValueError("STUDYBOT_GITHUB_TOKEN is set: set STUDYBOT_GITHUB_REPO (owner/name)")
        return self


class SettingsError(Exception):
    """A configuration value is wrong; the message names the environment variable."""


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the settings; raise SettingsError naming each bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None
    except SourceError as exc:  # a list or object variable that isn't JSON
        raise SettingsError(describe_source_error(exc)) from None


# Variables read as JSON (pydantic-settings parses list and object values itself).
JSON_EXAMPLES = {
    "STUDYBOT_COHORT__ORGANIZERS": '["slack:T0123AB:U0456CD", "discord:80351110224678912"]',
}


def describe_source_error(exc: Exception) -> str:
    """One sentence naming the variable that isn't JSON (pydantic-settings names the field)."""
    for variable, example in JSON_EXAMPLES.items():
        value = next((v for k, v in os.environ.items() if k.upper() == variable), None)
        if value is None:
            continue
        try:
            json.loads(value)
        except ValueError:
            return f"{variable} must be a JSON list such as {example} (got {value!r})"
    return f"invalid configuration: {exc}"


def describe_validation_error(exc: ValidationError) -> str:
    lines = ["invalid configuration:"]
    for error in exc.errors():
        lines.append(f"  {env_name(error['loc'])}: {error['msg']} (got {error.get('input')!r})")
    return "\n".join(lines)


def env_name(loc: tuple[int | str, ...]) -> str:
    """The environment variable a pydantic error location refers to."""
    parts = [str(part) for part in loc]
    if parts and parts[0].isupper():  # an alias such as SLACK_BOT_TOKEN
        return parts[0]
    return ENV_PREFIX + "__".join(part.upper() for part in parts)


def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)
