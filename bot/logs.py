"""Logging for every studybot process: one line per event on stderr, and one line, not a
traceback, for each failure a library meets while the database is away."""

from __future__ import annotations

import logging
import sys

# These narrate every plugin, sweep or job at INFO; only their warnings matter to an
# operator (the grading worker logs each job itself).
CHATTY = ("alembic", "apscheduler", "procrastinate")
# Loops that log a traceback for every failed try while the database is away: the grading
# worker, the delivery scheduler and its LISTEN connection, and procrastinate's own. During
# an outage each try is one warning line instead; any other error keeps its traceback.
OUTAGE_TRACEBACKS = ("procrastinate", "bot.worker", "bot.scheduler", "bot.outbox_listener")
# SQLSTATEs of a server that is away or restarting (see handlers/router.py for the list the
# members' commands use).
_AWAY_SQLSTATES = ("08", "57P01", "57P02", "57P03")
# PoolTimeout: psycopg's pool (procrastinate's) waited its time for a connection it could
# not open.
_AWAY_ERRORS = {"OperationalError", "InterfaceError", "ConnectionDoesNotExistError", "PoolTimeout"}


def away_cause(exc: BaseException | None) -> BaseException | None:
    """The error in `exc`'s chain that says the database cannot be reached, if any."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        sqlstate = getattr(exc, "sqlstate", None)
        if isinstance(exc, OSError) or (sqlstate and sqlstate.startswith(_AWAY_SQLSTATES)):
            return exc
        if not sqlstate and type(exc).__name__ in _AWAY_ERRORS:
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def database_away(exc: BaseException | None) -> bool:
    return away_cause(exc) is not None


def one_line(exc: BaseException) -> str:
    """`Type: first line of the message`, for a log line."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0].strip()}" if text else type(exc).__name__


class OutageFilter(logging.Filter):
    """Turns a library's error-with-traceback about a lost database into one warning line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(OUTAGE_TRACEBACKS) or not record.exc_info:
            return True
        cause = away_cause(record.exc_info[1])
        if cause is None:
            return True
        record.msg = f"{record.getMessage()} (database unavailable: {one_line(cause)})"
        record.args = ()
        record.exc_info = record.exc_text = None
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def configure(level: str) -> None:
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    root = logging.getLogger()
    for handler in root.handlers:
        handler.addFilter(OutageFilter())
    for chatty in CHATTY:
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
