"""Cycle evidence does bounded work whatever a cycle's windows and its data's spread (issue 13,
defect 4): absurd windows are refused when set, stored ones answer a quick 422, and the widest
allowed spread answers within a stated bound while the event loop stays free."""

import asyncio
import time
import uuid
from datetime import date, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.cycles.models import Cycle
from app.db import local_today
from app.reports.router import CycleEvidence
from tests.cycles.factories import create_cycle, make_initiative
from tests.factories import Tenant, make_tenant
from tests.measures.factories import create_measure

#: What the widest allowed evidence may take, on a shared 2-core test machine.
BOUND_SECONDS = 5.0
#: What /healthz may take while it runs.
HEALTH_SECONDS = 1.0


async def _day_measure_cycle(
    client: AsyncClient,
    session: AsyncSession,
    tenant: Tenant,
    days: list[date],
    measures: int = 1,
) -> dict[str, Any]:
    initiative = await make_initiative(session, tenant.team)
    for number in range(measures):
        measure = await create_measure(
            client,
            tenant.headers,
            initiative_id=str(initiative.id),
            name=f"Minuter i rörelse {number}",
            value_kind="continuous",
            unit_label="min",
            target_value=None,
            period_kind="day",
        )
        rows = [{"period": day.isoformat(), "value": 10 + i % 3} for i, day in enumerate(days)]
        sent = await client.post(
            "/api/v1/measurements/bulk",
            json={"measure_id": measure["id"], "rows": rows},
            headers=tenant.headers,
        )
        assert sent.status_code == 200, sent.text
    return await create_cycle(client, tenant.headers, initiative)


async def test_cycle_refuses_an_absurd_baseline_window(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    cycle = await create_cycle(client, tenant.headers, initiative)
    response = await client.patch(
        f"/api/v1/cycles/{cycle['id']}",
        json={"baseline_start_on": "1900-01-01", "baseline_end_on": "9999-12-30"},
        headers=tenant.headers,
    )
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "body.baseline_end_on"
    assert error["type"] == "too_long"


async def test_stored_absurd_window_answers_a_quick_422(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    today = local_today()
    cycle = await _day_measure_cycle(
        client, session, tenant, [date(1900, 1, 1), today - timedelta(days=1)]
    )
    # As a row written before windows were checked.
    await session.execute(
        update(Cycle)
        .where(col(Cycle.id) == uuid.UUID(cycle["id"]))
        .values(baseline_start_on=date(1900, 1, 1), baseline_end_on=date(9999, 12, 30))
    )
    await session.commit()
    started = time.perf_counter()
    response = await client.get(f"/api/v1/cycles/{cycle['id']}/evidence", headers=tenant.headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "cycle.baseline_start_on"
    assert error["type"] == "too_long"
    assert elapsed < BOUND_SECONDS


async def test_widest_evidence_answers_in_bound_and_leaves_the_loop_free(
    client: AsyncClient, session: AsyncSession
) -> None:
    """No baseline window and measurements on the first supported day: every period before
    the test (about 46,000 days) is the baseline of each of two day measures, near the bound
    of 100,000 periods a request analyses."""
    tenant = await make_tenant(session)
    today = local_today()
    days = [date(1900, 1, 1), today - timedelta(days=2), today]
    cycle = await _day_measure_cycle(client, session, tenant, days, measures=2)
    patched = await client.patch(
        f"/api/v1/cycles/{cycle['id']}",
        json={"test_started_on": (today - timedelta(days=1)).isoformat()},
        headers=tenant.headers,
    )
    assert patched.status_code == 200, patched.text
    done = asyncio.Event()

    async def evidence() -> tuple[Any, float]:
        started = time.perf_counter()
        try:
            response = await client.get(
                f"/api/v1/cycles/{cycle['id']}/evidence", headers=tenant.headers
            )
        finally:
            done.set()
        return response, time.perf_counter() - started

    async def health() -> list[float]:
        """/healthz, one after another while the evidence is made; each wait runs from the end
        of the previous probe, so a loop blocked between probes counts too."""
        waits = []
        previous = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            probe = await client.get("/healthz")
            assert probe.status_code == 200
            now = time.perf_counter()
            waits.append(now - previous)
            previous = now
        return waits

    (report, took), waits = await asyncio.gather(evidence(), health())
    assert report.status_code == 200, report.text
    assert report.headers["content-language"] == "en"
    body = report.json()
    # Written by orjson off the loop, the document is what the declared model would write.
    assert CycleEvidence.model_validate(body).model_dump(mode="json") == body
    documents = body["measures"]
    assert len(documents) == 2
    for document in documents:
        assert document["baseline"]["first_period"] == "1900-01-01"
        assert document["baseline"]["periods"] > 45_000
        assert len(document["points"]) == document["baseline"]["periods"] + 2
    assert took < BOUND_SECONDS, took
    assert max(waits) < HEALTH_SECONDS, waits


async def test_a_cycle_spans_at_most_100_years_and_the_error_names_the_field_sent(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    cycle = await create_cycle(client, tenant.headers, initiative)
    url = f"/api/v1/cycles/{cycle['id']}"
    first = date(1950, 1, 1)
    widest = {
        "baseline_start_on": first.isoformat(),
        "baseline_end_on": (first + timedelta(days=36_525)).isoformat(),
    }
    assert (await client.patch(url, json=widest, headers=tenant.headers)).status_code == 200
    early = {"baseline_start_on": (first - timedelta(days=1)).isoformat()}
    response = await client.patch(url, json=early, headers=tenant.headers)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["field"], error["type"]) == ("body.baseline_start_on", "too_long")
    late = {"test_started_on": "2100-01-02"}
    response = await client.patch(url, json=late, headers=tenant.headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "body.test_started_on"


async def test_a_stored_absurd_cycle_still_takes_changes_to_its_other_fields(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    cycle = await create_cycle(client, tenant.headers, initiative)
    await session.execute(
        update(Cycle)
        .where(col(Cycle.id) == uuid.UUID(cycle["id"]))
        .values(baseline_start_on=date(1900, 1, 1), baseline_end_on=date(9999, 12, 30))
    )
    await session.commit()
    url = f"/api/v1/cycles/{cycle['id']}"
    renamed = await client.patch(url, json={"title": "Exit tickets, igen"}, headers=tenant.headers)
    assert renamed.status_code == 200, renamed.text
    fixed = await client.patch(url, json={"baseline_end_on": "1900-12-31"}, headers=tenant.headers)
    assert fixed.status_code == 200, fixed.text
