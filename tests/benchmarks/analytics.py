"""``make bench``, analytics part (issue 9): the roll-up report of a municipality of 50 schools
with 100 periods each, and the analysis step alone against plain NumPy.

Run alone: ``python -m tests.benchmarks.analytics`` (SQLite; PostgreSQL too when
``TEST_DATABASE_URL`` is set). In process (httpx over ASGI), figures only, nothing fails:

- ``report``: ``GET /measures/{id}/report`` for the last period, as the organisation's admin
  and as an area's admin reading from the top (the levels above its scope are protected):
  median milliseconds per request, and the SQL statements one request sends (all of them, and
  those reading ``measurement``: one, whatever the number of units);
- ``analysis step``: the report's calculation alone (aggregating 5,000 rows over the tree and
  analysing every level's series, sentences included) against a plain NumPy computation of the
  same figures (the same aggregation, then centre, limits, runs analysis, the MDC rules and
  the classification per level with ``tests.analytics.timings.same_p``), CPU time, best of
  interleaved rounds; and ``analyse()`` on one 10,000-point P chart against the same baseline.
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import statistics
import time
import timeit
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from alembic import command
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event, insert, select, text
from sqlmodel import col

from app.analytics.spc import (
    ChartOptions,
    analyse,
)
from app.analytics.types import (
    ChartType,
)
from app.cli import alembic_config
from app.context import Context, Role
from app.db import utcnow
from app.i18n import Language
from app.logging import configure_logging
from app.main import create_app
from app.measures.models import Measure, Measurement, MeasureType, ValueKind
from app.org_units.models import OrgUnit, OrgUnitKind
from app.periods import PeriodKind, parse_period, period_from_ordinal
from app.reports import rollup
from app.settings import Settings
from tests.analytics import timings
from tests.benchmarks.inprocess import libpq_url, scratch_postgres, sqlite_database
from tests.factories import bearer, make_organisation, make_token

SCHOOLS = 50
AREAS = 5
PERIODS = 100
REQUESTS = 30
ROUNDS = 7


@dataclass
class Fixture:
    organisation_id: uuid.UUID
    measure_id: uuid.UUID
    root_id: uuid.UUID
    period: str
    admin: str
    area_admin: str


async def seed(app: FastAPI) -> Fixture:
    """A municipality, 5 areas of 10 schools, a weekly proportion indicator at the top and 100
    weeks from every school (one school answers with 5 pupils: protection has work to do)."""
    rng = random.Random(9)
    async with app.state.sessionmaker(context=Context(actor="benchmark setup")) as session:
        organisation = await make_organisation(session, "Rollup kommun")
        owned = organisation.id

        def unit(name: str, kind: OrgUnitKind, parent: OrgUnit | None) -> OrgUnit:
            made = OrgUnit(
                organisation_id=owned,
                name=name,
                kind=kind,
                parent_id=parent.id if parent else None,
                depth=parent.depth + 1 if parent else 0,
                path="",
            )
            made.path = f"{parent.path if parent else '/'}{made.id.hex}/"
            return made

        root = unit("Rollup kommun", OrgUnitKind.municipality, None)
        areas = [unit(f"Område {n}", OrgUnitKind.area, root) for n in range(AREAS)]
        schools = [
            unit(f"Skola {n:02d}", OrgUnitKind.school, areas[n % AREAS]) for n in range(SCHOOLS)
        ]
        table = OrgUnit.__table__  # type: ignore[attr-defined]
        await session.execute(insert(table), [u.model_dump() for u in (root, *areas, *schools)])
        measure = Measure(
            organisation_id=owned,
            org_unit_id=root.id,
            name="Andel elever som känner sig trygga",
            measure_type=MeasureType.outcome,
            value_kind=ValueKind.proportion,
            unit_label="%",
            target_value=80.0,
            period_kind=PeriodKind.week,
            min_denominator=10,
        )
        session.add(measure)
        await session.flush()
        first = parse_period(PeriodKind.week, "2025-W01").ordinal
        now = utcnow()
        rows = []
        for n, school in enumerate(schools):
            pupils = 5 if n == 7 else rng.randint(40, 400)
            share = rng.uniform(0.6, 0.85)
            for k in range(PERIODS):
                period = period_from_ordinal(PeriodKind.week, first + k)
                answered = max(1, pupils - rng.randint(0, pupils // 10))
                yes = sum(rng.random() < share for _ in range(answered))
                rows.append(
                    Measurement(
                        organisation_id=owned,
                        measure_id=measure.id,
                        org_unit_id=school.id,
                        period_ordinal=period.ordinal,
                        period_key=period.key,
                        period_first_on=period.first_day,
                        value=100 * yes / answered,
                        numerator=yes,
                        denominator=answered,
                        source="import",
                        recorded_at=now,
                    ).model_dump()
                )
        await session.execute(insert(Measurement.__table__), rows)  # type: ignore[attr-defined]
        if session.bind.dialect.name == "postgresql":
            # Statistics, as autovacuum keeps them in production: without them the planner
            # takes the fresh tables for empty and joins them with a nested loop.
            await session.execute(text("ANALYZE measurement"))
            await session.execute(text("ANALYZE org_unit"))
        await session.commit()
        admin = await make_token(session, organisation, name="benchmark admin")
        area_token = await make_token(
            session, organisation, role=Role.viewer, scope=areas[2], name="area viewer"
        )
        last = period_from_ordinal(PeriodKind.week, first + PERIODS - 1).key
        return Fixture(organisation.id, measure.id, root.id, last, admin, area_token)


@contextmanager
def counting(app: FastAPI) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@dataclass
class ReportFigures:
    backend: str
    who: str
    units: int
    median_ms: float
    best_ms: float
    statements: int
    measurement_statements: int


async def run_report(backend: str, url: str) -> tuple[list[ReportFigures], Any]:
    app = create_app(Settings(database_url=url, log_level="WARNING", rate_limit_enabled=False))
    figures = []
    try:
        fixture = await seed(app)
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://bench") as client:
            path = f"/api/v1/measures/{fixture.measure_id}/report"
            for who, token, query in (
                ("admin, whole tree", fixture.admin, {"period": fixture.period}),
                (
                    "area viewer from the top",
                    fixture.area_admin,
                    {"period": fixture.period, "org_unit_id": str(fixture.root_id)},
                ),
            ):
                headers = {**bearer(token), "Accept-Language": "sv"}

                async def get(
                    query: dict[str, str] = query, headers: dict[str, str] = headers
                ) -> Any:
                    response = await client.get(path, params=query, headers=headers)
                    assert response.status_code == 200, response.text
                    return response.json()

                for _ in range(3):
                    body = await get()
                with counting(app) as statements:
                    await get()
                times = []
                for _ in range(REQUESTS):
                    start = time.perf_counter()
                    await get()
                    times.append((time.perf_counter() - start) * 1000)
                figures.append(
                    ReportFigures(
                        backend,
                        who,
                        len(body["units"]),
                        statistics.median(times),
                        min(times),
                        len(statements),
                        sum(1 for s in statements if "FROM measurement" in s),
                    )
                )
            inputs = await _compute_inputs(app, fixture)
    finally:
        await app.state.engine.dispose()
    return figures, inputs


async def _compute_inputs(app: FastAPI, fixture: Fixture) -> dict[str, Any]:
    """What the report's calculation starts from: the units and the rows of its one query."""
    async with app.state.sessionmaker(context=Context(actor="benchmark")) as session:
        units = (
            await session.execute(
                select(*rollup.UNIT_COLUMNS).where(
                    col(OrgUnit.organisation_id) == fixture.organisation_id
                )
            )
        ).all()
        m = Measurement.__table__.c  # type: ignore[attr-defined]
        records = (
            await session.execute(
                select(*rollup.RECORD_COLUMNS)
                .join(OrgUnit, col(OrgUnit.id) == m.org_unit_id)
                .where(m.measure_id == fixture.measure_id)
            )
        ).all()
    report_units = rollup.tree_order(
        [
            rollup.ReportUnit(
                id=row[0],
                parent_id=row[1],
                name=row[2],
                kind=row[3],
                external_code=row[4],
                path=row[5],
                depth=row[6],
                covered=True,
            )
            for row in units
        ],
        fixture.root_id,
    )
    return {
        "units": report_units,
        "records": [tuple(r) for r in records],
        "period": parse_period(PeriodKind.week, fixture.period).ordinal,
    }


def numpy_rollup(
    paths: Sequence[str], records: Sequence[Sequence[Any]], period: int
) -> list[object]:
    """The same figures in plain NumPy: each level's sums of numerators and denominators per
    period (the same incidence of reporting units and levels), then per level the P chart's
    centre, limits, runs analysis, MDC rules and classification (``timings.same_p``)."""
    unit_paths, ordinals, _values, numerators, denominators = zip(*records, strict=True)
    ordinal = np.array(ordinals, dtype=np.int64)
    num = np.array(numerators, dtype=np.float64)
    den = np.array(denominators, dtype=np.float64)
    index: dict[str, int] = {}
    reporter = np.array([index.setdefault(p, len(index)) for p in unit_paths])
    node = {p: k for k, p in enumerate(paths)}
    incidence = np.zeros((len(paths), len(index)))
    for path, r in index.items():
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            k = node.get("/" + "/".join(parts[:depth]) + "/")
            if k is not None:
                incidence[k, r] = 1.0
    first = int(ordinal.min())
    t = ordinal - first
    size = period - first + 1
    dense_num = np.zeros((len(index), size))
    dense_den = np.zeros((len(index), size))
    dense_num[reporter, t] = num
    dense_den[reporter, t] = den
    level_num = incidence @ dense_num
    level_den = incidence @ dense_den
    return [
        (level_num[k, -1] / level_den[k, -1], timings.same_p(level_num[k], level_den[k]))
        for k in range(len(paths))
    ]


def _cpu_best(fn: Callable[[], object]) -> float:
    timer = timeit.Timer(fn, timer=time.process_time)
    loops = max(1, int(0.05 / max(timer.timeit(1), 1e-6)))
    return min(timer.repeat(3, loops)) / loops


def analysis_step(inputs: dict[str, Any]) -> dict[str, float]:
    units: list[rollup.ReportUnit] = inputs["units"]
    records = inputs["records"]
    period = inputs["period"]
    options = ChartOptions(chart=ChartType.p, target=0.8)

    def ours() -> object:
        return rollup.compute_rollup(
            units,
            rollup.Rows.from_records(records),
            period_ordinal=period,
            kind=ValueKind.proportion,
            chart=ChartType.p,
            options=options,
            threshold=10,
            scope_path=None,
            language=Language.sv,
            period_word="week",
            period_key=lambda ordinal: period_from_ordinal(PeriodKind.week, ordinal).key,
        )

    def ours_without_sentences() -> object:
        figures = rollup.aggregate(
            units,
            rollup.Rows.from_records(records),
            period_ordinal=period,
            kind=ValueKind.proportion,
            threshold=10,
            scope_path=None,
        )
        return [
            analyse(
                [],
                numerators=figures.numerators[k],
                denominators=figures.denominators[k],
                options=options,
            )
            for k in range(len(units))
        ]

    paths = [u.path for u in units]

    def baseline() -> object:
        return numpy_rollup(paths, records, period)

    generator = np.random.default_rng(9)
    sizes = generator.integers(50, 121, 10_000)
    big_den: list[float | None] = sizes.astype(float).tolist()
    big_num: list[float | None] = generator.binomial(sizes, 0.2).astype(float).tolist()
    p_chart = ChartOptions(chart=ChartType.p)
    cases: dict[str, Callable[[], object]] = {
        "report step": ours,
        "report step, no sentences": ours_without_sentences,
        "numpy same figures": baseline,
        "10k p analyse()": lambda: analyse(
            [], numerators=big_num, denominators=big_den, options=p_chart
        ),
        "10k p numpy same": lambda: timings.same_p(big_num, big_den),
    }
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(ROUNDS):
        for name, fn in cases.items():
            best[name] = min(best[name], _cpu_best(fn))
    return best


def main() -> None:
    configure_logging(Settings(log_level="WARNING"))
    pg_url = os.environ.get("TEST_DATABASE_URL")
    print(
        f"Analytics benchmarks (issue 9): Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; roll-up of {SCHOOLS} schools in {AREAS} areas x {PERIODS} "
        "periods, in process",
        flush=True,
    )
    started = time.perf_counter()
    figures: list[ReportFigures] = []
    inputs: Any = None
    with sqlite_database() as (url, _path):
        command.upgrade(alembic_config(url), "head")
        found, inputs = asyncio.run(run_report("sqlite", url))
        figures += found
    if pg_url:
        with scratch_postgres(pg_url) as url:
            command.upgrade(alembic_config(url), "head")
            # A plain postgresql:// URL as production sets it: the service picks asyncpg.
            found, _ = asyncio.run(run_report("postgresql", libpq_url(url)))
            figures += found
    print()
    print(
        f"{'backend':<12}{'reader':<28}{'rows':>6}{'median ms':>11}{'best ms':>9}{'SQL':>6}"
        f"{'on measurement':>16}"
    )
    for f in figures:
        print(
            f"{f.backend:<12}{f.who:<28}{f.units:>6}{f.median_ms:>11.1f}{f.best_ms:>9.1f}{f.statements:>6}"
            f"{f.measurement_statements:>16}"
        )
    print(
        "SQL: statements one request sends (authentication included); 'on measurement': those "
        "reading the measurements (one for the whole subtree)."
    )
    best = analysis_step(inputs)
    print()
    print(f"Analysis step alone, CPU time, best of {ROUNDS} interleaved rounds:")
    for name, seconds in best.items():
        print(f"  {name:<28}{seconds * 1e3:>9.2f} ms")
    print("ratios (issue 9 budget: 2.00):")
    print(
        f"  report step / numpy              {best['report step'] / best['numpy same figures']:.2f}"
    )
    print(
        "  report step without sentences    "
        f"{best['report step, no sentences'] / best['numpy same figures']:.2f}"
    )
    print(
        f"  10k-point P analyse() / numpy    {best['10k p analyse()'] / best['10k p numpy same']:.2f}"
    )
    print(f"Total {time.perf_counter() - started:.1f} s.")


if __name__ == "__main__":
    main()
