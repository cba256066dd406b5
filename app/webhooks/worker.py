"""The delivery worker: turns events into deliveries (fan-out) and sends them, in order per
endpoint, with retries. Several workers share the work on PostgreSQL: the fan-out position and
each endpoint are claimed with ``FOR UPDATE SKIP LOCKED``, and an endpoint stays leased to one
worker while it sends (no transaction is held open across a request). On SQLite run one."""

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.db import utcnow
from app.events import service as event_service
from app.events.models import Event
from app.metrics import count_delivery
from app.org_units.models import OrgUnit
from app.settings import Settings
from app.webhooks import delivery, scheduler, signals
from app.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookFanout,
)
from app.webhooks.retention import Retention

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
BATCH = 20
MAX_DELAY = timedelta(hours=6)
IDLE_SECONDS = 0.2
_ENDPOINT = WebhookEndpoint.__table__  # type: ignore[attr-defined]
_DELIVERY = WebhookDelivery.__table__  # type: ignore[attr-defined]
_ATTEMPT = WebhookAttempt.__table__  # type: ignore[attr-defined]
_FANOUT = WebhookFanout.__table__  # type: ignore[attr-defined]


def retry_delay(attempts: int, base: timedelta) -> timedelta:
    """Exponential backoff with jitter: base·2^(n-1), at most six hours, drawn from its upper half."""
    ceiling = min(base * (2 ** max(0, attempts - 1)), MAX_DELAY)
    jitter = random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret
    return timedelta(seconds=ceiling.total_seconds() * jitter)


@dataclass
class Worker:
    sessionmaker: async_sessionmaker[AsyncSession]
    client: httpx.AsyncClient
    allow_private: bool = False
    retry_window: timedelta = timedelta(hours=72)
    base_delay: timedelta = timedelta(seconds=5)
    name: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    )
    stop: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    """Set to stop between delivery attempts (an attempt under way is finished and recorded)."""
    clock: Callable[[], datetime] = utcnow
    """Now, for the scheduler (tests pass a clock of their own)."""
    timezone: str = "Europe/Stockholm"
    """The calendar that decides what is overdue today (``PDCA_TIMEZONE``)."""
    schedule_every: timedelta | None = timedelta(seconds=60)
    """How often :meth:`run_once` runs the scheduler; None: never (call :meth:`schedule`)."""
    report_grace_days: int = 7
    _scheduled_at: datetime | None = field(default=None, init=False)
    retention: Retention | None = None
    """Removes events past ``PDCA_EVENT_RETENTION_DAYS`` (None: keeps them; tests)."""

    @classmethod
    def from_settings(
        cls, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
    ) -> "Worker":
        client = httpx.AsyncClient(
            timeout=settings.webhook_timeout_seconds, follow_redirects=False, trust_env=False
        )
        return cls(
            sessionmaker,
            client,
            allow_private=settings.webhook_allow_private,
            retry_window=timedelta(hours=settings.webhook_retry_hours),
            timezone=settings.timezone,
            schedule_every=timedelta(seconds=settings.scheduler_interval_seconds),
            report_grace_days=settings.report_grace_days,
            retention=Retention.from_settings(sessionmaker, settings),
        )

    def today(self) -> date:
        return self.clock().astimezone(ZoneInfo(self.timezone)).date()

    async def schedule(self) -> int:
        """Announce what became overdue or went unreported (see :mod:`.scheduler`); the count."""
        self._scheduled_at = self.clock()
        return await scheduler.announce(
            self.sessionmaker, self.today(), grace_days=self.report_grace_days
        )

    async def fan_out(self) -> int:
        """Queue a delivery of each new event for every endpoint that wants it; the count."""
        async with self.sessionmaker() as session:
            await scheduler.begin_writing(session)
            position = (
                await session.execute(
                    select(_FANOUT.c.txid, _FANOUT.c.event_id)
                    .where(_FANOUT.c.name == "events")
                    .with_for_update(skip_locked=True)
                )
            ).first()
            if position is None:
                return 0  # another worker is at it
            events, reached = await event_service.read_events(
                session, organisation_id=None, after=(position[0], position[1]), limit=500
            )
            if reached is None or reached == (position[0], position[1]):
                await session.rollback()
                return 0
            endpoints = (
                await session.execute(
                    select(
                        col(WebhookEndpoint.id),
                        col(WebhookEndpoint.organisation_id),
                        col(WebhookEndpoint.event_types),
                        col(WebhookEndpoint.created_at),
                        col(OrgUnit.path),
                    ).outerjoin(OrgUnit, col(OrgUnit.id) == col(WebhookEndpoint.org_unit_id))
                )
            ).all()
            rows = [
                {
                    "organisation_id": event.organisation_id,
                    "endpoint_id": endpoint_id,
                    "event_id": event.id,
                    "status": DeliveryStatus.pending.value,
                    "replay": False,
                    "attempts": 0,
                    "created_at": utcnow(),
                }
                for event in events
                for endpoint_id, organisation_id, types, created_at, path in endpoints
                if organisation_id == event.organisation_id
                and (not types or event.type in types)
                and (path is None or event.path.startswith(path))
                and created_at <= event.occurred_at
            ]
            if rows:
                await session.execute(insert(_DELIVERY), rows)
            await session.execute(
                update(_FANOUT)
                .where(_FANOUT.c.name == "events")
                .values(txid=reached[0], event_id=reached[1])
            )
            await session.commit()
            return len(rows)

    async def _claim(self) -> WebhookEndpoint | None:
        now = utcnow()
        async with self.sessionmaker() as session:
            await scheduler.begin_writing(session)
            pending = select(_DELIVERY.c.id).where(
                _DELIVERY.c.endpoint_id == col(WebhookEndpoint.id),
                _DELIVERY.c.status == DeliveryStatus.pending.value,
            )
            endpoint = (
                await session.execute(
                    select(WebhookEndpoint)
                    .where(
                        col(WebhookEndpoint.enabled),
                        or_(
                            col(WebhookEndpoint.next_attempt_at).is_(None),
                            col(WebhookEndpoint.next_attempt_at) <= now,
                        ),
                        or_(
                            col(WebhookEndpoint.lease_until).is_(None),
                            col(WebhookEndpoint.lease_until) < now,
                        ),
                        pending.exists(),
                    )
                    .order_by(col(WebhookEndpoint.next_attempt_at))
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
            ).scalar_one_or_none()
            if endpoint is None:
                return None
            await session.execute(
                update(_ENDPOINT)
                .where(_ENDPOINT.c.id == endpoint.id)
                .values(lease_until=now + LEASE, lease_owner=self.name)
            )
            await session.commit()
            return endpoint

    async def deliver_due(self) -> int:
        """Send the due deliveries of one endpoint, oldest first; the number delivered."""
        endpoint = await self._claim()
        if endpoint is None:
            return 0
        leased_until = utcnow() + LEASE
        delivered = 0
        try:
            async with self.sessionmaker() as session:
                queue = (
                    await session.execute(
                        select(WebhookDelivery, Event)
                        .join(Event, col(Event.id) == col(WebhookDelivery.event_id))
                        .where(
                            col(WebhookDelivery.endpoint_id) == endpoint.id,
                            col(WebhookDelivery.status) == DeliveryStatus.pending.value,
                        )
                        .order_by(col(WebhookDelivery.id))
                        .limit(BATCH)
                    )
                ).all()
            for item, event in queue:
                if self.stop.is_set() or utcnow() + timedelta(seconds=60) > leased_until:
                    break
                if not await self._send(endpoint, item, event):
                    break
                delivered += 1
        finally:
            async with self.sessionmaker() as session:
                await session.execute(
                    update(_ENDPOINT)
                    .where(_ENDPOINT.c.id == endpoint.id, _ENDPOINT.c.lease_owner == self.name)
                    .values(lease_until=None, lease_owner=None)
                )
                await session.commit()
        return delivered

    def _secrets(self, endpoint: WebhookEndpoint, now: datetime) -> list[str]:
        valid = [endpoint.secret]
        expires = endpoint.previous_secret_expires_at
        if endpoint.previous_secret and expires is not None and expires > now:
            valid.append(endpoint.previous_secret)
        return valid

    async def _send(self, endpoint: WebhookEndpoint, item: WebhookDelivery, event: Event) -> bool:
        now = utcnow()
        body = delivery.cloud_event(event)
        headers = delivery.signature_headers(
            f"evt_{event.id}", body, self._secrets(endpoint, now), now
        )
        outcome = await delivery.send(
            self.client, endpoint.url, body, headers, allow_private=self.allow_private
        )
        done = utcnow()
        first = item.first_attempt_at or now
        values: dict[str, object] = {
            "attempts": item.attempts + 1,
            "first_attempt_at": first,
            "last_attempt_at": done,
        }
        endpoint_values: dict[str, object] = {"next_attempt_at": None}
        if outcome.succeeded:
            values.update(status=DeliveryStatus.delivered.value, delivered_at=done)
        elif done - first >= self.retry_window:
            endpoint_values.update(
                enabled=False,
                disabled_at=done,
                disabled_reason=(
                    f"Every attempt to deliver event {event.id} since {first.isoformat()} failed "
                    f"({item.attempts + 1} attempts; last: {outcome.error}). Fix the receiver and "
                    "set enabled to true: the queue resumes with this event."
                )[:2000],
            )
        else:
            endpoint_values["next_attempt_at"] = done + retry_delay(
                item.attempts + 1, self.base_delay
            )
        async with self.sessionmaker() as session:
            await session.execute(
                insert(_ATTEMPT).values(
                    delivery_id=item.id,
                    endpoint_id=endpoint.id,
                    attempted_at=now,
                    status_code=outcome.status_code,
                    latency_ms=outcome.latency_ms,
                    succeeded=outcome.succeeded,
                    error=outcome.error,
                    response_body=outcome.answer,
                    worker=self.name,
                )
            )
            await session.execute(
                update(_DELIVERY).where(_DELIVERY.c.id == item.id).values(**values)
            )
            await session.execute(
                update(_ENDPOINT).where(_ENDPOINT.c.id == endpoint.id).values(**endpoint_values)
            )
            await session.commit()
        if not outcome.succeeded:
            log.info("webhook delivery failed", extra={"endpoint": str(endpoint.id)})
        count_delivery(succeeded=outcome.succeeded, disabled="enabled" in endpoint_values)
        return outcome.succeeded

    async def announce(self) -> int:
        """The scheduler when it is due, then one round of the signal pass; the events written."""
        work = 0
        if self.schedule_every is not None and (
            self._scheduled_at is None or self.clock() - self._scheduled_at >= self.schedule_every
        ):
            work += await self.schedule()
        if self.retention is not None:
            # Housekeeping, not work: counted, the loop would never rest.
            await self.retention.run_due()
        return work + await signals.compute(self.sessionmaker)

    async def deliver(self) -> int:
        """Fan out, then deliver until no endpoint is due; the work done."""
        work = await self.fan_out()
        while not self.stop.is_set():
            sent = await self.deliver_due()
            if not sent:
                break
            work += sent
        return work

    async def run_once(self) -> int:
        """One round of both loops, one after the other (tests); the work done."""
        return await self.announce() + await self.deliver()

    async def _loop(self, stop: asyncio.Event, step: Callable[[], Awaitable[int]]) -> None:
        while not stop.is_set():
            try:
                work = await step()
            except Exception:  # a database hiccup must not end the worker
                log.exception("worker round failed", extra={"step": step.__name__})
                work = 0
            if not work:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), IDLE_SECONDS)

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set, looking again every 200 ms when idle. Deliveries and the
        announcements (scheduler, signals) run as two loops side by side, so that analysing a
        burst of changed series never holds deliveries back."""
        self.stop = stop
        try:
            await asyncio.gather(self._loop(stop, self.deliver), self._loop(stop, self.announce))
        finally:
            await self.client.aclose()


__all__ = ["Worker"]
