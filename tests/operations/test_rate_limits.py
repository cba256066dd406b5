"""Rate limits (issue 18): budgets per token or address, for reads, writes and uploads apart."""

import socket
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.rate_limits import kind_of
from tests.factories import bearer, make_tenant
from tests.operations.apps import another_client, configured

PROBLEM = "application/problem+json"


async def test_past_the_budget_answers_429_with_retry_after_and_ratelimit_fields(
    app: FastAPI, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    async with configured(app, rate_limit_reads="2/minute") as http:
        for _ in range(2):
            assert (
                await http.get("/api/v1/organisation", headers=tenant.headers)
            ).status_code == 200
        refused = await http.get("/api/v1/organisation", headers=tenant.headers)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == PROBLEM
    body = refused.json()
    assert body["type"] == "/problems/rate-limited"
    assert body["status"] == 429
    assert "2 reads per minute from this token" in body["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit-policy"] == '"reads";q=2;w=60'
    assert refused.headers["ratelimit"] == f'"reads";r=0;t={refused.headers["retry-after"]}'
    assert body["title"] == "Too many requests"


async def test_the_429_title_follows_accept_language(app: FastAPI, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    swedish = {**tenant.headers, "Accept-Language": "sv-SE"}
    async with configured(app, rate_limit_reads="1/minute") as http:
        await http.get("/api/v1/organisation", headers=swedish)
        refused = await http.get("/api/v1/organisation", headers=swedish)
    assert refused.status_code == 429
    assert refused.json()["title"] == "För många anrop"
    assert refused.headers["content-language"] == "sv"


async def test_writes_spent_leave_reads_and_other_tokens_untouched(
    app: FastAPI, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    unit = {"name": "Västskolan", "kind": "school", "parent_id": str(tenant.north.id)}
    async with configured(app, rate_limit_writes="1/minute", rate_limit_reads="5/minute") as http:
        created = await http.post("/api/v1/org-units", json=unit, headers=tenant.headers)
        assert created.status_code == 201, created.text
        again = await http.post(
            "/api/v1/org-units", json={**unit, "name": "Östskolan"}, headers=tenant.headers
        )
        assert again.status_code == 429
        assert again.headers["ratelimit-policy"] == '"writes";q=1;w=60'
        read = await http.get("/api/v1/org-units", headers=tenant.headers)
        assert read.status_code == 200
        other = await http.post(
            "/api/v1/org-units",
            json={**unit, "name": "Sydskolan"},
            headers=bearer(tenant.north_admin),
        )
    assert other.status_code == 201, other.text


async def test_uploads_have_a_budget_of_their_own(app: FastAPI, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    bulk = {"measure_id": str(uuid.uuid4()), "rows": []}
    async with configured(app, rate_limit_uploads="1/minute", rate_limit_writes="5/minute") as http:
        first = await http.post("/api/v1/measurements/bulk", json=bulk, headers=tenant.headers)
        assert first.status_code != 429
        second = await http.post("/api/v1/measurements/bulk", json=bulk, headers=tenant.headers)
        assert second.status_code == 429
        assert second.headers["ratelimit-policy"] == '"uploads";q=1;w=60'
        unit = {"name": "Västskolan", "kind": "school", "parent_id": str(tenant.north.id)}
        write = await http.post("/api/v1/org-units", json=unit, headers=tenant.headers)
    assert write.status_code == 201


def test_requests_are_sorted_into_reads_writes_and_uploads() -> None:
    assert kind_of("GET", "/api/v1/measurements/bulk") == "reads"
    assert kind_of("HEAD", "/api/v1/org-units") == "reads"
    assert kind_of("POST", "/api/v1/measurements/upload") == "uploads"
    assert kind_of("POST", "/api/v1/org-units/import") == "uploads"
    assert kind_of("POST", "/api/v1/measures/import") == "uploads"
    assert kind_of("PATCH", "/api/v1/org-units/8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44") == "writes"
    assert kind_of("DELETE", "/api/v1/webhooks/1") == "writes"


async def test_requests_without_a_token_are_counted_per_address(
    app: FastAPI, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    async with configured(app, rate_limit_reads="1/minute") as http:
        assert (await http.get("/api/v1/organisation")).status_code == 401
        refused = await http.get("/api/v1/organisation")
        assert refused.status_code == 429
        assert "from this client address" in refused.json()["detail"]
        async with another_client(http, "192.0.2.7") as elsewhere:
            assert (await elsewhere.get("/api/v1/organisation")).status_code == 401
        with_token = await http.get("/api/v1/organisation", headers=tenant.headers)
    assert with_token.status_code == 200


async def test_x_forwarded_for_names_the_client_only_behind_a_trusted_proxy(
    app: FastAPI,
) -> None:
    def client(address: str) -> dict[str, str]:
        return {"X-Forwarded-For": f"{address}, 127.0.0.1"}

    async with configured(
        app, rate_limit_reads="1/minute", trusted_proxies=["127.0.0.1/32"]
    ) as http:
        assert (
            await http.get("/api/v1/organisation", headers=client("198.51.100.1"))
        ).status_code == 401
        assert (
            await http.get("/api/v1/organisation", headers=client("198.51.100.2"))
        ).status_code == 401
        assert (
            await http.get("/api/v1/organisation", headers=client("198.51.100.1"))
        ).status_code == 429
    async with configured(app, rate_limit_reads="1/minute") as http:  # no proxy trusted
        assert (
            await http.get("/api/v1/organisation", headers=client("198.51.100.1"))
        ).status_code == 401
        assert (
            await http.get("/api/v1/organisation", headers=client("198.51.100.2"))
        ).status_code == 429


async def test_probes_are_never_limited_and_the_limits_can_be_turned_off(
    app: FastAPI, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    async with configured(app, rate_limit_reads="1/minute") as http:
        for _ in range(3):
            assert (await http.get("/healthz")).status_code == 200
    async with configured(app, rate_limit_reads="1/minute", rate_limit_enabled=False) as http:
        for _ in range(3):
            response = await http.get("/api/v1/organisation", headers=tenant.headers)
            assert response.status_code == 200


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis at 127.0.0.1:6379")
async def test_processes_sharing_redis_share_one_budget(
    app: FastAPI, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)  # a new token: a count of its own in Redis
    shared: dict[str, Any] = {
        "rate_limit_reads": "2/minute",
        "rate_limit_storage_url": "redis://127.0.0.1:6379/0",
    }
    async with configured(app, **shared) as first, configured(app, **shared) as second:
        assert (await first.get("/api/v1/organisation", headers=tenant.headers)).status_code == 200
        assert (await second.get("/api/v1/organisation", headers=tenant.headers)).status_code == 200
        refused = await first.get("/api/v1/organisation", headers=tenant.headers)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1


async def test_an_unreachable_store_lets_requests_through(
    app: FastAPI, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    unreachable: dict[str, Any] = {"rate_limit_storage_url": "redis://127.0.0.1:1/0"}
    async with configured(app, rate_limit_reads="1/minute", **unreachable) as http:
        for _ in range(2):
            response = await http.get("/api/v1/organisation", headers=tenant.headers)
            assert response.status_code == 200
