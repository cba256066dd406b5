"""Time a 10,000-point measure's analysis over HTTP against reading its series, in process.

Run: ``.venv/bin/python -m tests.analytics.timings_api`` (a script, not a test); with
``TEST_DATABASE_URL`` set it runs on a scratch PostgreSQL database too. Requests go through
httpx over ASGI to the real app (no server), rounds interleaved, medians quoted:

- ``series``: ``GET /measures/{id}/series`` (the read alone, serialised once);
- ``analysis``: ``GET /measures/{id}/analysis`` (the same read, gaps filled, the analysis,
  the summary sentence and the document);
- ``csv`` and ``svg``: the same analysis as a spreadsheet and as an image;
- ``glance``: ``GET /analytics/measures`` for the measure's initiative.

Also the steps of one analysis: reading, analysing, writing the JSON.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

from httpx import ASGITransport, AsyncClient
from sqlalchemy import insert

from app.analytics.summary import summary_sentence
from app.analytics.types import BetterDirection
from app.charts import documents, service
from app.db import utcnow
from app.http import FastJSONResponse
from app.i18n import Language
from app.main import create_app
from app.measures.models import Measure, Measurement, MeasureType, ValueKind
from app.periods import PeriodKind, parse_period
from app.settings import Settings
from tests.benchmarks.inprocess import libpq_url, scratch_postgres
from tests.conftest import migrate
from tests.cycles.factories import make_initiative
from tests.factories import make_tenant

N = 10_000
ROUNDS = 15


async def _seed(app: object) -> tuple[dict[str, str], uuid.UUID, uuid.UUID]:
    async with app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        tenant = await make_tenant(session)
        initiative = await make_initiative(session, tenant.team)
        measure = Measure(
            organisation_id=tenant.organisation.id,
            initiative_id=initiative.id,
            org_unit_id=tenant.school.id,
            name="Andel närvarande elever",
            measure_type=MeasureType.outcome,
            value_kind=ValueKind.proportion,
            period_kind=PeriodKind.day,
            direction=BetterDirection.up,
            target_value=95.0,
        )
        session.add(measure)
        await session.flush()
        rng = random.Random(7)
        now = utcnow()
        rows = []
        first = date(1990, 1, 1)
        for i in range(N + N // 20):
            if i % 21 == 20:
                continue  # a gap now and then
            day = parse_period(PeriodKind.day, first + timedelta(days=i))
            total = rng.randint(200, 260)
            yes = min(total, round(total * rng.gauss(0.9 if i < N // 2 else 0.93, 0.02)))
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "organisation_id": tenant.organisation.id,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                    "measure_id": measure.id,
                    "org_unit_id": tenant.school.id,
                    "period_ordinal": day.ordinal,
                    "period_key": day.key,
                    "period_first_on": day.first_day,
                    "value": yes / total * 100,
                    "numerator": yes,
                    "denominator": total,
                    "source": "api",
                    "recorded_at": now,
                }
            )
            if len(rows) == N:
                break
        await session.execute(insert(Measurement.__table__), rows)  # type: ignore[attr-defined]
        await session.commit()
        return tenant.headers, measure.id, initiative.id


async def _timed(call: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


async def run(url: str, backend: str) -> None:
    app = create_app(Settings(database_url=url, log_level="WARNING"))
    headers, measure_id, initiative_id = await _seed(app)
    base = f"/api/v1/measures/{measure_id}"
    targets = {
        "series": f"{base}/series",
        "analysis": f"{base}/analysis",
        "csv": f"{base}/analysis.csv",
        "svg": f"{base}/chart.svg",
        "glance": f"/api/v1/analytics/measures?initiative_id={initiative_id}",
    }
    times: dict[str, list[float]] = {name: [] for name in targets}
    sizes: dict[str, int] = {}
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://bench") as client:
        for name, target in targets.items():  # warm up, and check
            response = await client.get(target, headers=headers)
            assert response.status_code == 200, response.text
            sizes[name] = len(response.content)
        for _ in range(ROUNDS):
            for name, target in targets.items():

                async def get(target: str = target) -> object:
                    return await client.get(target, headers=headers)

                times[name].append(await _timed(get))
        # The steps of one analysis, in the same process.
        steps: dict[str, list[float]] = {"read + analyse": [], "sentence": [], "json": []}
        async with app.state.read_sessionmaker() as session:
            from app.context import Principal, Role

            principal = Principal(None, "bench", (await _org(session, measure_id)), Role.admin)
            for _ in range(ROUNDS):
                started = time.perf_counter()
                stored = await service.analyse_measure(
                    session,
                    principal,
                    measure_id,
                    query=service.AnalysisQuery(language=Language.sv),
                )
                middle = time.perf_counter()
                summary_sentence(stored.analysis, "sv", period_word="day")
                sentence = time.perf_counter()
                FastJSONResponse(documents.stored_document(stored))
                done = time.perf_counter()
                steps["read + analyse"].append(middle - started)
                steps["sentence"].append(sentence - middle)
                steps["json"].append(done - sentence)
    await app.state.engine.dispose()
    print(f"\n{backend}: {N} points, median of {ROUNDS} interleaved rounds (in process, ASGI)")
    for name, found in times.items():
        print(f"  {name:<10} {statistics.median(found) * 1000:8.1f} ms  {sizes[name]:>9} bytes")
    ratio = statistics.median(times["series"]) / statistics.median(times["analysis"])
    print(f"  analysis requests/s as a share of series requests/s: {ratio:.2f}")
    for name, found in steps.items():
        print(f"  step {name:<15} {statistics.median(found) * 1000:8.1f} ms")


async def _org(session: object, measure_id: uuid.UUID) -> uuid.UUID:
    measure = await session.get(Measure, measure_id)  # type: ignore[attr-defined]
    return measure.organisation_id  # type: ignore[no-any-return]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pdca-timings-") as directory:
        url = f"sqlite:///{Path(directory) / 'timings.db'}"
        migrate(url)
        asyncio.run(run(url, "sqlite"))
    pg = os.environ.get("TEST_DATABASE_URL")
    if pg:
        with scratch_postgres(pg) as url:
            migrate(url)
            asyncio.run(run(libpq_url(url), "postgresql"))


if __name__ == "__main__":
    main()
