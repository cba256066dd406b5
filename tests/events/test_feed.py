"""The event outbox and its feed: an event for every kind of change, in commit order, scoped."""

import asyncio
import time
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.events.models import Event
from tests.conftest import Database, Independent
from tests.cycles.factories import make_initiative
from tests.factories import Tenant, bearer, make_tenant
from tests.measures.factories import create_measure

EVENTS = "/api/v1/events"


async def feed(client: AsyncClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await client.get(EVENTS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def types(body: dict[str, Any]) -> list[str]:
    return [item["type"] for item in body["items"]]


async def _cycle_body(tenant: Tenant, session: AsyncSession) -> dict[str, Any]:
    initiative = await make_initiative(session, tenant.team)
    return {
        "initiative_id": str(initiative.id),
        "title": "Exit tickets i 5B",
        "change_idea": "Exit tickets",
        "question": "Blir eleverna mer delaktiga?",
        "current_state_description": "Få elever känner sig delaktiga.",
        "baseline_start_on": "2026-08-17",
        "baseline_end_on": "2026-09-04",
    }


async def test_every_kind_of_change_makes_one_event_in_commit_order(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    h = tenant.headers
    start = (await feed(client, h))["next_cursor"]
    unit = (
        await client.post(
            "/api/v1/org-units",
            json={"name": "Nya skolan", "kind": "school", "parent_id": str(tenant.north.id)},
            headers=h,
        )
    ).json()
    assert (
        await client.post(
            f"/api/v1/org-units/{unit['id']}/move",
            json={"parent_id": str(tenant.south.id)},
            headers=h,
        )
    ).status_code == 200
    assert (
        await client.post(f"/api/v1/org-units/{unit['id']}/archive", headers=h)
    ).status_code == 200
    assert (
        await client.post(f"/api/v1/org-units/{unit['id']}/restore", headers=h)
    ).status_code == 200
    goal = await client.post(
        "/api/v1/goals",
        json={"org_unit_id": str(tenant.school.id), "title": "Delaktighet"},
        headers=h,
    )
    assert goal.status_code == 201, goal.text
    assert (
        await client.patch(
            f"/api/v1/goals/{goal.json()['id']}", json={"status": "achieved"}, headers=h
        )
    ).status_code == 200
    initiative = await client.post(
        "/api/v1/initiatives",
        json={
            "team_id": str(tenant.team.id),
            "title": "Delaktighet i 5B",
            "focus_area": "delaktighet",
        },
        headers=h,
    )
    assert initiative.status_code == 201, initiative.text
    assert (
        await client.patch(
            f"/api/v1/initiatives/{initiative.json()['id']}", json={"status": "paused"}, headers=h
        )
    ).status_code == 200
    cycle = await client.post("/api/v1/cycles", json=await _cycle_body(tenant, session), headers=h)
    assert cycle.status_code == 201, cycle.text
    moved = await client.post(
        f"/api/v1/cycles/{cycle.json()['id']}/transitions", json={"to_stage": "analysis"}, headers=h
    )
    assert moved.status_code in (200, 201), moved.text
    measure = await create_measure(client, h, org_unit_id=str(tenant.school.id))
    bulk = await client.post(
        "/api/v1/measurements/bulk",
        json={
            "measure_id": measure["id"],
            "org_unit_id": str(tenant.school.id),
            "rows": [
                {"period": f"2026-W{w}", "numerator": 3, "denominator": 10} for w in (37, 38, 39)
            ],
        },
        headers=h,
    )
    assert bulk.status_code in (200, 201), bulk.text
    listed = (
        await client.get(f"/api/v1/measurements?measure_id={measure['id']}", headers=h)
    ).json()
    first = listed["items"][0]
    deleted = await client.delete(f"/api/v1/measurements/{first['id']}", headers=h)
    assert deleted.status_code == 204, deleted.text

    body = await feed(client, h, after=start)
    assert types(body) == [
        "org_unit.created",
        "org_unit.moved",
        "org_unit.archived",
        "org_unit.restored",
        "goal.created",
        "goal.status_changed",
        "initiative.created",
        "initiative.status_changed",
        "cycle.created",
        "cycle.stage_changed",
        "measurement.recorded",
        "measurement.deleted",
    ]
    items = {item["type"]: item for item in body["items"]}
    recorded = items["measurement.recorded"]
    # One event for the request, with counts, measures and periods and no figure.
    assert recorded["data"] == {
        "count": 3,
        "measure_ids": [measure["id"]],
        "periods": ["2026-W37", "2026-W38", "2026-W39"],
    }
    assert recorded["org_unit_id"] == str(tenant.school.id)
    stage = items["cycle.stage_changed"]
    assert stage["link"] == f"/api/v1/cycles/{cycle.json()['id']}"
    assert stage["data"]["from_stage"] == "current_state"
    assert stage["data"]["to_stage"] == "analysis"
    assert stage["org_unit_id"] == str(tenant.school.id)
    me = (await client.get("/api/v1/access-tokens/current", headers=h)).json()
    assert {item["actor_name"] for item in body["items"]} == {me["name"]}
    assert items["org_unit.moved"]["link"] == f"/api/v1/org-units/{unit['id']}"
    # The cursor goes on from the last event; nothing follows it yet.
    assert body["next_cursor"] == body["items"][-1]["cursor"]
    after = await feed(client, h, after=body["next_cursor"])
    assert after["items"] == [] and after["next_cursor"] == body["next_cursor"]
    # Type filters, and pages that go on where the last ended.
    only = await feed(client, h, after=start, type=["goal.created", "cycle.created"])
    assert types(only) == ["goal.created", "cycle.created"]
    page = await feed(client, h, after=start, limit=5)
    rest = await feed(client, h, after=page["next_cursor"])
    assert types(page) + types(rest) == types(body)


async def test_a_request_that_fails_leaves_no_event(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    before = (await session.execute(select(func.count()).select_from(Event))).scalar_one()
    refused = await client.post(
        f"/api/v1/org-units/{tenant.north.id}/move",
        json={"parent_id": str(tenant.school.id)},
        headers=tenant.headers,
    )
    assert refused.status_code == 409
    after = (await session.execute(select(func.count()).select_from(Event))).scalar_one()
    assert after == before


async def test_a_viewer_of_a_school_reads_only_its_subtree(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    for school in (tenant.school, tenant.sibling_school):
        response = await client.post(
            "/api/v1/goals",
            json={"org_unit_id": str(school.id), "title": "Trygghet"},
            headers=tenant.headers,
        )
        assert response.status_code == 201
    admin = await feed(client, tenant.headers, type="goal.created")
    assert {i["org_unit_id"] for i in admin["items"]} == {
        str(tenant.school.id),
        str(tenant.sibling_school.id),
    }
    north = await feed(client, bearer(tenant.north_admin), type="goal.created")
    assert [i["org_unit_id"] for i in north["items"]] == [str(tenant.school.id)]
    by_unit = await feed(client, tenant.headers, type="goal.created", unit_id=str(tenant.south.id))
    assert [i["org_unit_id"] for i in by_unit["items"]] == [str(tenant.sibling_school.id)]
    outside = await client.get(
        EVENTS, params={"unit_id": str(tenant.south.id)}, headers=bearer(tenant.north_admin)
    )
    assert outside.status_code == 422
    assert outside.json()["errors"][0]["field"] == "query.unit_id"


@pytest.mark.parametrize("after", ["abc", "1", "1.2.3", "-1.2"])
async def test_a_cursor_that_is_not_ours_is_refused_naming_after(
    client: AsyncClient, session: AsyncSession, after: str
) -> None:
    tenant = await make_tenant(session)
    response = await client.get(EVENTS, params={"after": after}, headers=tenant.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.after"


async def test_long_polling_answers_soon_after_a_commit(independent: Independent) -> None:
    client, session = independent.client, independent.session
    tenant = await make_tenant(session)
    start = (await feed(client, tenant.headers))["next_cursor"]

    async def later() -> None:
        await asyncio.sleep(0.5)
        await client.post(
            "/api/v1/goals",
            json={"org_unit_id": str(tenant.school.id), "title": "Trygghet"},
            headers=tenant.headers,
        )

    began = time.monotonic()
    writer = asyncio.create_task(later())
    body = await feed(client, tenant.headers, after=start, wait=10)
    elapsed = time.monotonic() - began
    await writer
    assert types(body) == ["goal.created"]
    assert 0.4 < elapsed < 1.5
    # Nothing new: the wait runs out and the cursor stays.
    began = time.monotonic()
    empty = await feed(client, tenant.headers, after=body["next_cursor"], wait=0.5)
    assert empty["items"] == [] and time.monotonic() - began >= 0.5


async def test_a_slow_transaction_is_never_skipped_by_the_feed(
    independent: Independent, database: Database
) -> None:
    """Two writers on PostgreSQL: the one that took the lower id commits last. A reader polling
    in between must not pass the slow one's event."""
    if database.backend != "postgresql":
        pytest.skip("SQLite's writers are serial: the id is the commit order")
    client, session = independent.client, independent.session
    tenant = await make_tenant(session)
    start = (await feed(client, tenant.headers))["next_cursor"]
    maker = client._transport.app.state.write_sessionmaker  # type: ignore[attr-defined]
    from app.events import service as events
    from app.events.models import EventType

    slow = maker()
    fast = maker()
    try:
        # The slow transaction writes its event first (lower id) ...
        await events.record_event(slow, EventType.org_unit_restored, tenant.school)
        # ... the fast one writes and commits after it.
        await events.record_event(fast, EventType.org_unit_archived, tenant.sibling_school)
        await fast.commit()
        seen = await feed(client, tenant.headers, after=start)
        cursor = seen["next_cursor"]
        assert "org_unit.archived" not in types(seen)  # held back behind the slow one
        await slow.commit()
    finally:
        await slow.close()
        await fast.close()
    rest = await feed(client, tenant.headers, after=cursor or start)
    assert sorted(types(seen) + types(rest)) == ["org_unit.archived", "org_unit.restored"]
