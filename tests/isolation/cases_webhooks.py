"""Isolation cases for the event feed and webhooks: an endpoint of the school's subtree with one
delivered event, and events about north and the school."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.events import service as events
from app.events.models import EventType
from app.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import Tenant
from tests.isolation.framework import Case

URL = "https://93.184.215.14/hooks/pdca"  # a literal public address: no lookup, nothing sent


async def populate(session: AsyncSession, tenant: Tenant) -> dict[str, uuid.UUID]:
    await events.record_event(session, EventType.org_unit_created, tenant.school)
    await events.record_event(session, EventType.org_unit_created, tenant.north)
    hook = WebhookEndpoint(
        organisation_id=tenant.organisation.id,
        url=URL,
        org_unit_id=tenant.school.id,
        secret="whsec_" + "A" * 43 + "=",
    )
    spare = WebhookEndpoint(
        organisation_id=tenant.organisation.id,
        url=URL,
        org_unit_id=tenant.north.id,
        secret="whsec_" + "B" * 43 + "=",
    )
    session.add_all([hook, spare])
    await session.flush()
    event_id = (
        await events.read_events(
            session, organisation_id=tenant.organisation.id, after=None, limit=1
        )
    )[0][0].id
    assert event_id is not None
    session.add(
        WebhookDelivery(
            organisation_id=tenant.organisation.id, endpoint_id=hook.id, event_id=event_id
        )
    )
    await session.commit()
    return {"hook": hook.id, "spare_hook": spare.id}


CASES = [
    Case("GET", "/events", refused=200),
    Case("GET", "/events", query={"unit_id": "{school}"}, refused=422),
    Case("GET", "/webhooks", refused=200, lists=("hook", "spare_hook")),
    Case(
        "POST",
        "/webhooks",
        body={"url": URL, "org_unit_id": "{school}"},
        expect=201,
        refused=422,
        unchanged="/webhooks?limit=500",
    ),
    Case("GET", "/webhooks/{hook}"),
    Case("PATCH", "/webhooks/{hook}", body={"description": "Kapad"}),
    Case("DELETE", "/webhooks/{spare_hook}", expect=204),
    Case("POST", "/webhooks/{hook}/rotate-secret", unchanged="/webhooks/{hook}/deliveries"),
    Case("GET", "/webhooks/{hook}/deliveries"),
    Case(
        "POST",
        "/webhooks/{hook}/replay",
        body={"since": "2000-01-01T00:00:00Z"},
        expect=202,
        unchanged="/webhooks/{hook}/deliveries",
    ),
]
