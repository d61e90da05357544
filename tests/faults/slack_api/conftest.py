"""The real Slack platform against the fake Slack, as in tests/slack."""

from tests.slack.conftest import app, fake, platform  # noqa: F401
