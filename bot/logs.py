"""Logging for every studybot process: one line per event on stderr, and one line, not a
traceback, for each failure a library meets while the database is away."""

from __future__ import annotations

import logging
import re
import sys

# These narrate every plugin, sweep, job or HTTP retry at INFO; only their warnings matter to
# an operator (the grading worker logs each job itself).
CHATTY = ("alembic", "apscheduler", "procrastinate", "slack_sdk", "discord")
# Warnings that say nothing to an operator: discord.py's voice support, and bolt noticing
# SLACK_BOT_TOKEN in the environment beside the client we give it (which has the token).
IRRELEVANT = ("voice will NOT be supported", "As you gave `client` as well")
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


# slack_sdk's Socket Mode client waits its ping interval between connection attempts; the
# Slack platform passes this one, so the log line can say it.
SLACK_SOCKET_RETRY_SECONDS = 10.0
# Libraries that log a traceback for every failed connection attempt before they retry:
# logger → (start of that message, what it was connecting to).
RETRY_LOGS = {
    "discord.client": ("Attempting a reconnect in", "Discord gateway"),  # "... in 4.21s"
    "studybot.slack.bolt": ("Failed to connect", "Slack Socket Mode"),  # "...; Retrying..."
}


class OneLineRetry(logging.Filter):
    """Turns a library's traceback for one failed connection attempt into one warning line
    with the reason and the delay before the next try (the traceback stays at DEBUG)."""

    def __init__(self, starts: str, what: str, delay: float | None = None) -> None:
        super().__init__()
        self.starts, self.what, self.delay = starts, what, delay

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not record.exc_info or not message.startswith(self.starts):
            return True
        found = re.search(r"in ([0-9.]+)\s*s", message)
        delay = float(found.group(1)) if found else self.delay
        reason = one_line(record.exc_info[1]) if record.exc_info[1] else message
        wait = f"; retrying in {delay:.0f} s" if delay is not None else "; retrying"
        record.msg, record.args = f"{self.what}: cannot connect ({reason}){wait}", ()
        if not logging.getLogger().isEnabledFor(logging.DEBUG):
            record.exc_info = record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _drop_irrelevant(record: logging.LogRecord) -> bool:
    return not any(text in record.getMessage() for text in IRRELEVANT)


def configure(level: str) -> None:
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    root = logging.getLogger()
    for handler in root.handlers:
        handler.addFilter(OutageFilter())
    for chatty in CHATTY:
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
    for name in ("discord.client", "studybot.slack.bolt"):
        logging.getLogger(name).addFilter(_drop_irrelevant)
    for name, (starts, what) in RETRY_LOGS.items():
        delay = SLACK_SOCKET_RETRY_SECONDS if name == "studybot.slack.bolt" else None
        logging.getLogger(name).addFilter(OneLineRetry(starts, what, delay))
