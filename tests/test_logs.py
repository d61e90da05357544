"""A lost database is one warning line in the log, whoever meets it; other errors keep their
tracebacks."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import asyncpg
import pytest
from psycopg_pool import PoolTimeout

from bot.logs import OutageFilter, database_away


class ConnectorError(Exception):
    """Like procrastinate's ConnectorException: it wraps the driver's error."""


class FakeOperationalError(Exception):
    def __init__(self, sqlstate: str | None) -> None:
        super().__init__("server closed the connection")
        self.sqlstate = sqlstate


OperationalError = type("OperationalError", (FakeOperationalError,), {})


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(OutageFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield out
    root.removeHandler(handler)


def wrapped(inner: BaseException) -> ConnectorError:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise ConnectorError("fetch_job failed") from exc
    except ConnectorError as outer:
        return outer


def test_a_refused_or_dropped_connection_is_the_database_being_away() -> None:
    assert database_away(wrapped(ConnectionRefusedError(111, "Connection refused")))
    assert database_away(wrapped(asyncpg.exceptions.AdminShutdownError("57P01")))
    assert database_away(wrapped(OperationalError(None)))  # psycopg: no SQLSTATE, no server
    assert database_away(wrapped(OperationalError("08006")))
    # procrastinate's pool waited for a connection it could not open
    assert database_away(wrapped(PoolTimeout("couldn't get a connection after 30.00 sec")))


def test_other_errors_are_not() -> None:
    assert not database_away(wrapped(ValueError("bad job")))
    assert not database_away(wrapped(OperationalError("22012")))  # division by zero
    assert not database_away(None)


def test_a_librarys_outage_traceback_becomes_one_warning_line(captured: io.StringIO) -> None:
    error = wrapped(ConnectionRefusedError(111, "Connection refused"))
    logging.getLogger("procrastinate.worker").error(
        "Side task %s failed, stopping worker", "listener", exc_info=error
    )
    [line] = captured.getvalue().splitlines()
    assert line == (
        "WARNING procrastinate.worker: Side task listener failed, stopping worker"
        " (database unavailable: ConnectionRefusedError: [Errno 111] Connection refused)"
    )


def test_other_tracebacks_are_kept(captured: io.StringIO) -> None:
    logging.getLogger("procrastinate.worker").error("job failed", exc_info=wrapped(KeyError("x")))
    elsewhere = wrapped(ConnectionRefusedError(111, "Connection refused"))
    logging.getLogger("bot.sandbox").error("sandbox failure", exc_info=elsewhere)
    text = captured.getvalue()
    assert text.count("Traceback (most recent call last)") == 4  # two errors, each chained
    assert "ERROR procrastinate.worker: job failed" in text
    assert "ERROR bot.sandbox: sandbox failure" in text


def test_the_schedulers_outage_is_one_line_too(captured: io.StringIO) -> None:
    try:
        raise wrapped(asyncpg.exceptions.CannotConnectNowError("the database is starting up"))
    except ConnectorError:
        logging.getLogger("bot.scheduler").exception("delivery sweep failed")
    [line] = captured.getvalue().splitlines()
    assert line == (
        "WARNING bot.scheduler: delivery sweep failed (database unavailable:"
        " CannotConnectNowError: the database is starting up)"
    )
