"""Session factories: where the listeners every session relies on are installed.

Three kinds of session, one factory each:

* ``read``: for GET and HEAD requests. No transaction to begin or end (PostgreSQL runs in
  autocommit, SQLite begins none), so a read costs only its own statements.
* ``write``: for requests that change data. One transaction; on SQLite it takes the write lock
  up front (``BEGIN IMMEDIATE``), on PostgreSQL the rows of audited tables it reads are locked
  (``FOR UPDATE``), so concurrent writers of one object take turns.
* ``default``: a plain transaction, for the command line, demo data and tests' set-up.

Every kind audits what its flushes write (:mod:`app.audit.service`).
"""

from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.audit import service as audit
from app.db import ContextSession, lock_rows_read_for_writing

Kind = Literal["read", "write", "default"]


def create_sessionmaker(
    bind: Any, *, kind: Kind = "default", **options: Any
) -> async_sessionmaker[AsyncSession]:
    """A factory of sessions of ``kind`` on ``bind`` (an engine, or a connection in tests)."""
    session_class: type[ContextSession] = type(
        f"{kind.title()}Session", (ContextSession,), {"locks_reads": kind == "write"}
    )
    audit.install(session_class)
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
