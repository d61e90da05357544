"""The real discord.py client against the fake Discord, as in tests/discord."""

from tests.discord.conftest import app, fake, platform  # noqa: F401
