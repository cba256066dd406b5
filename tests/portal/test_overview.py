"""A unit's overview for a portal (issue 17, item 6): one call for what a school's page shows."""

from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.commitments.models import CommitmentStatus
from app.context import Role
from app.cycles.models import Cycle
from app.cycles.stages import Stage
from app.db import local_today
from app.goals.models import Goal, GoalStatus
from app.initiatives.models import InitiativeStatus
from app.overview.models import MAX_ITEMS
from tests.analytics.factories import make_cycle, proportion_measure, weeks
from tests.commitments.factories import make_commitment
from tests.cycles.factories import make_initiative
from tests.factories import bearer, make_organisation, make_tenant, make_token, make_unit
from tests.measures.factories import create_indicator


def _url(unit_id: Any) -> str:
    return f"/api/v1/org-units/{unit_id}/overview"


async def test_the_overview_holds_what_a_schools_page_shows(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    organisation_id, school_id = tenant.organisation.id, tenant.school.id
    goal = Goal(organisation_id=organisation_id, org_unit_id=school_id, title="Trygga elever")
    archived = Goal(
        organisation_id=organisation_id,
        org_unit_id=school_id,
        title="Gammalt mål",
        status=GoalStatus.archived,
    )
    session.add_all([goal, archived])
    await session.commit()
    answers = [(period, 14 + i % 5, 25) for i, period in enumerate(weeks(1, 20))]
    measured = await proportion_measure(client, session, tenant, answers)
    initiative = measured.initiative
    await make_initiative(session, tenant.team, "Avslutat", status=InitiativeStatus.completed)
    await make_cycle(session, initiative, title="Första", sequence=1)
    current = await make_cycle(session, initiative, title="Exit tickets", sequence=2)
    yesterday = local_today() - timedelta(days=1)
    row = await session.get(Cycle, current.id)
    assert row is not None
    row.stage, row.stage_due_on = Stage.action, yesterday
    await session.commit()
    late = await make_commitment(session, initiative=initiative, due_on=yesterday)
    await make_commitment(session, goal=goal, due_on=yesterday, status=CommitmentStatus.done)
    await make_commitment(session, goal=goal, due_on=local_today() + timedelta(days=3))

    answer = await client.get(
        _url(tenant.school.id), headers={**tenant.headers, "Accept-Language": "sv"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-language"] == "sv"
    body = answer.json()
    assert body["unit"]["id"] == str(tenant.school.id)
    assert [g["title"] for g in body["goals"]["items"]] == ["Trygga elever"]
    assert body["goals"]["more"] == f"/api/v1/goals?org_unit_id={tenant.school.id}"
    assert [t["id"] for t in body["teams"]["items"]] == [str(tenant.team.id)]
    [shown] = body["initiatives"]["items"]
    assert shown["id"] == str(initiative.id)
    assert shown["overdue_commitments"] == 1
    cycle = shown["current_cycle"]
    assert (cycle["id"], cycle["stage"], cycle["overdue"]) == (str(current.id), "action", True)
    assert cycle["stage_label"] == "åtgärd"
    assert [c["id"] for c in body["overdue"]["cycles"]["items"]] == [str(current.id)]
    assert [c["id"] for c in body["overdue"]["commitments"]["items"]] == [str(late.id)]
    # The measures are the glance's, word for word, in the request's language.
    glance = await client.get(
        f"/api/v1/analytics/measures?org_unit_id={tenant.school.id}&sort=name",
        headers={**tenant.headers, "Accept-Language": "sv"},
    )
    assert body["measures"]["items"] == glance.json()["items"]
    [measure] = body["measures"]["items"]
    assert measure["latest_value"] is not None and measure["sentence"]
    assert body["measures"]["truncated"] is False
    lists = ("goals", "teams", "initiatives", "measures")
    overdue = body["overdue"]
    for listed in [*(body[name] for name in lists), overdue["cycles"], overdue["commitments"]]:
        assert listed["truncated"] is False
        full = await client.get(listed["more"], headers=tenant.headers)
        assert full.status_code == 200, listed["more"]
        shown = {item["id"] for item in listed["items"]}
        assert shown <= {item["id"] for item in full.json()["items"]}, listed["more"]
    # A strong ETag: the same answer is a 304, a change is a new tag.
    etag = answer.headers["etag"]
    assert not etag.startswith("W/")
    same = await client.get(
        _url(tenant.school.id),
        headers={**tenant.headers, "Accept-Language": "sv", "If-None-Match": etag},
    )
    assert same.status_code == 304
    in_english = await client.get(
        _url(tenant.school.id),
        headers={**tenant.headers, "Accept-Language": "en", "If-None-Match": etag},
    )
    assert in_english.status_code == 200
    assert in_english.json()["measures"]["items"][0]["sentence"] != measure["sentence"]


async def test_the_overview_caps_each_list_and_links_the_full_list(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    await session.execute(
        insert(Goal.__table__),  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker
        [
            Goal(
                organisation_id=tenant.organisation.id,
                org_unit_id=tenant.school.id,
                title=f"Mål {i:03}",
            ).model_dump()
            for i in range(MAX_ITEMS + 1)
        ],
    )
    await session.commit()
    body = (await client.get(_url(tenant.school.id), headers=tenant.headers)).json()
    assert len(body["goals"]["items"]) == MAX_ITEMS
    assert body["goals"]["truncated"] is True
    assert body["goals"]["items"][0]["title"] == "Mål 000"
    full = await client.get(body["goals"]["more"], headers=tenant.headers)
    assert full.json()["total"] == MAX_ITEMS + 1
    assert body["teams"]["truncated"] is False


async def test_small_numbers_in_the_overview_are_withheld_as_on_the_chart(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    indicator = await create_indicator(client, tenant, min_denominator=10)
    response = await client.post(
        "/api/v1/measurements/bulk",
        json={
            "measure_id": indicator["id"],
            "org_unit_id": str(tenant.school.id),
            "rows": [{"period": "HT2026", "numerator": 3, "denominator": 7}],
        },
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    school_viewer = await make_token(
        session, tenant.organisation, role=Role.viewer, scope=tenant.school
    )
    for token in (tenant.admin, school_viewer):
        seen = await client.get(_url(tenant.school.id), headers=bearer(token))
        [item] = [i for i in seen.json()["measures"]["items"] if i["id"] == indicator["id"]]
        chart = await client.get(
            f"/api/v1/measures/{indicator['id']}/analysis?org_unit_id={tenant.school.id}",
            headers=bearer(token),
        )
        withheld = chart.json()["points"]["withheld"] == [True]
        assert item["latest_withheld"] is withheld
        assert (item["latest_value"] is None) is withheld
    # A token scoped below the school does not see the school at all (its figures included).
    team_unit = await make_unit(session, tenant.organisation, "Arbetslag 4–6", parent=tenant.school)
    inside = await make_token(session, tenant.organisation, role=Role.viewer, scope=team_unit)
    refused = await client.get(_url(tenant.school.id), headers=bearer(inside))
    assert refused.status_code == 404


async def test_the_overview_of_a_unit_out_of_reach_answers_404_like_the_unit(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    stranger = await make_token(session, await make_organisation(session, "Annanstad kommun"))
    for token in (stranger, tenant.south_admin):
        overview = await client.get(_url(tenant.school.id), headers=bearer(token))
        unit = await client.get(f"/api/v1/org-units/{tenant.school.id}", headers=bearer(token))
        assert overview.status_code == unit.status_code == 404
        assert overview.json()["type"] == unit.json()["type"]
    missing = await client.get(_url("00000000-0000-4000-8000-000000000000"), headers=tenant.headers)
    assert missing.status_code == 404
    assert (await client.get(_url("nope"), headers=tenant.headers)).status_code == 422
