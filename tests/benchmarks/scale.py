"""Issue 18's scale figures: 1,000 units, 10,000 cycles and 10 million measurements.

PostgreSQL only. A scratch database is migrated, a handful of template rows are made through
the API (so every column holds what the service writes), and the data set is cloned from
them on the server with ``INSERT ... SELECT ... generate_series`` (minutes, not hours; no
audit entries or events for the cloned rows). Then the service is served as in production
(``pdca serve``) and ``wrk --latency`` loads every list endpoint, the roll-up report and the
series and analysis reads in turn; the slowest ten are printed with their median and p99.

``--scale-measurements`` sets the size (1,000,000 for a quick run); ``--keep`` leaves the
database for EXPLAIN. Alone: ``python -m tests.benchmarks.scale``; in ``make bench`` as the
part ``scale`` (``python -m tests.benchmarks --only scale``).
"""

import argparse
import asyncio
import hashlib
import os
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url

from app.cli import alembic_config
from app.context import Context
from app.db import sync_url
from app.logging import configure_logging
from app.main import create_app
from app.org_units.models import OrgUnitKind
from app.settings import Settings
from tests.benchmarks import served
from tests.factories import make_organisation, make_token, make_unit

UNITS = 1_000
"""Units in all: the municipality and 999 schools under it."""
CYCLES_PER_INITIATIVE = 10
MEASURES_PER_INITIATIVE = 10
INDICATOR_PERIODS = 52
"""Weeks of the shared indicator every school reports (the roll-up report's data)."""


@dataclass(frozen=True)
class Templates:
    organisation_id: str
    token: str
    root_id: str
    school_id: str
    team_id: str
    initiative_id: str
    cycle_id: str
    measure_id: str
    measurement_id: str
    indicator_id: str
    indicator_measurement_id: str


def _unit(n: str) -> str:
    return f"md5('unit-' || {n})::uuid"


async def _templates(url: str) -> Templates:
    """One row of each kind, made as a client makes it."""
    app = create_app(Settings(database_url=url, log_level="WARNING"))
    try:
        async with app.state.sessionmaker(context=Context(actor="scale setup")) as session:
            organisation = await make_organisation(session, "Skalkommun")
            root = await make_unit(
                session, organisation, "Skalkommun", kind=OrgUnitKind.municipality
            )
            token = await make_token(session, organisation, name="scale admin")
            organisation_id, root_id = str(organisation.id), str(root.id)
        headers = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://scale") as client:

            async def post(path: str, body: dict[str, Any]) -> str:
                answer = await client.post(path, json=body, headers=headers)
                assert answer.status_code in (200, 201), answer.text
                return str(answer.json()["id"])

            school = await post(
                "/api/v1/org-units", {"name": "Skola 0", "kind": "school", "parent_id": root_id}
            )
            team = await post("/api/v1/teams", {"name": "Lag 0", "org_unit_id": school})
            initiative = await post(
                "/api/v1/initiatives",
                {"title": "Initiativ 0", "team_id": team, "focus_area": "läsning"},
            )
            cycle = await post("/api/v1/cycles", {"initiative_id": initiative, "title": "Cykel 0"})
            measure = await post(
                "/api/v1/measures",
                {
                    "name": "Mått 0",
                    "measure_type": "process",
                    "value_kind": "continuous",
                    "period_kind": "week",
                    "initiative_id": initiative,
                },
            )
            indicator = await post(
                "/api/v1/measures",
                {
                    "name": "Närvaro",
                    "measure_type": "outcome",
                    "value_kind": "proportion",
                    "period_kind": "week",
                    "org_unit_id": root_id,
                    "reporting_unit_kind": "school",
                    "external_code": "NARVARO",
                },
            )
            rows = [
                {"measure_id": measure, "period": "2026-W40", "value": 12.5},
                {
                    "measure_id": indicator,
                    "org_unit_id": school,
                    "period": "2026-W40",
                    "numerator": 17,
                    "denominator": 20,
                },
            ]
            bulk = await client.post(
                "/api/v1/measurements/bulk", json={"rows": rows}, headers=headers
            )
            assert bulk.status_code == 200, bulk.text
        async with app.state.sessionmaker(context=Context(actor="scale setup")) as session:
            ids = [
                str(
                    (
                        await session.execute(
                            text("SELECT id FROM measurement WHERE measure_id = :m"),
                            {"m": uuid.UUID(measure_id)},
                        )
                    ).scalar_one()
                )
                for measure_id in (measure, indicator)
            ]
    finally:
        await app.state.engine.dispose()
    return Templates(
        organisation_id,
        token,
        root_id,
        school,
        team,
        initiative,
        cycle,
        measure,
        ids[0],
        indicator,
        ids[1],
    )


def _grid(**ranges: tuple[int, int]) -> str:
    """Every combination of the named integer ranges, as a FROM item aliased ``s``."""
    names = ", ".join(ranges)
    series = ", ".join(
        f"generate_series({low}, {high}) AS {name}" for name, (low, high) in ranges.items()
    )
    return f"(SELECT {names} FROM {series}) AS s"  # noqa: S608 - integers of our own


def _clone(
    connection: Connection, table: str, template: str, source: str, overrides: dict[str, str]
) -> int:
    """Insert one row per row of ``source`` (SQL after FROM, aliased ``s``), copying the
    template row ``t`` except the ``overrides`` (column: SQL expression)."""
    columns = [
        row[0]
        for row in connection.execute(
            text(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = :table ORDER BY ordinal_position"
            ),
            {"table": table},
        )
    ]
    expressions = [overrides.get(column, f"t.{column}") for column in columns]
    result = connection.execute(
        text(
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - our own names
            f"SELECT {', '.join(expressions)} FROM {table} t, {source} WHERE t.id = :template"
        ),
        {"template": template},
    )
    return result.rowcount


def build(url: str, templates: Templates, measurements: int) -> dict[str, int]:
    """The data set, cloned from the templates on the server; the row counts made."""
    periods = max(1, measurements // (UNITS - 1) // MEASURES_PER_INITIATIVE)
    engine = create_engine(sync_url(url))
    made: dict[str, int] = {}
    with engine.begin() as connection:
        started = time.perf_counter()
        made["org_unit"] = _clone(
            connection,
            "org_unit",
            templates.school_id,
            _grid(g=(1, UNITS - 2)),
            {
                "id": _unit("s.g"),
                "name": "'Skola ' || s.g",
                "path": f"replace(t.path, replace(t.id::text, '-', ''), "
                f"replace({_unit('s.g')}::text, '-', ''))",
                "external_code": "NULL",
            },
        )
        units = _grid(g=(1, UNITS - 2))
        made["team"] = _clone(
            connection,
            "team",
            templates.team_id,
            units,
            {
                "id": "md5('team-' || s.g)::uuid",
                "org_unit_id": _unit("s.g"),
                "name": "'Lag ' || s.g",
            },
        )
        made["initiative"] = _clone(
            connection,
            "initiative",
            templates.initiative_id,
            units,
            {
                "id": "md5('initiative-' || s.g)::uuid",
                "team_id": "md5('team-' || s.g)::uuid",
                "org_unit_id": _unit("s.g"),
                "title": "'Initiativ ' || s.g",
            },
        )
        made["cycle"] = _clone(
            connection,
            "cycle",
            templates.cycle_id,
            _grid(u=(1, UNITS - 2), k=(1, CYCLES_PER_INITIATIVE)),
            {
                "id": "md5('cycle-' || s.u || '-' || s.k)::uuid",
                "initiative_id": "md5('initiative-' || s.u)::uuid",
                "team_id": "md5('team-' || s.u)::uuid",
                "org_unit_id": _unit("s.u"),
                "sequence": "s.k",
                "title": "'Cykel ' || s.k",
                "stage_due_on": "t.stage_due_on + (s.u % 60 - 30)",
            },
        )
        made["measure"] = _clone(
            connection,
            "measure",
            templates.measure_id,
            _grid(u=(1, UNITS - 2), k=(1, MEASURES_PER_INITIATIVE)),
            {
                "id": "md5('measure-' || s.u || '-' || s.k)::uuid",
                "initiative_id": "md5('initiative-' || s.u)::uuid",
                "org_unit_id": _unit("s.u"),
                "name": "'Mått ' || s.u || '-' || s.k",
            },
        )
        print(
            f"  units, teams, initiatives, cycles, measures: {time.perf_counter() - started:.0f} s"
        )
        # A bulk load: the indexes and unique constraints are built once afterwards, not row
        # by row (the generated keys are unique by construction).
        indexes = connection.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'measurement' "
                "AND indexname LIKE 'ix\\_%'"
            )
        ).all()
        for name, _definition in indexes:
            connection.execute(text(f'DROP INDEX "{name}"'))
        uniques = connection.execute(
            text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'measurement'::regclass AND contype = 'u'"
            )
        ).all()
        for name, _definition in uniques:
            connection.execute(text(f'ALTER TABLE measurement DROP CONSTRAINT "{name}"'))
        made["measurement"] = 0
        step = 100
        for first in range(1, UNITS - 1, step):
            last = min(first + step - 1, UNITS - 2)
            made["measurement"] += _clone(
                connection,
                "measurement",
                templates.measurement_id,
                _grid(u=(first, last), k=(1, MEASURES_PER_INITIATIVE), p=(1, periods)),
                {
                    "id": "md5('measurement-' || s.u || '-' || s.k || '-' || s.p)::uuid",
                    "measure_id": "md5('measure-' || s.u || '-' || s.k)::uuid",
                    "org_unit_id": _unit("s.u"),
                    "period_ordinal": "t.period_ordinal - s.p",
                    "period_first_on": "t.period_first_on - 7 * s.p",
                    "value": "round((10 + 5 * sin(s.p / 7.0) + (s.u % 13))::numeric, 2)",
                    "recorded_at": "t.recorded_at - make_interval(days => 7 * s.p)",
                    "external_id": "NULL",
                },
            )
            print(
                f"  measurements: {made['measurement']:,} ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
        made["indicator measurement"] = _clone(
            connection,
            "measurement",
            templates.indicator_measurement_id,
            _grid(u=(1, UNITS - 2), p=(0, INDICATOR_PERIODS - 1)),
            {
                "id": "md5('indicator-' || s.u || '-' || s.p)::uuid",
                "org_unit_id": _unit("s.u"),
                "period_ordinal": "t.period_ordinal - s.p",
                "period_first_on": "t.period_first_on - 7 * s.p",
                "numerator": "(s.u + s.p) % 20 + 1",
                "value": "((s.u + s.p) % 20 + 1) * 100.0 / t.denominator",
                "recorded_at": "t.recorded_at - make_interval(days => 7 * s.p)",
                "external_id": "NULL",
            },
        )
        for name, definition in uniques:
            connection.execute(
                text(f'ALTER TABLE measurement ADD CONSTRAINT "{name}" {definition}')
            )
        for _name, definition in indexes:
            connection.execute(text(definition))
        print(f"  indexes rebuilt: {time.perf_counter() - started:.0f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return made


@dataclass(frozen=True)
class Timing:
    name: str
    path: str
    median_ms: float
    p99_ms: float
    requests_per_second: float
    failures: int


_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_REQUESTS = re.compile(r"Requests/sec:\s+([\d.]+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


def _wrk(base_url: str, path: str, token: str, seconds: float, connections: int) -> Timing:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.headers["Authorization"] = "Bearer {token}"\n')
    try:
        output = subprocess.run(  # noqa: S603 - wrk with our arguments
            [
                served.WRK,
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "30s",
                "--latency",
                "-s",
                script.name,
                base_url + path,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}
    found = {m[1]: float(m[2]) * scale[m[3]] for m in _PERCENTILE.finditer(output)}
    rps = _REQUESTS.search(output)
    failures = int(m[1]) if (m := _NON_2XX.search(output)) else 0
    if "50" not in found or "99" not in found or rps is None:
        raise RuntimeError(f"wrk printed no latency for {path}:\n{output}")
    return Timing("", path, found["50"], found["99"], float(rps[1]), failures)


def _busy_school() -> uuid.UUID:
    """A cloned school, with its share of the measurements (the template school has two)."""
    return uuid.UUID(hashlib.md5(b"unit-1").hexdigest())  # noqa: S324 - the ids the clone made


def targets(templates: Templates) -> list[tuple[str, str]]:
    root, school = templates.root_id, str(uuid.UUID(templates.school_id))
    measure, indicator = templates.measure_id, templates.indicator_id
    whole = f"org_unit_id={root}&include_descendants=true"
    return [
        ("org units", "/api/v1/org-units?limit=100"),
        ("org units by kind, -name", "/api/v1/org-units?kind=school&sort=-name&limit=100"),
        ("org units q", "/api/v1/org-units?q=skola%2099&limit=100"),
        ("unit tree", f"/api/v1/org-units/{root}/tree"),
        ("teams in the tree", f"/api/v1/teams?{whole}&limit=100"),
        ("goals", "/api/v1/goals?limit=100"),
        ("initiatives in the tree", f"/api/v1/initiatives?{whole}&sort=-created_at&limit=100"),
        ("cycles", "/api/v1/cycles?limit=100"),
        ("cycles by stage", "/api/v1/cycles?stage=current_state&limit=100"),
        ("cycles overdue", "/api/v1/cycles?overdue=true&limit=100"),
        ("cycles by due day", "/api/v1/cycles?sort=stage_due_on&limit=100"),
        ("cycles of a school", f"/api/v1/cycles?org_unit_id={school}&limit=100"),
        ("cycles with total", "/api/v1/cycles?include_total=true&limit=100"),
        ("cycle transitions", f"/api/v1/cycles/{templates.cycle_id}/transitions"),
        ("measures in the tree", f"/api/v1/measures?{whole}&limit=100"),
        ("measures -created_at", "/api/v1/measures?sort=-created_at&limit=100"),
        ("measurements", "/api/v1/measurements?limit=100"),
        ("measurements -recorded_at", "/api/v1/measurements?sort=-recorded_at&limit=100"),
        ("measurements of a measure", f"/api/v1/measurements?measure_id={measure}&limit=100"),
        (
            "measurements of a school",
            f"/api/v1/measurements?org_unit_id={school}&include_descendants=true&limit=100",
        ),
        (
            "measurements of a busy school",
            f"/api/v1/measurements?org_unit_id={_busy_school()}&include_descendants=true&limit=100",
        ),
        (
            "measurements of one unit",
            f"/api/v1/measurements?org_unit_id={_busy_school()}&limit=100",
        ),
        ("measurements in the tree", f"/api/v1/measurements?{whole}&limit=100"),
        (
            "measurements from a period",
            f"/api/v1/measurements?measure_id={indicator}&period_from=2026-W30&limit=100",
        ),
        ("measurements export", f"/api/v1/measurements/export?measure_id={measure}"),
        ("series", f"/api/v1/measures/{measure}/series"),
        ("analysis", f"/api/v1/measures/{measure}/analysis"),
        ("chart.svg", f"/api/v1/measures/{measure}/chart.svg"),
        ("roll-up report", f"/api/v1/measures/{indicator}/report"),
        ("reporting status", f"/api/v1/measures/{indicator}/reporting-status?period=2026-W40"),
        ("indicator series (all schools)", f"/api/v1/measures/{indicator}/series?{whole}"),
        ("analytics glance", f"/api/v1/analytics/measures?{whole}&limit=50"),
        ("commitments", "/api/v1/commitments?limit=100"),
        ("access tokens", "/api/v1/access-tokens?limit=100"),
        ("audit events", "/api/v1/audit-events?limit=100"),
        ("events", "/api/v1/events?limit=100"),
        ("webhooks", "/api/v1/webhooks?limit=100"),
        ("chart links", "/api/v1/chart-links?limit=100"),
        ("team members", f"/api/v1/teams/{templates.team_id}/members"),
    ]


def time_endpoints(
    url: str, templates: Templates, seconds: float, connections: int
) -> list[Timing]:
    env = {
        "DATABASE_URL": url,
        "PDCA_WORKER_IN_SERVER": "false",
        "PDCA_LOG_LEVEL": "WARNING",
        # The benchmark measures the reads, not the budgets that protect them.
        "PDCA_RATE_LIMIT_ENABLED": "false",
    }
    timings: list[Timing] = []
    with served.serving(served.service_argv(), env, "service") as server:
        for name, path in targets(templates):
            check = httpx.get(
                server.url + path,
                headers={"Authorization": f"Bearer {templates.token}"},
                timeout=120,
            )
            if check.status_code != 200:
                print(f"  {name}: {check.status_code} {check.text[:300]}", flush=True)
                continue
            # A slow read gets time for a few answers at least.
            elapsed = check.elapsed.total_seconds()
            timing = _wrk(server.url, path, templates.token, max(seconds, 5 * elapsed), connections)
            timings.append(
                Timing(
                    name,
                    path,
                    timing.median_ms,
                    timing.p99_ms,
                    timing.requests_per_second,
                    timing.failures,
                )
            )
            print(
                f"  {name:<32}{timing.median_ms:>9.1f} ms{timing.p99_ms:>9.1f} ms"
                f"{timing.requests_per_second:>9.1f}/s",
                flush=True,
            )
    return timings


def print_slowest(timings: list[Timing], made: dict[str, int], count: int = 10) -> None:
    ranked = sorted(timings, key=lambda t: t.median_ms, reverse=True)
    print()
    print("Scale (issue 18): " + ", ".join(f"{number:,} {table}" for table, number in made.items()))
    header = f"{'endpoint':<32}{'median ms':>11}{'p99 ms':>10}{'req/s':>9}  path"
    print(header)
    print("-" * len(header))
    for timing in ranked[:count]:
        print(
            f"{timing.name:<32}{timing.median_ms:>11.1f}{timing.p99_ms:>10.1f}"
            f"{timing.requests_per_second:>9.1f}  {timing.path}"
        )
    medians = [t.median_ms for t in timings]
    if medians:
        print(f"({len(timings)} endpoints; median of medians {statistics.median(medians):.1f} ms)")


@contextmanager
def _database(pg_url: str, keep: bool) -> Iterator[str]:
    from tests.benchmarks.inprocess import libpq_url, scratch_postgres

    if not keep:
        with scratch_postgres(pg_url) as scratch:
            yield libpq_url(scratch)
        return
    base = make_url(sync_url(pg_url))
    name = f"pdca_scale_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    print(f"  kept database: {name} (drop it when done)")
    yield libpq_url(base.set(database=name).render_as_string(hide_password=False))


def run(
    pg_url: str,
    *,
    measurements: int,
    seconds: float = 5.0,
    connections: int = 4,
    keep: bool = False,
) -> None:
    served.check_wrk()
    configure_logging(Settings(log_level="WARNING"))
    with _database(pg_url, keep) as url:
        command.upgrade(alembic_config(url), "head")
        started = time.perf_counter()
        templates = asyncio.run(_templates(url))
        print(f"Building the scale data set ({measurements:,} measurements) ...", flush=True)
        made = build(url, templates, measurements)
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        timings = time_endpoints(url, templates, seconds, connections)
        print_slowest(timings, made)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.scale", description=__doc__)
    parser.add_argument("--scale-measurements", type=int, default=10_000_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="wrk seconds per endpoint.")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="Keep the database for EXPLAIN.")
    args = parser.parse_args()
    pg_url = os.environ.get("TEST_DATABASE_URL")
    if not pg_url:
        raise SystemExit("the scale benchmark runs on PostgreSQL: set TEST_DATABASE_URL")
    run(
        pg_url,
        measurements=args.scale_measurements,
        seconds=args.seconds,
        connections=args.connections,
        keep=args.keep,
    )


if __name__ == "__main__":
    main()
