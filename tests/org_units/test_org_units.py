from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import bearer, make_tenant


async def test_create_and_read_unit_under_parent(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.post(
        "/api/v1/org-units",
        json={
            "name": "Björkskolan",
            "kind": "school",
            "parent_id": str(tenant.north.id),
            "external_code": "123",
        },
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["parent_id"] == str(tenant.north.id)
    assert body["ancestor_ids"] == [str(tenant.root.id), str(tenant.north.id)]
    assert body["depth"] == 2
    assert response.headers["etag"] == '"1"'
    read = await client.get(f"/api/v1/org-units/{body['id']}", headers=bearer(tenant.viewer))
    assert read.status_code == 200
    assert read.json()["name"] == "Björkskolan"
