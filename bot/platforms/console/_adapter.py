"""The console adapter: the bot in a terminal, scriptable through stdin."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path
from typing import TextIO

from bot.app import App
from bot.platforms.console._render import render_plain
from bot.platforms.console._script import ConsoleMessage, ScriptReader
from handlers.parsing import strip_prefix
from handlers.types import Invocation, Reply

WORKSPACE = "local"
CHANNEL = "console"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.\-]+")


class ConsoleAdapter:
    def __init__(
        self,
        app: App,
        *,
        user: str,
        out_dir: Path,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        interactive: bool | None = None,
    ) -> None:
        self.app = app
        self.user = user
        self.out_dir = out_dir
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = self.stdin.isatty() if interactive is None else interactive
        self._file_count = 0

    async def run(self) -> int:
        """Read messages until end of input (or `:quit`); answer each. Returns an exit code."""
        reader = ScriptReader()
        if self.interactive:
            self._print(
                f"studybot console — you are @{self.user}. Type `d2l help`; Ctrl-D to quit."
            )
        while True:
            if self.interactive:
                self._prompt("... " if reader.pending else f"@{self.user}> ")
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                last = reader.finish()
                if last is not None:
                    await self.handle(last)
                return 0
            message = reader.feed(line)
            if message is None:
                continue
            if message.text.strip() in (":quit", ":q", ":exit"):
                return 0
            await self.handle(message)

    async def handle(self, message: ConsoleMessage) -> list[Reply]:
        sender = message.sender or self.user
        if not message.text.strip():
            return []
        invocation = Invocation(
            platform="console",
            workspace_id=WORKSPACE,
            channel_id=CHANNEL,
            user_id=sender,
            user_name=sender,
            text=_without_prefix(message.text),
        )
        replies = await self.app.handle(invocation)
        for reply in replies:
            self.show(reply, sender)
        return replies

    def show(self, reply: Reply, recipient: str) -> None:
        header = f"[bot → @{recipient}{', private' if reply.ephemeral else ''}]"
        self._print(header)
        self._print(render_plain(reply))
        for file in reply.files:
            path = self._save(file.name, file.content)
            self._print(f"(file written: {path})")
        self._print("")

    def _save(self, name: str, content: bytes) -> Path:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._file_count += 1
        safe = _SAFE_NAME.sub("_", Path(name).name).strip("._") or "file"
        path = self.out_dir / safe
        if path.exists():
            path = self.out_dir / f"{path.stem}-{self._file_count}{path.suffix}"
        path.write_bytes(content)
        return path

    def _print(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _prompt(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()


def _without_prefix(text: str) -> str:
    """The console accepts `d2l help`, `/d2l help` and plain `help` alike."""
    stripped = strip_prefix(text)
    return text.strip() if stripped is None else stripped
