"""Code from attachments: a `.py` file as is, a notebook's code cells in order."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import discord

from handlers.parsing import FENCE
from handlers.types import Attachment, Invocation

CODE_SUFFIXES = (".py", ".ipynb")
ATTACH_HINT = "attach a `.py` file or a Jupyter notebook (`.ipynb`)."
# The router refuses messages over 100 KB anyway; don't download more than that.
MAX_CODE_BYTES = 100_000


class CodeError(Exception):
    """An attachment that should hold code but can't be read; the message says why."""


def is_code(attachment: discord.Attachment) -> bool:
    return attachment.filename.lower().endswith(CODE_SUFFIXES)


async def read_code(attachment: discord.Attachment) -> Attachment:
    if attachment.size > MAX_CODE_BYTES:
        raise CodeError(
            f"`{attachment.filename}` is {attachment.size // 1000} KB; the limit is "
            f"{MAX_CODE_BYTES // 1000} KB."
        )
    try:
        data = await attachment.read()
    except discord.HTTPException as exc:
        raise CodeError(f"I couldn't download `{attachment.filename}` ({exc.status}).") from exc
    return Attachment(name=attachment.filename, content=data)


def code_of(attachment: Attachment) -> str:
    """The source code in a `.py` file or the code cells of an `.ipynb`, in order."""
    text = attachment.content.decode("utf-8", errors="replace")
    if not attachment.name.lower().endswith(".ipynb"):
        return text
    try:
        notebook: Any = json.loads(text)
        cells = [
            _source(cell["source"]) for cell in notebook["cells"] if cell.get("cell_type") == "code"
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise CodeError(f"`{attachment.name}` is not a readable Jupyter notebook.") from exc
    return "\n\n".join(cell.rstrip("\n") for cell in cells if cell.strip())


def with_code(text: str, code: str) -> str:
    """The command text followed by the code as a fenced block (the router's grammar)."""
    return f"{text.rstrip()}\n{FENCE}python\n{code.rstrip()}\n{FENCE}"


async def attach_code(
    text: str, attachments: Sequence[discord.Attachment]
) -> tuple[str, tuple[Attachment, ...]]:
    """The command text with the first code attachment as its fenced code (unless the
    message already has a fenced block), and every code attachment read."""
    files = tuple([await read_code(a) for a in attachments if is_code(a)])
    if files and FENCE not in text:
        text = with_code(text, code_of(files[0]))
    return text, files


def with_files(invocation: Invocation, files: tuple[Attachment, ...]) -> Invocation:
    return replace(invocation, attachments=files) if files else invocation


def _source(source: object) -> str:
    if isinstance(source, list):
        return "".join(str(line) for line in source)
    if isinstance(source, str):
        return source
    raise TypeError("cell source is neither text nor a list of lines")
