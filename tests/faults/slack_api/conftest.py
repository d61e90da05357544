"""The real Slack platform against the fake Slack, as in tests/slack."""

from tests.slack.conftest import app, fake, migrated_template, platform  # noqa: F401
