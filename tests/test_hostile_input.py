"""Input a hostile or careless client sends: refused with a 422 that names the field, never a
500, and the same on every database."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_tenant

EDGE_INSTANTS = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


def _fields(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body["errors"]]


@pytest.mark.parametrize("instant", EDGE_INSTANTS)
async def test_an_instant_outside_the_calendar_in_utc_is_422_in_a_query(
    client: AsyncClient, session: AsyncSession, instant: str
) -> None:
    tenant = await make_tenant(session)
    for parameter in ("occurred_after", "occurred_before"):
        response = await client.get(
            "/api/v1/audit-events", params={parameter: instant}, headers=tenant.headers
        )
        assert response.status_code == 422, response.text
        assert _fields(response.json()) == [f"query.{parameter}"]
        assert "calendar" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("instant", EDGE_INSTANTS)
async def test_an_instant_outside_the_calendar_in_utc_is_422_in_a_body(
    client: AsyncClient, session: AsyncSession, instant: str
) -> None:
    tenant = await make_tenant(session)
    created = await client.post(
        "/api/v1/access-tokens",
        json={"name": "Integration", "role": "viewer", "expires_at": instant},
        headers=tenant.headers,
    )
    assert created.status_code == 422, created.text
    assert _fields(created.json()) == ["body.expires_at"]
    token = await client.post(
        "/api/v1/access-tokens",
        json={"name": "Integration", "role": "viewer"},
        headers=tenant.headers,
    )
    changed = await client.patch(
        f"/api/v1/access-tokens/{token.json()['id']}",
        json={"expires_at": instant},
        headers=tenant.headers,
    )
    assert changed.status_code == 422, changed.text
    assert _fields(changed.json()) == ["body.expires_at"]


async def test_the_last_instant_of_the_calendar_is_kept(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    created = await client.post(
        "/api/v1/access-tokens",
        json={"name": "Forever", "role": "viewer", "expires_at": "9999-12-31T23:59:59+14:00"},
        headers=tenant.headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["expires_at"] == "9999-12-31T09:59:59Z"
    listed = await client.get(
        "/api/v1/audit-events",
        params={"occurred_after": "0001-01-01T00:00:00Z"},
        headers=tenant.headers,
    )
    assert listed.status_code == 200, listed.text


async def test_a_body_nested_too_deeply_says_so(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    depth = 100_000
    response = await client.post(
        "/api/v1/teams",
        content="[" * depth + "]" * depth,
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["field"] == "body"
    assert "nests" in error["message"] and "deeply" in error["message"]
    assert "UTF-8" not in response.text
    latin1 = await client.post(
        "/api/v1/teams",
        content='{"name": "Förbättringsteam"}'.encode("latin-1"),
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    assert latin1.status_code == 422
    assert "UTF-8" in latin1.json()["errors"][0]["message"]
