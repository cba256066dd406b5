"""The baselines of ``make bench``: bare FastAPI endpoints doing the same database work with the
driver alone (asyncpg on PostgreSQL, aiosqlite on SQLite), with no auth, ORM or middleware.

Served by uvicorn exactly like the service (``uvicorn tests.benchmarks.bare_app:app``), so the
two differ only in what the service adds. Configured by ``BENCH_DATABASE_URL``,
``BENCH_ORGANISATION_ID`` and ``BENCH_UNIT_ID``.
"""

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from fastapi import FastAPI, Response
from sqlalchemy.engine import make_url

PAGE = 50
UNIT_COLUMNS = (
    "id, organisation_id, name, kind, external_code, parent_id, path, depth, archived_at, "
    "created_at, updated_at, version"
)
TEAM_INSERT = (
    "INSERT INTO team (id, created_at, updated_at, version, organisation_id, name, kind, "
    "description, org_unit_id) VALUES ({})"
)


class Driver(Protocol):
    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]: ...

    async def execute_and_commit(self, sql: str, *args: Any) -> None: ...

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

    async def execute_and_commit(self, sql: str, *args: Any) -> None:
        async with self.pool.acquire() as connection:
            await connection.execute(sql, *args)  # autocommit: one statement, one transaction

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

    async def execute_and_commit(self, sql: str, *args: Any) -> None:
        connection = await self.connections.get()
        try:
            await connection.execute(sql, args)
            await connection.commit()
        finally:
            self.connections.put_nowait(connection)

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
