"""The baselines of ``make bench``: bare FastAPI endpoints doing the same database work with the
driver alone (asyncpg on PostgreSQL, aiosqlite on SQLite), with no auth, ORM or middleware;
and the idiomatic peers (issue 19): the same read and insert written as the SQLModel and FastAPI
tutorials write them (a session dependency, ``session.get``, ``add``/``commit``/``refresh``, a
``response_model``), with the service's own table models but no authentication, audit or event.

Served by uvicorn exactly like the service (``uvicorn tests.benchmarks.bare_app:app``), so the
two differ only in what the service adds. Configured by ``BENCH_DATABASE_URL``,
``BENCH_ORGANISATION_ID`` and ``BENCH_UNIT_ID``.
"""

import asyncio
import csv
import io
import json
import os
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Annotated, Any, Protocol

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from app import models as _every_table  # noqa: F401 - so the foreign keys of the models resolve
from app.db import async_url
from app.org_units.models import OrgUnit, OrgUnitPublic
from app.teams.models import Team, TeamCreate, TeamPublic

PAGE = 50
UNIT_COLUMNS = (
    "id, organisation_id, name, kind, external_code, parent_id, path, depth, archived_at, "
    "created_at, updated_at, version"
)
TEAM_INSERT = (
    "INSERT INTO team (id, created_at, updated_at, version, organisation_id, name, kind, "
    "description, org_unit_id) VALUES ({})"
)


MEASUREMENT_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "version",
    "organisation_id",
    "measure_id",
    "org_unit_id",
    "period_ordinal",
    "period_key",
    "period_first_on",
    "value",
    "numerator",
    "denominator",
    "source",
    "recorded_at",
)
MEASUREMENT_INSERT = f"INSERT INTO measurement ({', '.join(MEASUREMENT_COLUMNS)}) VALUES ({{}})"  # noqa: S608 - constant SQL
SERIES_SELECT = (
    "SELECT period_key, period_first_on, value, numerator, denominator FROM measurement "
    "WHERE measure_id = {} AND org_unit_id = {} ORDER BY period_ordinal"
)


class Driver(Protocol):
    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]: ...

    async def fetch_rows(self, sql: str, *args: Any) -> list[Sequence[Any]]: ...

    async def execute_and_commit(self, sql: str, *args: Any) -> None: ...

    async def insert_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """One transaction: the statement once per row (executemany), then COMMIT."""

    async def copy(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """The rows in one transaction, as fast as the driver can (COPY where there is one)."""

    async def close(self) -> None: ...


class PostgresDriver:
    placeholders = staticmethod(lambda n: ", ".join(f"${i}" for i in range(1, n + 1)))

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, url: str) -> "PostgresDriver":
        import asyncpg

        parsed = make_url(url).set(drivername="postgresql")
        pool = await asyncpg.create_pool(
            parsed.render_as_string(hide_password=False), min_size=10, max_size=10
        )
        return cls(pool)

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        async with self.pool.acquire() as connection:
            return [dict(row) for row in await connection.fetch(sql, *args)]

    async def fetch_rows(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        async with self.pool.acquire() as connection:
            rows: list[Sequence[Any]] = await connection.fetch(sql, *args)
            return rows

    async def execute_and_commit(self, sql: str, *args: Any) -> None:
        async with self.pool.acquire() as connection:
            await connection.execute(sql, *args)  # autocommit: one statement, one transaction

    async def insert_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.executemany(sql, rows)

    async def copy(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        async with self.pool.acquire() as connection:
            await connection.copy_records_to_table(table, records=rows, columns=list(columns))

    async def close(self) -> None:
        await self.pool.close()


class SqliteDriver:
    """A small pool of aiosqlite connections, as the service's engine keeps."""

    placeholders = staticmethod(lambda n: ", ".join("?" for _ in range(n)))

    def __init__(self, connections: "asyncio.Queue[Any]") -> None:
        self.connections = connections

    @classmethod
    async def open(cls, url: str, size: int = 5) -> "SqliteDriver":
        import aiosqlite

        queue: asyncio.Queue[Any] = asyncio.Queue()
        for _ in range(size):
            connection = await aiosqlite.connect(make_url(url).database or "")
            await connection.execute("PRAGMA busy_timeout=10000")
            queue.put_nowait(connection)
        return cls(queue)

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        connection = await self.connections.get()
        try:
            cursor = await connection.execute(sql, args)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]
        finally:
            self.connections.put_nowait(connection)

    async def fetch_rows(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        connection = await self.connections.get()
        try:
            cursor = await connection.execute(sql, args)
            return list(await cursor.fetchall())
        finally:
            self.connections.put_nowait(connection)

    async def execute_and_commit(self, sql: str, *args: Any) -> None:
        connection = await self.connections.get()
        try:
            await connection.execute(sql, args)
            await connection.commit()
        except BaseException:
            await connection.rollback()  # a connection back in the pool holds no lock
            raise
        finally:
            self.connections.put_nowait(connection)

    async def insert_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        connection = await self.connections.get()
        try:
            await connection.executemany(sql, rows)
            await connection.commit()
        except BaseException:
            await connection.rollback()
            raise
        finally:
            self.connections.put_nowait(connection)

    async def copy(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        placeholders = ", ".join("?" for _ in columns)
        await self.insert_many(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608 - constant SQL
            rows,
        )

    async def close(self) -> None:
        while not self.connections.empty():
            await self.connections.get_nowait().close()


URL = os.environ.get("BENCH_DATABASE_URL", "sqlite:///bench.db")
POSTGRES = URL.startswith("postgresql")
ORGANISATION_ID = uuid.UUID(os.environ.get("BENCH_ORGANISATION_ID", str(uuid.UUID(int=0))))
UNIT_ID = uuid.UUID(os.environ.get("BENCH_UNIT_ID", str(uuid.UUID(int=0))))
driver: Driver


def _key(value: uuid.UUID) -> Any:
    return value if POSTGRES else value.hex  # SQLAlchemy's Uuid is 32 hex digits on SQLite


def _json(rows: Any) -> Response:
    return Response(json.dumps(rows, default=str), media_type="application/json")


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    global driver
    driver = await (PostgresDriver.open(URL) if POSTGRES else SqliteDriver.open(URL))
    yield
    await driver.close()
    await idiomatic_engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/healthz")
async def bare_health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/bare/org-units/{org_unit_id}")
async def bare_get_unit(org_unit_id: uuid.UUID) -> Response:
    p = PostgresDriver.placeholders if POSTGRES else SqliteDriver.placeholders
    rows = await driver.fetch(
        f"SELECT {UNIT_COLUMNS} FROM org_unit WHERE id = {p(1)}",  # noqa: S608 - constant SQL
        _key(org_unit_id),
    )
    return _json(rows[0])


@app.get("/bare/org-units")
async def bare_list_units() -> Response:
    p = PostgresDriver.placeholders if POSTGRES else SqliteDriver.placeholders
    where = f"WHERE organisation_id = {p(1)} AND archived_at IS NULL"
    # The same work as the service's default page: the count and the page.
    total = await driver.fetch(f"SELECT count(*) AS n FROM org_unit {where}", _key(ORGANISATION_ID))  # noqa: S608 - constant SQL
    rows = await driver.fetch(
        f"SELECT {UNIT_COLUMNS} FROM org_unit {where} ORDER BY name, id LIMIT {PAGE}",  # noqa: S608 - constant SQL
        _key(ORGANISATION_ID),
    )
    return _json({"items": rows, "total": total[0]["n"], "limit": PAGE, "offset": 0})


@app.post("/bare/teams", status_code=201)
async def bare_create_team() -> Response:
    p = PostgresDriver.placeholders if POSTGRES else SqliteDriver.placeholders
    now: Any = datetime.now(UTC)
    if not POSTGRES:
        now = now.replace(tzinfo=None).isoformat(sep=" ")
    await driver.execute_and_commit(
        TEAM_INSERT.format(p(9)),
        _key(uuid.uuid4()),
        now,
        now,
        1,
        _key(ORGANISATION_ID),
        "Förbättringsteam (bare)",
        "improvement_team",
        "Inserted by the baseline.",
        _key(UNIT_ID),
    )
    return Response(status_code=201)


# ----------------------------------------------------------------- measurements (issue 8)


def _now() -> Any:
    now = datetime.now(UTC)
    return now if POSTGRES else now.replace(tzinfo=None).isoformat(sep=" ")


def _measurement(
    measure_id: Any, unit_id: Any, period: str, numerator: float, denominator: float, now: Any
) -> tuple[Any, ...]:
    """One row of the measurement table for a day period, as the driver binds it."""
    day = date.fromisoformat(period)
    return (
        _key(uuid.uuid4()),
        now,
        now,
        1,
        _key(ORGANISATION_ID),
        measure_id,
        unit_id,
        day.toordinal(),
        day.isoformat(),
        day if POSTGRES else day.isoformat(),
        numerator / denominator * 100,
        numerator,
        denominator,
        "api",
        now,
    )


def _placeholders(n: int) -> str:
    return PostgresDriver.placeholders(n) if POSTGRES else SqliteDriver.placeholders(n)


@app.post("/bare/measurements/bulk")
async def bare_bulk(request: Request) -> Response:
    """The same JSON body as ``/measurements/bulk``, parsed and inserted with the driver."""
    batch = json.loads(await request.body())
    measure_id = _key(uuid.UUID(batch["measure_id"]))
    unit_id = _key(uuid.UUID(batch["org_unit_id"]))
    now = _now()
    rows = [
        _measurement(
            measure_id,
            unit_id,
            row["period"],
            float(row["numerator"]),
            float(row["denominator"]),
            now,
        )
        for row in batch["rows"]
    ]
    await driver.insert_many(
        MEASUREMENT_INSERT.format(_placeholders(len(MEASUREMENT_COLUMNS))), rows
    )
    return _json({"rows": len(rows), "created": len(rows)})


@app.post("/bare/measurements", status_code=201)
async def bare_record(request: Request) -> Response:
    """One measurement from the same JSON body as ``POST /measurements``: INSERT and COMMIT."""
    data = json.loads(await request.body())
    row = _measurement(
        _key(uuid.UUID(data["measure_id"])),
        _key(uuid.UUID(data["org_unit_id"])),
        data["period"],
        float(data["numerator"]),
        float(data["denominator"]),
        _now(),
    )
    await driver.execute_and_commit(
        MEASUREMENT_INSERT.format(_placeholders(len(MEASUREMENT_COLUMNS))), *row
    )
    return Response(status_code=201)


@app.post("/bare/measurements/copy")
async def bare_copy(request: Request, measure_id: uuid.UUID, org_unit_id: uuid.UUID) -> Response:
    """The upload's CSV (``Datum;Täljare;Nämnare``) read with :mod:`csv` and COPYed."""
    text = (await request.body()).decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text), delimiter=";")
    next(reader)  # the header
    now = _now()
    measure, unit = _key(measure_id), _key(org_unit_id)
    rows = [
        _measurement(measure, unit, day, float(numerator), float(denominator), now)
        for day, numerator, denominator in reader
    ]
    await driver.copy("measurement", MEASUREMENT_COLUMNS, rows)
    return _json({"rows": len(rows), "created": len(rows)})


@app.get("/bare/measures/{measure_id}/series")
async def bare_series(measure_id: uuid.UUID, org_unit_id: uuid.UUID) -> Response:
    """The unit's points of the measure, as the service's series document."""
    rows = await driver.fetch_rows(
        SERIES_SELECT.format(*_placeholders(2).split(", ")), _key(measure_id), _key(org_unit_id)
    )
    return _json(
        {
            "measure_id": str(measure_id),
            "org_unit_id": str(org_unit_id),
            "points": [
                {
                    "period": key,
                    "period_first_on": str(first_on),
                    "value": value,
                    "numerator": numerator,
                    "denominator": denominator,
                    "units": 1,
                    "withheld": False,
                }
                for key, first_on, value, numerator, denominator in rows
            ],
        }
    )


# ----------------------------------------------------------------- idiomatic SQLModel (issue 19)

idiomatic_engine = create_async_engine(async_url(URL), **({"pool_size": 10} if POSTGRES else {}))
idiomatic_sessions = async_sessionmaker(
    idiomatic_engine, class_=AsyncSession, expire_on_commit=False
)


async def idiomatic_session() -> AsyncIterator[AsyncSession]:
    async with idiomatic_sessions() as session:
        yield session


IdiomaticSession = Annotated[AsyncSession, Depends(idiomatic_session)]


@app.get("/idiomatic/org-units/{org_unit_id}", response_model=OrgUnitPublic)
async def idiomatic_get_unit(org_unit_id: uuid.UUID, session: IdiomaticSession) -> OrgUnit:
    """One row by id as the SQLModel tutorial reads it: no token, no scope, no ETag."""
    unit = await session.get(OrgUnit, org_unit_id)
    if unit is None:
        raise HTTPException(status_code=404)
    return unit


@app.post("/idiomatic/teams", response_model=TeamPublic, status_code=201)
async def idiomatic_create_team(body: TeamCreate, session: IdiomaticSession) -> Team:
    """The tutorial's insert: validate, add, commit, refresh; no token, audit or event."""
    team = Team.model_validate(body, update={"organisation_id": ORGANISATION_ID})
    session.add(team)
    await session.commit()
    await session.refresh(team)
    return team
