"""Event retention (issue 17): old events leave with their deliveries, in bounded batches, and a
feed cursor from before what was removed answers 410 instead of skipping silently."""

import uuid
from datetime import timedelta

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db import utcnow
from app.events.models import Event
from app.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.webhooks.retention import Retention
from tests.factories import make_tenant
from tests.webhooks.test_webhooks import (
    HOOKS,
    Receiver,
    allowing_private,
    make_goals,
    register,
    worker,
)

EVENTS = "/api/v1/events"
KEEP = timedelta(days=400)


async def _age(session: AsyncSession, ids: list[int]) -> None:
    await session.execute(
        update(Event)
        .where(col(Event.id).in_(ids))
        .values(occurred_at=utcnow() - KEEP - timedelta(days=1))
    )
    await session.commit()


async def _count(session: AsyncSession, table: type) -> int:
    await session.commit()  # a fresh look (SQLite keeps a reader's snapshot)
    return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_old_events_leave_with_their_deliveries_and_an_old_cursor_answers_410(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    allowing_private(app)
    hook = await register(client, tenant, event_types=["goal.created"])
    receiver = Receiver(hook["secret"])
    await make_goals(client, tenant, "A", "B", "C")
    await worker(app, receiver).run_once()
    assert len(receiver.received) == 3
    before = (await client.get(EVENTS, headers=tenant.headers)).json()["items"]
    assert [e["type"] for e in before] == ["goal.created"] * 3
    await _age(session, [int(e["id"]) for e in before[:2]])
    assert await _count(session, WebhookAttempt) == 3

    retention = Retention(app.state.sessionmaker, keep=KEEP, batch=1)
    assert await retention.run_due() == 2  # one event per transaction, two rounds of the loop
    assert await retention.run_due() == 0  # not again before the interval
    kept = (await client.get(EVENTS, headers=tenant.headers)).json()
    assert [e["id"] for e in kept["items"]] == [before[2]["id"]]
    assert await _count(session, WebhookDelivery) == 1
    assert await _count(session, WebhookAttempt) == 1
    deliveries = await client.get(f"{HOOKS}/{hook['id']}/deliveries", headers=tenant.headers)
    assert [d["event_id"] for d in deliveries.json()["items"]] == [before[2]["id"]]

    # A reader who had read only A lost B: a clear 410, never a silent skip.
    expired = await client.get(
        EVENTS, params={"after": before[0]["cursor"]}, headers=tenant.headers
    )
    assert expired.status_code == 410
    assert expired.headers["content-type"] == "application/problem+json"
    assert expired.json()["type"].endswith("cursor-expired")
    assert "400 days" in expired.json()["detail"]
    # A reader who had read B lost nothing.
    on_time = await client.get(
        EVENTS, params={"after": before[1]["cursor"]}, headers=tenant.headers
    )
    assert on_time.status_code == 200
    assert [e["id"] for e in on_time.json()["items"]] == [before[2]["id"]]
    assert (
        await client.get(EVENTS, params={"after": kept["next_cursor"]}, headers=tenant.headers)
    ).status_code == 200


async def test_an_event_still_being_retried_is_kept_until_delivered_or_its_endpoint_disabled(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    allowing_private(app)
    hook = await register(client, tenant, event_types=["goal.created"])
    receiver = Receiver(hook["secret"])
    receiver.down = True
    await make_goals(client, tenant, "A", "B")
    await worker(app, receiver).run_once()
    events = (await client.get(EVENTS, headers=tenant.headers)).json()["items"]
    await _age(session, [int(e["id"]) for e in events])
    assert await Retention(app.state.sessionmaker, keep=KEEP).run_due() == 0
    assert await _count(session, Event) == 2
    await session.execute(
        update(WebhookEndpoint)
        .where(col(WebhookEndpoint.id) == uuid.UUID(hook["id"]))
        .values(enabled=False)
    )
    await session.commit()
    assert await Retention(app.state.sessionmaker, keep=KEEP).run_due() == 2
    assert await _count(session, WebhookDelivery) == 0


async def test_a_reader_with_nothing_to_read_starts_after_what_retention_removed(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    quiet = await make_tenant(session, "Tystby kommun")
    await make_goals(client, tenant, "A")
    events = (await client.get(EVENTS, headers=tenant.headers)).json()["items"]
    await _age(session, [int(e["id"]) for e in events])
    # The fan-out must have passed the events before they may go.
    allowing_private(app)
    await worker(app, Receiver("whsec_" + "A" * 32)).run_once()
    assert await Retention(app.state.sessionmaker, keep=KEEP).run_due() == 1
    empty = (await client.get(EVENTS, headers=quiet.headers)).json()
    assert empty["items"] == []
    assert empty["next_cursor"] == events[0]["cursor"]
    again = await client.get(EVENTS, params={"after": empty["next_cursor"]}, headers=quiet.headers)
    assert again.status_code == 200
    assert (
        await client.get(EVENTS, params={"after": "0.0"}, headers=quiet.headers)
    ).status_code == 410
