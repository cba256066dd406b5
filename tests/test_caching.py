"""What shared caches may keep: nothing of one token's answers for another (RFC 9111).

A municipal network often has a shared proxy; an answer to one person's token must never be
served to someone else, and an answer holding a secret must be kept nowhere.
"""

from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import bearer, make_tenant


def _vary(response: Response) -> list[str]:
    return [value.strip().lower() for value in response.headers.get("vary", "").split(",")]


def _private(response: Response) -> None:
    assert response.headers["cache-control"] == "private, no-transform", response.headers
    assert "authorization" in _vary(response)


async def test_authenticated_answers_are_private_and_vary_by_token(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    unit = f"/api/v1/org-units/{tenant.school.id}"
    read = await client.get(unit, headers=tenant.headers)
    _private(read)
    _private(await client.get("/api/v1/org-units", headers=tenant.headers))
    _private(await client.head(unit, headers=tenant.headers))
    cached = await client.get(
        unit, headers={**tenant.headers, "If-None-Match": read.headers["etag"]}
    )
    assert cached.status_code == 304
    _private(cached)
    _private(await client.patch(unit, json={"name": "Norrskolan F-9"}, headers=tenant.headers))
    # The north-scoped admin meets a 404 for the south unit: private too.
    hidden = await client.get(
        f"/api/v1/org-units/{tenant.south.id}", headers=bearer(tenant.north_admin)
    )
    assert hidden.status_code == 404
    _private(hidden)
    invalid = await client.patch(unit, json={"name": ""}, headers=tenant.headers)
    assert invalid.status_code == 422
    _private(invalid)


async def test_an_existing_vary_keeps_its_values(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await client.get(
        "/api/v1/cycles", headers={**tenant.headers, "Accept-Language": "sv"}
    )
    assert response.status_code == 200
    assert {"accept-language", "authorization"} <= set(_vary(response))
    assert response.headers["cache-control"] == "private, no-transform"


async def test_secrets_and_refusals_are_never_stored(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    created = await client.post(
        "/api/v1/access-tokens", json={"name": "Skript", "role": "viewer"}, headers=tenant.headers
    )
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    assert "authorization" in _vary(created)
    anonymous = await client.get("/api/v1/org-units")
    assert anonymous.status_code == 401
    assert anonymous.headers["cache-control"] == "no-store"
    forbidden = await client.post(
        "/api/v1/org-units",
        json={"name": "X", "kind": "school"},
        headers=bearer(tenant.viewer),
    )
    assert forbidden.status_code == 403
    assert forbidden.headers["cache-control"] == "no-store"


async def test_public_paths_are_left_alone(client: AsyncClient) -> None:
    for path in ("/healthz", "/openapi.json", "/docs"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert "private" not in response.headers.get("cache-control", ""), path
        assert "authorization" not in _vary(response), path
