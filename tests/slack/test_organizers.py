"""Organizers are Slack identities (workspace and user id): `/d2l admin organizers add` and
`remove` take an escaped mention or a `slack:T…:U…` id, through the real bolt app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.clock import FakeClock
from tests.conftest import make_settings
from tests.scenarios.conftest import _strings
from tests.slack.conftest import SlackUser
from tests.slack.fake_slack import TEAM, FakeSlack


@pytest.fixture
async def app(sqlite_url: str, clock: FakeClock) -> AsyncIterator[App]:
    """U1 organizes, named by workspace and user id."""
    settings = make_settings(sqlite_url, organizers=[f"slack:{TEAM}:U1"])
    bot = await App.create(settings, clock=clock)
    yield bot
    await bot.close()


async def ask(slack: SlackUser, fake: FakeSlack, text: str, user: str) -> str:
    before = len(fake.hooks())
    status, _ = await slack.command(text, user=user)
    assert status == 200
    return "\n".join(_strings(hook) for hook in fake.hooks()[before:])


async def test_organizers_are_added_and_removed_by_slack_mention_or_id(
    slack: SlackUser, fake: FakeSlack
) -> None:
    assert "for organizers" in await ask(slack, fake, "admin cohort", "U2")
    added = await ask(slack, fake, "admin organizers add <@U2|name-U2>", "U1")
    assert f"(slack:{TEAM}:U2) is an organizer now" in added
    assert "Cohort settings" in await ask(slack, fake, "admin cohort", "U2")

    removed = await ask(slack, fake, f"admin organizers remove slack:{TEAM}:U2", "U2")
    assert "is no longer an organizer" in removed  # U2 stepped down; U1 stays
    assert "for organizers" in await ask(slack, fake, "admin cohort", "U2")
    kept = await ask(slack, fake, "admin organizers remove <@U1>", "U1")
    assert "is named in STUDYBOT_COHORT__ORGANIZERS" in kept
    assert "isn't a mention or a platform id" in await ask(
        slack, fake, "admin organizers add @name-U3", "U1"
    )


async def test_the_last_organizer_cannot_be_removed(
    slack: SlackUser, fake: FakeSlack, app: App
) -> None:
    app.services.settings.cohort.organizers.clear()  # none configured: U3 becomes the first
    assert "you are an organizer now" in await ask(slack, fake, "join", "U3")
    refused = await ask(slack, fake, f"admin organizers remove slack:{TEAM}:U3", "U3")
    assert "is the last organizer, so they stay one" in refused
    assert "Cohort settings" in await ask(slack, fake, "admin cohort", "U3")
