"""Listing cycles as a school portal does: by unit (with descendants), active, overdue, stage."""

from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.cycles.factories import (
    STAGE_CONTENT,
    advance,
    create_cycle,
    make_initiative,
    today_off_utc,
)
from tests.factories import Tenant, bearer, make_team, make_tenant


async def titles(client: AsyncClient, headers: dict[str, str], query: str = "") -> list[str]:
    response = await client.get(f"/api/v1/cycles?limit=100{query}", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return [item["title"] for item in body["items"]]


async def portfolio(client: AsyncClient, session: AsyncSession) -> tuple[Tenant, dict[str, Any]]:
    """Five cycles: three at Norrskolan, one at the area Norr itself, one at Södra skolan.

    overdue: current state with a due day long past; action: due far ahead; closed: closed with
    a past due day (never overdue); south: no due day; area: in analysis.
    """
    tenant = await make_tenant(session)
    editor = bearer(tenant.editor)
    school_initiative = await make_initiative(session, tenant.team)
    south_team = await make_team(session, tenant.sibling_school, "Förbättringsteam Söder")
    area_team = await make_team(session, tenant.north, "Lederteam Norr")
    south_initiative = await make_initiative(session, south_team, "Studiero")
    area_initiative = await make_initiative(session, area_team, "Kollegialt lärande")

    overdue = await create_cycle(
        client, editor, school_initiative, title="overdue", stage_due_on="2020-01-01"
    )
    action = await create_cycle(client, editor, school_initiative, title="action")
    await advance(client, editor, action["id"], "action")
    await client.patch(
        f"/api/v1/cycles/{action['id']}", json={"stage_due_on": "2999-01-01"}, headers=editor
    )
    closed = await create_cycle(client, editor, school_initiative, title="closed")
    await advance(client, editor, closed["id"], "follow_up")
    await client.patch(
        f"/api/v1/cycles/{closed['id']}", json=STAGE_CONTENT["follow_up"], headers=editor
    )
    moved = await client.post(
        f"/api/v1/cycles/{closed['id']}/transitions",
        json={"to_stage": "closed", "due_on": "2020-01-01"},
        headers=editor,
    )
    assert moved.json()["stage"] == "closed"
    await create_cycle(client, editor, south_initiative, title="south")
    area = await create_cycle(client, editor, area_initiative, title="area")
    await advance(client, editor, area["id"], "analysis")
    return tenant, {
        "school_initiative": school_initiative,
        "south_team": south_team,
        "overdue": overdue,
    }


async def test_filters_active_overdue_stage_unit_team_and_initiative(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, data = await portfolio(client, session)
    viewer = bearer(tenant.viewer)

    async def listed(query: str) -> set[str]:
        return set(await titles(client, viewer, query))

    assert await listed("") == {"overdue", "action", "closed", "south", "area"}
    assert await listed("&active=true") == {"overdue", "action", "south", "area"}
    assert await listed("&active=false") == {"closed"}
    assert await listed("&overdue=true") == {"overdue"}
    assert await listed("&overdue=false") == {"action", "closed", "south", "area"}
    assert await listed("&overdue=true&active=true") == {"overdue"}
    assert await listed("&stage=action&stage=analysis") == {"action", "area"}
    assert await listed("&stage=closed") == {"closed"}
    assert await listed(f"&org_unit_id={tenant.school.id}") == {"overdue", "action", "closed"}
    assert await listed(f"&org_unit_id={tenant.north.id}") == {"area"}
    assert await listed(f"&org_unit_id={tenant.north.id}&include_descendants=true") == {
        "overdue",
        "action",
        "closed",
        "area",
    }
    assert await listed(f"&org_unit_id={tenant.root.id}&include_descendants=true&active=true") == {
        "overdue",
        "action",
        "south",
        "area",
    }
    assert await listed(f"&team_id={data['south_team'].id}") == {"south"}
    assert await listed(f"&initiative_id={data['school_initiative'].id}&active=true") == {
        "overdue",
        "action",
    }
    bad_stage = await client.get("/api/v1/cycles?stage=nulage", headers=viewer)
    assert bad_stage.status_code == 422
    assert bad_stage.json()["errors"][0]["field"].startswith("query.stage")


async def test_sorting_by_sequence_stage_and_due_day(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, data = await portfolio(client, session)
    viewer = bearer(tenant.viewer)
    in_initiative = f"&initiative_id={data['school_initiative'].id}"
    assert await titles(client, viewer, f"{in_initiative}&sort=sequence") == [
        "overdue",
        "action",
        "closed",
    ]
    assert await titles(client, viewer, f"{in_initiative}&sort=-sequence") == [
        "closed",
        "action",
        "overdue",
    ]
    by_stage = await titles(client, viewer, "&sort=stage")
    assert by_stage[-3:] == ["area", "action", "closed"]
    assert set(by_stage[:2]) == {"overdue", "south"}
    by_due = await titles(client, viewer, "&sort=stage_due_on")
    assert set(by_due[:2]) == {"overdue", "closed"}  # both due 2020-01-01
    assert by_due[2] == "action"
    assert set(by_due[3:]) == {"south", "area"}  # cycles without a due day last
    by_due_desc = await titles(client, viewer, "&sort=-stage_due_on&active=true")
    assert by_due_desc[:2] == ["action", "overdue"]  # cycles without a due day last
    page = await client.get("/api/v1/cycles?limit=2&offset=2&sort=created_at", headers=viewer)
    assert page.json()["total"] == 5 and len(page.json()["items"]) == 2


async def test_lists_stay_inside_the_token_scope(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, _ = await portfolio(client, session)
    north = bearer(tenant.north_admin)
    assert set(await titles(client, north)) == {"overdue", "action", "closed", "area"}
    south = bearer(tenant.south_admin)
    assert await titles(client, south) == ["south"]
    for query in (
        f"org_unit_id={tenant.school.id}",
        f"team_id={tenant.team.id}",
    ):
        response = await client.get(f"/api/v1/cycles?{query}", headers=south)
        assert response.status_code == 422, query
        assert response.json()["errors"][0]["field"] == f"query.{query.split('=')[0]}"


async def test_overdue_follows_the_organisations_calendar_not_utc(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    editor = bearer(tenant.editor)
    with today_off_utc() as today:
        for title, due in (("yesterday", today - timedelta(days=1)), ("today", today)):
            await create_cycle(
                client, editor, initiative, title=title, stage_due_on=due.isoformat()
            )
        assert await titles(client, editor, "&overdue=true") == ["yesterday"]
        assert await titles(client, editor, "&overdue=false") == ["today"]
