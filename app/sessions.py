"""Session factories: where the listeners every session relies on are installed.

Three kinds of session, one factory each:

* ``read``: for GET and HEAD requests. No transaction to begin or end (PostgreSQL runs in
  autocommit, SQLite begins none), so a read costs only its own statements.
* ``write``: for requests that change data. One transaction; on SQLite it takes the write lock
  up front (``BEGIN IMMEDIATE``), on PostgreSQL the rows of audited tables it reads are locked
  (``FOR UPDATE``), so concurrent writers of one object take turns.
* ``default``: a plain transaction, for the command line, demo data and tests' set-up.

Every kind audits what its flushes write: the caller hands in the audit domain's listener
(``audit=app.audit.service.install``; the app factory and the command line do), so this core
module imports no domain and no factory can be made without saying how it audits.
"""

from collections.abc import Callable
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from app.db import ContextSession, lock_rows_read_for_writing

Kind = Literal["read", "write", "default"]
AuditInstaller = Callable[[type[Session]], None]
"""Installs the audit listener on a session class (:func:`app.audit.service.install`)."""


def create_sessionmaker(
    bind: Any, *, audit: AuditInstaller, kind: Kind = "default", **options: Any
) -> async_sessionmaker[AsyncSession]:
    """A factory of sessions of ``kind`` on ``bind`` (an engine, or a connection in tests),
    each auditing its flushes through ``audit``."""
    session_class: type[ContextSession] = type(
        f"{kind.title()}Session", (ContextSession,), {"locks_reads": kind == "write"}
    )
    audit(session_class)
    if kind == "write":
        event.listen(session_class, "do_orm_execute", lock_rows_read_for_writing)
    if isinstance(bind, AsyncEngine):
        sqlite = bind.dialect.name == "sqlite"
        if kind == "write" and sqlite:
            bind = bind.execution_options(sqlite_begin="IMMEDIATE")
        elif kind == "read":
            bind = bind.execution_options(
                **({"sqlite_begin": None} if sqlite else {"isolation_level": "AUTOCOMMIT"})
            )
    return async_sessionmaker(
        bind=bind, expire_on_commit=False, sync_session_class=session_class, **options
    )
