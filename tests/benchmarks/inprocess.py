"""The quick, in-process mode of the benchmarks (``python -m tests.benchmarks --in-process``):
httpx over ASGI against the driver alone, no server and no load generator."""

import asyncio
import os
import platform
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import psycopg
from alembic import command
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.cli import alembic_config, demo
from app.context import Context
from app.db import sync_url
from app.logging import configure_logging
from app.main import create_app
from app.org_units.models import OrgUnitKind
from app.settings import Settings
from tests.factories import bearer, make_organisation, make_token, make_unit

Op = Callable[[], Awaitable[None]]
SCHOOLS = 60  # units in the benchmark organisation besides its root and two areas
PAGE = 50

_UNIT_COLUMNS = (
    "id, organisation_id, name, kind, external_code, parent_id, path, depth, archived_at, "
    "created_at, updated_at, version"
)
_TEAM_INSERT = (
    "INSERT INTO team (id, created_at, updated_at, version, organisation_id, name, kind, "
    "description, org_unit_id) VALUES ({0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}, {0})"
)


class RawDriver(Protocol):
    """The baseline: the database driver alone, on one open connection."""

    version: str

    def list_units(self, organisation_id: uuid.UUID) -> tuple[int, list[dict[str, Any]]]: ...

    def insert_team(self, organisation_id: uuid.UUID, org_unit_id: uuid.UUID) -> None: ...

    def close(self) -> None: ...


class SqliteDriver:
    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path)
        self.connection.execute("PRAGMA foreign_keys=ON")
        self.connection.execute("PRAGMA busy_timeout=10000")
        self.version = f"SQLite {sqlite3.sqlite_version}"

    def list_units(self, organisation_id: uuid.UUID) -> tuple[int, list[dict[str, Any]]]:
        # SQLAlchemy's Uuid type keeps 32 hex digits on SQLite.
        where = "WHERE organisation_id = ? AND archived_at IS NULL"
        (total,) = self.connection.execute(
            f"SELECT count(*) FROM org_unit {where}",  # noqa: S608 - constant SQL, bound values
            (organisation_id.hex,),
        ).fetchone()
        cursor = self.connection.execute(
            f"SELECT {_UNIT_COLUMNS} FROM org_unit {where} ORDER BY name, id LIMIT ? OFFSET 0",  # noqa: S608 - constant SQL
            (organisation_id.hex, PAGE),
        )
        names = [column[0] for column in cursor.description]
        return total, [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def insert_team(self, organisation_id: uuid.UUID, org_unit_id: uuid.UUID) -> None:
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        self.connection.execute(
            _TEAM_INSERT.format("?"),
            (
                uuid.uuid4().hex,
                now,
                now,
                1,
                organisation_id.hex,
                "Förbättringsteam (raw)",
                "improvement_team",
                "Inserted by the baseline.",
                org_unit_id.hex,
            ),
        )
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()


class PostgresDriver:
    def __init__(self, url: str) -> None:
        self.connection = psycopg.connect(url)
        number = self.connection.info.server_version  # e.g. 150020 for 15.20
        self.version = f"PostgreSQL {number // 10000}.{number % 10000}"

    def list_units(self, organisation_id: uuid.UUID) -> tuple[int, list[dict[str, Any]]]:
        where = "WHERE organisation_id = %s AND archived_at IS NULL"
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM org_unit {where}", (organisation_id,))  # noqa: S608 - constant SQL, bound values
            row = cursor.fetchone()
            assert row is not None
            total = int(row[0])
            cursor.execute(
                f"SELECT {_UNIT_COLUMNS} FROM org_unit {where} ORDER BY name, id LIMIT %s OFFSET 0",  # noqa: S608 - constant SQL
                (organisation_id, PAGE),
            )
            assert cursor.description is not None
            names = [column.name for column in cursor.description]
            items = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        self.connection.commit()  # end the read transaction, as a session does
        return total, items

    def insert_team(self, organisation_id: uuid.UUID, org_unit_id: uuid.UUID) -> None:
        now = datetime.now(UTC)
        self.connection.execute(
            _TEAM_INSERT.format("%s"),
            (
                uuid.uuid4(),
                now,
                now,
                1,
                organisation_id,
                "Förbättringsteam (raw)",
                "improvement_team",
                "Inserted by the baseline.",
                org_unit_id,
            ),
        )
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()


@dataclass
class Result:
    backend: str
    target: str
    baseline: str
    ours_ms: float
    baseline_ms: float
    rounds: int

    @property
    def ratio(self) -> float:
        return self.ours_ms / self.baseline_ms


@dataclass
class Fixture:
    organisation_id: uuid.UUID
    unit_id: uuid.UUID
    token: str


async def seed(app: FastAPI) -> Fixture:
    """The demo organisation (another tenant's rows), plus one with a root, two areas and schools."""
    async with app.state.sessionmaker(context=Context(actor="benchmark setup")) as session:
        await demo.load_demo(session)
        organisation = await make_organisation(session, "Benchmark kommun")
        root = await make_unit(
            session, organisation, "Benchmark kommun", kind=OrgUnitKind.municipality
        )
        areas = [
            await make_unit(
                session, organisation, f"Område {side}", kind=OrgUnitKind.area, parent=root
            )
            for side in ("Norr", "Söder")
        ]
        schools = [
            await make_unit(session, organisation, f"Skola {n:02d}", parent=areas[n % 2])
            for n in range(SCHOOLS)
        ]
        token = await make_token(session, organisation, name="benchmark admin")
        return Fixture(organisation.id, schools[7].id, token)


@dataclass(frozen=True)
class Plan:
    rounds: int  # at most this many rounds per target
    batch: int  # calls per side and round
    seconds: float  # a target stops after this long, once it has MIN_ROUNDS


MIN_ROUNDS = 10


async def measure(
    backend: str, target: str, baseline: str, ours: Op, bare: Op, plan: Plan
) -> Result:
    """Median per-call milliseconds of both sides over interleaved rounds of ``batch`` calls."""
    for op in (ours, bare):  # warm caches, pools and prepared statements
        for _ in range(plan.batch):
            await op()
    times: dict[int, list[float]] = {0: [], 1: []}
    sides = [(0, ours), (1, bare)]
    started = time.perf_counter()
    print(f"  {target:<28}", end="", flush=True)
    done = 0
    while done < plan.rounds:
        for side, op in sides if done % 2 == 0 else reversed(sides):
            start = time.perf_counter()
            for _ in range(plan.batch):
                await op()
            times[side].append((time.perf_counter() - start) * 1000 / plan.batch)
        done += 1
        if done % 5 == 0:
            print(".", end="", flush=True)
        if done >= MIN_ROUNDS and time.perf_counter() - started > plan.seconds:
            break
    print(f" {done} rounds, {time.perf_counter() - started:4.1f} s", flush=True)
    return Result(
        backend, target, baseline, statistics.median(times[0]), statistics.median(times[1]), done
    )


async def run_backend(backend: str, url: str, raw: RawDriver, plan: Plan) -> list[Result]:
    app = create_app(Settings(database_url=url, log_level="WARNING", rate_limit_enabled=False))
    results: list[Result] = []
    try:
        fixture = await seed(app)
        headers = bearer(fixture.token)
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://bench") as client:
            unit_path = f"/api/v1/org-units/{fixture.unit_id}"
            first = await client.get(unit_path, headers=headers)
            assert first.status_code == 200, first.text
            unit_json = first.json()

            bare = FastAPI()

            @bare.get("/bare/org-units/{org_unit_id}")
            async def bare_get(org_unit_id: uuid.UUID) -> dict[str, Any]:
                return {**unit_json, "id": str(org_unit_id)}

            async with AsyncClient(
                transport=ASGITransport(app=bare), base_url="http://bench"
            ) as bare_client:
                bare_path = f"/bare/org-units/{fixture.unit_id}"

                async def get_ours() -> None:
                    response = await client.get(unit_path, headers=headers)
                    assert response.status_code == 200, response.text

                async def get_bare() -> None:
                    response = await bare_client.get(bare_path)
                    assert response.status_code == 200, response.text

                results.append(
                    await measure(
                        backend, "GET /org-units/{id}", "bare FastAPI", get_ours, get_bare, plan
                    )
                )

            list_path = f"/api/v1/org-units?limit={PAGE}"

            async def list_ours() -> None:
                response = await client.get(list_path, headers=headers)
                assert response.status_code == 200, response.text
                assert len(response.json()["items"]) == PAGE

            async def list_raw() -> None:
                total, items = raw.list_units(fixture.organisation_id)
                assert total == SCHOOLS + 3 and len(items) == PAGE

            results.append(
                await measure(
                    backend,
                    f"GET /org-units?limit={PAGE}",
                    "raw SELECTs",
                    list_ours,
                    list_raw,
                    plan,
                )
            )

            team_body = {
                "name": "Förbättringsteam (API)",
                "kind": "improvement_team",
                "description": "Created by the benchmark.",
                "org_unit_id": str(fixture.unit_id),
            }

            async def create_ours() -> None:
                response = await client.post("/api/v1/teams", json=team_body, headers=headers)
                assert response.status_code == 201, response.text

            async def create_raw() -> None:
                raw.insert_team(fixture.organisation_id, fixture.unit_id)

            results.append(
                await measure(
                    backend,
                    "POST /teams (+ audit)",
                    "raw INSERT+COMMIT",
                    create_ours,
                    create_raw,
                    plan,
                )
            )
    finally:
        await app.state.engine.dispose()
    return results


@contextmanager
def sqlite_database() -> Iterator[tuple[str, Path]]:
    with tempfile.TemporaryDirectory(prefix="pdca-bench-") as directory:
        path = Path(directory) / "bench.db"
        yield f"sqlite:///{path}", path


@contextmanager
def scratch_postgres(base_url: str) -> Iterator[str]:
    """A database made for this run and dropped afterwards, on the server of ``base_url``."""
    base = make_url(sync_url(base_url))
    name = f"pdca_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def print_table(results: list[Result]) -> None:
    header = (
        f"{'backend':<11}{'target':<27}{'baseline':<20}"
        f"{'ours ms':>9}{'base ms':>9}{'ratio':>8}{'rounds':>8}"
    )
    print()
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.backend:<11}{r.target:<27}{r.baseline:<20}"
            f"{r.ours_ms:>9.2f}{r.baseline_ms:>9.3f}{r.ratio:>7.1f}x{r.rounds:>8}"
        )
    print()
    print(
        "ms: median per-call time over the rounds (each round a batch of calls; sides alternate)."
    )
    print("ratio: ours / baseline in the same run; lower is better. Figures only, no thresholds.")


def main(plan: Plan) -> None:
    configure_logging(Settings(log_level="WARNING"))  # no migration or access logs between figures
    pg_url = os.environ.get("TEST_DATABASE_URL")
    print(
        f"PDCA tracker benchmarks: Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"up to {plan.rounds} rounds ({plan.seconds:g} s) x {plan.batch} calls per side per target"
        + ("" if pg_url else " (set TEST_DATABASE_URL to include PostgreSQL)"),
        flush=True,
    )
    started = time.perf_counter()
    results: list[Result] = []

    with sqlite_database() as (url, path):
        command.upgrade(alembic_config(url), "head")
        sqlite_raw = SqliteDriver(path)
        print(f"sqlite ({sqlite_raw.version}, migrated file in {path.parent})", flush=True)
        try:
            results += asyncio.run(run_backend("sqlite", url, sqlite_raw, plan))
        finally:
            sqlite_raw.close()

    if pg_url:
        with scratch_postgres(pg_url) as url:
            command.upgrade(alembic_config(url), "head")
            pg_raw = PostgresDriver(libpq_url(url))
            print(
                f"postgresql ({pg_raw.version}, scratch database {make_url(url).database})",
                flush=True,
            )
            try:
                results += asyncio.run(run_backend("postgresql", url, pg_raw, plan))
            finally:
                pg_raw.close()

    print_table(results)
    print(f"Total {time.perf_counter() - started:.1f} s.")
