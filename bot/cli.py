"""`studybot`: run the bot, the console, migrations and the tools of each part."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import errno
import gc
import getpass
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot import logs
from bot.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.app import App


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studybot",
        description="A bot that runs a Dive into Deep Learning study group on Slack, Discord "
        "and in a terminal.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run", help="start the bot: Slack/Discord if configured, else the console"
    )
    _web_port_option(run)
    run.set_defaults(func=cmd_run)

    console = commands.add_parser("console", help="talk to the bot in this terminal (stdin/stdout)")
    console.add_argument(
        "--as", dest="user", default=None, help="your member name (default: your login)"
    )
    console.add_argument(
        "--out", default=None, help="folder for files the bot sends (default: ./studybot-out)"
    )
    console.add_argument(
        "--clock",
        default=None,
        metavar="ISO_TIME",
        help="start the console's clock at this time, e.g. 2027-01-10T09:00 (UTC)",
    )
    _web_port_option(console)
    console.set_defaults(func=cmd_console)

    migrate = commands.add_parser("migrate", help="create or upgrade the database schema")
    migrate.add_argument(
        "revision", nargs="?", default="head", help="target revision (default: head)"
    )
    migrate.add_argument("--down", action="store_true", help="downgrade to REVISION instead")
    migrate.set_defaults(func=cmd_migrate)

    web = commands.add_parser(
        "web", help="the web pages, and Slack over HTTP if configured, on $PORT (Procfile's web)"
    )
    web.set_defaults(func=lambda a: serve(a.settings, only="web"))
    discord = commands.add_parser("discord", help="the Discord gateway (the Procfile's discord)")
    discord.set_defaults(func=lambda a: serve(a.settings, only="discord"))
    worker = commands.add_parser("worker", help="a grading worker (the Procfile's worker)")
    worker.add_argument(
        "--check",
        action="store_true",
        help="print the health report (database, migrations, last outbox send) and exit: "
        "0 healthy, 1 not",
    )
    worker.set_defaults(func=cmd_worker)

    schedule = commands.add_parser("schedule", help="the session plan")
    schedule_commands = schedule.add_subparsers(dest="schedule", metavar="ACTION", required=True)
    ics = schedule_commands.add_parser("ics", help="print the plan as an iCalendar (.ics) file")
    ics.set_defaults(func=cmd_schedule_ics)

    bench = commands.add_parser("bench", help="benchmarks that print JSON numbers")
    benches = bench.add_subparsers(dest="bench", metavar="BENCHMARK", required=True)
    _register_tools(commands, benches)
    return parser


# What each Procfile process needs before it can do its job.
PROCESS_NEEDS = {
    "slack": "Slack: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and "
    "SLACK_CLIENT_SECRET for the OAuth install flow); it serves /slack/events on $PORT. "
    "For Socket Mode set SLACK_APP_TOKEN instead of the signing secret.",
    "discord": "Discord: set DISCORD_TOKEN (a bot token with the message-content intent).",
}


def _register_tools(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    benches: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """The command groups each part of the project contributes (cheap imports only)."""
    from bot import bench_load, bench_reminders, bench_web, ops_cli
    from bot.platforms.discord_bot import bench as discord_bench
    from bot.platforms.slack_app import bench as slack_bench
    from bot.sandbox import cli as sandbox_cli
    from quizzes.exercises import cli as grade_cli
    from quizzes.questions import cli as quiz_cli

    for register in (
        bench_reminders.register,
        bench_load.register,
        sandbox_cli.register,
        slack_bench.register,
        discord_bench.register,
        bench_web.register,
    ):
        register(commands, benches)
    grade_cli.register(commands)
    ops_cli.register(commands)
    quiz_cli.register(commands)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    args.settings = settings
    try:
        result: int = args.func(args)
    except Exception as exc:
        problem = start_problem(exc, settings.database_url)
        if problem is None:
            raise
        # One line saying what to fix; the traceback only for those who asked for it.
        logging.getLogger("studybot").debug("the start failed", exc_info=True)
        print(f"studybot: {problem}", file=sys.stderr)
        return 1
    return result


def start_problem(exc: BaseException, database_url: str) -> str | None:
    """What an operator must fix, for the failures a start can meet (None: a real bug)."""
    from bot.platforms.base import PlatformStartError

    if isinstance(exc, PlatformStartError):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return f"{exc.strerror}: another process listens on that port; stop it or set PORT"
    cause = logs.away_cause(exc)
    if cause is not None and _raised_in(exc, DATABASE_LIBRARIES):
        return (
            f"cannot reach the database at {_redact(database_url)} ({logs.one_line(cause)}): "
            "start it, or fix STUDYBOT_DATABASE_URL"
        )
    return None


DATABASE_LIBRARIES = ("sqlalchemy", "asyncpg", "aiosqlite", "psycopg", "procrastinate")


def _raised_in(exc: BaseException, packages: tuple[str, ...]) -> bool:
    """Whether `exc` passed through code of one of `packages` (an OSError alone could be a
    port, a file or the database)."""
    folders = tuple(f"{os.sep}{package}{os.sep}" for package in packages)
    tb = exc.__traceback__
    while tb is not None:
        if any(folder in tb.tb_frame.f_code.co_filename for folder in folders):
            return True
        tb = tb.tb_next
    return False


def cmd_migrate(args: argparse.Namespace) -> int:
    from models.migrate import downgrade, upgrade

    url = args.settings.database_url
    if args.down:
        downgrade(url, args.revision)
    else:
        upgrade(url, args.revision)
    print(
        f"database {'downgraded' if args.down else 'migrated'} to {args.revision}: {_redact(url)}"
    )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    from quizzes.exercises.cli import start_refusal

    refusal = start_refusal(settings)  # the organizers' content folder, checked in full
    if refusal is not None:
        print(f"studybot: {refusal}", file=sys.stderr)
        return 1
    if not (settings.slack_enabled or settings.discord_enabled):
        print("No Slack or Discord credentials set: starting the console.", file=sys.stderr)
        return cmd_console(
            argparse.Namespace(
                settings=settings, user=None, out=None, clock=None, web_port=args.web_port
            )
        )
    return serve(settings, only=None)


def serve(settings: Settings, only: str | None) -> int:
    """Run the configured chat platforms (or just `only`) with outbox delivery."""
    from bot.app import App
    from bot.health import mount_health
    from bot.platforms.base import Platform
    from bot.runner import run_platforms

    slack = settings.slack_enabled and only in (None, "slack", "web")
    discord = settings.discord_enabled and only in (None, "discord")
    pages = only in (None, "web")  # the web pages, with Slack's endpoints mounted on them
    if not (slack or discord or pages):
        print(
            f"studybot: {only or 'run'} needs {PROCESS_NEEDS.get(only or '', 'credentials')}",
            file=sys.stderr,
        )
        return 2

    async def main() -> None:
        app = await App.create(settings)
        platforms: list[Platform] = []
        server = None
        if pages:
            from bot.web import Limits, WebServer, build_site

            server = WebServer(build_site(app, limits=Limits()), "0.0.0.0", settings.port)
            mount_health(server.web_app, app)
        if slack:
            from bot.platforms.slack_app import SlackPlatform

            slack_platform = SlackPlatform(app, settings)
            if server is not None:
                slack_platform.mount(server.web_app)
            platforms.append(slack_platform)
        if discord:
            from bot.platforms.discord_bot import DiscordPlatform

            platforms.append(DiscordPlatform(app, settings))
        if settings.github_enabled:  # the group's repository: delivered with the chats
            from bot.github import GitHubPublisher

            platforms.append(GitHubPublisher(app.services))
        else:
            from handlers.github_sync import apply_settings

            await apply_settings(app.services)  # no token: nothing is planned for GitHub
        try:
            # `web` and `discord` are Procfile processes: its `worker` grades on PostgreSQL.
            async with embedded_grading(app, children=only is None):
                if server is not None:
                    await server.start()
                await run_platforms(app, platforms)
        finally:
            if server is not None:
                await server.stop()
            await app.close()

    asyncio.run(main())
    quick_exit()
    return 0


def quick_exit() -> None:
    """Everything is closed: make the interpreter's own teardown quick. Its last garbage
    collection over torch's objects took ~10 s on a busy machine (frozen objects are skipped),
    and an import of the grader still running would hold the exit until it ends."""
    from bot.worker import still_importing

    gc.freeze()
    if still_importing():
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def cmd_console(args: argparse.Namespace) -> int:
    from bot.app import App
    from bot.clock import Clock, FakeClock, SystemClock
    from bot.platforms.console import ConsoleAdapter

    settings: Settings = args.settings
    clock: Clock = SystemClock()
    if args.clock:
        try:
            start = dt.datetime.fromisoformat(args.clock)
        except ValueError:
            print(
                f"studybot: --clock {args.clock!r} is not an ISO time such as 2027-01-10T09:00",
                file=sys.stderr,
            )
            return 2
        clock = FakeClock(start if start.tzinfo else start.replace(tzinfo=dt.UTC))
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")  # binary pastes must not crash the console

    out_dir = Path(args.out).resolve() if args.out else settings.output_dir
    user = args.user or _login_name()
    web_port: int = getattr(args, "web_port", 0)
    if web_port and settings.public_url is None:  # links in replies point at this console
        settings = settings.model_copy(update={"public_url": f"http://127.0.0.1:{web_port}"})

    async def session() -> int:
        app = await App.create(settings, clock=clock)
        try:
            async with embedded_grading(app), console_pages(app, web_port):
                return await ConsoleAdapter(app, user=user, out_dir=out_dir).run()
        finally:
            await app.close()

    try:
        return asyncio.run(session())
    except KeyboardInterrupt:
        return 130


def cmd_schedule_ics(args: argparse.Namespace) -> int:
    from bot.app import App
    from handlers.calendar import cohort_ics
    from models.cohorts import first_cohort

    async def export() -> bytes:
        app = await App.create(args.settings)
        try:
            async with app.services.sessions() as db, db.begin():
                cohort = await first_cohort(db)
                assert cohort is not None  # App.create made one
                now = app.services.clock.now()
                return await cohort_ics(db, cohort, app.services.curriculum, now)
        finally:
            await app.close()

    sys.stdout.buffer.write(asyncio.run(export()))
    sys.stdout.flush()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from bot.grading_queue import is_postgres
    from bot.worker import GradingWorker, stop_on_signals
    from models.migrate import upgrade_async

    settings: Settings = args.settings
    if args.check:
        return cmd_health_check(settings)
    if not is_postgres(settings.database_url):
        print(
            "studybot: worker needs PostgreSQL (STUDYBOT_DATABASE_URL=postgresql+asyncpg://...); "
            "with SQLite the bot grades in its own process",
            file=sys.stderr,
        )
        return 2

    async def main() -> None:
        stopping = stop_on_signals()  # from the start: a stop while starting up exits 0 too
        await upgrade_async(settings.database_url)  # a migration is never left half done
        if not stopping.is_set():
            await GradingWorker(settings).run(stopping=stopping)

    asyncio.run(main())
    return 0


CONSOLE_WEB_PORT = 8000


def _web_port_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--web-port",
        type=int,
        default=CONSOLE_WEB_PORT,
        metavar="PORT",
        help=f"serve the web pages on 127.0.0.1:PORT while the console runs (default "
        f"{CONSOLE_WEB_PORT}; 0 turns them off)",
    )


@contextlib.asynccontextmanager
async def console_pages(app: App, port: int) -> AsyncIterator[None]:
    """The web pages on this machine while the console runs (`--web-port`, 0: none)."""
    if not port:
        yield
        return
    from bot.web import Limits, WebServer, build_site

    server = WebServer(build_site(app, limits=Limits()), "127.0.0.1", port)
    try:
        await server.start()
    except OSError as exc:
        print(
            f"studybot: the web pages are off: port {port} is taken ({exc.strerror}); "
            "choose another with --web-port",
            file=sys.stderr,
        )
        yield
        return
    print(f"Web pages: {server.url}/ (--web-port 0 turns them off)", file=sys.stderr)
    try:
        yield
    finally:
        await server.stop()


def cmd_health_check(settings: Settings) -> int:
    """`studybot worker --check`: the report `GET /healthz` gives, for this host's worker."""
    from bot.health import check_health
    from models.db import create_engine

    async def check() -> bool:
        engine = create_engine(settings.database_url)
        try:
            report = await check_health(engine, dt.datetime.now(dt.UTC))
        finally:
            await engine.dispose()
        print("\n".join(report.lines()))
        return report.healthy

    return 0 if asyncio.run(check()) else 1


@contextlib.asynccontextmanager
async def embedded_grading(app: App, *, children: bool = True) -> AsyncIterator[None]:
    """Grade for as long as the bot runs, unless `settings.workers` is 0.

    SQLite: a grading worker in this process, on the in-process queue. PostgreSQL:
    `settings.workers` `studybot worker` child processes, unless `children` is off (the
    Procfile's `web` and `discord`: its `worker` processes grade).
    """
    from bot.worker import GradingWorker

    settings = app.services.settings
    if settings.workers == 0:
        yield
        return
    if app.grading.postgres:
        if not children:
            yield
            return
        with _worker_processes(settings.workers):
            yield
        return
    worker = GradingWorker(settings, queue=app.grading, clock=app.services.clock)
    task = asyncio.create_task(worker.run(), name="grading")
    try:
        yield
    finally:
        task.cancel()  # procrastinate finishes the job in hand first
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.contextmanager
def _worker_processes(count: int) -> Iterator[None]:
    children = [
        subprocess.Popen([sys.executable, "-m", "bot.cli", "worker"], stdin=subprocess.DEVNULL)
        for _ in range(count)
    ]
    try:
        yield
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=60)  # a job in hand is finished first
            except subprocess.TimeoutExpired:
                child.kill()


def _login_name() -> str:
    try:
        return getpass.getuser() or "me"
    except (KeyError, OSError):
        return "me"


def _redact(url: str) -> str:
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


if __name__ == "__main__":
    raise SystemExit(main())
