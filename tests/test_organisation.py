from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import bearer, make_tenant


async def test_every_token_reads_its_own_organisation(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    other = await make_tenant(session, "Annanstad kommun")
    mine = await client.get("/api/v1/organisation", headers=bearer(tenant.viewer))
    theirs = await client.get("/api/v1/organisation", headers=other.headers)
    assert mine.json()["name"] == "Mittköping kommun"
    assert theirs.json()["name"] == "Annanstad kommun"
    assert mine.headers["etag"]


async def test_only_an_organisation_wide_admin_renames_it(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    for token in (tenant.north_admin, tenant.editor):
        response = await client.patch(
            "/api/v1/organisation", json={"name": "X"}, headers=bearer(token)
        )
        assert response.status_code == 403
    renamed = await client.patch(
        "/api/v1/organisation", json={"name": "Mittköpings kommun"}, headers=tenant.headers
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Mittköpings kommun"
    stale = await client.patch(
        "/api/v1/organisation", json={"name": "Y"}, headers={**tenant.headers, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
