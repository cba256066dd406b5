from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from tests.factories import bearer, make_tenant


async def test_secret_is_shown_once_and_works(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    created = await client.post(
        "/api/v1/access-tokens",
        json={"name": "Skolportalen", "role": "viewer", "scope_org_unit_id": str(tenant.school.id)},
        headers=tenant.headers,
    )
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    secret = body["token"]
    assert secret.startswith("pdca_") and body["token_prefix"] == secret[:9]
    read = await client.get(f"/api/v1/access-tokens/{body['id']}", headers=tenant.headers)
    assert "token" not in read.json()
    listed = await client.get("/api/v1/access-tokens", headers=tenant.headers)
    assert secret not in listed.text
    me = await client.get("/api/v1/access-tokens/current", headers=bearer(secret))
    assert me.status_code == 200
    assert me.json()["role"] == "viewer"
    assert me.json()["scope_org_unit_id"] == str(tenant.school.id)
    used = await client.get(f"/api/v1/access-tokens/{body['id']}", headers=tenant.headers)
    assert used.json()["last_used_at"] is not None


async def test_revoked_token_stops_working_at_once(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    created = (
        await client.post(
            "/api/v1/access-tokens",
            json={"name": "Script", "role": "reporter"},
            headers=tenant.headers,
        )
    ).json()
    assert (
        await client.get("/api/v1/organisation", headers=bearer(created["token"]))
    ).status_code == 200
    revoked = await client.post(
        f"/api/v1/access-tokens/{created['id']}/revoke", headers=tenant.headers
    )
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    assert (
        await client.get("/api/v1/organisation", headers=bearer(created["token"]))
    ).status_code == 401
    inactive = await client.get("/api/v1/access-tokens?active=false", headers=tenant.headers)
    assert [t["id"] for t in inactive.json()["items"]] == [created["id"]]


async def test_expiry_must_lie_in_the_future(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    response = await client.post(
        "/api/v1/access-tokens",
        json={
            "name": "Old",
            "role": "viewer",
            "expires_at": (utcnow() - timedelta(days=1)).isoformat(),
        },
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.expires_at"


async def test_scoped_admin_cannot_create_broader_tokens(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    headers = bearer(tenant.north_admin)
    wide = await client.post(
        "/api/v1/access-tokens", json={"name": "X", "role": "viewer"}, headers=headers
    )
    assert wide.status_code == 403
    sibling = await client.post(
        "/api/v1/access-tokens",
        json={"name": "X", "role": "viewer", "scope_org_unit_id": str(tenant.south.id)},
        headers=headers,
    )
    assert sibling.status_code == 422
    inside = await client.post(
        "/api/v1/access-tokens",
        json={"name": "X", "role": "editor", "scope_org_unit_id": str(tenant.school.id)},
        headers=headers,
    )
    assert inside.status_code == 201


async def test_scoped_admin_sees_only_tokens_inside_its_scope(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    listed = await client.get("/api/v1/access-tokens", headers=bearer(tenant.north_admin))
    assert listed.status_code == 200
    assert [t["scope_org_unit_id"] for t in listed.json()["items"]] == [str(tenant.north.id)]


async def test_only_admins_manage_tokens(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    for token in (tenant.editor, tenant.viewer):
        assert (await client.get("/api/v1/access-tokens", headers=bearer(token))).status_code == 403
        created = await client.post(
            "/api/v1/access-tokens", json={"name": "X", "role": "admin"}, headers=bearer(token)
        )
        assert created.status_code == 403


async def test_rename_and_extend_a_token(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    created = (
        await client.post(
            "/api/v1/access-tokens", json={"name": "A", "role": "viewer"}, headers=tenant.headers
        )
    ).json()
    expiry = (utcnow() + timedelta(days=30)).isoformat()
    response = await client.patch(
        f"/api/v1/access-tokens/{created['id']}",
        json={"name": "B", "expires_at": expiry},
        headers={**tenant.headers, "If-Match": '"1"'},
    )
    assert response.status_code == 200
    assert response.json()["name"] == "B" and response.json()["expires_at"] is not None


async def test_a_revoked_token_is_refused_on_the_very_next_request(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    headers = {"Authorization": f"Bearer {tenant.editor}"}
    me = await client.get("/api/v1/access-tokens/current", headers=headers)
    assert me.status_code == 200
    revoked = await client.post(
        f"/api/v1/access-tokens/{me.json()['token_id']}/revoke", headers=tenant.headers
    )
    assert revoked.status_code == 200
    again = await client.get("/api/v1/org-units", headers=headers)
    assert again.status_code == 401
    assert again.headers["content-type"].startswith("application/problem+json")
