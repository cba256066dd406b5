"""A POST retried with the same Idempotency-Key never does the work twice."""

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.idempotency import RETENTION
from tests.factories import bearer, make_tenant


async def test_retry_with_the_same_key_replays_the_first_response(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    headers = {**tenant.headers, "Idempotency-Key": "create-bjork-1"}
    payload = {"name": "Björkskolan", "kind": "school", "parent_id": str(tenant.north.id)}
    first = await client.post("/api/v1/org-units", json=payload, headers=headers)
    retry = await client.post("/api/v1/org-units", json=payload, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert retry.headers["etag"] == first.headers["etag"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    listed = await client.get("/api/v1/org-units?q=Björk", headers=tenant.headers)
    assert listed.json()["total"] == 1


async def test_same_key_with_another_request_is_refused(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    headers = {**tenant.headers, "Idempotency-Key": "k-1"}
    await client.post(
        "/api/v1/teams", json={"name": "A", "org_unit_id": str(tenant.school.id)}, headers=headers
    )
    other = await client.post(
        "/api/v1/teams", json={"name": "B", "org_unit_id": str(tenant.school.id)}, headers=headers
    )
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert other.json()["errors"][0]["field"] == "header.Idempotency-Key"


async def test_a_failed_attempt_does_not_burn_the_key(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    headers = {**tenant.headers, "Idempotency-Key": "k-2"}
    failed = await client.post(
        "/api/v1/teams", json={"name": "", "org_unit_id": str(tenant.school.id)}, headers=headers
    )
    assert failed.status_code == 422
    fixed = await client.post(
        "/api/v1/teams", json={"name": "A", "org_unit_id": str(tenant.school.id)}, headers=headers
    )
    assert fixed.status_code == 201


async def test_keys_belong_to_one_token(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    payload = {"name": "A", "org_unit_id": str(tenant.school.id)}
    mine = await client.post(
        "/api/v1/teams", json=payload, headers={**tenant.headers, "Idempotency-Key": "k"}
    )
    theirs = await client.post(
        "/api/v1/teams", json=payload, headers={**bearer(tenant.editor), "Idempotency-Key": "k"}
    )
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


async def test_an_invalid_key_is_named(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    response = await client.post(
        "/api/v1/teams",
        json={"name": "A", "org_unit_id": str(tenant.school.id)},
        headers={**tenant.headers, "Idempotency-Key": "x" * 300},
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/invalid-idempotency-key"


async def test_without_a_valid_token_the_key_changes_nothing(client: AsyncClient) -> None:
    response = await client.post(
        "/api/v1/teams",
        json={"name": "A"},
        headers={**bearer("pdca_unknown"), "Idempotency-Key": "k"},
    )
    assert response.status_code == 401


async def test_the_same_json_in_another_key_order_is_the_same_request(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    headers = {**tenant.headers, "Idempotency-Key": "order", "Content-Type": "application/json"}
    first = await client.post(
        "/api/v1/teams",
        content=f'{{"name": "A", "org_unit_id": "{tenant.school.id}"}}',
        headers=headers,
    )
    again = await client.post(
        "/api/v1/teams",
        content=f'{{"org_unit_id": "{tenant.school.id}", "name": "A"}}',
        headers=headers,
    )
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"


async def test_a_new_tokens_secret_is_never_stored_or_replayed(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    headers = {**tenant.headers, "Idempotency-Key": "token-1"}
    payload = {"name": "Portal", "role": "viewer"}
    created = await client.post("/api/v1/access-tokens", json=payload, headers=headers)
    assert created.status_code == 201
    retry = await client.post("/api/v1/access-tokens", json=payload, headers=headers)
    assert retry.status_code == 409
    assert retry.json()["type"] == "/problems/idempotent-response-withheld"
    assert created.json()["token"] not in retry.text
    assert created.headers["location"] in retry.json()["detail"]
    stored = (
        (await session.execute(text("SELECT response_body FROM idempotency_key"))).scalars().all()
    )
    assert stored == [None]
    listed = await client.get("/api/v1/access-tokens?role=viewer", headers=tenant.headers)
    assert [t["name"] for t in listed.json()["items"]].count("Portal") == 1


async def test_a_revoked_token_replays_nothing(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    created = (
        await client.post(
            "/api/v1/access-tokens",
            json={"name": "Script", "role": "admin"},
            headers=tenant.headers,
        )
    ).json()
    script = {**bearer(created["token"]), "Idempotency-Key": "unit-1"}
    payload = {"name": "X", "kind": "school", "parent_id": str(tenant.north.id)}
    assert (await client.post("/api/v1/org-units", json=payload, headers=script)).status_code == 201
    await client.post(f"/api/v1/access-tokens/{created['id']}/revoke", headers=tenant.headers)
    replay = await client.post("/api/v1/org-units", json=payload, headers=script)
    assert replay.status_code == 401


async def test_an_expired_key_is_taken_over_by_a_new_request(
    client: AsyncClient, session: AsyncSession
) -> None:
    """A key older than the retention is a new key: its old answer is neither replayed nor
    compared, whether or not the expired keys were pruned yet."""
    tenant = await make_tenant(session)
    headers = {**tenant.headers, "Idempotency-Key": "create-old-1"}
    first = {"name": "Gamla skolan", "kind": "school", "parent_id": str(tenant.north.id)}
    assert (await client.post("/api/v1/org-units", json=first, headers=headers)).status_code == 201
    await session.execute(
        text("UPDATE idempotency_key SET created_at = :then"),
        {"then": utcnow() - RETENTION - timedelta(minutes=1)},
    )
    await session.commit()
    other = {**first, "name": "Nya skolan"}
    again = await client.post("/api/v1/org-units", json=other, headers=headers)
    assert again.status_code == 201, again.text
    assert "idempotent-replayed" not in again.headers
    assert again.json()["name"] == "Nya skolan"
    replay = await client.post("/api/v1/org-units", json=other, headers=headers)
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["id"] == again.json()["id"]
