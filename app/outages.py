"""The database going away: which errors mean "unreachable, try again", and which commits
ended without a known outcome.

The problem handlers (:mod:`app.problems`), the middleware that commit outside a handler's
reach (sessions, idempotency) and the readiness probe ask :func:`is_database_unavailable`, so a
lost connection is a 503 with ``Retry-After`` everywhere and never a 500.

A COMMIT whose answer never came may have been applied or not. :func:`track_commits` marks the
error raised by such a commit, and :func:`commit_outcome_unknown` tells it apart from a failure
before the COMMIT was sent, after which the transaction is known to be rolled back.
"""

import asyncio
import socket
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine

RETRY_AFTER_SECONDS = 2
"""What a 503 asks clients to wait before trying again."""

_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53")
"""connection_exception (08xxx) and insufficient_resources (53xxx: too many connections)."""

_UNAVAILABLE_SQLSTATES = frozenset(
    {
        "57014",  # query_canceled: the statement timeout fired
        "57P01",  # admin_shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now: the server is starting or shutting down
        "57P05",  # idle_session_timeout
    }
)

_OUTCOME_UNKNOWN = "pdca_commit_outcome_unknown"


def _sqlstate(error: BaseException) -> str | None:
    for candidate in (error, getattr(error, "orig", None), getattr(error, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(state, str):
            return state
    return None


def _chain(error: BaseException) -> list[BaseException]:
    """The error, what it wraps (``orig``) and what caused it, without looping."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending and len(seen) < 16:
        current = pending.pop()
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        orig = getattr(current, "orig", None)
        pending.extend(
            [
                orig if isinstance(orig, BaseException) else None,
                current.__cause__,
                current.__context__,
            ]
        )
    return seen


def _unavailable(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, OperationalError | InterfaceError | PoolTimeoutError):
        return True
    if isinstance(error, ConnectionError | TimeoutError | asyncio.TimeoutError | socket.gaierror):
        return True
    state = _sqlstate(error)
    if state is not None and (
        state in _UNAVAILABLE_SQLSTATES or state[:2] in _UNAVAILABLE_SQLSTATE_CLASSES
    ):
        return True
    name = type(error).__name__
    module = type(error).__module__
    # The drivers' own connection errors, without importing drivers a deployment may lack.
    if module.startswith("asyncpg") and (
        name in {"ConnectionDoesNotExistError", "InterfaceError", "InternalClientError"}
        or "Connection" in name
        or "CannotConnectNow" in name
    ):
        return True
    return module.startswith("psycopg") and name in {"OperationalError", "InterfaceError"}


def is_database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database could not be reached or gave up on the request for
    reasons of its own (a lost connection, a timeout, a full pool, a server shutting down), so
    that the same request may succeed later: a 503, never a 500."""
    return any(_unavailable(link) for link in _chain(error))


def commit_outcome_unknown(error: BaseException) -> bool:
    """Whether ``error`` ended a COMMIT that was sent but not answered: it may have applied."""
    return any(getattr(link, _OUTCOME_UNKNOWN, False) for link in _chain(error))


_committing: "weakref.WeakSet[Connection]" = weakref.WeakSet()
"""Connections whose COMMIT has been sent and not yet answered."""


def _commit_starts(connection: Connection) -> None:
    _committing.add(connection)


def _transaction_starts(connection: Connection, *_args: Any) -> None:
    _committing.discard(connection)


def _mark_unknown_outcome(context: ExceptionContext) -> None:
    connection = context.connection
    if connection is None or context.statement is not None:
        return
    if connection in _committing:
        for error in (context.sqlalchemy_exception, context.original_exception):
            if error is not None:
                setattr(error, _OUTCOME_UNKNOWN, True)


def track_commits(engine: AsyncEngine) -> None:
    """Mark errors raised by a COMMIT in flight on ``engine`` (see :func:`commit_outcome_unknown`)."""
    sync = engine.sync_engine
    event.listen(sync, "begin", _transaction_starts)
    event.listen(sync, "rollback", _transaction_starts)
    event.listen(sync, "commit", _commit_starts)
    event.listen(sync, "handle_error", _mark_unknown_outcome)
