"""Settings: defaults, environment variables, .env files, and errors that name the variable."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "DISCORD_TOKEN",
        "STUDYBOT_DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_use_sqlite_and_a_fortnightly_cadence() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///studybot.db"
    assert settings.cohort.cadence_days == 14
    assert settings.cohort.first_session is None  # the Monday after the first start
    assert not settings.slack_enabled and not settings.discord_enabled


def test_nested_variables_set_the_cohort(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDYBOT_COHORT__TIMEZONE", "America/New_York")
    monkeypatch.setenv("STUDYBOT_COHORT__FIRST_SESSION", "2027-02-02")
    monkeypatch.setenv("STUDYBOT_COHORT__SESSION_TIME", "19:30")
    monkeypatch.setenv("STUDYBOT_COHORT__CADENCE_DAYS", "7")
    settings = load_settings()
    assert settings.cohort.timezone == "America/New_York"
    assert settings.cohort.first_session == dt.date(2027, 2, 2)
    assert settings.cohort.session_time == dt.time(19, 30)
    assert settings.cohort.cadence_days == 7


def test_platform_credentials_keep_their_conventional_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret")
    monkeypatch.setenv("DISCORD_TOKEN", "d.token")
    settings = load_settings()
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-1"
    assert settings.slack_enabled and settings.discord_enabled
    assert "xoxb-1" not in repr(settings)  # secrets never show up in logs


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("STUDYBOT_COHORT__NAME=Berlin d2l\nDISCORD_TOKEN=abc\n")
    settings = load_settings()
    assert settings.cohort.name == "Berlin d2l"
    assert settings.discord_enabled


@pytest.mark.parametrize(
    ("variable", "value", "hint"),
    [
        ("STUDYBOT_COHORT__TIMEZONE", "Mars/Olympus", "unknown IANA timezone"),
        ("STUDYBOT_COHORT__CADENCE_DAYS", "0", "greater than or equal to 1"),
        ("STUDYBOT_COHORT__CADENCE_DAYS", "fortnight", "valid integer"),
        ("STUDYBOT_COHORT__FIRST_SESSION", "next tuesday", "date"),
        ("STUDYBOT_COHORT__SESSION_TIME", "25:99", "time"),
        ("STUDYBOT_DATABASE_URL", "mysql://root@localhost/db", "postgresql+asyncpg"),
        ("STUDYBOT_SANDBOX__MEMORY_MB", "-5", "greater than or equal to 64"),
        ("STUDYBOT_LOG_LEVEL", "LOUD", "pattern"),
    ],
)
def test_a_wrong_value_fails_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, hint: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert variable in message
    assert hint in message


def test_plain_urls_get_the_async_drivers() -> None:
    assert Settings(database_url="sqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"
    assert Settings(database_url="postgres://u@h/db").database_url == "postgresql+asyncpg://u@h/db"
