from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import bearer, make_tenant


async def test_every_write_is_audited_with_before_and_after(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    me = (await client.get("/api/v1/access-tokens/current", headers=tenant.headers)).json()
    await client.patch(
        f"/api/v1/org-units/{tenant.school.id}",
        json={"name": "Norrskolan F-6"},
        headers=tenant.headers,
    )
    await client.post(
        f"/api/v1/org-units/{tenant.school.id}/move",
        json={"parent_id": str(tenant.south.id)},
        headers=tenant.headers,
    )
    response = await client.get(
        f"/api/v1/audit-events?object_id={tenant.school.id}&sort=occurred_at",
        headers=tenant.headers,
    )
    assert response.status_code == 200
    events = response.json()["items"]
    assert [e["action"] for e in events] == ["create", "update", "move"]
    update, move = events[1], events[2]
    assert update["changes"] == {"name": {"before": "Norrskolan", "after": "Norrskolan F-6"}}
    assert update["actor_token_id"] == me["token_id"]
    assert update["actor_name"] == me["name"]
    assert move["changes"]["parent_id"] == {
        "before": str(tenant.north.id),
        "after": str(tenant.south.id),
    }
    assert events[0]["actor_name"] == "test setup"


async def test_delete_records_the_last_state(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    await client.delete(
        f"/api/v1/teams/{tenant.team.id}/members/{tenant.member.id}", headers=tenant.headers
    )
    events = (
        await client.get(
            f"/api/v1/audit-events?object_id={tenant.member.id}&action=delete",
            headers=tenant.headers,
        )
    ).json()["items"]
    assert len(events) == 1
    assert events[0]["changes"]["display_name"] == {"before": "Karin Ek", "after": None}


async def test_token_secrets_never_reach_the_audit_trail(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    created = (
        await client.post(
            "/api/v1/access-tokens", json={"name": "S", "role": "viewer"}, headers=tenant.headers
        )
    ).json()
    events = await client.get(
        f"/api/v1/audit-events?object_id={created['id']}", headers=tenant.headers
    )
    assert created["token"] not in events.text
    assert "token_hash" not in events.text


async def test_filters_by_actor_type_and_time(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    before = (await client.get("/api/v1/audit-events?limit=1", headers=tenant.headers)).json()[
        "items"
    ][0]["occurred_at"]
    await client.patch(
        f"/api/v1/teams/{tenant.team.id}", json={"name": "Nytt namn"}, headers=bearer(tenant.editor)
    )
    editor = (
        await client.get("/api/v1/access-tokens/current", headers=bearer(tenant.editor))
    ).json()
    by_actor = await client.get(
        f"/api/v1/audit-events?actor_token_id={editor['token_id']}", headers=tenant.headers
    )
    assert [(e["object_type"], e["action"]) for e in by_actor.json()["items"]] == [
        ("team", "update")
    ]
    by_type = await client.get("/api/v1/audit-events?object_type=team", headers=tenant.headers)
    assert by_type.json()["total"] == 2
    after = await client.get(
        "/api/v1/audit-events",
        params={"occurred_after": before, "object_type": "team"},
        headers=tenant.headers,
    )
    assert after.json()["total"] >= 1


async def test_scoped_admin_reads_only_its_subtree_and_others_not_at_all(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    north = await client.get("/api/v1/audit-events?limit=500", headers=bearer(tenant.north_admin))
    unit_ids = {e["org_unit_id"] for e in north.json()["items"]}
    assert unit_ids <= {str(tenant.north.id), str(tenant.school.id)}
    assert str(tenant.school.id) in unit_ids
    assert (
        await client.get("/api/v1/audit-events", headers=bearer(tenant.editor))
    ).status_code == 403
    other = await make_tenant(session, "Annanstad kommun")
    foreign = await client.get(
        f"/api/v1/audit-events?object_id={tenant.school.id}", headers=other.headers
    )
    assert foreign.json()["total"] == 0
