from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.teams.models import TeamKind
from tests.factories import bearer, make_team, make_tenant


async def test_editor_creates_a_team_with_members(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    headers = bearer(tenant.editor)
    created = await client.post(
        "/api/v1/teams",
        json={
            "name": "Förbättringsteam åk 4",
            "kind": "improvement_team",
            "org_unit_id": str(tenant.school.id),
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    team_id = created.json()["id"]
    pupil = await client.post(
        f"/api/v1/teams/{team_id}/members",
        json={"display_name": "Elevrepresentant 4A", "participant_label": "pupil representative"},
        headers=headers,
    )
    assert pupil.status_code == 201
    assert pupil.json()["email"] is None and pupil.json()["role"] == "member"
    lead = await client.post(
        f"/api/v1/teams/{team_id}/members",
        json={"display_name": "Anna Lind", "email": "anna.lind@mittkoping.example", "role": "lead"},
        headers=headers,
    )
    assert lead.status_code == 201
    listed = await client.get(f"/api/v1/teams/{team_id}/members", headers=bearer(tenant.viewer))
    assert [m["display_name"] for m in listed.json()["items"]] == [
        "Anna Lind",
        "Elevrepresentant 4A",
    ]


async def test_member_email_and_role_are_validated(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.post(
        f"/api/v1/teams/{tenant.team.id}/members",
        json={"display_name": "X", "email": "not-an-address", "role": "captain"},
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"body.email", "body.role"}


async def test_team_at_a_unit_outside_scope_is_refused_naming_the_field(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.post(
        "/api/v1/teams",
        json={"name": "X", "org_unit_id": str(tenant.sibling_school.id)},
        headers=bearer(tenant.north_admin),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.org_unit_id"


async def test_viewer_may_read_but_not_write(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    viewer = bearer(tenant.viewer)
    assert (await client.get(f"/api/v1/teams/{tenant.team.id}", headers=viewer)).status_code == 200
    patch = await client.patch(
        f"/api/v1/teams/{tenant.team.id}", json={"name": "X"}, headers=viewer
    )
    assert patch.status_code == 403
    member = await client.post(
        f"/api/v1/teams/{tenant.team.id}/members", json={"display_name": "X"}, headers=viewer
    )
    assert member.status_code == 403


async def test_list_teams_of_a_unit_with_or_without_descendants(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    await make_team(session, tenant.north, "Lederteam Norr", kind=TeamKind.leader_team)

    async def names(query: str) -> list[str]:
        response = await client.get(f"/api/v1/teams?{query}", headers=tenant.headers)
        assert response.status_code == 200
        return [team["name"] for team in response.json()["items"]]

    assert await names(f"org_unit_id={tenant.north.id}") == ["Lederteam Norr"]
    assert await names(f"org_unit_id={tenant.north.id}&include_descendants=true") == [
        "Förbättringsteam åk 5",
        "Lederteam Norr",
    ]
    assert await names("kind=leader_team") == ["Lederteam Norr"]
    assert await names("q=åk 5") == ["Förbättringsteam åk 5"]


async def test_move_a_team_to_another_unit(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    response = await client.patch(
        f"/api/v1/teams/{tenant.team.id}",
        json={"org_unit_id": str(tenant.north.id)},
        headers=tenant.headers,
    )
    assert response.status_code == 200
    assert response.json()["org_unit_id"] == str(tenant.north.id)


async def test_delete_a_team_removes_its_members(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.delete(f"/api/v1/teams/{tenant.team.id}", headers=tenant.headers)
    assert response.status_code == 204
    assert (
        await client.get(f"/api/v1/teams/{tenant.team.id}", headers=tenant.headers)
    ).status_code == 404
    member = await client.get(
        f"/api/v1/teams/{tenant.team.id}/members/{tenant.member.id}", headers=tenant.headers
    )
    assert member.status_code == 404


async def test_update_and_remove_a_member(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    url = f"/api/v1/teams/{tenant.team.id}/members/{tenant.member.id}"
    etag = (await client.get(url, headers=tenant.headers)).headers["etag"]
    updated = await client.patch(
        url, json={"role": "coach"}, headers={**tenant.headers, "If-Match": etag}
    )
    assert updated.status_code == 200 and updated.json()["role"] == "coach"
    assert (await client.delete(url, headers=tenant.headers)).status_code == 204
    assert (await client.get(url, headers=tenant.headers)).status_code == 404


async def test_member_of_another_team_is_not_reachable_through_this_team(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    other_team = await make_team(session, tenant.school, "Annat team")
    response = await client.get(
        f"/api/v1/teams/{other_team.id}/members/{tenant.member.id}", headers=tenant.headers
    )
    assert response.status_code == 404
