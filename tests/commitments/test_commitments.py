import uuid
from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.commitments.models import CommitmentStatus
from app.commitments.service import today
from tests.commitments.factories import make_commitment
from tests.cycles.factories import today_off_utc
from tests.factories import bearer, make_team, make_tenant
from tests.goals.factories import make_goal
from tests.initiatives.factories import make_initiative

COMMITMENTS = "/api/v1/commitments"


def _ids(body: dict[str, Any]) -> set[str]:
    return {item["id"] for item in body["items"]}


async def test_create_read_update_delete_commitment(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    goal = await make_goal(session, tenant.school)
    created = await client.post(
        COMMITMENTS,
        json={
            "goal_id": str(goal.id),
            "owner_name": "Rektor Anna L.",
            "description": "Avsätta en studiedag för fokusgrupper.",
            "due_on": "2026-10-15",
        },
        headers=bearer(tenant.editor),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["org_unit_id"] == str(tenant.school.id)
    assert body["status"] == "open"
    assert body["initiative_id"] is None
    assert "version" not in body
    url = created.headers["location"]

    read = await client.get(url, headers=bearer(tenant.viewer))
    assert read.status_code == 200
    assert read.json() == body

    followed = await client.patch(
        url,
        json={
            "status": "done",
            "follow_up_note": "Genomförd med 12 elever.",
            "followed_up_on": "2026-10-20",
        },
        headers={**bearer(tenant.editor), "If-Match": read.headers["etag"]},
    )
    assert followed.status_code == 200, followed.text
    assert followed.json()["status"] == "done"
    assert followed.json()["overdue"] is False
    assert followed.headers["etag"] == '"2"'

    stale = await client.patch(
        url, json={"status": "cancelled"}, headers={**tenant.headers, "If-Match": '"1"'}
    )
    assert stale.status_code == 412

    assert (await client.delete(url, headers=bearer(tenant.editor))).status_code == 204
    assert (await client.get(url, headers=tenant.headers)).status_code == 404

    audit = await client.get(f"/api/v1/audit-events?object_id={body['id']}", headers=tenant.headers)
    events = audit.json()["items"]
    assert sorted(e["action"] for e in events) == ["create", "delete", "update"]
    assert all(e["org_unit_id"] == str(tenant.school.id) for e in events)


async def test_team_commitment_towards_an_initiative(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    created = await client.post(
        COMMITMENTS,
        json={
            "initiative_id": str(initiative.id),
            "team_id": str(tenant.team.id),
            "description": "Exit tickets varje fredag.",
            "due_on": "2026-11-30",
        },
        headers=tenant.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["goal_id"], body["owner_name"]) == (None, None)
    assert body["initiative_id"] == str(initiative.id)
    assert body["org_unit_id"] == str(tenant.school.id)
    # The owner cannot be removed altogether.
    no_owner = await client.patch(
        created.headers["location"], json={"team_id": None}, headers=tenant.headers
    )
    assert no_owner.status_code == 422
    assert no_owner.json()["errors"][0]["field"] == "body.team_id"


async def test_commitment_validation_names_the_field(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    goal = await make_goal(session, tenant.school)
    initiative = await make_initiative(session, tenant.team)
    base = {"description": "X", "due_on": "2026-10-15", "owner_name": "Anna"}

    async def field_of(payload: dict[str, Any], token: str | None = None) -> str:
        response = await client.post(
            COMMITMENTS, json=payload, headers=bearer(token) if token else tenant.headers
        )
        assert response.status_code == 422, response.text
        return str(response.json()["errors"][0]["field"])

    assert await field_of(base) == "body.goal_id"
    both = {**base, "goal_id": str(goal.id), "initiative_id": str(initiative.id)}
    assert await field_of(both) == "body.initiative_id"
    assert await field_of({**base, "goal_id": str(goal.id), "owner_name": None}) == (
        "body.owner_name"
    )
    assert await field_of({**base, "goal_id": str(goal.id), "due_on": "soon"}) == "body.due_on"
    assert await field_of({**base, "goal_id": str(goal.id), "status": "maybe"}) == "body.status"
    south_team = await make_team(session, tenant.sibling_school, "Söderteamet")
    north = tenant.north_admin
    assert await field_of(
        {**base, "goal_id": str(goal.id), "team_id": str(south_team.id)}, north
    ) == ("body.team_id")
    south_goal = await make_goal(session, tenant.south)
    assert await field_of({**base, "goal_id": str(south_goal.id)}, north) == "body.goal_id"
    assert await field_of({**base, "initiative_id": str(initiative.id)}, tenant.south_admin) == (
        "body.initiative_id"
    )
    # A goal above the scope is readable, but a commitment towards it belongs to its unit.
    vision = await make_goal(session, tenant.root, "Vision")
    assert await field_of({**base, "goal_id": str(vision.id)}, north) == "body.goal_id"


async def test_list_commitments_filters_overdue_and_units(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    now = today()
    school_goal = await make_goal(session, tenant.school)
    north_goal = await make_goal(session, tenant.north)
    initiative = await make_initiative(session, tenant.team)
    late = await make_commitment(session, goal=school_goal, due_on=now - timedelta(days=1))
    late_started = await make_commitment(
        session,
        initiative=initiative,
        team=tenant.team,
        due_on=now - timedelta(days=30),
        status=CommitmentStatus.in_progress,
    )
    late_but_done = await make_commitment(
        session, goal=school_goal, due_on=now - timedelta(days=1), status=CommitmentStatus.done
    )
    due_today = await make_commitment(session, goal=north_goal, due_on=now)
    south = await make_commitment(
        session, goal=await make_goal(session, tenant.south), due_on=now - timedelta(days=3)
    )

    async def ids(query: str, token: str | None = None) -> set[str]:
        response = await client.get(
            f"{COMMITMENTS}?{query}", headers=bearer(token) if token else tenant.headers
        )
        assert response.status_code == 200, response.text
        return _ids(response.json())

    assert await ids("overdue=true") == {str(late.id), str(late_started.id), str(south.id)}
    assert await ids("overdue=false") == {str(late_but_done.id), str(due_today.id)}
    assert await ids(f"org_unit_id={tenant.school.id}") == {
        str(late.id),
        str(late_started.id),
        str(late_but_done.id),
    }
    assert await ids(f"org_unit_id={tenant.north.id}") == {str(due_today.id)}
    assert await ids(f"org_unit_id={tenant.north.id}&include_descendants=true&overdue=true") == {
        str(late.id),
        str(late_started.id),
    }
    assert await ids(f"goal_id={school_goal.id}") == {str(late.id), str(late_but_done.id)}
    assert await ids(f"initiative_id={initiative.id}") == {str(late_started.id)}
    assert await ids(f"team_id={tenant.team.id}") == {str(late_started.id)}
    assert await ids("status=done") == {str(late_but_done.id)}
    assert str(south.id) not in await ids("", tenant.north_admin)

    listed = await client.get(f"{COMMITMENTS}?sort=due_on", headers=tenant.headers)
    items = listed.json()["items"]
    assert items[0]["id"] == str(late_started.id)
    assert items[0]["overdue"] is True
    assert items[0]["org_unit_id"] == str(tenant.school.id)
    assert [i["due_on"] for i in items] == sorted(i["due_on"] for i in items)


async def test_commitments_outside_scope_or_organisation_do_not_exist(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    commitment = await make_commitment(
        session, initiative=await make_initiative(session, tenant.team)
    )
    other = await make_tenant(session, "Annanstad kommun")
    url = f"{COMMITMENTS}/{commitment.id}"
    for headers in (bearer(tenant.south_admin), bearer(other.admin)):
        assert (await client.get(url, headers=headers)).status_code == 404
        assert (
            await client.patch(url, json={"status": "done"}, headers=headers)
        ).status_code == 404
        assert (await client.delete(url, headers=headers)).status_code == 404
        assert (await client.get(COMMITMENTS, headers=headers)).json()["total"] == 0
    assert (await client.get(url, headers=bearer(tenant.north_admin))).status_code == 200
    assert (
        await client.patch(url, json={"status": "done"}, headers=bearer(tenant.viewer))
    ).status_code == 403


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
            COMMITMENTS,
            json={
                "goal_id": str(goal_id),
                "owner_name": "Rektor Anna L.",
                "description": "Fokusgrupper",
                "due_on": "2026-10-15",
            },
            headers=north,
        )
        assert response.status_code == 422, response.text
        answers.append(response.text.replace(str(goal_id), "<id>"))
    assert answers[0] == answers[1]


async def test_overdue_follows_the_organisations_calendar_not_utc(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    goal = await make_goal(session, tenant.school)
    with today_off_utc() as local:
        late = await make_commitment(session, goal=goal, due_on=local - timedelta(days=1))
        due_today = await make_commitment(session, goal=goal, due_on=local)
        for commitment, overdue in ((late, True), (due_today, False)):
            read = await client.get(f"{COMMITMENTS}/{commitment.id}", headers=tenant.headers)
            assert read.json()["overdue"] is overdue
        listed = await client.get(f"{COMMITMENTS}?overdue=true", headers=tenant.headers)
        assert _ids(listed.json()) == {str(late.id)}
        listed = await client.get(f"{COMMITMENTS}?overdue=false", headers=tenant.headers)
        assert _ids(listed.json()) == {str(due_today.id)}


async def test_no_commitment_towards_an_initiative_of_an_archived_unit(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    await client.post(f"/api/v1/org-units/{tenant.school.id}/archive", headers=tenant.headers)
    response = await client.post(
        "/api/v1/commitments",
        json={
            "initiative_id": str(initiative.id),
            "owner_name": "Karin Ek",
            "description": "Följa upp exit tickets varje fredag",
            "due_on": "2027-01-15",
        },
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "body.initiative_id",
        "message": f"initiative {initiative.id} belongs to an archived unit",
        "type": "archived",
    }
