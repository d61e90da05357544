"""The operator's commands: `studybot doctor`, `backup`, `restore` and `migrate-data`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = commands.add_parser(
        "doctor", help="check this host for what the bot needs; prints the fix for each problem"
    )
    doctor.add_argument(
        "--skip-sandbox", action="store_true", help="don't time the sandbox's warm start"
    )
    doctor.set_defaults(func=cmd_doctor)

    backup = commands.add_parser(
        "backup", help="copy the SQLite database while the bot runs (PostgreSQL: pg_dump)"
    )
    backup.add_argument("file", type=Path, help="the backup file to write")
    backup.set_defaults(func=cmd_backup)

    restore = commands.add_parser(
        "restore", help="replace the SQLite database with a backup (stop the bot first)"
    )
    restore.add_argument("file", type=Path, help="a file written by `studybot backup`")
    restore.set_defaults(func=cmd_restore)

    copy = commands.add_parser(
        "migrate-data",
        help="copy every table from one database to another (SQLite <-> PostgreSQL), ids kept",
    )
    copy.add_argument("--from", dest="source", required=True, metavar="URL")
    copy.add_argument("--to", dest="target", required=True, metavar="URL")
    copy.set_defaults(func=cmd_migrate_data)


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.backup import PG_DUMP_HOWTO, BackupError, backup, sqlite_path
    from bot.cli import _redact

    settings: Settings = args.settings
    try:
        database = sqlite_path(settings.database_url)
        if database is None:
            plain = settings.database_url.replace("+asyncpg", "")
            print(PG_DUMP_HOWTO.format(file=args.file, url=_redact(plain)), file=sys.stderr)
            return 2
        copied = backup(database, args.file)
    except BackupError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 1
    print(
        f"backed up {database} to {copied.path}: {copied.tables} tables, "
        f"{copied.bytes:,} bytes, migration {copied.revision}"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from bot.backup import PG_DUMP_HOWTO, BackupError, restore, sqlite_path
    from bot.cli import _redact
    from bot.health import code_head

    settings: Settings = args.settings
    try:
        database = sqlite_path(settings.database_url)
        if database is None:
            plain = settings.database_url.replace("+asyncpg", "")
            print(PG_DUMP_HOWTO.format(file=args.file, url=_redact(plain)), file=sys.stderr)
            return 2
        copied = restore(args.file, database)
    except BackupError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 1
    print(f"restored {args.file} into {database}: migration {copied.revision}")
    if copied.revision != code_head():
        print("the backup is from an older release: `studybot migrate` brings it up to date")
    return 0


def cmd_migrate_data(args: argparse.Namespace) -> int:
    from bot.copy_data import CopyError, copy_database

    try:
        counts = asyncio.run(copy_database(args.source, args.target))
    except CopyError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 1
    for table, count in counts.items():
        print(f"{table}: {count}")
    print(f"copied {sum(counts.values())} rows in {len(counts)} tables")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from bot.doctor import run_checks

    checks = asyncio.run(run_checks(args.settings, sandbox=not args.skip_sandbox))
    for check in checks:
        print(check.line())
    failed = [c.name for c in checks if c.ok is False and c.needed]
    if failed:
        print(f"missing: {', '.join(failed)}")
        return 1
    print("everything the bot needs is here")
    return 0
