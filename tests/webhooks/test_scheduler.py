"""The worker's scheduler: overdue cycles and commitments and missed reports, announced once each
(also with two workers on PostgreSQL), scoped in the feed like every other event."""

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.events.models import Event
from app.measures.models import Measure
from app.org_units.models import OrgUnit
from app.periods import SchoolYearStart
from app.webhooks import signals
from app.webhooks.scheduler import last_due_period
from app.webhooks.worker import Worker
from tests.conftest import Database, Independent
from tests.cycles.factories import create_cycle, make_initiative
from tests.factories import Tenant, bearer, make_tenant
from tests.measures.factories import create_indicator

EVENTS = "/api/v1/events"
SCHEDULED = ["cycle.overdue", "commitment.overdue", "measure.report_missing"]


def worker(app: FastAPI, now: datetime) -> Worker:
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(204)))
    return Worker(app.state.sessionmaker, client, clock=lambda: now, timezone="Europe/Stockholm")


async def scheduled(client: AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get(EVENTS, params={"type": SCHEDULED, "limit": 100}, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def make_commitment(client: AsyncClient, tenant: Tenant, due_on: date) -> dict[str, Any]:
    goal = await client.post(
        "/api/v1/goals",
        json={"org_unit_id": str(tenant.school.id), "title": "Trygghet"},
        headers=tenant.headers,
    )
    assert goal.status_code == 201, goal.text
    response = await client.post(
        "/api/v1/commitments",
        json={
            "goal_id": goal.json()["id"],
            "owner_name": "Rektor Anna L.",
            "description": "Fokusgrupper om trygghet.",
            "due_on": due_on.isoformat(),
        },
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_an_overdue_cycle_and_commitment_are_announced_once_by_the_scheduler(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    cycle = await create_cycle(client, tenant.headers, initiative, stage_due_on="2026-09-25")
    commitment = await make_commitment(client, tenant, date(2026, 10, 15))
    on_time = worker(app, datetime(2026, 9, 25, 21, 0, tzinfo=UTC))  # 23:00 in Stockholm
    assert await on_time.schedule() == 0  # due today is not overdue yet

    later = worker(app, datetime(2026, 10, 20, 8, 0, tzinfo=UTC))
    assert await later.schedule() == 2
    assert await later.schedule() == 0  # once each
    events = await scheduled(client, tenant.headers)
    assert [e["type"] for e in events] == ["cycle.overdue", "commitment.overdue"]
    overdue_cycle, overdue_commitment = events
    assert overdue_cycle["object_id"] == cycle["id"]
    assert overdue_cycle["org_unit_id"] == str(tenant.school.id)
    assert overdue_cycle["actor_name"] == "scheduler"
    assert overdue_cycle["link"] == f"/api/v1/cycles/{cycle['id']}"
    assert overdue_cycle["data"] == {"stage": "current_state", "stage_due_on": "2026-09-25"}
    assert overdue_commitment["object_id"] == commitment["id"]
    assert overdue_commitment["data"] == {"status": "open", "due_on": "2026-10-15"}

    # A new due date that passes again is news; a closed commitment is not.
    url = f"/api/v1/commitments/{commitment['id']}"
    read = await client.get(url, headers=tenant.headers)
    moved = await client.patch(
        url,
        json={"due_on": "2026-11-02"},
        headers={**tenant.headers, "If-Match": read.headers["etag"]},
    )
    assert moved.status_code == 200, moved.text
    assert await worker(app, datetime(2026, 11, 10, 8, 0, tzinfo=UTC)).schedule() == 1
    assert [e["type"] for e in await scheduled(client, tenant.headers)][-1] == (
        "commitment.overdue"
    )
    # The other branch of the tree hears nothing of it.
    assert await scheduled(client, bearer(tenant.south_admin)) == []


async def _backdate(session: AsyncSession, tenant: Tenant, measure_id: str, days: int) -> None:
    """Make the tree and the measure older, as if they had existed for ``days``."""
    then = utcnow() - timedelta(days=days)
    await session.execute(
        update(OrgUnit)
        .where(OrgUnit.organisation_id == tenant.organisation.id)  # type: ignore[arg-type]
        .values(created_at=then)
    )
    await session.execute(
        update(Measure).where(Measure.id == uuid.UUID(measure_id)).values(created_at=then)  # type: ignore[arg-type]
    )
    await session.commit()


async def test_a_unit_that_misses_the_deadline_is_announced_once_and_only_in_its_scope(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    indicator = await create_indicator(client, tenant, period_kind="month")
    await _backdate(session, tenant, indicator["id"], 400)
    scheduler = worker(app, utcnow())
    period = last_due_period("month", scheduler.today(), 7, SchoolYearStart(7, 1))
    reported = await client.post(
        "/api/v1/measurements",
        json={
            "measure_id": indicator["id"],
            "org_unit_id": str(tenant.school.id),
            "period": period.key,
            "numerator": 17,
            "denominator": 24,
        },
        headers=tenant.headers,
    )
    assert reported.status_code == 201, reported.text

    assert await scheduler.schedule() == 1  # Södra skolan has not reported; Norrskolan has
    assert await scheduler.schedule() == 0
    (missing,) = await scheduled(client, tenant.headers)
    assert missing["type"] == "measure.report_missing"
    assert missing["org_unit_id"] == str(tenant.sibling_school.id)
    assert missing["object_type"] == "measure" and missing["object_id"] == indicator["id"]
    assert missing["link"] == (
        f"/api/v1/measures/{indicator['id']}/reporting-status?period={period.key}"
    )
    deadline = period.last_day + timedelta(days=7)
    assert missing["data"] == {
        "measure_id": indicator["id"],
        "measure_name": indicator["name"],
        "period": period.key,
        "deadline_on": deadline.isoformat(),
    }
    assert missing["actor_name"] == "scheduler"
    assert len(await scheduled(client, bearer(tenant.south_admin))) == 1
    assert await scheduled(client, bearer(tenant.north_admin)) == []
    link = await client.get(missing["link"], headers=bearer(tenant.south_admin))
    assert link.status_code == 200 and link.json()["missing"] == 1


async def test_a_measure_made_after_the_period_announces_nothing_from_the_past(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    await create_indicator(client, tenant, period_kind="month")
    assert await worker(app, utcnow()).schedule() == 0
    assert await scheduled(client, tenant.headers) == []


async def test_two_workers_announce_each_overdue_item_once(
    independent: Independent, database: Database
) -> None:
    if database.backend != "postgresql":
        pytest.skip("on SQLite one worker runs")
    client, session = independent.client, independent.session
    app: FastAPI = client._transport.app  # type: ignore[attr-defined]
    tenant = await make_tenant(session)
    for n in range(15):
        await make_commitment(client, tenant, date(2026, 10, 1) + timedelta(days=n))
    now = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    counts = await asyncio.gather(*(worker(app, now).schedule() for _ in range(2)))
    assert sum(counts) == 15
    written = await session.scalar(
        select(func.count()).where(Event.type == "commitment.overdue")  # type: ignore[arg-type]
    )
    assert written == 15


async def _week(
    client: AsyncClient, tenant: Tenant, measure_id: str, week: int, value: float
) -> str:
    response = await client.post(
        "/api/v1/measurements",
        json={
            "measure_id": measure_id,
            "org_unit_id": str(tenant.school.id),
            "period": f"2026-W{week:02d}",
            "value": value,
        },
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    measurement_id: str = response.json()["id"]
    return measurement_id


async def signal_events(client: AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get(
        EVENTS,
        params={"type": ["measure.signal_appeared", "measure.signal_left"], "limit": 100},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_special_cause_appearing_and_leaving_is_announced_once_each(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    indicator = await create_indicator(
        client, tenant, period_kind="week", value_kind="continuous", unit_label="min"
    )
    for week in range(1, 21):
        await _week(client, tenant, indicator["id"], week, 10 + week % 3)
    assert await signals.compute(app.state.sessionmaker) == 0  # history is not news
    outlier = await _week(client, tenant, indicator["id"], 21, 40)
    assert await signals.compute(app.state.sessionmaker) >= 1
    assert await signals.compute(app.state.sessionmaker) == 0  # once
    (appeared,) = [
        e
        for e in await signal_events(client, tenant.headers)
        if e["data"]["rule"] == "outside_limits"
    ]
    assert appeared["type"] == "measure.signal_appeared"
    assert appeared["org_unit_id"] == str(tenant.school.id)
    assert appeared["object_id"] == indicator["id"]
    assert appeared["actor_name"] == "signals"
    assert appeared["data"]["period"] == "2026-W21" and appeared["data"]["side"] == "above"
    assert "value" not in appeared["data"]  # figures never travel in events
    assert await signal_events(client, bearer(tenant.south_admin)) == []

    gone = await client.delete(f"/api/v1/measurements/{outlier}", headers=tenant.headers)
    assert gone.status_code == 204
    assert await signals.compute(app.state.sessionmaker) >= 1
    left = [
        e
        for e in await signal_events(client, tenant.headers)
        if e["type"] == "measure.signal_left" and e["data"]["rule"] == "outside_limits"
    ]
    assert [e["data"]["period"] for e in left] == ["2026-W21"]


async def test_a_chart_setting_change_leaves_a_marker_that_the_signal_pass_reads(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    indicator = await create_indicator(
        client, tenant, period_kind="week", value_kind="continuous", unit_label="min"
    )
    for week in range(1, 13):
        await _week(client, tenant, indicator["id"], week, 10 + week % 3)
    await signals.compute(app.state.sessionmaker)
    excluded = await client.post(
        f"/api/v1/measures/{indicator['id']}/exclusions",
        json={"period": "2026-W05", "org_unit_id": str(tenant.school.id), "reason": "Lov"},
        headers=tenant.headers,
    )
    assert excluded.status_code == 201, excluded.text
    response = await client.get(
        EVENTS, params={"type": "measure.chart_settings_changed"}, headers=tenant.headers
    )
    (marker,) = response.json()["items"]
    assert marker["org_unit_id"] == str(tenant.school.id)
    assert marker["data"] == {"measure_ids": [indicator["id"]], "setting": "measure_exclusion"}
    async with app.state.sessionmaker() as db:
        position = (
            await db.execute(text("SELECT event_id FROM webhook_fanout WHERE name = 'signals'"))
        ).scalar_one()
    await signals.compute(app.state.sessionmaker)
    async with app.state.sessionmaker() as db:
        moved = (
            await db.execute(text("SELECT event_id FROM webhook_fanout WHERE name = 'signals'"))
        ).scalar_one()
    assert moved >= int(marker["id"]) > position
