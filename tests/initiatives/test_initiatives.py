import uuid
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.initiatives.models import InitiativeStatus
from tests.commitments.factories import make_commitment
from tests.factories import bearer, make_team, make_tenant, make_unit
from tests.goals.factories import make_goal
from tests.initiatives.factories import make_initiative

INITIATIVES = "/api/v1/initiatives"


def _ids(body: dict[str, Any]) -> set[str]:
    return {item["id"] for item in body["items"]}


async def test_create_read_update_delete_initiative(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    vision = await make_goal(session, tenant.root, "Vision")
    school_goal = await make_goal(session, tenant.school, "Delaktighet", parent=vision)
    created = await client.post(
        INITIATIVES,
        json={
            "team_id": str(tenant.team.id),
            "title": "Delaktighet i klass 5B",
            "focus_area": "delaktighet",
            "problem_description": "Få elever upplever att de kan påverka.",
            "evidence": "Elevenkäten HT 2025 och fokusgrupper.",
            "aim_what": "Elever upplever att de får påverka",
            "aim_how_much": "från 45 % till 75 %",
            "aim_by_when_on": "2027-06-15",
            "status": "planned",
            "goal_ids": [str(school_goal.id), str(vision.id), str(school_goal.id)],
        },
        headers=bearer(tenant.editor),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["org_unit_id"] == str(tenant.school.id)
    assert body["team_id"] == str(tenant.team.id)
    assert sorted(body["goal_ids"]) == sorted([str(school_goal.id), str(vision.id)])
    assert body["aim_by_when_on"] == "2027-06-15"
    assert "version" not in body
    assert created.headers["etag"] == '"1"'
    url = created.headers["location"]

    read = await client.get(url, headers=bearer(tenant.viewer))
    assert read.status_code == 200
    assert read.json() == body

    patched = await client.patch(
        url,
        json={"status": "active", "started_on": "2026-09-01", "goal_ids": [str(vision.id)]},
        headers={**bearer(tenant.editor), "If-Match": read.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "active"
    assert patched.json()["goal_ids"] == [str(vision.id)]
    assert patched.headers["etag"] == '"2"'

    audit = await client.get("/api/v1/audit-events?sort=occurred_at", headers=tenant.headers)
    events = [e for e in audit.json()["items"] if e["object_type"].startswith("initiative")]
    assert sorted((e["object_type"], e["action"]) for e in events) == [
        ("initiative", "create"),
        ("initiative", "update"),
        ("initiative_goal", "create"),
        ("initiative_goal", "create"),
        ("initiative_goal", "delete"),
    ]
    assert all(e["org_unit_id"] == str(tenant.school.id) for e in events)

    deleted = await client.delete(url, headers=bearer(tenant.editor))
    assert deleted.status_code == 204
    assert (await client.get(url, headers=tenant.headers)).status_code == 404
    # Its goals were only linked, not deleted.
    assert (
        await client.get(f"/api/v1/goals/{vision.id}", headers=tenant.headers)
    ).status_code == 200


async def test_changing_only_the_goals_makes_a_new_version(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    goal = await make_goal(session, tenant.school)
    initiative = await make_initiative(session, tenant.team)
    url = f"{INITIATIVES}/{initiative.id}"
    etag = (await client.get(url, headers=tenant.headers)).headers["etag"]
    first = await client.patch(
        url, json={"goal_ids": [str(goal.id)]}, headers={**tenant.headers, "If-Match": etag}
    )
    assert first.status_code == 200
    assert first.headers["etag"] != etag
    second = await client.patch(
        url, json={"goal_ids": []}, headers={**tenant.headers, "If-Match": etag}
    )
    assert second.status_code == 412
    assert (await client.get(url, headers=tenant.headers)).json()["goal_ids"] == [str(goal.id)]


async def test_goals_must_be_of_the_teams_unit_or_above(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    sibling_goal = await make_goal(session, tenant.south, "Söders mål")
    class_unit = await make_unit(session, tenant.organisation, "Klass 5B", parent=tenant.school)
    below_goal = await make_goal(session, class_unit, "Klassens mål")
    other = await make_tenant(session, "Annanstad kommun")
    foreign_goal = await make_goal(session, other.root)
    for goal in (sibling_goal, below_goal, foreign_goal):
        response = await client.post(
            INITIATIVES,
            json={
                "team_id": str(tenant.team.id),
                "title": "X",
                "focus_area": "delaktighet",
                "goal_ids": [str(goal.id)],
            },
            headers=tenant.headers,
        )
        assert response.status_code == 422, goal.title
        assert response.json()["errors"][0]["field"] == "body.goal_ids"
    initiative = await make_initiative(session, tenant.team)
    patched = await client.patch(
        f"{INITIATIVES}/{initiative.id}",
        json={"goal_ids": [str(below_goal.id)]},
        headers=tenant.headers,
    )
    assert patched.status_code == 422
    assert patched.json()["errors"][0]["field"] == "body.goal_ids"


async def test_team_change_must_fit_the_goals_kept(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    school_goal = await make_goal(session, tenant.school)
    initiative = await make_initiative(session, tenant.team, goals=[school_goal])
    south_team = await make_team(session, tenant.sibling_school, "Söderteamet")
    url = f"{INITIATIVES}/{initiative.id}"
    refused = await client.patch(url, json={"team_id": str(south_team.id)}, headers=tenant.headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.team_id"
    moved = await client.patch(
        url, json={"team_id": str(south_team.id), "goal_ids": []}, headers=tenant.headers
    )
    assert moved.status_code == 200
    assert moved.json()["org_unit_id"] == str(tenant.sibling_school.id)


async def test_initiative_validation_names_the_field(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    base = {"team_id": str(tenant.team.id), "title": "X", "focus_area": "delaktighet"}
    dates = await client.post(
        INITIATIVES,
        json={**base, "started_on": "2026-09-01", "ended_on": "2026-08-31"},
        headers=tenant.headers,
    )
    assert dates.status_code == 422
    assert dates.json()["errors"][0]["field"] == "body.ended_on"
    status = await client.post(INITIATIVES, json={**base, "status": "done"}, headers=tenant.headers)
    assert status.status_code == 422
    assert status.json()["errors"][0]["field"] == "body.status"
    missing = await client.post(
        INITIATIVES, json={"team_id": str(tenant.team.id)}, headers=tenant.headers
    )
    assert {e["field"] for e in missing.json()["errors"]} == {"body.title", "body.focus_area"}
    south_team = await make_team(session, tenant.sibling_school, "Söderteamet")
    out_of_scope = await client.post(
        INITIATIVES,
        json={**base, "team_id": str(south_team.id)},
        headers=bearer(tenant.north_admin),
    )
    assert out_of_scope.status_code == 422
    assert out_of_scope.json()["errors"][0]["field"] == "body.team_id"

    initiative = await make_initiative(session, tenant.team)
    url = f"{INITIATIVES}/{initiative.id}"
    await client.patch(url, json={"started_on": "2026-09-01"}, headers=tenant.headers)
    ended = await client.patch(url, json={"ended_on": "2026-01-01"}, headers=tenant.headers)
    assert ended.status_code == 422
    assert ended.json()["errors"][0]["field"] == "body.ended_on"
    null_team = await client.patch(url, json={"team_id": None}, headers=tenant.headers)
    assert null_team.status_code == 422
    assert null_team.json()["errors"][0]["field"] == "body.team_id"
    viewer = await client.patch(url, json={"title": "Y"}, headers=bearer(tenant.viewer))
    assert viewer.status_code == 403


async def test_delete_initiative_refused_while_commitments_refer_to_it(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    goal = await make_goal(session, tenant.school)
    initiative = await make_initiative(session, tenant.team, goals=[goal])
    await make_commitment(session, initiative=initiative)
    url = f"{INITIATIVES}/{initiative.id}"
    response = await client.delete(url, headers=tenant.headers)
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/initiative-in-use"
    assert (await client.get(url, headers=tenant.headers)).json()["goal_ids"] == [str(goal.id)]


async def test_list_initiatives_filters(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    goal = await make_goal(session, tenant.root)
    north_team = await make_team(session, tenant.north, "Områdets lederteam")
    south_team = await make_team(session, tenant.sibling_school, "Söderteamet")
    school = await make_initiative(session, tenant.team, "Delaktighet 5B", goals=[goal])
    area = await make_initiative(
        session, north_team, "Trygghet", focus_area="trygghet", status=InitiativeStatus.planned
    )
    south = await make_initiative(session, south_team, "Läsning", focus_area="Läsförståelse")

    async def ids(query: str) -> set[str]:
        response = await client.get(f"{INITIATIVES}?{query}", headers=tenant.headers)
        assert response.status_code == 200, response.text
        return _ids(response.json())

    assert await ids("") == {str(school.id), str(area.id), str(south.id)}
    assert await ids(f"org_unit_id={tenant.north.id}") == {str(area.id)}
    assert await ids(f"org_unit_id={tenant.north.id}&include_descendants=true") == {
        str(school.id),
        str(area.id),
    }
    assert await ids(f"team_id={south_team.id}") == {str(south.id)}
    assert await ids("status=planned") == {str(area.id)}
    assert await ids("focus_area=LÄSFÖRSTÅELSE") == {str(south.id)}
    assert await ids(f"goal_id={goal.id}") == {str(school.id)}
    assert await ids("q=trygg") == {str(area.id)}
    ordered = await client.get(f"{INITIATIVES}?sort=-title", headers=tenant.headers)
    assert [i["title"] for i in ordered.json()["items"]] == [
        "Trygghet",
        "Läsning",
        "Delaktighet 5B",
    ]
    listed = next(i for i in ordered.json()["items"] if i["id"] == str(school.id))
    assert listed["goal_ids"] == [str(goal.id)]
    assert listed["org_unit_id"] == str(tenant.school.id)


async def test_initiatives_outside_scope_or_organisation_do_not_exist(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    other = await make_tenant(session, "Annanstad kommun")
    url = f"{INITIATIVES}/{initiative.id}"
    for headers in (bearer(tenant.south_admin), bearer(other.admin)):
        assert (await client.get(url, headers=headers)).status_code == 404
        assert (await client.patch(url, json={"title": "X"}, headers=headers)).status_code == 404
        assert (await client.delete(url, headers=headers)).status_code == 404
        assert (await client.get(INITIATIVES, headers=headers)).json()["total"] == 0
    assert (await client.get(url, headers=bearer(tenant.north_admin))).status_code == 200
    south_listing = await client.get(
        f"{INITIATIVES}?org_unit_id={tenant.school.id}", headers=bearer(tenant.south_admin)
    )
    assert south_listing.status_code == 422
    assert south_listing.json()["errors"][0]["field"] == "query.org_unit_id"


async def test_a_goal_the_token_cannot_read_is_answered_like_an_unknown_id(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    north = bearer(tenant.north_admin)
    sibling = await make_goal(session, tenant.south, "Söders mål")
    assert (await client.get(f"/api/v1/goals/{sibling.id}", headers=north)).status_code == 404
    answers = []
    for goal_id in (sibling.id, uuid.uuid4()):
        response = await client.post(
            INITIATIVES,
            json={
                "team_id": str(tenant.team.id),
                "title": "Delaktighet",
                "focus_area": "delaktighet",
                "goal_ids": [str(goal_id)],
            },
            headers=north,
        )
        assert response.status_code == 422, response.text
        answers.append(response.text.replace(str(goal_id), "<id>"))
    assert answers[0] == answers[1]
