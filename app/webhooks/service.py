"""Registering webhook endpoints (admins), their secrets, deliveries and replays."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.context import Principal
from app.db import utcnow
from app.events.models import Event, EventType
from app.org_units.models import OrgUnit
from app.pagination import Page, PageParams, Sorting, paginate
from app.problems import Conflict, InvalidInput, NotFound
from app.references import not_visible
from app.settings import Settings
from app.webhooks import delivery
from app.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookAttemptPublic,
    WebhookDelivery,
    WebhookDeliveryList,
    WebhookDeliveryPublic,
    WebhookEndpoint,
    WebhookEndpointCreate,
    WebhookEndpointPublic,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
)

ROTATION_OVERLAP = timedelta(hours=24)
"""After a rotation the previous secret signs too for this long, so receivers can switch."""

_DELIVERY = WebhookDelivery.__table__  # type: ignore[attr-defined]


async def _check_url(url: str, settings: Settings) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("body.url", "must be an http or https URL with a host")
    if parts.username or parts.password:
        raise InvalidInput("body.url", "must not carry a user name or password")
    if not settings.webhook_allow_private:
        try:
            await delivery.resolve_allowed(parts.hostname, parts.port or 443)
        except delivery.Unresolved:
            pass  # a name that does not resolve yet is checked again at each delivery
        except delivery.AddressRefused as error:
            raise InvalidInput("body.url", str(error), type_="address_refused") from None
    return url


async def _pending(session: AsyncSession, endpoint_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not endpoint_ids:
        return {}
    rows = await session.execute(
        select(col(WebhookDelivery.endpoint_id), func.count())
        .where(
            col(WebhookDelivery.endpoint_id).in_(endpoint_ids),
            col(WebhookDelivery.status) == DeliveryStatus.pending.value,
        )
        .group_by(col(WebhookDelivery.endpoint_id))
    )
    return {endpoint_id: count for endpoint_id, count in rows.all()}


def _public(endpoint: WebhookEndpoint, pending: int) -> dict[str, Any]:
    now = utcnow()
    expires = endpoint.previous_secret_expires_at
    return {
        **endpoint.model_dump(
            include={
                "id",
                "url",
                "event_types",
                "org_unit_id",
                "description",
                "enabled",
                "disabled_reason",
                "disabled_at",
                "created_at",
                "updated_at",
                "version",
            }
        ),
        "pending_deliveries": pending,
        "secret_rotated_until": expires if expires is not None and expires > now else None,
    }


async def present(session: AsyncSession, endpoint: WebhookEndpoint) -> WebhookEndpointPublic:
    pending = await _pending(session, [endpoint.id])
    return WebhookEndpointPublic.model_validate(_public(endpoint, pending.get(endpoint.id, 0)))


async def get_endpoint(
    session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID
) -> WebhookEndpoint:
    stmt = (
        select(WebhookEndpoint)
        .outerjoin(OrgUnit, col(OrgUnit.id) == col(WebhookEndpoint.org_unit_id))
        .where(
            col(WebhookEndpoint.id) == endpoint_id,
            col(WebhookEndpoint.organisation_id) == principal.organisation_id,
        )
    )
    if principal.scope_path is not None:
        stmt = stmt.where(principal.path_filter(col(OrgUnit.path)))
    endpoint = (await session.execute(stmt)).scalar_one_or_none()
    if endpoint is None:
        raise NotFound.for_object("webhook", endpoint_id)
    return endpoint


async def create_endpoint(
    session: AsyncSession, principal: Principal, *, data: WebhookEndpointCreate, settings: Settings
) -> WebhookEndpointWithSecret:
    url = await _check_url(str(data.url), settings)
    unit_id = data.org_unit_id or principal.scope_org_unit_id
    if unit_id is not None:
        found = (
            await session.execute(
                select(col(OrgUnit.id)).where(
                    col(OrgUnit.id) == unit_id,
                    col(OrgUnit.organisation_id) == principal.organisation_id,
                    principal.path_filter(col(OrgUnit.path)),
                )
            )
        ).scalar_one_or_none()
        if found is None:
            raise not_visible("body.org_unit_id", "org unit", unit_id)
    endpoint = WebhookEndpoint(
        organisation_id=principal.organisation_id,
        url=url,
        description=data.description,
        event_types=[t.value for t in data.event_types],
        org_unit_id=unit_id,
        secret=delivery.new_secret(),
    )
    session.add(endpoint)
    await session.commit()
    return WebhookEndpointWithSecret.model_validate(
        {**_public(endpoint, 0), "secret": endpoint.secret}
    )


SORT = Sorting(
    "WebhookSort",
    {"created_at": col(WebhookEndpoint.created_at)},
    tiebreaker=col(WebhookEndpoint.id),
)


async def list_endpoints(
    session: AsyncSession, principal: Principal, *, page: PageParams
) -> Page[WebhookEndpointPublic]:
    stmt = (
        select(WebhookEndpoint)
        .outerjoin(OrgUnit, col(OrgUnit.id) == col(WebhookEndpoint.org_unit_id))
        .where(col(WebhookEndpoint.organisation_id) == principal.organisation_id)
    )
    if principal.scope_path is not None:
        stmt = stmt.where(principal.path_filter(col(OrgUnit.path)))
    found = await paginate(session, stmt, page=page, order=SORT.order("created_at"))
    pending = await _pending(session, [e.id for e in found.items])
    return Page[WebhookEndpointPublic](
        items=[
            WebhookEndpointPublic.model_validate(_public(e, pending.get(e.id, 0)))
            for e in found.items
        ],
        total=found.total,
        total_at_least=found.total_at_least,
        limit=found.limit,
        offset=found.offset,
        next_cursor=found.next_cursor,
    )


async def update_endpoint(
    session: AsyncSession,
    principal: Principal,
    endpoint_id: uuid.UUID,
    *,
    changes: WebhookEndpointUpdate,
    settings: Settings,
) -> WebhookEndpointPublic:
    endpoint = await get_endpoint(session, principal, endpoint_id)
    values = changes.model_dump(exclude_unset=True)
    if "url" in values:
        endpoint.url = await _check_url(str(values["url"]), settings)
    if "event_types" in values:
        endpoint.event_types = [EventType(t).value for t in values["event_types"]]
    if "description" in values:
        endpoint.description = values["description"]
    if values.get("enabled") is True and not endpoint.enabled:
        endpoint.enabled, endpoint.disabled_reason, endpoint.disabled_at = True, None, None
        endpoint.next_attempt_at = None
        # The retry window starts again for the delivery at the head of the queue.
        await session.execute(
            _DELIVERY.update()
            .where(_DELIVERY.c.endpoint_id == endpoint.id, _DELIVERY.c.status == "pending")
            .values(first_attempt_at=None)
        )
    elif values.get("enabled") is False and endpoint.enabled:
        endpoint.enabled, endpoint.disabled_at = False, utcnow()
        endpoint.disabled_reason = "Disabled by an admin."
    await session.commit()
    return await present(session, endpoint)


async def rotate_secret(
    session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID
) -> WebhookEndpointWithSecret:
    """A new secret; the one it replaces keeps signing for a day, beside it."""
    endpoint = await get_endpoint(session, principal, endpoint_id)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = utcnow() + ROTATION_OVERLAP
    endpoint.secret = delivery.new_secret()
    endpoint.updated_at = utcnow()
    await session.commit()
    pending = await _pending(session, [endpoint.id])
    return WebhookEndpointWithSecret.model_validate(
        {**_public(endpoint, pending.get(endpoint.id, 0)), "secret": endpoint.secret}
    )


async def delete_endpoint(
    session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID
) -> None:
    endpoint = await get_endpoint(session, principal, endpoint_id)
    attempts = WebhookAttempt.__table__  # type: ignore[attr-defined]
    await session.execute(attempts.delete().where(attempts.c.endpoint_id == endpoint.id))
    await session.execute(_DELIVERY.delete().where(_DELIVERY.c.endpoint_id == endpoint.id))
    await session.delete(endpoint)
    await session.commit()


async def list_deliveries(
    session: AsyncSession,
    principal: Principal,
    endpoint_id: uuid.UUID,
    *,
    status: DeliveryStatus | None,
    after: int | None,
    limit: int,
) -> WebhookDeliveryList:
    """Newest first, each with its attempts."""
    endpoint = await get_endpoint(session, principal, endpoint_id)
    stmt = (
        select(WebhookDelivery, col(Event.type))
        .join(Event, col(Event.id) == col(WebhookDelivery.event_id))
        .where(col(WebhookDelivery.endpoint_id) == endpoint.id)
    )
    if status is not None:
        stmt = stmt.where(col(WebhookDelivery.status) == status.value)
    if after is not None:
        stmt = stmt.where(col(WebhookDelivery.id) < after)
    rows = (await session.execute(stmt.order_by(col(WebhookDelivery.id).desc()).limit(limit))).all()
    ids = [d.id for d, _ in rows]
    attempts: dict[int, list[WebhookAttemptPublic]] = {i: [] for i in ids if i is not None}
    if ids:
        for attempt in (
            await session.execute(
                select(WebhookAttempt)
                .where(col(WebhookAttempt.delivery_id).in_(ids))
                .order_by(col(WebhookAttempt.id))
            )
        ).scalars():
            attempts[attempt.delivery_id].append(
                WebhookAttemptPublic.model_validate(attempt, from_attributes=True)
            )
    items = [
        WebhookDeliveryPublic(
            id=d.id or 0,
            event_id=str(d.event_id),
            event_type=EventType(event_type),
            status=DeliveryStatus(d.status),
            replay=d.replay,
            attempts=attempts.get(d.id or 0, []),
            created_at=d.created_at,
            delivered_at=d.delivered_at,
        )
        for d, event_type in rows
    ]
    return WebhookDeliveryList(
        items=items, next_cursor=str(ids[-1]) if len(ids) == limit and ids else None
    )


MAX_REPLAY = 10_000


async def replay(
    session: AsyncSession,
    principal: Principal,
    endpoint_id: uuid.UUID,
    *,
    event_id: str | None,
    since: datetime | None,
) -> int:
    """Queue the endpoint's events again: one, or every one delivered to it since a time."""
    endpoint = await get_endpoint(session, principal, endpoint_id)
    if (event_id is None) == (since is None):
        raise InvalidInput("body", "give exactly one of event_id and since")
    stmt = (
        select(col(WebhookDelivery.event_id))
        .join(Event, col(Event.id) == col(WebhookDelivery.event_id))
        .where(col(WebhookDelivery.endpoint_id) == endpoint.id)
        .distinct()
    )
    if event_id is not None:
        if not event_id.isdigit():
            raise InvalidInput("body.event_id", "is not an event id")
        stmt = stmt.where(col(WebhookDelivery.event_id) == int(event_id))
    else:
        stmt = stmt.where(col(Event.occurred_at) >= since)
    events = sorted((await session.execute(stmt.limit(MAX_REPLAY + 1))).scalars().all())
    if event_id is not None and not events:
        raise InvalidInput(
            "body.event_id",
            f"event {event_id} was never meant for this endpoint",
            type_="not_found",
        )
    if len(events) > MAX_REPLAY:
        raise Conflict(f"More than {MAX_REPLAY} events since then; choose a later time.")
    now = utcnow()
    if events:
        await session.execute(
            insert(_DELIVERY),
            [
                {
                    "organisation_id": endpoint.organisation_id,
                    "endpoint_id": endpoint.id,
                    "event_id": e,
                    "status": DeliveryStatus.pending.value,
                    "replay": True,
                    "attempts": 0,
                    "created_at": now,
                }
                for e in events
            ],
        )
    await session.commit()
    return len(events)
