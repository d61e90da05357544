"""Code from attachments: the files' bytes, read by the platform-neutral reader in the handler."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import discord

from handlers.parsing import FENCE
from handlers.types import Attachment, Invocation
from quizzes.exercises.reader import MAX_FILE_BYTES, is_code_file

ATTACH_HINT = "attach a `.py` file or a Jupyter notebook (`.ipynb`)."


class CodeError(Exception):
    """An attachment that should hold code but can't be read; the message says why."""


def is_code(attachment: discord.Attachment) -> bool:
    return is_code_file(attachment.filename)


async def read_code(attachment: discord.Attachment) -> Attachment:
    if attachment.size > MAX_FILE_BYTES:
        raise CodeError(
            f"`{attachment.filename}` is {attachment.size // 1024} KB; the limit is "
            f"{MAX_FILE_BYTES // 1024} KB."
        )
    try:
        data = await attachment.read()
    except discord.HTTPException as exc:
        raise CodeError(f"I couldn't download `{attachment.filename}` ({exc.status}).") from exc
    return Attachment(name=attachment.filename, content=data)


def with_code(text: str, code: str) -> str:
    """The command text followed by the code as a fenced block (the router's grammar)."""
    return f"{text.rstrip()}\n{FENCE}python\n{code.rstrip()}\n{FENCE}"


async def attach_code(
    text: str, attachments: Sequence[discord.Attachment]
) -> tuple[str, tuple[Attachment, ...]]:
    """The command text and every code attachment read (the handler reads the first one
    unless the message has a fenced block)."""
    files = tuple([await read_code(a) for a in attachments if is_code(a)])
    return text, files


def with_files(invocation: Invocation, files: tuple[Attachment, ...]) -> Invocation:
    return replace(invocation, attachments=files) if files else invocation
