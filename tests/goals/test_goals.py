import uuid
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Role
from app.goals.models import GoalStatus
from tests.commitments.factories import make_commitment
from tests.factories import bearer, make_tenant, make_token
from tests.goals.factories import make_goal
from tests.initiatives.factories import make_initiative

GOALS = "/api/v1/goals"


def _ids(body: dict[str, Any]) -> set[str]:
    return {item["id"] for item in body["items"]}


async def test_create_read_update_delete_goal(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    vision = await make_goal(session, tenant.root, "Vision 2030")
    created = await client.post(
        GOALS,
        json={
            "org_unit_id": str(tenant.school.id),
            "title": "Alla elever upplever delaktighet",
            "parent_goal_id": str(vision.id),
            "valid_from_on": "2026-08-01",
            "valid_to_on": "2029-06-30",
        },
        headers=bearer(tenant.editor),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["org_unit_id"] == str(tenant.school.id)
    assert body["parent_goal_id"] == str(vision.id)
    assert body["status"] == "active"
    assert created.headers["etag"] == '"1"'
    url = created.headers["location"]
    assert url == f"{GOALS}/{body['id']}"

    read = await client.get(url, headers=bearer(tenant.viewer))
    assert read.status_code == 200
    assert read.json()["title"] == "Alla elever upplever delaktighet"

    patched = await client.patch(
        url,
        json={"status": "achieved", "description": "Uppnått läsåret 2027/28."},
        headers={**bearer(tenant.editor), "If-Match": read.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "achieved"
    assert patched.headers["etag"] == '"2"'

    deleted = await client.delete(url, headers=bearer(tenant.editor))
    assert deleted.status_code == 204
    assert (await client.get(url, headers=tenant.headers)).status_code == 404

    audit = await client.get(
        f"/api/v1/audit-events?object_id={body['id']}&sort=occurred_at", headers=tenant.headers
    )
    events = audit.json()["items"]
    assert sorted(e["action"] for e in events) == ["create", "delete", "update"]
    assert all(e["object_type"] == "goal" for e in events)
    assert all(e["org_unit_id"] == str(tenant.school.id) for e in events)
    update = next(e for e in events if e["action"] == "update")
    assert update["changes"]["status"] == {"before": "active", "after": "achieved"}


async def test_viewer_cannot_write_goals(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    response = await client.post(
        GOALS,
        json={"org_unit_id": str(tenant.school.id), "title": "Mål"},
        headers=bearer(tenant.viewer),
    )
    assert response.status_code == 403


async def test_create_goal_rejects_period_ending_before_it_starts(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.post(
        GOALS,
        json={
            "org_unit_id": str(tenant.school.id),
            "title": "Mål",
            "valid_from_on": "2027-01-01",
            "valid_to_on": "2026-12-31",
        },
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.valid_to_on"


async def test_update_goal_rejects_period_ending_before_it_starts(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    goal = await make_goal(session, tenant.school, valid_to_on=None)
    await client.patch(
        f"{GOALS}/{goal.id}", json={"valid_to_on": "2026-06-30"}, headers=tenant.headers
    )
    response = await client.patch(
        f"{GOALS}/{goal.id}", json={"valid_from_on": "2026-08-01"}, headers=tenant.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.valid_to_on"


async def test_goal_must_refine_a_goal_of_a_strict_ancestor_unit(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    same_unit = await make_goal(session, tenant.school, "Skolans mål")
    sibling = await make_goal(session, tenant.south, "Söders mål")
    below = await make_goal(session, tenant.school, "Skolans mål")
    for parent in (same_unit, sibling):
        response = await client.post(
            GOALS,
            json={
                "org_unit_id": str(tenant.school.id),
                "title": "Delmål",
                "parent_goal_id": str(parent.id),
            },
            headers=tenant.headers,
        )
        assert response.status_code == 422, parent.title
        assert response.json()["errors"][0]["field"] == "body.parent_goal_id"
    # A goal of the north area cannot refine a goal of the school below it either.
    upward = await client.post(
        GOALS,
        json={"org_unit_id": str(tenant.north.id), "title": "X", "parent_goal_id": str(below.id)},
        headers=tenant.headers,
    )
    assert upward.status_code == 422
    unknown = await client.patch(
        f"{GOALS}/{below.id}",
        json={"parent_goal_id": "00000000-0000-4000-8000-000000000000"},
        headers=tenant.headers,
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.parent_goal_id"


async def test_create_goal_names_unknown_unit_and_missing_title(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    other = await make_tenant(session, "Annanstad kommun")
    response = await client.post(
        GOALS, json={"org_unit_id": str(other.school.id), "title": "X"}, headers=tenant.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.org_unit_id"
    missing = await client.post(
        GOALS, json={"org_unit_id": str(tenant.school.id)}, headers=tenant.headers
    )
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} == {"body.title"}
    null_title = await client.patch(
        f"{GOALS}/{(await make_goal(session, tenant.school)).id}",
        json={"title": None},
        headers=tenant.headers,
    )
    assert null_title.status_code == 422
    assert null_title.json()["errors"][0]["field"] == "body.title"


async def test_delete_goal_refused_while_refined_or_referred_to(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    vision = await make_goal(session, tenant.root, "Vision")
    await make_goal(session, tenant.school, "Delmål", parent=vision)
    served = await make_goal(session, tenant.school, "Tjänat mål")
    await make_initiative(session, tenant.team, goals=[served])
    promised = await make_goal(session, tenant.school, "Lovat mål")
    await make_commitment(session, goal=promised)
    for goal in (vision, served, promised):
        response = await client.delete(f"{GOALS}/{goal.id}", headers=tenant.headers)
        assert response.status_code == 409, goal.title
        assert response.json()["type"] == "/problems/goal-in-use"
        assert (await client.get(f"{GOALS}/{goal.id}", headers=tenant.headers)).status_code == 200


async def test_stale_if_match_is_refused(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    goal = await make_goal(session, tenant.school)
    url = f"{GOALS}/{goal.id}"
    etag = (await client.get(url, headers=tenant.headers)).headers["etag"]
    first = await client.patch(
        url, json={"title": "A"}, headers={**tenant.headers, "If-Match": etag}
    )
    second = await client.patch(
        url, json={"title": "B"}, headers={**tenant.headers, "If-Match": etag}
    )
    assert (first.status_code, second.status_code) == (200, 412)
    stale_delete = await client.delete(url, headers={**tenant.headers, "If-Match": etag})
    assert stale_delete.status_code == 412
    assert (await client.get(url, headers=tenant.headers)).json()["title"] == "A"


async def test_list_goals_with_inherited_and_descendants(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    vision = await make_goal(session, tenant.root, "Vision")
    area = await make_goal(session, tenant.north, "Områdets mål", parent=vision)
    school = await make_goal(session, tenant.school, "Skolans mål", parent=area)
    south = await make_goal(session, tenant.south, "Söders mål", parent=vision)

    own = await client.get(f"{GOALS}?org_unit_id={tenant.school.id}", headers=tenant.headers)
    assert _ids(own.json()) == {str(school.id)}

    inherited = await client.get(
        f"{GOALS}?org_unit_id={tenant.school.id}&include_inherited=true&sort=depth",
        headers=tenant.headers,
    )
    items = inherited.json()["items"]
    assert [(i["id"], i["inherited"]) for i in items] == [
        (str(vision.id), True),
        (str(area.id), True),
        (str(school.id), False),
    ]

    below = await client.get(
        f"{GOALS}?org_unit_id={tenant.north.id}&include_descendants=true", headers=tenant.headers
    )
    assert _ids(below.json()) == {str(area.id), str(school.id)}
    both = await client.get(
        f"{GOALS}?org_unit_id={tenant.north.id}&include_descendants=true&include_inherited=true",
        headers=tenant.headers,
    )
    assert _ids(both.json()) == {str(vision.id), str(area.id), str(school.id)}

    everything = await client.get(GOALS, headers=tenant.headers)
    assert everything.json()["total"] == 4
    refining = await client.get(f"{GOALS}?parent_goal_id={vision.id}", headers=tenant.headers)
    assert _ids(refining.json()) == {str(area.id), str(south.id)}


async def test_list_goals_filters_status_and_text(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    await make_goal(session, tenant.school, "Trygghet i skolan")
    achieved = await make_goal(
        session, tenant.school, "Delaktighet i lärandet", status=GoalStatus.achieved
    )
    by_status = await client.get(f"{GOALS}?status=achieved", headers=tenant.headers)
    assert _ids(by_status.json()) == {str(achieved.id)}
    by_text = await client.get(f"{GOALS}?q=DELAKTIG", headers=tenant.headers)
    assert _ids(by_text.json()) == {str(achieved.id)}
    titles = [
        i["title"]
        for i in (await client.get(f"{GOALS}?sort=-title", headers=tenant.headers)).json()["items"]
    ]
    assert titles == ["Trygghet i skolan", "Delaktighet i lärandet"]


async def test_scoped_token_reads_goals_above_but_writes_only_its_subtree(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    vision = await make_goal(session, tenant.root, "Vision")
    area = await make_goal(session, tenant.north, "Områdets mål", parent=vision)
    school = await make_goal(session, tenant.school, "Skolans mål", parent=area)
    south = await make_goal(session, tenant.south, "Söders mål", parent=vision)
    north = bearer(tenant.north_admin)

    listed = await client.get(GOALS, headers=north)
    assert _ids(listed.json()) == {str(vision.id), str(area.id), str(school.id)}
    assert (await client.get(f"{GOALS}/{vision.id}", headers=north)).status_code == 200
    from_root = await client.get(
        f"{GOALS}?org_unit_id={tenant.root.id}&include_descendants=true", headers=north
    )
    assert _ids(from_root.json()) == {str(vision.id), str(area.id), str(school.id)}

    # The goal above the scope can be read, and refined, but not changed.
    patched = await client.patch(f"{GOALS}/{vision.id}", json={"title": "X"}, headers=north)
    assert patched.status_code == 403
    assert patched.json()["type"] == "/problems/goal-above-scope"
    assert (await client.delete(f"{GOALS}/{vision.id}", headers=north)).status_code == 403
    above = await client.post(
        GOALS, json={"org_unit_id": str(tenant.root.id), "title": "X"}, headers=north
    )
    assert above.status_code == 422
    assert above.json()["errors"][0]["field"] == "body.org_unit_id"
    refining = await client.post(
        GOALS,
        json={"org_unit_id": str(tenant.north.id), "title": "Y", "parent_goal_id": str(vision.id)},
        headers=north,
    )
    assert refining.status_code == 201
    assert (
        await client.patch(f"{GOALS}/{school.id}", json={"title": "Z"}, headers=north)
    ).status_code == 200

    # A sibling subtree does not exist for the token.
    assert (await client.get(f"{GOALS}/{south.id}", headers=north)).status_code == 404
    assert (
        await client.patch(f"{GOALS}/{south.id}", json={"title": "X"}, headers=north)
    ).status_code == 404
    assert (
        await client.get(f"{GOALS}?org_unit_id={tenant.south.id}", headers=north)
    ).status_code == 422
    sibling_parent = await client.post(
        GOALS,
        json={"org_unit_id": str(tenant.school.id), "title": "Y", "parent_goal_id": str(south.id)},
        headers=north,
    )
    assert sibling_parent.status_code == 422


async def test_goals_of_another_organisation_do_not_exist(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    other = await make_tenant(session, "Annanstad kommun")
    foreign = await make_goal(session, other.root, "Deras vision")
    assert (await client.get(f"{GOALS}/{foreign.id}", headers=tenant.headers)).status_code == 404
    assert (
        await client.patch(f"{GOALS}/{foreign.id}", json={"title": "X"}, headers=tenant.headers)
    ).status_code == 404
    assert (await client.delete(f"{GOALS}/{foreign.id}", headers=tenant.headers)).status_code == 404
    assert (await client.get(GOALS, headers=tenant.headers)).json()["total"] == 0
    refining = await client.post(
        GOALS,
        json={
            "org_unit_id": str(tenant.school.id),
            "title": "Y",
            "parent_goal_id": str(foreign.id),
        },
        headers=tenant.headers,
    )
    assert refining.status_code == 422


async def test_a_parent_goal_outside_what_the_token_reads_is_answered_like_an_unknown_id(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    school_editor = bearer(
        await make_token(session, tenant.organisation, role=Role.editor, scope=tenant.school)
    )
    vision = await make_goal(session, tenant.root, "Vision")
    sibling = await make_goal(session, tenant.sibling_school, "Södra skolans mål")
    own = await make_goal(session, tenant.school, "Skolans mål", parent=vision)
    assert (await client.get(f"{GOALS}/{sibling.id}", headers=school_editor)).status_code == 404
    unknown_id = uuid.uuid4()

    def answer(response: Any, goal_id: object) -> Any:
        assert response.status_code == 422, response.text
        return response.text.replace(str(goal_id), "<id>")

    answers = []
    for goal_id in (sibling.id, unknown_id):
        created = await client.post(
            GOALS,
            json={
                "org_unit_id": str(tenant.school.id),
                "title": "Delmål",
                "parent_goal_id": str(goal_id),
            },
            headers=school_editor,
        )
        patched = await client.patch(
            f"{GOALS}/{own.id}", json={"parent_goal_id": str(goal_id)}, headers=school_editor
        )
        answers.append((answer(created, goal_id), answer(patched, goal_id)))
    assert answers[0] == answers[1]
    assert '"type":"not_found"' in answers[0][0].replace(" ", "")

    # A goal the token reads, but not of a unit above: that it exists is no secret.
    same_unit = await client.post(
        GOALS,
        json={"org_unit_id": str(tenant.school.id), "title": "X", "parent_goal_id": str(own.id)},
        headers=school_editor,
    )
    error = same_unit.json()["errors"][0]
    assert (same_unit.status_code, error["field"], error["type"]) == (
        422,
        "body.parent_goal_id",
        "not_an_ancestor_goal",
    )
    refining = await client.post(
        GOALS,
        json={"org_unit_id": str(tenant.school.id), "title": "Y", "parent_goal_id": str(vision.id)},
        headers=school_editor,
    )
    assert refining.status_code == 201, refining.text
