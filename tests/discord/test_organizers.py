"""Organizers are Discord user ids, never display names: through discord.py and the fake
gateway, a member who renames themself to an organizer's name gains nothing, and
`admin organizers add/remove` take mentions and ids."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.discord_bot import DiscordPlatform
from tests.conftest import make_settings
from tests.discord import payloads as p
from tests.discord.conftest import ALICE, say
from tests.discord.fake_discord import FakeDiscord

# bob, renamed to look exactly like alice
IMPOSTOR = p.user(p.BOB_ID, "alice")


@pytest.fixture
async def app(sqlite_url: str, clock: FakeClock) -> AsyncIterator[App]:
    """alice organizes, named by her Discord user id."""
    settings = make_settings(sqlite_url, organizers=[f"discord:{p.ALICE_ID}"])
    bot = await App.create(settings, clock=clock)
    yield bot
    await bot.close()


async def ask(fake: FakeDiscord, text: str, author: Any) -> str:
    before = len(fake.sent)
    await say(fake, f"!d2l {text}", author=author)
    await fake.wait_for(lambda: len(fake.sent) > before)
    return "\n".join(sent.text() for sent in fake.sent[before:])


async def test_a_member_renamed_to_an_organizers_name_is_refused_admin_commands(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    assert IMPOSTOR["global_name"] == ALICE["global_name"]  # the same display name
    assert "for organizers" in await ask(fake, "admin cohort time 20:00", IMPOSTOR)
    assert "for organizers" in await ask(
        fake, "admin organizers add <@300000000000000002>", IMPOSTOR
    )
    assert "Cohort settings" in await ask(fake, "admin cohort", ALICE)


async def test_organizers_are_added_and_removed_by_mention_or_discord_id(
    platform: DiscordPlatform, fake: FakeDiscord
) -> None:
    bob = p.user(p.BOB_ID, "bob")
    assert "for organizers" in await ask(fake, "admin cohort", bob)
    added = await ask(fake, f"admin organizers add <@{p.BOB_ID}>", ALICE)
    assert f"(discord:{p.BOB_ID}) is an organizer now" in added
    assert "Cohort settings" in await ask(fake, "admin cohort", bob)
    listing = await ask(fake, "admin organizers", bob)
    assert f"discord:{p.BOB_ID}" in listing and f"discord:{p.ALICE_ID}" in listing

    removed = await ask(fake, f"admin organizers remove discord:{p.BOB_ID}", ALICE)
    assert "is no longer an organizer" in removed
    assert "for organizers" in await ask(fake, "admin cohort", bob)
    kept = await ask(fake, f"admin organizers remove <@!{p.ALICE_ID}>", ALICE)
    assert "is named in STUDYBOT_COHORT__ORGANIZERS" in kept
    named = await ask(fake, "admin organizers add bob", ALICE)
    assert "isn't a mention or a platform id" in named
