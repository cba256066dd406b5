"""Issue 13 (defect 9): a team that moves takes its initiatives' measures with it, and every
route agrees on where they are."""

from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Role
from tests.cycles.factories import create_cycle, make_initiative
from tests.factories import Tenant, bearer, make_team, make_tenant, make_token
from tests.measures.factories import create_measure

BASELINE = {10: 9, 11: 11, 12: 10, 13: 12, 14: 9, 15: 10, 16: 11, 17: 10}
FOLLOW_UP = {19: 18, 20: 18, 22: 19, 23: 18, 24: 18}
CYCLE_DATES = {
    "baseline_start_on": "2025-03-03",
    "baseline_end_on": "2025-04-27",
    "test_started_on": "2025-05-05",
    "test_ended_on": "2025-06-13",
}


async def _work(
    client: AsyncClient, session: AsyncSession, tenant: Tenant
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """A measure of the team's initiative with a baseline and a follow-up, and a cycle on it."""
    initiative = await make_initiative(session, tenant.team)
    measure = await create_measure(client, tenant.headers, initiative_id=str(initiative.id))
    rows = [
        {
            "period": f"2025-W{week}",
            "numerator": numerator,
            "denominator": 24,
            "external_id": f"5b-{week}",
        }
        for week, numerator in {**BASELINE, **FOLLOW_UP}.items()
    ]
    sent = await client.post(
        "/api/v1/measurements/bulk",
        json={"measure_id": measure["id"], "rows": rows},
        headers=tenant.headers,
    )
    assert sent.status_code == 200, sent.text
    cycle = await create_cycle(client, tenant.headers, initiative)
    patched = await client.patch(
        f"/api/v1/cycles/{cycle['id']}", json=CYCLE_DATES, headers=tenant.headers
    )
    assert patched.status_code == 200, patched.text
    listed = await client.get(
        f"/api/v1/measurements?measure_id={measure['id']}&limit=100", headers=tenant.headers
    )
    return measure, cycle, [m["id"] for m in listed.json()["items"]]


async def _reporters(
    session: AsyncSession, tenant: Tenant
) -> tuple[dict[str, str], dict[str, str]]:
    old = await make_token(session, tenant.organisation, role=Role.reporter, scope=tenant.school)
    new = await make_token(
        session, tenant.organisation, role=Role.reporter, scope=tenant.sibling_school
    )
    return bearer(old), bearer(new)


async def _move(client: AsyncClient, tenant: Tenant, to: Any) -> Any:
    return await client.patch(
        f"/api/v1/teams/{tenant.team.id}",
        json={"org_unit_id": str(to.id)},
        headers=tenant.headers,
    )


async def _routes(
    client: AsyncClient,
    headers: dict[str, str],
    measure: dict[str, Any],
    cycle: dict[str, Any],
    measurement_ids: list[str],
) -> dict[str, int]:
    """The status of every route the defect names, read with one token."""
    mid, cid = measure["id"], cycle["id"]
    statuses = {
        "measure": (await client.get(f"/api/v1/measures/{mid}", headers=headers)).status_code,
        "series": (await client.get(f"/api/v1/measures/{mid}/series", headers=headers)).status_code,
        "measurement": (
            await client.get(f"/api/v1/measurements/{measurement_ids[0]}", headers=headers)
        ).status_code,
        "history": (
            await client.get(f"/api/v1/measurements/{measurement_ids[0]}/history", headers=headers)
        ).status_code,
        "cycle_measures": (
            await client.get(f"/api/v1/cycles/{cid}/measures", headers=headers)
        ).status_code,
        "evidence": (
            await client.get(f"/api/v1/cycles/{cid}/evidence", headers=headers)
        ).status_code,
    }
    listed = await client.get(
        f"/api/v1/measures?initiative_id={measure['initiative_id']}", headers=headers
    )
    statuses["measure_list"] = (
        listed.status_code if listed.status_code != 200 else 200 if listed.json()["total"] else 404
    )
    measurements = await client.get(f"/api/v1/measurements?measure_id={mid}", headers=headers)
    statuses["measurement_list"] = (
        measurements.status_code
        if measurements.status_code != 200
        else 200
        if measurements.json()["total"]
        else 404
    )
    written = await client.post(
        "/api/v1/measurements",
        json={"measure_id": mid, "period": "2025-W30", "numerator": 20, "denominator": 24},
        headers=headers,
    )
    statuses["write"] = 200 if written.status_code in (200, 201) else written.status_code
    return statuses


ALL_OK = dict.fromkeys(
    (
        "measure",
        "series",
        "measurement",
        "history",
        "cycle_measures",
        "evidence",
        "measure_list",
        "measurement_list",
        "write",
    ),
    200,
)


async def test_a_moved_team_takes_its_measures_and_every_route_agrees(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure, cycle, measurement_ids = await _work(client, session, tenant)
    old, new = await _reporters(session, tenant)
    assert await _routes(client, old, measure, cycle, measurement_ids) == ALL_OK

    moved = await _move(client, tenant, tenant.sibling_school)
    assert moved.status_code == 200, moved.text

    # The new unit's reporter reads and writes all of it; the old unit's none of it.
    assert await _routes(client, new, measure, cycle, measurement_ids) == ALL_OK
    refused = await _routes(client, old, measure, cycle, measurement_ids)
    assert refused["write"] == 422, refused
    assert all(status in (404, 422) for status in refused.values()), refused

    read = (await client.get(f"/api/v1/measures/{measure['id']}", headers=new)).json()
    assert read["org_unit_id"] == str(tenant.sibling_school.id)
    listed = await client.get(
        f"/api/v1/measurements?measure_id={measure['id']}&limit=100", headers=new
    )
    units = {m["org_unit_id"] for m in listed.json()["items"]}
    assert units == {str(tenant.sibling_school.id)}
    assert listed.json()["total"] == len(BASELINE) + len(FOLLOW_UP) + 1

    evidence = (await client.get(f"/api/v1/cycles/{cycle['id']}/evidence", headers=new)).json()
    [shown] = evidence["measures"]
    assert shown["org_unit_id"] == str(tenant.sibling_school.id)
    assert (shown["baseline"]["points"], shown["follow_up"]["points"]) == (8, 5)

    # Audited: the measure and each measurement say where they were.
    history = await client.get(f"/api/v1/measurements/{measurement_ids[0]}/history", headers=new)
    last = history.json()[-1]
    assert last["changes"]["org_unit_id"] == {
        "before": str(tenant.school.id),
        "after": str(tenant.sibling_school.id),
    }
    events = await client.get(
        f"/api/v1/audit-events?object_type=measure&object_id={measure['id']}",
        headers=tenant.headers,
    )
    assert events.status_code == 200, events.text
    assert any(
        e["changes"].get("org_unit_id", {}).get("after") == str(tenant.sibling_school.id)
        for e in events.json()["items"]
    )


async def test_moving_back_restores_the_old_units_view(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure, cycle, measurement_ids = await _work(client, session, tenant)
    old, new = await _reporters(session, tenant)
    assert (await _move(client, tenant, tenant.sibling_school)).status_code == 200
    assert (await _move(client, tenant, tenant.school)).status_code == 200
    assert await _routes(client, old, measure, cycle, measurement_ids) == ALL_OK
    assert (await client.get(f"/api/v1/measures/{measure['id']}", headers=new)).status_code == 404


async def test_a_move_onto_a_unit_using_the_same_external_ids_is_refused_and_writes_nothing(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure, _, _ = await _work(client, session, tenant)
    team = await make_team(session, tenant.sibling_school, "Lärlag Söder")
    initiative = await make_initiative(session, team, "Studiero")
    theirs = await create_measure(
        client, tenant.headers, initiative_id=str(initiative.id), name="Studiero"
    )
    sent = await client.post(
        "/api/v1/measurements",
        json={
            "measure_id": theirs["id"],
            "period": "2025-W10",
            "numerator": 1,
            "denominator": 2,
            "external_id": "5b-10",
        },
        headers=tenant.headers,
    )
    assert sent.status_code == 201, sent.text

    moved = await _move(client, tenant, tenant.sibling_school)
    assert moved.status_code == 409, moved.text
    assert moved.json()["type"].endswith("team-move-clash")
    assert "5b-10" in moved.json()["detail"]
    team_now = await client.get(f"/api/v1/teams/{tenant.team.id}", headers=tenant.headers)
    assert team_now.json()["org_unit_id"] == str(tenant.school.id)
    read = await client.get(f"/api/v1/measures/{measure['id']}", headers=tenant.headers)
    assert read.json()["org_unit_id"] == str(tenant.school.id)
