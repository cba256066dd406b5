"""The measurements part of ``make bench`` (issue 8): ingestion and series reads on a big table.

Set-up puts :data:`FILL_ROWS` measurements in the scratch database with one ``INSERT ...
SELECT`` (``generate_series`` on PostgreSQL, a recursive CTE on SQLite): :data:`FILL_MEASURES`
day measures of :data:`SERIES_POINTS` consecutive days each, owned by the benchmark's schools.
One of them, at the benchmark unit, is the series that ``GET /measures/{id}/series`` reads.

Every write must store new rows (the same rows again are ``unchanged`` and write nothing), so
wrk's Lua script builds each request's body itself: request ``n`` of thread ``t`` writes to
measure ``n % K`` of the run's :data:`MEASURES_PER_RUN` measures, the days of block
``(n // K) * threads + t`` (days counted from 1970-01-01), and every wrk run gets measures of its
own. The bare side gets the same bodies with measures of its own, so both sides insert into the
same big table with the same indexes.

- bulk: ``POST /measurements/bulk`` with 1,000 rows against a bare endpoint that ``json.loads``
  the same body and inserts the rows with the driver (asyncpg ``executemany`` in a transaction;
  aiosqlite ``executemany`` and ``COMMIT``);
- single: ``POST /measurements`` against a bare INSERT and COMMIT of the row in the body;
- upload: a 10,000-row CSV through ``POST /measurements/upload`` against a bare endpoint that
  reads the same CSV with :mod:`csv` and COPYs the rows (asyncpg ``copy_records_to_table``;
  ``executemany`` on SQLite), one upload at a time from a Python client (httpx), timed per upload;
- series: ``GET /measures/{id}/series`` of 10,000 points against a bare SELECT of the same rows
- analysis (issue 9): ``GET /measures/{id}/analysis`` of the same 10,000 points (a P chart with
  its signals and summary) against the same bare SELECT
  returned as the same JSON document.

Bulk requests use :data:`BULK_CONNECTIONS` connections (16 for the others, the plan's); the
write and series targets settle between runs (see ``served.measure``).
"""

import asyncio
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import psycopg
from sqlalchemy import select
from sqlmodel import col

from app.context import Context
from app.main import create_app
from app.measures.models import Measure, MeasureType, ValueKind
from app.org_units.models import OrgUnit, OrgUnitKind
from app.periods import PeriodKind
from app.settings import Settings
from tests.benchmarks.served import Call, Figure, Plan, Server, Target

FILL_MEASURES = 100
SERIES_POINTS = 10_000
FILL_ROWS = FILL_MEASURES * SERIES_POINTS
FILL_FROM = date(2000, 1, 1)
BULK_ROWS = 1_000
UPLOAD_ROWS = 10_000
UPLOADS_PER_ROUND = 2
MEASURES_PER_RUN = 16
"""Measures one wrk run rotates over: writers of one measure take turns in the service (its row
is locked), and clients writing many measures at once is what production sees."""
BULK_CONNECTIONS = 4
"""Enough to keep either server busy; with more, SQLite's one write lock queues 1,000-row
requests past wrk's 10 s timeout."""
EPOCH = date(1970, 1, 1)
LAST_DAY = date(9999, 12, 31)


@dataclass
class Pool:
    """Measures handed out run by run, so that every wrk run writes measures nobody wrote."""

    ids: list[uuid.UUID]
    per_run: int = MEASURES_PER_RUN
    taken: int = 0

    def next_run(self) -> list[uuid.UUID]:
        if self.taken + self.per_run > len(self.ids):
            raise RuntimeError("the benchmark made too few measures for its wrk runs")
        run = self.ids[self.taken : self.taken + self.per_run]
        self.taken += self.per_run
        return run


@dataclass
class Setup:
    """What the set-up made: the series measure, the write measures, the timings."""

    organisation_id: uuid.UUID
    unit_id: uuid.UUID
    token: str
    series_measure_id: uuid.UUID
    pools: dict[str, Pool] = field(default_factory=dict)
    """By ``<target>:<side>``: bulk and single write measures, one pool per side."""
    upload_measures: dict[str, uuid.UUID] = field(default_factory=dict)
    filled_in: float = 0.0


def _measure(organisation_id: uuid.UUID, unit_id: uuid.UUID, name: str) -> Measure:
    return Measure(
        organisation_id=organisation_id,
        org_unit_id=unit_id,
        name=name,
        measure_type=MeasureType.outcome,
        value_kind=ValueKind.proportion,
        unit_label="%",
        period_kind=PeriodKind.day,
    )


async def _make_measures(url: str, fixture: dict[str, Any], plan: Plan) -> Setup:
    """The measures, through the ORM as the service makes them (audited)."""
    app = create_app(Settings(database_url=url, log_level="WARNING", rate_limit_enabled=False))
    organisation_id, unit_id = fixture["organisation_id"], fixture["unit_id"]
    runs = plan.rounds + 2  # warm-up, the rounds, the run at stress_connections
    try:
        async with app.state.sessionmaker(context=Context(actor="benchmark setup")) as session:
            schools = list(
                await session.scalars(
                    select(col(OrgUnit.id))
                    .where(
                        col(OrgUnit.organisation_id) == organisation_id,
                        col(OrgUnit.kind) == OrgUnitKind.school,
                        col(OrgUnit.id) != unit_id,
                    )
                    .order_by(col(OrgUnit.name))
                )
            )
            series = _measure(organisation_id, unit_id, "Närvaro (serie, 10 000 dagar)")
            fill = [series] + [
                _measure(organisation_id, schools[n % len(schools)], f"Fyllnad {n:03d}")
                for n in range(1, FILL_MEASURES)
            ]
            setup = Setup(organisation_id, unit_id, fixture["token"], series.id)
            writes: list[Measure] = []
            for target in ("bulk", "single"):
                for side in ("service", "bare"):
                    made = [
                        _measure(organisation_id, unit_id, f"Bench {target} {side} {n:03d}")
                        for n in range(runs * MEASURES_PER_RUN)
                    ]
                    setup.pools[f"{target}:{side}"] = Pool([m.id for m in made])
                    writes += made
            for side in ("service", "bare"):
                upload = _measure(organisation_id, unit_id, f"Bench upload {side}")
                setup.upload_measures[side] = upload.id
                writes.append(upload)
            session.add_all(fill + writes)
            await session.commit()
    finally:
        await app.state.engine.dispose()
    return setup


_FILL_COLUMNS = (
    "id, created_at, updated_at, version, organisation_id, measure_id, org_unit_id, "
    "period_ordinal, period_key, period_first_on, value, numerator, denominator, source, "
    "recorded_at"
)
# n of n = 0..9999 is the day after FILL_FROM; denominators 20..26, numerators below them.
_FILL_POSTGRES = f"""
INSERT INTO measurement ({_FILL_COLUMNS})
SELECT gen_random_uuid(), now(), now(), 1, m.organisation_id, m.id, m.org_unit_id,
       (d.day - date '0001-01-01') + 1, to_char(d.day, 'YYYY-MM-DD'), d.day,
       mod(g.n, 20 + mod(g.n, 7))::float8 / (20 + mod(g.n, 7)) * 100,
       mod(g.n, 20 + mod(g.n, 7)), 20 + mod(g.n, 7), 'import', now()
FROM measure AS m
CROSS JOIN generate_series(0, {SERIES_POINTS - 1}) AS g(n)
CROSS JOIN LATERAL (SELECT %(first)s::date + g.n AS day) AS d
WHERE m.organisation_id = %(organisation)s AND m.name LIKE 'Fyllnad%%' OR m.id = %(series)s
"""  # noqa: S608 - constant SQL, bound values
_FILL_SQLITE = f"""
INSERT INTO measurement ({_FILL_COLUMNS})
WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < {SERIES_POINTS - 1})
SELECT lower(hex(randomblob(16))), :now, :now, 1, m.organisation_id, m.id, m.org_unit_id,
       CAST(julianday(:first, '+' || g.n || ' days') - julianday('0001-01-01') AS INTEGER) + 1,
       date(:first, '+' || g.n || ' days'), date(:first, '+' || g.n || ' days'),
       CAST(g.n % (20 + g.n % 7) AS REAL) / (20 + g.n % 7) * 100,
       g.n % (20 + g.n % 7), 20 + g.n % 7, 'import', :now
FROM measure AS m, g
WHERE m.organisation_id = :organisation AND m.name LIKE 'Fyllnad%' OR m.id = :series
"""  # noqa: S608 - constant SQL, bound values


_CONSTRAINTS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'measurement'::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype
"""
_INDEXES = """
SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'measurement'
AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'measurement'::regclass)
"""


def _fill(url: str, setup: Setup) -> int:
    """The big table: one INSERT ... SELECT; the rows it wrote. On PostgreSQL the table's keys
    and indexes are dropped first and made again after (checking every row), as a bulk load
    does: about three times faster than maintaining them row by row."""
    if url.startswith("postgresql"):
        from tests.benchmarks.inprocess import libpq_url

        with psycopg.connect(libpq_url(url)) as connection:
            constraints = connection.execute(_CONSTRAINTS).fetchall()
            indexes = connection.execute(_INDEXES).fetchall()
            for name, _ in reversed(constraints):  # foreign keys, unique keys, primary key
                connection.execute(f'ALTER TABLE measurement DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                connection.execute(f'DROP INDEX "{name}"')
            cursor = connection.execute(
                _FILL_POSTGRES,
                {
                    "first": FILL_FROM,
                    "organisation": setup.organisation_id,
                    "series": setup.series_measure_id,
                },
            )
            connection.execute("SET maintenance_work_mem = '256MB'")
            for name, definition in constraints:
                connection.execute(f'ALTER TABLE measurement ADD CONSTRAINT "{name}" {definition}')
            for _, definition in indexes:
                connection.execute(definition)
            connection.commit()
            connection.execute("ANALYZE measurement")
            connection.commit()
            return cursor.rowcount
    import sqlite3

    from sqlalchemy.engine import make_url

    with sqlite3.connect(make_url(url).database or "") as connection:
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        connection.execute("PRAGMA cache_size = -262144")  # 256 MB for the indexes' pages
        connection.execute("PRAGMA synchronous = OFF")  # a scratch database
        written = connection.execute(
            _FILL_SQLITE,
            {
                "now": now,
                "first": FILL_FROM.isoformat(),
                "organisation": setup.organisation_id.hex,
                "series": setup.series_measure_id.hex,
            },
        )
        connection.commit()
        connection.execute("ANALYZE")
        return written.rowcount


def prepare(url: str, fixture: dict[str, Any], plan: Plan) -> Setup:
    """The measures and the big table; prints how long it took."""
    started = time.perf_counter()
    setup = asyncio.run(_make_measures(url, fixture, plan))
    rows = _fill(url, setup)
    setup.filled_in = time.perf_counter() - started
    if rows != FILL_ROWS:
        raise RuntimeError(f"the fill wrote {rows} measurements, not {FILL_ROWS}")
    print(
        f"  set-up: {rows:,} measurements in {FILL_MEASURES} measures "
        f"(INSERT ... SELECT) in {setup.filled_in:.1f} s",
        flush=True,
    )
    return setup


# ----------------------------------------------------------------------- wrk's request bodies

_LUA = """
wrk.method = "POST"
{headers}
local measures = {{{measures}}}
local unit = "{unit}"
local rows = {rows}
local threads = {threads}
local single = {single}
local counter = 0
local index = 0
local handed = 0

function setup(thread)
  thread:set("thread_index", handed)
  handed = handed + 1
end

function init(args)
  index = thread_index or 0
end

local function row(n, prefix)
  local den = 20 + n % 7
  return string.format('%s"period":"%s","numerator":%d,"denominator":%d}}',
    prefix, os.date("!%Y-%m-%d", n * 86400), n % den, den)
end

function request()
  local measure = measures[counter % #measures + 1]
  local block = math.floor(counter / #measures) * threads + index
  counter = counter + 1
  local first = block * rows
  local head = '{{"measure_id":"' .. measure .. '","org_unit_id":"' .. unit .. '",'
  if single then
    return wrk.format(nil, nil, nil, row(first, head))
  end
  local parts = {{}}
  for i = 0, rows - 1 do
    parts[i + 1] = row(first + i, "{{")
  end
  return wrk.format(nil, nil, nil, head .. '"rows":[' .. table.concat(parts, ",") .. "]}}")
end
"""


def lua_writer(
    pool: Pool, unit_id: uuid.UUID, rows: int, headers: dict[str, str]
) -> Callable[[int], str]:
    """A Lua script per wrk run: bodies of ``rows`` new rows for the run's own measures."""

    def script(threads: int) -> str:
        lines = [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
        return _LUA.format(
            headers="\n".join(lines),
            measures=", ".join(f'"{m}"' for m in pool.next_run()),
            unit=unit_id,
            rows=rows,
            threads=threads,
            single="true" if rows == 1 else "false",
        )

    return script


def targets(setup: Setup) -> list[Target]:
    auth = {"Authorization": f"Bearer {setup.token}"}
    json_type = {"Content-Type": "application/json"}
    unit = setup.unit_id
    pools = setup.pools
    return [
        Target(
            f"POST /measurements/bulk ({BULK_ROWS:,} rows)",
            Call(
                "POST",
                "/api/v1/measurements/bulk",
                script=lua_writer(pools["bulk:service"], unit, BULK_ROWS, {**auth, **json_type}),
            ),
            Call(
                "POST",
                "/bare/measurements/bulk",
                script=lua_writer(pools["bulk:bare"], unit, BULK_ROWS, json_type),
            ),
            goal=0.6,
            today="0.24",
            baseline="bare: json + executemany",
            rows=BULK_ROWS,
            connections=BULK_CONNECTIONS,
            settle=True,
        ),
        Target(
            "POST /measurements (one)",
            Call(
                "POST",
                "/api/v1/measurements",
                script=lua_writer(pools["single:service"], unit, 1, {**auth, **json_type}),
            ),
            Call(
                "POST",
                "/bare/measurements",
                script=lua_writer(pools["single:bare"], unit, 1, json_type),
            ),
            goal=0.4,
            baseline="bare: INSERT + COMMIT",
            settle=True,
        ),
        Target(
            f"GET /measures/{{id}}/series ({SERIES_POINTS:,})",
            Call("GET", f"/api/v1/measures/{setup.series_measure_id}/series", auth),
            Call("GET", f"/bare/measures/{setup.series_measure_id}/series?org_unit_id={unit}"),
            baseline="bare: SELECT + json",
            settle=True,
        ),
        Target(
            f"GET /measures/{{id}}/analysis ({SERIES_POINTS:,})",
            Call("GET", f"/api/v1/measures/{setup.series_measure_id}/analysis", auth),
            Call("GET", f"/bare/measures/{setup.series_measure_id}/series?org_unit_id={unit}"),
            goal=0.5,
            baseline="bare: SELECT + json (issue 9)",
            settle=True,
        ),
    ]


# ----------------------------------------------------------------------------------- uploads


def upload_csv(number: int) -> bytes:
    """Upload ``number``'s 10,000 rows, as Swedish Excel saves them (``;``, a header)."""
    first = EPOCH + timedelta(days=number * UPLOAD_ROWS)
    if first + timedelta(days=UPLOAD_ROWS) > LAST_DAY:
        raise RuntimeError("too many uploads for the days one measure has")
    lines = ["Datum;Täljare;Nämnare"]
    for n in range(UPLOAD_ROWS):
        denominator = 20 + n % 7
        lines.append(f"{first + timedelta(days=n)};{n % denominator};{denominator}")
    return ("\r\n".join(lines) + "\r\n").encode()


@dataclass
class UploadSide:
    name: str
    server: Server
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    seconds: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    failures: int = 0
    uploads: int = 0

    def upload(self, client: httpx.Client, record: bool = True) -> None:
        body = upload_csv(self.uploads)
        self.uploads += 1
        cpu, started = self.server.cpu_seconds(), time.perf_counter()
        response = client.post(
            self.server.url + self.path, params=self.params, headers=self.headers, content=body
        )
        elapsed = time.perf_counter() - started
        cpu = self.server.cpu_seconds() - cpu
        if response.status_code != 200 or not _created_all(response):
            self.failures += 1
            print(f"  {self.name} upload failed: {response.status_code} {response.text[:300]}")
        if record:
            self.seconds.append(elapsed)
            self.cpu_ms.append(cpu * 1000)


def _created_all(response: httpx.Response) -> bool:
    body: dict[str, Any] = response.json()
    return body.get("created", body.get("rows")) == UPLOAD_ROWS


def uploads(backend: str, setup: Setup, ours: Server, bare: Server, plan: Plan) -> Figure:
    """One upload at a time, sides alternating which goes first; the median time per upload."""
    target = Target(
        f"POST /measurements/upload ({UPLOAD_ROWS:,} CSV)",
        Call("POST", "/api/v1/measurements/upload"),
        Call("POST", "/bare/measurements/copy"),
        baseline="bare: csv + COPY" if backend == "postgresql" else "bare: csv + executemany",
        rows=UPLOAD_ROWS,
        goal=0.5,
        today="0.21",
    )
    csv_type = {"Content-Type": "text/csv; charset=utf-8"}
    service = UploadSide(
        "service",
        ours,
        target.ours.path,
        {
            "measure_id": str(setup.upload_measures["service"]),
            "org_unit_id": str(setup.unit_id),
            "filename": "matningar.csv",
        },
        {**csv_type, "Authorization": f"Bearer {setup.token}"},
    )
    baseline = UploadSide(
        "bare",
        bare,
        target.bare.path,
        {"measure_id": str(setup.upload_measures["bare"]), "org_unit_id": str(setup.unit_id)},
        csv_type,
    )
    with httpx.Client(timeout=120) as client:
        for side in (service, baseline):
            side.upload(client, record=False)  # warm
        for round_number in range(plan.rounds):
            sides: Sequence[UploadSide] = (
                (service, baseline) if round_number % 2 == 0 else (baseline, service)
            )
            for side in sides:
                for _ in range(UPLOADS_PER_ROUND):
                    side.upload(client)
            print(
                f"  round {round_number + 1}/{plan.rounds} {target.name:<34} "
                f"service {statistics.median(service.seconds[-UPLOADS_PER_ROUND:]):6.2f} s  "
                f"bare {statistics.median(baseline.seconds[-UPLOADS_PER_ROUND:]):6.2f} s "
                "per upload",
                flush=True,
            )
    figure = Figure(backend, target)
    # As rates, so the table reads like the others: uploads per second.
    figure.ours = [1 / s for s in service.seconds]
    figure.bare = [1 / s for s in baseline.seconds]
    figure.failures[1] = service.failures + baseline.failures
    figure.cpu_ms = (service.cpu_ms, baseline.cpu_ms)
    figure.note = (
        f"{statistics.median(service.seconds):.2f} s vs {statistics.median(baseline.seconds):.2f}"
        f" s per upload, {len(service.seconds)} each"
    )
    return figure
