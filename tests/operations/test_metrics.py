"""Prometheus metrics (issue 18): requests by route template, the outbox, who may scrape."""

import uuid

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from app import metrics
from app.webhooks.worker import Worker
from tests.factories import bearer, make_tenant
from tests.operations.apps import configured
from tests.webhooks.test_webhooks import Receiver, allowing_private, make_goals, register

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(http: AsyncClient) -> Samples:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_requests_are_counted_by_route_template_and_status(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    template = "/api/v1/org-units/{org_unit_id}"
    before = await scrape(client)
    for _ in range(2):
        found = await client.get(f"/api/v1/org-units/{tenant.school.id}", headers=tenant.headers)
        assert found.status_code == 200
    missing = await client.get(f"/api/v1/org-units/{uuid.uuid4()}", headers=tenant.headers)
    assert missing.status_code == 404
    assert (await client.get("/api/v1/no-such-thing")).status_code == 404
    head = await client.head(f"/api/v1/org-units/{tenant.school.id}", headers=tenant.headers)
    assert head.status_code == 200
    await client.request("BREW", "/api/v1/coffee")  # RFC 2324: any method a client invents
    after = await scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "pdca_http_requests_total"
    assert grew(requests, method="GET", route=template, status="200") == 2
    assert grew(requests, method="GET", route=template, status="404") == 1
    assert grew(requests, method="GET", route="unmatched", status="404") == 1
    assert grew(requests, method="HEAD", route=template, status="200") == 1
    methods = {dict(labels).get("method") for name, labels in after if name == requests}
    assert "OTHER" in methods and "BREW" not in methods
    latency = "pdca_http_request_duration_seconds_count"
    assert grew(latency, method="GET", route=template) == 3
    bucket = "pdca_http_request_duration_seconds_bucket"
    assert grew(bucket, method="GET", route=template, le="+Inf") == 3
    text = (await client.get("/metrics")).text
    assert str(tenant.school.id) not in text  # the template, never the raw path
    for gauge in ("pdca_db_pool_in_use", "pdca_db_pool_overflow"):
        assert (gauge, frozenset()) in after


async def test_the_outbox_gauges_and_the_delivery_counter_follow_the_webhooks(
    app: FastAPI, client: AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics, "OUTBOX_CACHE_SECONDS", 0.0)
    tenant = await make_tenant(session)
    allowing_private(app)
    hook = await register(client, tenant, event_types=["goal.created"])
    empty = await scrape(client)
    assert value(empty, "pdca_outbox_backlog") == 0
    assert value(empty, "pdca_outbox_oldest_age_seconds") == 0

    await make_goals(client, tenant, "Trygghet", "Delaktighet")
    receiver = Receiver(hook["secret"])
    transport = httpx.AsyncClient(transport=httpx.MockTransport(receiver.handle))
    worker = Worker(app.state.sessionmaker, transport, allow_private=True)
    assert await worker.fan_out() == 2
    waiting = await scrape(client)
    assert value(waiting, "pdca_outbox_backlog") == 2
    assert value(waiting, "pdca_outbox_oldest_age_seconds") >= 0

    delivered = "pdca_webhook_deliveries_total"
    await worker.run_once()
    sent = await scrape(client)
    assert value(sent, "pdca_outbox_backlog") == 0
    assert (
        value(sent, delivered, outcome="delivered") - value(waiting, delivered, outcome="delivered")
        == 2
    )

    receiver.down = True
    await make_goals(client, tenant, "Lärande")
    await worker.run_once()
    failed = await scrape(client)
    assert (
        value(failed, delivered, outcome="failed") - value(sent, delivered, outcome="failed") == 1
    )
    assert value(failed, "pdca_outbox_backlog") == 1


async def test_ingested_rows_are_counted_by_outcome(
    client: AsyncClient, session: AsyncSession
) -> None:
    from tests.measures.test_ingest_hardening import _measure

    tenant = await make_tenant(session)
    measure = await _measure(client, session, tenant, value_kind="count")
    rows = [{"period": f"2026-W{week:02}", "value": week} for week in (1, 2, 3)]
    before = await scrape(client)
    stored = await client.post(
        "/api/v1/measurements/bulk",
        json={"measure_id": measure["id"], "org_unit_id": str(tenant.school.id), "rows": rows},
        headers=tenant.headers,
    )
    assert stored.status_code in (200, 201), stored.text
    bad = [*rows, {"period": "2026-W04", "value": -1}, {"period": "not a week", "value": 1}]
    refused = await client.post(
        "/api/v1/measurements/bulk",
        json={"measure_id": measure["id"], "org_unit_id": str(tenant.school.id), "rows": bad},
        headers=tenant.headers,
    )
    assert refused.status_code == 422
    after = await scrape(client)
    ingested = "pdca_ingestion_rows_total"
    for outcome, count in (("created", 3), ("refused", 2)):
        grown = value(after, ingested, outcome=outcome) - value(before, ingested, outcome=outcome)
        assert grown == count, outcome


async def test_a_scraper_outside_the_allowed_networks_gets_404_unless_it_has_the_token(
    app: FastAPI, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    token = "scrape-" + uuid.uuid4().hex
    async with configured(
        app, metrics_allow=["10.0.0.0/8"], metrics_token=SecretStr(token)
    ) as http:
        refused = await http.get("/metrics")
        assert refused.status_code == 404
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == "/problems/not-found"
        assert (await http.get("/metrics", headers=bearer("wrong"))).status_code == 404
        # An organisation's admin token is no scraper's token: metrics span every organisation.
        assert (await http.get("/metrics", headers=tenant.headers)).status_code == 404
        allowed = await http.get("/metrics", headers=bearer(token))
        assert allowed.status_code == 200
        assert "pdca_http_requests_total" in allowed.text
    async with configured(app, metrics_allow=["10.0.0.0/8"], client=("10.1.2.3", 5)) as http:
        assert (await http.get("/metrics")).status_code == 200
