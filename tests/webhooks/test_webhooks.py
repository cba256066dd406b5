"""Webhooks: registration, signed CloudEvents deliveries, retries in order, replay, refusals."""

import asyncio
import json
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from app.webhooks.worker import Worker
from tests.conftest import Database, Independent
from tests.factories import Tenant, make_tenant

HOOKS = "/api/v1/webhooks"
URL = "http://127.0.0.1:9/hooks"


class Receiver:
    """A portal's receiver: verifies every delivery with standardwebhooks; fails on demand."""

    def __init__(self, secret: str) -> None:
        self.secrets = [secret]
        self.down = False
        self.received: list[dict[str, Any]] = []
        self.calls = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.down:
            return httpx.Response(503, text="down for maintenance")
        body = request.read()
        for secret in self.secrets:  # each secret alone must verify the delivery
            Webhook(secret).verify(body, dict(request.headers))
        self.received.append(json.loads(body))
        return httpx.Response(204)


def worker(app: FastAPI, receiver: Receiver, **options: Any) -> Worker:
    client = httpx.AsyncClient(transport=httpx.MockTransport(receiver.handle))
    return Worker(
        app.state.sessionmaker,
        client,
        allow_private=options.pop("allow_private", True),
        base_delay=timedelta(0),
        **options,
    )


def allowing_private(app: FastAPI) -> None:
    app.state.settings = app.state.settings.model_copy(update={"webhook_allow_private": True})


async def register(client: AsyncClient, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    response = await client.post(HOOKS, json={"url": URL, **fields}, headers=tenant.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def make_goals(client: AsyncClient, tenant: Tenant, *titles: str) -> None:
    for title in titles:
        response = await client.post(
            "/api/v1/goals",
            json={"org_unit_id": str(tenant.school.id), "title": title},
            headers=tenant.headers,
        )
        assert response.status_code == 201


async def test_a_webhook_to_a_private_address_is_refused(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    for url in (URL, "http://10.1.2.3/x", "http://[::1]/x", "http://169.254.169.254/latest"):
        response = await client.post(HOOKS, json={"url": url}, headers=tenant.headers)
        assert response.status_code == 422, url
        assert response.json()["errors"][0]["field"] == "body.url"
        assert response.json()["errors"][0]["type"] == "address_refused"


async def test_the_worker_refuses_a_private_address_when_not_allowed(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    allowing_private(app)
    hook = await register(client, tenant)
    await make_goals(client, tenant, "Trygghet")
    receiver = Receiver(hook["secret"])
    await worker(app, receiver, allow_private=False).run_once()
    assert receiver.calls == 0
    deliveries = (
        await client.get(f"{HOOKS}/{hook['id']}/deliveries", headers=tenant.headers)
    ).json()
    attempt = deliveries["items"][0]["attempts"][0]
    assert attempt["succeeded"] is False and "private" in attempt["error"]


async def test_deliveries_are_signed_cloudevents_that_standardwebhooks_verifies(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    allowing_private(app)
    hook = await register(client, tenant, event_types=["goal.created"])
    assert hook["secret"].startswith("whsec_")
    shown = (await client.get(f"{HOOKS}/{hook['id']}", headers=tenant.headers)).json()
    assert "secret" not in shown
    await make_goals(client, tenant, "Trygghet", "Delaktighet")
    receiver = Receiver(hook["secret"])
    await worker(app, receiver).run_once()
    assert [e["type"] for e in receiver.received] == ["goal.created", "goal.created"]
    first = receiver.received[0]
    assert first["specversion"] == "1.0" and first["datacontenttype"] == "application/json"
    assert {"id", "source", "time", "subject", "data"} <= first.keys()
    assert first["subject"].startswith("/api/v1/goals/")

    # Rotation: both secrets sign for a while, so the receiver can switch at its own pace.
    rotated = await client.post(f"{HOOKS}/{hook['id']}/rotate-secret", headers=tenant.headers)
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != hook["secret"]
    assert rotated.json()["secret_rotated_until"] is not None
    receiver.secrets = [hook["secret"], rotated.json()["secret"]]
    await make_goals(client, tenant, "Lärande")
    await worker(app, receiver).run_once()
    assert len(receiver.received) == 3


async def test_a_receiver_down_then_back_gets_every_event_once_in_order(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    allowing_private(app)
    hook = await register(client, tenant, event_types=["goal.created"])
    receiver = Receiver(hook["secret"])
    receiver.down = True
    await make_goals(client, tenant, "A", "B", "C")
    for _ in range(3):
        await worker(app, receiver).run_once()
    assert receiver.received == [] and receiver.calls == 3  # the head of the queue, retried
    state = (await client.get(f"{HOOKS}/{hook['id']}", headers=tenant.headers)).json()
    assert state["pending_deliveries"] == 3 and state["enabled"] is True
    receiver.down = False
    await make_goals(client, tenant, "D")
    await worker(app, receiver).run_once()
    titles = [e["id"] for e in receiver.received]
    assert len(titles) == 4 and titles == sorted(titles, key=int)
    deliveries = (
        await client.get(f"{HOOKS}/{hook['id']}/deliveries", headers=tenant.headers)
    ).json()
    oldest = deliveries["items"][-1]
    assert [a["status_code"] for a in oldest["attempts"]] == [503, 503, 503, 204]
    assert oldest["attempts"][0]["response_body"] == "down for maintenance"
    # Replay: the same events again, in order.
    replayed = await client.post(
        f"{HOOKS}/{hook['id']}/replay",
        json={"since": "2000-01-01T00:00:00Z"},
        headers=tenant.headers,
    )
    assert replayed.status_code == 202 and replayed.json() == {"queued": 4}
    await worker(app, receiver).run_once()
    assert [e["id"] for e in receiver.received[4:]] == titles


async def test_an_endpoint_failing_past_the_retry_window_is_disabled_with_a_reason(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    allowing_private(app)
    hook = await register(client, tenant)
    receiver = Receiver(hook["secret"])
    receiver.down = True
    await make_goals(client, tenant, "A")
    await worker(app, receiver, retry_window=timedelta(0)).run_once()
    state = (await client.get(f"{HOOKS}/{hook['id']}", headers=tenant.headers)).json()
    assert state["enabled"] is False
    assert "HTTP 503" in state["disabled_reason"]
    receiver.down = False
    await worker(app, receiver).run_once()
    assert receiver.received == []  # disabled: nothing is sent
    enabled = await client.patch(
        f"{HOOKS}/{hook['id']}", json={"enabled": True}, headers=tenant.headers
    )
    assert enabled.status_code == 200 and enabled.json()["disabled_reason"] is None
    await worker(app, receiver).run_once()
    assert [e["type"] for e in receiver.received] == ["goal.created"]


async def test_two_workers_never_deliver_the_same_event_twice(
    independent: Independent, database: Database
) -> None:
    if database.backend != "postgresql":
        pytest.skip("on SQLite one worker runs")
    client, session = independent.client, independent.session
    app: FastAPI = client._transport.app  # type: ignore[attr-defined]
    allowing_private(app)
    tenant = await make_tenant(session)
    for n in range(3):
        await register(client, tenant, url=f"http://127.0.0.1:9/hooks/{n}")
    await make_goals(client, tenant, *[f"Mål {n}" for n in range(10)])
    counts: Counter[tuple[str, str]] = Counter()

    def handle(request: httpx.Request) -> httpx.Response:
        counts[(request.url.path, request.headers["webhook-id"])] += 1
        return httpx.Response(200)

    async def run() -> None:
        client = httpx.AsyncClient(transport=httpx.MockTransport(handle))
        w = Worker(app.state.sessionmaker, client, allow_private=True)
        for _ in range(5):
            await w.run_once()

    await asyncio.gather(run(), run())
    assert len(counts) == 3 * 10  # every event reached every endpoint ...
    assert set(counts.values()) == {1}  # ... exactly once


async def test_a_batch_whose_recording_fails_is_sent_again_with_the_same_webhook_ids(
    app: FastAPI, client: AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = await make_tenant(session)
    allowing_private(app)
    hook = await register(client, tenant, event_types=["goal.created"])
    await make_goals(client, tenant, "A", "B", "C")
    sent: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["webhook-id"])
        return httpx.Response(204)

    w = Worker(
        app.state.sessionmaker,
        httpx.AsyncClient(transport=httpx.MockTransport(handle)),
        allow_private=True,
    )

    async def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away between sending and recording")

    monkeypatch.setattr(w, "_record", crash)
    await w.run_once()
    assert len(sent) == 3
    monkeypatch.undo()
    await w.run_once()  # the lease was given back, the batch is still pending
    assert sent[3:] == sent[:3]  # at least once: the same webhook-ids, in the same order
    assert sent[:3] == sorted(sent[:3], key=lambda i: int(i.removeprefix("evt_")))
    deliveries = (
        await client.get(f"{HOOKS}/{hook['id']}/deliveries", headers=tenant.headers)
    ).json()
    assert [len(d["attempts"]) for d in deliveries["items"]] == [1, 1, 1]  # recorded once
    state = (await client.get(f"{HOOKS}/{hook['id']}", headers=tenant.headers)).json()
    assert state["pending_deliveries"] == 0
    await w.run_once()
    assert len(sent) == 6  # nothing more


async def test_endpoints_are_delivered_side_by_side_each_in_order(
    independent: Independent,
) -> None:
    client, session = independent.client, independent.session
    app: FastAPI = client._transport.app  # type: ignore[attr-defined]
    tenant = await make_tenant(session)
    allowing_private(app)
    for n in range(3):
        await register(client, tenant, url=f"http://127.0.0.1:9/hooks/{n}")
    await make_goals(client, tenant, *[f"Mål {n}" for n in range(8)])
    received: dict[str, list[int]] = {}
    in_flight, most = 0, 0

    async def handle(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.002 * (int(request.url.path[-1]) + 1))
        in_flight -= 1
        event_id = int(request.headers["webhook-id"].removeprefix("evt_"))
        received.setdefault(request.url.path, []).append(event_id)
        return httpx.Response(204)

    w = Worker(
        app.state.sessionmaker,
        httpx.AsyncClient(transport=httpx.MockTransport(handle)),
        allow_private=True,
    )
    await w.run_once()
    assert most >= 2  # endpoints side by side ...
    assert len(received) == 3
    for ids in received.values():  # ... each one in event order, each event once
        assert len(ids) == 8 and ids == sorted(ids) and len(set(ids)) == 8
