"""Discord adapter tests: the real discord.py client against a fake Discord on loopback."""

import warnings

with warnings.catch_warnings():
    # discord.py's voice player imports audioop (deprecated in 3.11, removed in 3.13); the bot
    # uses no voice, and this is the narrowest place to let that one import through.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401
