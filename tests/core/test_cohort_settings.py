"""Cohort settings at start: organizers by platform id, the first session by the bot's own
clock, and environment values that the database's cohort doesn't follow, said out loud."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import App
from bot.cli import main
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter
from bot.settings import CohortDefaults, Settings, SettingsError, load_settings
from models.cohorts import first_cohort
from tests.conftest import START, Chat, make_settings

STUDYBOT = Path(sys.executable).with_name("studybot")


def test_an_organizer_named_by_display_name_is_refused_with_how_to_find_the_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STUDYBOT_COHORT__ORGANIZERS", '["discord:80351110224678912", "alice"]')
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None)
    message = str(error.value)
    assert "STUDYBOT_COHORT__ORGANIZERS" in message
    assert "'alice' is not a platform id" in message
    assert "slack:TEAM_ID:USER_ID" in message and "discord:USER_ID" in message
    assert "Copy User ID" in message and "Copy member ID" in message


def test_the_command_line_refuses_to_start_with_a_named_organizer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STUDYBOT_COHORT__ORGANIZERS", '["alice"]')
    assert main(["migrate"]) == 2
    assert "'alice' is not a platform id" in capsys.readouterr().err
    assert not (tmp_path / "studybot.db").exists()  # nothing started


def test_organizer_ids_are_kept_in_one_form() -> None:
    cohort = CohortDefaults(organizers=[" slack:t0123:u0456 ", "discord:80351110224678912"])
    assert cohort.organizers == ["slack:T0123:U0456", "discord:80351110224678912"]
    with pytest.raises(ValueError, match="is not a platform id"):
        CohortDefaults(organizers=["slack:U0456"])  # a Slack id needs its workspace


async def test_the_first_session_defaults_to_the_monday_after_the_bots_clock(
    sqlite_url: str,
) -> None:
    settings = Settings(_env_file=None, database_url=sqlite_url)  # type: ignore[call-arg]
    assert settings.cohort.first_session is None
    app = await App.create(settings, clock=FakeClock(dt.datetime(2031, 5, 7, 9, tzinfo=dt.UTC)))
    try:
        async with app.services.sessions() as db:
            cohort = await first_cohort(db)
        assert cohort is not None and cohort.first_session == dt.date(2031, 5, 12)
    finally:
        await app.close()


async def test_an_environment_setting_the_cohort_does_not_follow_is_reported_at_start(
    sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = await App.create(make_settings(sqlite_url, timezone="America/New_York"))
    assert first.start_notes == []
    await first.close()
    settings = make_settings(sqlite_url, timezone="Europe/Paris", cadence_days=14)
    again = await App.create(settings, clock=FakeClock(START))
    try:
        expected = (
            "STUDYBOT_COHORT__TIMEZONE is Europe/Paris but the cohort uses America/New_York; "
            "change it with `admin cohort timezone`."
        )
        assert again.start_notes == [expected]  # the cadence agrees; nothing else is said
        assert expected in caplog.text
        out = io.StringIO()
        console = ConsoleAdapter(
            again, user="olga", out_dir=tmp_path, stdin=io.StringIO(), stdout=out
        )
        assert await console.run() == 0
        assert f"[{expected}]" in out.getvalue()
    finally:
        await again.close()


async def test_the_quiz_pass_mark_comes_from_the_environment_and_an_organizer_changes_it(
    sqlite_url: str, tmp_path: Path
) -> None:
    first = await App.create(make_settings(sqlite_url, quiz_pass_mark=0.75))
    await first.close()
    app = await App.create(make_settings(sqlite_url, quiz_pass_mark=0.6))
    try:
        assert app.start_notes == [
            "STUDYBOT_COHORT__QUIZ_PASS_MARK is 60% but the cohort uses 75%; change it with "
            "`admin cohort quizpass`."
        ]
        chat = Chat(app, tmp_path / "out")
        await chat.text("join", as_="olga")
        assert "A quiz counts at: 75% right" in await chat.text("admin cohort", as_="olga")
        changed = await chat.text("admin cohort quizpass 60%", as_="olga")
        assert "A quiz counts at: 60% right" in changed
        refused = await chat.text("admin cohort quizpass lots", as_="olga")
        assert "The quiz pass mark is a percentage, e.g. 80%." in refused
    finally:
        await app.close()


def test_a_scripted_console_plans_from_its_own_clock(tmp_path: Path) -> None:
    """The issue's reproducer: a fresh database, `--clock`, and no start date configured."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("STUDYBOT_")}
    env["STUDYBOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'bot.db'}"
    result = subprocess.run(
        [str(STUDYBOT), "console", "--as", "olga", "--clock", "2031-05-07T09:00"],
        input=b"d2l join\nd2l admin cohort start 2031-05-19\nd2l next\n",
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "already taken place" not in out
    assert "Changed start." in out
    assert "Mon 19 May 2031" in out
