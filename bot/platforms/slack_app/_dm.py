"""Direct messages: commands typed to the bot, and `.py`/`.ipynb` files sent with `submit NAME`."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack_app._render import unescape
from bot.platforms.slack_app._replies import Destination, deliver
from handlers.parsing import strip_prefix
from handlers.types import Invocation, Reply

if TYPE_CHECKING:
    from bot.platforms.slack_app._listeners import Bridge

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 256 * 1024
CODE_SUFFIXES = (".py", ".ipynb")


async def handle_direct_message(
    bridge: Bridge, client: AsyncWebClient, team_id: str, event: dict[str, Any]
) -> None:
    channel, user = str(event["channel"]), str(event["user"])
    text = unescape(str(event.get("text") or "")).strip()
    text = strip_prefix(text) or text  # "d2l next", "/d2l next" and "next" alike
    dest = Destination(client=client, channel_id=channel, user_id=user, is_direct=True)
    files = event.get("files") or []
    if files:
        try:
            code = await read_code(client, files[0])
        except ValueError as exc:
            await deliver(bridge.clients, dest, [Reply(text=str(exc), is_error=True)])
            return
        text = f"{text}\n```python\n{code}\n```"
    if not text.strip():
        return
    # Message events often carry the sender's profile; no users:read scope needed for a name.
    profile = event.get("user_profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or profile.get("name")
    invocation = Invocation(
        platform="slack",
        workspace_id=team_id,
        channel_id=channel,
        user_id=user,
        user_name=str(name or user),
        text=text,
        is_direct=True,
    )
    await deliver(bridge.clients, dest, await bridge.app.handle(invocation))


async def read_code(client: AsyncWebClient, file: dict[str, Any]) -> str:
    """Download a shared file with the bot token; a notebook becomes its code cells in order."""
    name = str(file.get("name") or "")
    if not name.lower().endswith(CODE_SUFFIXES):
        raise ValueError(f"I can read `.py` and `.ipynb` files; `{name[:80]}` is neither.")
    if int(file.get("size") or 0) > MAX_FILE_BYTES:
        raise ValueError(f"`{name[:80]}` is too big (the limit is {MAX_FILE_BYTES // 1024} KB).")
    url = file.get("url_private_download") or file.get("url_private")
    if not url:
        raise ValueError(f"Slack didn't give me a way to download `{name[:80]}`.")
    headers = {"Authorization": f"Bearer {client.token}"}
    timeout = aiohttp.ClientTimeout(total=30)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(str(url), headers=headers) as response,
    ):
        if response.status != 200:
            log.warning("downloading %s answered %s", name, response.status)
            raise ValueError(f"I couldn't download `{name[:80]}` (HTTP {response.status}).")
        data = await response.content.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"`{name[:80]}` is too big (the limit is {MAX_FILE_BYTES // 1024} KB).")
    source = data.decode("utf-8", errors="replace")
    return notebook_code(source) if name.lower().endswith(".ipynb") else source


def notebook_code(source: str) -> str:
    """The code cells of a notebook, in order; IPython magics (`%…`, `!…`) commented out."""
    try:
        notebook = json.loads(source)
        cells = notebook["cells"]
    except (ValueError, KeyError, TypeError):
        raise ValueError("That notebook isn't valid JSON (.ipynb).") from None
    parts: list[str] = []
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        lines = cell.get("source", "")
        text = "".join(lines) if isinstance(lines, list) else str(lines)
        text = "\n".join(
            f"# {line}" if line.lstrip().startswith(("%", "!")) else line
            for line in text.splitlines()
        )
        if text.strip():
            parts.append(text)
    if not parts:
        raise ValueError("That notebook has no code cells.")
    return "\n\n".join(parts)
