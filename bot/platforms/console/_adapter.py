"""The console adapter: the bot in a terminal, scriptable through stdin."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sys
from pathlib import Path
from typing import TextIO

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.platforms.console._render import render_plain
from bot.platforms.console._script import ConsoleMessage, ScriptReader
from bot.scheduler import DeliveryScheduler
from handlers.links import looks_like_link
from handlers.parsing import strip_prefix
from handlers.text import format_local, parse_duration
from handlers.types import Attachment, Invocation, Reply
from handlers.welcome import member_arrived
from models.outbox import next_due
from models.submissions import queue_length
from models.tables import OutboxMessage
from quizzes.exercises.reader import MAX_FILE_BYTES, is_code_file

RESULT_POLL_SECONDS = 1.0
GRADING_WAIT_SECONDS = 300.0
PLATFORM = "console"
WORKSPACE = "local"
CHANNEL = "console"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.\-]+")
CONSOLE_HELP = (
    "Console commands: `:wait 2d` (or 3h, 15m; needs --clock) moves time on and delivers what "
    "falls due; `:now` shows the console's time; `:join @name` is someone joining the channel "
    "(the bot welcomes them); `:quit` ends."
)


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
        deliver: bool = True,
    ) -> None:
        self.app = app
        self.user = user
        self.out_dir = out_dir
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = self.stdin.isatty() if interactive is None else interactive
        self.dispatcher = Dispatcher(app.services, {PLATFORM: ConsoleSender(self)})
        # With a simulated clock, what a command makes due goes out right after its reply.
        self.deliver = deliver
        self._file_count = 0

    async def run(self) -> int:
        """Read messages until end of input (or `:quit`); answer each. Returns an exit code."""
        await self.app.bind_channel(PLATFORM, WORKSPACE, CHANNEL)
        for note in self.app.start_notes:
            self._print(f"[{note}]")
        scheduler = None
        poller = None
        if not isinstance(self.app.services.clock, FakeClock):
            scheduler = DeliveryScheduler(self.dispatcher)
            scheduler.start()
            poller = asyncio.create_task(self._poll_results())
        else:
            await self.dispatcher.run_once()
        try:
            code = await self._loop()
            await self._drain()
            return code
        finally:
            if poller is not None:
                poller.cancel()
            if scheduler is not None:
                await scheduler.shutdown()

    async def _poll_results(self) -> None:
        """Grading results are written by a worker process: look for them every second."""
        while True:
            await asyncio.sleep(RESULT_POLL_SECONDS)
            try:
                await self.dispatcher.run_once(plan=False)
            except Exception:  # a locked database now and then: the next poll retries
                continue

    async def _drain(self) -> None:
        """At the end of input, wait for submissions still being graded and show results."""
        if self.app.services.settings.workers == 0:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GRADING_WAIT_SECONDS
        announced = False
        while True:
            async with self.app.services.sessions() as db:
                waiting = await queue_length(db)
            await self.dispatcher.run_once(plan=False)
            if not waiting or loop.time() > deadline:
                break
            if not announced:
                self._print(f"[waiting for {waiting} submission(s) to be graded…]")
                announced = True
            await asyncio.sleep(RESULT_POLL_SECONDS / 2)

    async def _loop(self) -> int:
        reader = ScriptReader()
        if self.interactive:
            self._print(
                f"studybot console — you are @{self.user}. Type `d2l help`; "
                "`:help` for console commands; Ctrl-D to quit."
            )
        while True:
            if self.interactive:
                if reader.awaiting_code:
                    self._print("(paste the code in a ``` block, or press Enter to send as is)")
                self._prompt("... " if reader.pending else f"@{self.user}> ")
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                last = reader.finish()
                if last is not None:
                    await self.handle(last)
                return 0
            for message in reader.feed(line):
                command = message.text.strip()
                if command in (":quit", ":q", ":exit"):
                    return 0
                if command.startswith(":"):
                    await self.console_command(command)
                else:
                    await self.handle(message)

    async def handle(self, message: ConsoleMessage) -> list[Reply]:
        sender = message.sender or self.user
        if not message.text.strip():
            return []
        text, attachments = _local_file(_without_prefix(message.text))
        invocation = Invocation(
            platform=PLATFORM,
            workspace_id=WORKSPACE,
            channel_id=CHANNEL,
            user_id=sender,
            user_name=sender,
            text=text,
            attachments=attachments,
        )
        replies = await self.app.handle(invocation)
        for reply in replies:
            if reply.replaces_source:  # typed, so there is no control message to update
                continue
            self.show(reply, f"@{sender}" + (", private" if reply.ephemeral else ""))
        if self.deliver and isinstance(self.app.services.clock, FakeClock):
            await self.dispatcher.run_once()
        return replies

    async def console_command(self, command: str) -> None:
        """`:wait DURATION`, `:now`, `:help`."""
        word, _, rest = command.partition(" ")
        clock = self.app.services.clock
        if word == ":now":
            self._print(f"[console time: {format_local(clock.now(), 'UTC')}]")
        elif word == ":wait":
            delta = parse_duration(rest)
            if delta is None:
                self._print("`:wait` needs a duration such as 2d, 3h or 15m.")
            elif not isinstance(clock, FakeClock):
                self._print(
                    "`:wait` moves a simulated clock: start the console with "
                    "`--clock 2027-01-10T09:00`."
                )
            else:
                # Submissions still grading land first, so a script reads the same every run
                # (issue 21: a result used to arrive after later lines).
                await self._drain()
                start = clock.now()
                await advance(clock, self.dispatcher, start + delta)
                self._print(
                    f"[time passes: {format_local(start, 'UTC')} → "
                    f"{format_local(clock.now(), 'UTC')}]"
                )
        elif word == ":join":
            await self._someone_joined(rest.strip().removeprefix("@"))
        else:
            self._print(CONSOLE_HELP)

    async def _someone_joined(self, name: str) -> None:
        """`:join @name`: as when someone joins a bound Slack channel or Discord server."""
        if not name or " " in name:
            self._print("`:join` needs a name, such as `:join @dana`.")
            return
        await member_arrived(
            self.app.services,
            platform=PLATFORM,
            workspace_id=WORKSPACE,
            user_id=name,
            user_name=name,
            channel_id=CHANNEL,
        )
        self._print(f"[@{name} joined #{CHANNEL}]")
        if self.deliver and isinstance(self.app.services.clock, FakeClock):
            await self.dispatcher.run_once()

    def show(self, reply: Reply, audience: str) -> None:
        self._print(f"[bot → {audience}]")
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


class ConsoleSender:
    """Delivers outbox messages by printing them, to the channel or as a direct message."""

    def __init__(self, console: ConsoleAdapter) -> None:
        self.console = console

    async def send(self, message: OutboxMessage, reply: Reply, *, direct: bool) -> str | None:
        audience = f"@{message.target}, direct message" if direct else f"#{message.target}"
        if (message.payload or {}).get("thread"):  # a session's thread (issue 16)
            audience += f" › thread “{message.payload.get('thread_name', '')}”"
        clock = self.console.app.services.clock
        if isinstance(clock, FakeClock):  # a simulated clock: say when this went out
            audience += f" · {format_local(clock.now(), reply.timezone)}"
        self.console.show(reply, audience)
        return f"console:{message.id}"


async def advance(clock: FakeClock, dispatcher: Dispatcher, target: dt.datetime) -> None:
    """Move the clock to `target`, stopping at every due time on the way so each message
    goes out when it falls due (not all at once at the end)."""
    step = dt.timedelta(days=7)  # within the planning horizon of each sweep
    while True:
        await dispatcher.plan()
        async with dispatcher.services.sessions() as db:
            due = await next_due(db)
        stop = min(target, clock.now() + step)
        if due is not None and due <= stop:
            clock.set(max(due, clock.now()))
            await dispatcher.run_once(plan=False)
            continue
        clock.set(stop)
        await dispatcher.run_once()
        if stop >= target:
            return


def _local_file(text: str) -> tuple[str, tuple[Attachment, ...]]:
    """`submit NAME work.ipynb`: the console's stand-in for attaching a file in a chat."""
    words = text.split()
    if len(words) != 3 or words[0] != "submit" or not is_code_file(words[2]):
        return text, ()
    path = Path(words[2]).expanduser()
    if looks_like_link(words[2]) or not path.is_file():
        return text, ()
    data = path.read_bytes()[: MAX_FILE_BYTES + 1]  # the reader refuses what is over
    return f"submit {words[1]}", (Attachment(name=path.name, content=data),)


def _without_prefix(text: str) -> str:
    """The console accepts `d2l help`, `/d2l help` and plain `help` alike."""
    stripped = strip_prefix(text)
    return text.strip() if stripped is None else stripped
