"""The GitHub parts on their own: reading rate limits, the settings, the Markdown."""

from __future__ import annotations

import time

import pytest

from bot.github import rate_limit_wait, to_markdown
from bot.settings import SettingsError, load_settings
from handlers.types import Reply, ReplyField


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (403, {"retry-after": "30"}, b"{}", 30.0),  # a secondary limit with its time
        (429, {"retry-after": "2"}, b"{}", 2.0),
        (403, {}, b'{"message": "You have exceeded a secondary rate limit"}', 60.0),
        (403, {}, b'{"message": "Resource not accessible by integration"}', None),
        (404, {"retry-after": "30"}, b"{}", None),
        (200, {"x-ratelimit-remaining": "0"}, b"{}", None),
    ],
)
def test_rate_limits_are_read_from_the_answer(
    status: int, headers: dict[str, str], body: bytes, expected: float | None
) -> None:
    assert rate_limit_wait(status, headers, body) == expected


def test_a_spent_primary_limit_waits_until_its_reset() -> None:
    reset = int(time.time()) + 600
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
    wait = rate_limit_wait(403, headers, b"{}")
    assert wait is not None and 590 <= wait <= 600


def test_a_token_without_a_repository_is_refused_at_start() -> None:
    with pytest.raises(SettingsError, match="STUDYBOT_GITHUB_REPO"):
        load_settings(_env_file=None, github_token="github_pat_x")
    with pytest.raises(SettingsError, match="STUDYBOT_GITHUB_REPO"):
        load_settings(_env_file=None, github_token="x", github_repo="not a repo")
    for path in ("../secrets", "/etc/passwd", "docs/../../x"):
        with pytest.raises(SettingsError, match="STUDYBOT_GITHUB_SCHEDULE_PATH"):
            load_settings(_env_file=None, github_schedule_path=path)
    assert not load_settings(_env_file=None).github_enabled
    settings = load_settings(_env_file=None, github_token="x", github_repo="group/d2l-study")
    assert settings.github_enabled and settings.github_schedule_path == "SCHEDULE.md"


def test_markdown_spells_times_in_the_cohort_zone_and_pings_nobody() -> None:
    reply = Reply(
        title="Session 1: Intro",
        text="We meet <t:1799773200:F>.",
        fields=(ReplyField("Speaker", "Ada @octocat"), ReplyField("Read", "2.1 A\n2.2 B")),
        footer="Questions welcome",
        timezone="Europe/Berlin",
    )
    title, body = to_markdown(reply)
    assert title == "Session 1: Intro"
    assert "We meet Tue 12 Jan 2027, 18:00 CET." in body
    assert "**Speaker:** Ada @\u2060octocat" in body and "@octocat" not in body
    assert "**Read**\n\n- 2.1 A\n- 2.2 B" in body
    assert body.endswith("_Questions welcome_")
