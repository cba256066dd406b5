"""Database plumbing: engine, sessions, the shared UTC timestamp type and the row mixins."""

import functools
import re
import unicodedata
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import DateTime, MetaData, Select, Table, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session, declared_attr
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel
from sqlmodel._compat import SQLModelConfig
from starlette.types import ASGIApp, Receive, Scope, Send

from app.context import SYSTEM, Context
from app.outages import is_database_unavailable, track_commits
from app.settings import get_settings

# Every constraint gets a predictable name; SQLite batch migrations depend on it.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def with_example(example: dict[str, Any]) -> SQLModelConfig:
    """``model_config`` of an API model whose contract shows ``example``."""
    return SQLModelConfig(json_schema_extra={"example": example})


def input_example(example: dict[str, Any]) -> SQLModelConfig:
    """``model_config`` of a request body: shows ``example``, refuses unknown fields (a typo is a
    422 naming it, not a silently ignored field) and strips surrounding whitespace from strings
    (so a name of only spaces fails ``min_length``).

    An optional field that may not be null (``name: str = Field(default=None)``: leave it out to
    keep the value) is published without its ``default: null``, which would contradict its type.
    """

    def extra(schema: dict[str, Any]) -> None:
        for prop in schema.get("properties", {}).values():
            nullable = prop.get("type") == "null" or any(
                option.get("type") == "null" for option in prop.get("anyOf", [])
            )
            if "default" in prop and prop["default"] is None and not nullable:
                del prop["default"]
        schema["example"] = example

    return SQLModelConfig(json_schema_extra=extra, extra="forbid", str_strip_whitespace=True)


# Characters that show nothing: controls, format characters (zero-width space U+200B, joiners
# U+200C/D, word joiner U+2060, byte order mark U+FEFF, bidi marks, soft hyphen), every kind of
# space, and the letters that render blank (Hangul fillers, the blank Braille pattern).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def is_visible(text: str) -> bool:
    """Whether the text shows at least one character (zero-width spaces alone are no name)."""
    return any(
        not char.isspace()
        and char not in _BLANK_LETTERS
        and unicodedata.category(char) not in _INVISIBLE_CATEGORIES
        for char in text
    )


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    return False


def refuse_nul(value: str) -> str:
    """NUL (U+0000) is text PostgreSQL cannot store; SQLite would: refuse it on both."""
    if "\x00" in value:
        raise PydanticCustomError("string_nul", "must not contain NUL characters (U+0000)")
    return value


QueryText = Annotated[str, AfterValidator(refuse_nul)]
"""A text query parameter (``q``, ``external_code`` ...): no NUL, like every text of a body."""


class InputModel(SQLModel):
    """Base of every request body (and of the objects nested in one), with ``input_example``
    as its ``model_config``. Its text is storable on every database: no field holds a NUL
    character, and a required text (one with ``min_length``) shows at least one character, so a
    name of only zero-width spaces is as empty as one of only spaces."""

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_storable(cls, value: Any, info: ValidationInfo) -> Any:
        if _holds_nul(value):
            raise PydanticCustomError("string_nul", "must not contain NUL characters (U+0000)")
        if (
            isinstance(value, str)
            and info.field_name in _required_texts(cls)
            and not is_visible(value)
        ):
            raise PydanticCustomError(
                "string_invisible",
                "must contain a visible character, not only spaces or invisible ones such as "
                "zero-width spaces",
            )
        return value


@functools.cache
def _required_texts(model: type[InputModel]) -> frozenset[str]:
    """The fields of ``model`` that must not be empty (they carry a ``min_length``)."""
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if any((getattr(rule, "min_length", None) or 0) > 0 for rule in info.metadata)
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """Today in the organisation's calendar (``PDCA_TIMEZONE``): what due dates are measured by."""
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise ValueError("must be a calendar date written YYYY-MM-DD")


_ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_instant(value: object) -> object:
    if (isinstance(value, str) and _ISO_INSTANT.match(value)) or isinstance(value, datetime):
        return value
    raise ValueError("must be an ISO 8601 instant with an offset, e.g. 2026-09-01T08:00:00Z")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
"""A day as the contract writes it (`2026-09-01`): no numbers, no instants passed off as days."""


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00:00+14:00 is a valid ISO 8601 instant, but in UTC it falls in year 0.
        raise ValueError(
            "lies outside the calendar once converted to UTC (years 0001 to 9999)"
        ) from None


UTCTimestamp = Annotated[AwareDatetime, BeforeValidator(_iso_instant), AfterValidator(_in_utc)]
"""An instant given by a client: it must name its offset (`Z`, `+01:00`); kept and shown in UTC."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite keeps no zone, so we add it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class VersionedRow(SQLModel):
    """Columns of every audited table: a random id, times and a version.

    Ids are random UUIDs, so a client can neither count nor guess other tenants' objects.
    ``version`` is SQLAlchemy's optimistic-concurrency column: an UPDATE that lost a race matches
    no row and raises, and it is the ETag clients send back in If-Match.
    """

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        nullable=False,
        sa_column_kwargs={"onupdate": utcnow},
    )
    version: int = Field(default=1, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker


class TenantRow(VersionedRow):
    """A row owned by one organisation (tenant); every query filters on it."""

    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)


def async_url(url: str) -> str:
    """The URL with the async driver we use: aiosqlite or asyncpg (unless one is named)."""
    parsed = make_url(url)
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgres", "postgresql"):
        return str(
            parsed.set(drivername=f"postgresql+{driver or 'asyncpg'}").render_as_string(False)
        )
    if backend == "sqlite":
        return str(parsed.set(drivername=f"sqlite+{driver or 'aiosqlite'}").render_as_string(False))
    return url


def sync_url(url: str) -> str:
    """The URL with a synchronous driver, for Alembic."""
    parsed = make_url(url)
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgres", "postgresql"):
        sync_driver = "psycopg" if driver in ("", "psycopg", "asyncpg") else driver
        return parsed.set(drivername=f"postgresql+{sync_driver}").render_as_string(False)
    if backend == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(False)
    return url


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (see _sqlite_begin),
    # so reads and SAVEPOINTs sit inside the transaction like on PostgreSQL.
    dbapi_connection.isolation_level = None
    # SQLite's own lower() folds ASCII only; Python's folds Å, Ä and Ö too, like PostgreSQL.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE) and queue on busy_timeout; a
    # deferred transaction that read first would fail when another writer committed meanwhile.
    # Readers (sqlite_begin None) run each statement in a transaction of its own.
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    if mode:
        connection.exec_driver_sql(f"BEGIN {mode}")


def _timeouts(url: str, timeout: float) -> dict[str, Any]:
    """The driver's connect and statement timeouts on PostgreSQL: the server cancels a statement
    after ``timeout`` (a clean error), the client gives up a second later (a dead link)."""
    driver = make_url(url).get_driver_name()
    milliseconds = str(int(timeout * 1000))
    if driver == "asyncpg":
        return {
            "timeout": timeout,
            "command_timeout": timeout + 1,
            "server_settings": {"statement_timeout": milliseconds},
        }
    if driver == "psycopg":
        # connect_args replace the URL's own `options` (a replica's read-only default, say):
        # keep them beside the timeout.
        given = make_url(url).query.get("options", "")
        given = given if isinstance(given, str) else " ".join(given)
        return {
            "connect_timeout": max(1, round(timeout)),
            "options": f"{given} -c statement_timeout={milliseconds}".strip(),
        }
    return {}


def create_engine(
    url: str, *, pool_size: int = 10, null_pool: bool = False, timeout: float | None = None
) -> AsyncEngine:
    """The engine of one process. No liveness ping on checkout: a connection found dead when it
    is used is invalidated by SQLAlchemy (with every connection the pool made before it) and
    replaced at the next checkout, and a read that met it is retried once on a fresh one (see
    :func:`retryable`). ``timeout`` bounds, on PostgreSQL, the wait to connect, for a pooled
    connection and for one statement (``PDCA_DATABASE_TIMEOUT_SECONDS``)."""
    url = async_url(url)
    kwargs: dict[str, Any] = {}
    if null_pool:
        kwargs = {"poolclass": NullPool}
    elif url.startswith("postgresql"):
        # Connections older than this are replaced before a server or a proxy drops them.
        kwargs = {"pool_size": pool_size, "pool_recycle": 1800}
        if timeout is not None:
            kwargs["pool_timeout"] = timeout
    if timeout is not None and url.startswith("postgresql"):
        kwargs["connect_args"] = _timeouts(url, timeout)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "postgresql":  # over a network a COMMIT's answer can be lost
        track_commits(engine)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


class ContextSession(Session):
    """The ORM session of the service: it carries who acts (:class:`~app.context.Context`),
    whether the rows it reads are locked for writing, and the audit actions services named.

    Each session factory makes its own subclass, with the listeners the factory installs
    (see :func:`app.sessions.create_sessionmaker`).
    """

    locks_reads: bool = False

    def __init__(self, *args: Any, context: Context = SYSTEM, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context = context
        self.audit_actions: dict[int, str] = {}


def _sync(session: AsyncSession | Session) -> ContextSession:
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    if not isinstance(sync, ContextSession):
        raise TypeError("sessions come from app.sessions.create_sessionmaker")
    return sync


def context_of(session: AsyncSession | Session) -> Context:
    """Who acts in this session."""
    return _sync(session).context


def context_of_request(request: Request) -> Context | None:
    """Who acts in the request's session, if the request opened one (None before that)."""
    session = request.scope.get(_SESSION_KEY)
    if not isinstance(session, AsyncSession) or not isinstance(
        session.sync_session, ContextSession
    ):
        return None
    return session.sync_session.context


def set_context(session: AsyncSession | Session, context: Context) -> None:
    _sync(session).context = context


async def delete_unless_referenced(
    session: AsyncSession, *rows: VersionedRow, refused: Exception
) -> None:
    """Delete ``rows`` (dependents first) and commit, or raise ``refused`` and delete nothing
    when a foreign key still points at one of them.

    The foreign keys know every table that can refer to a row, today's and later issues', so
    "has it history?" needs no list of tables here.
    """
    try:
        async with session.begin_nested():
            for row in rows:
                await session.delete(row)
                await session.flush()
    except IntegrityError:
        raise refused from None
    await session.commit()


_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


_SESSION_KEY = "pdca.session"


async def get_session(request: Request) -> AsyncSession:
    """One session, and so one connection, per request: reads get a reader's session (no
    transaction to begin or roll back on PostgreSQL), unsafe methods a writer's, which locks
    what it reads. Authentication runs in it too and names the principal.
    :class:`SessionMiddleware` closes it once the response is sent."""
    session: AsyncSession | None = request.scope.get(_SESSION_KEY)
    if session is None:
        state = request.app.state
        maker = (
            state.read_sessionmaker if request.method in _READ_METHODS else state.write_sessionmaker
        )
        if maker is state.read_sessionmaker and _reads_primary(request):
            maker = state.primary_read_sessionmaker
        session = maker(context=Context(request_id=request.headers.get("x-request-id")))
        request.scope[_SESSION_KEY] = session
    return session


def _reads_primary(request: Request) -> bool:
    """A read that must see the latest writes while reads go to a replica: ``Cache-Control:
    no-cache`` (a replica may lag the primary by a moment; read-your-writes is asked for)."""
    if getattr(request.app.state, "primary_read_sessionmaker", None) is None:
        return False
    return "no-cache" in request.headers.get("cache-control", "").lower()


class SessionMiddleware:
    """Closes the request's session, if the request opened one, after the response (a plain
    dependency with a finaliser costs more per request than this)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            session: AsyncSession | None = scope.pop(_SESSION_KEY, None)
            if session is not None:
                try:
                    await session.close()
                except Exception as error:
                    # A connection lost with the database: the pool has dropped it, and the
                    # response (if any) is already on its way.
                    if not is_database_unavailable(error):
                        raise


def lock_rows_read_for_writing(state: ORMExecuteState) -> None:
    """In a writer's session, the rows of audited tables it reads are locked (FOR UPDATE).

    Two writers of one object then take turns on PostgreSQL as they do on SQLite (BEGIN
    IMMEDIATE): the second reads the first's result, so a write without If-Match is last-writer-
    wins instead of a spurious version conflict, and one with If-Match gets an honest 412.
    """
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    statement = state.statement
    if not isinstance(statement, Select) or statement._for_update_arg is not None:
        return
    if statement._group_by_clauses or statement._distinct:
        return
    descriptions = statement.column_descriptions
    first = descriptions[0] if descriptions else {}
    entity = first.get("entity")
    # Whole rows only: aggregates and single columns cannot be locked (and need not be).
    if (
        isinstance(entity, type)
        and issubclass(entity, VersionedRow)
        and first.get("expr") is entity
    ):
        state.statement = statement.with_for_update(of=entity)


# PostgreSQL's SQLSTATEs for a transaction the server gave up so that others could go on: the
# whole transaction was rolled back, so running it again is safe.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure


def retryable(error: DBAPIError, *, read_only: bool) -> bool:
    """Whether a request that failed with ``error`` may run again from the start.

    Deadlocks and serialization failures rolled the transaction back, so any request may; a
    connection that died may have taken a COMMIT's outcome with it, so only reads retry then.
    """
    if getattr(error.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    return read_only and error.connection_invalidated


COPY_FROM_ROWS = 64
"""From this many rows, :func:`insert_rows` COPYs them on PostgreSQL instead of an INSERT per
row (asyncpg's ``executemany``): one round trip and binary rows, no SQL per row."""


async def insert_rows(
    connection: AsyncConnection, table: Table, rows: list[dict[str, Any]]
) -> None:
    """Insert ``rows`` (dicts with the same keys, every value given) into ``table`` on the
    session's connection and in its transaction: with COPY on PostgreSQL (asyncpg) from
    :data:`COPY_FROM_ROWS` rows, else one executemany INSERT.

    COPY sends the values as the columns' types bind them (JSON as text, UTC timestamps), so
    what is stored is what the INSERT would store; it fires no SQLAlchemy statement events."""
    if not rows:
        return
    dialect = connection.dialect
    if len(rows) < COPY_FROM_ROWS or dialect.driver != "asyncpg":
        await connection.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
    records = [
        tuple(
            value if process is None or value is None else process(value)
            for value, process in zip(row.values(), processors, strict=True)
        )
        for row in rows
    ]
    import asyncpg  # the driver of this connection (checked above)

    raw = await connection.get_raw_connection()
    try:
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]  # asyncpg's connection: checked above
            table.name, records=records, columns=columns
        )
    except asyncpg.PostgresError as error:
        # As SQLAlchemy would raise it, so callers catch IntegrityError (a race on a unique
        # key) and retryable() reads the SQLSTATE, whichever way the rows went.
        wrap = (
            IntegrityError
            if isinstance(error, asyncpg.IntegrityConstraintViolationError)
            else DBAPIError
        )
        raise wrap(f"COPY {table.name}", None, error) from error


SessionDep = Annotated[AsyncSession, Depends(get_session)]
