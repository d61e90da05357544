"""The shipped app manifest matches what the code expects."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.platforms.slack_app._oauth import BOT_SCOPES, REDIRECT_PATH
from bot.platforms.slack_app._web import EVENTS_PATH

MANIFEST = Path(__file__).parents[2] / "slack-manifest.yml"


def test_the_manifest_asks_for_the_scopes_the_oauth_flow_requests() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    assert manifest["oauth_config"]["redirect_urls"][0].endswith(REDIRECT_PATH)


def test_the_manifest_routes_everything_to_the_events_endpoint() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/d2l" and command["url"].endswith(EVENTS_PATH)
    assert command["should_escape"] is False  # mentions arrive as text, and are escaped back
    settings = manifest["settings"]
    assert settings["interactivity"]["request_url"].endswith(EVENTS_PATH)
    assert settings["event_subscriptions"]["request_url"].endswith(EVENTS_PATH)
    assert settings["event_subscriptions"]["bot_events"] == ["message.im", "member_joined_channel"]
