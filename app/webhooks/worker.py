"""The delivery worker: turns events into deliveries (fan-out) and sends them, in order per
endpoint, with retries. Several workers share the work on PostgreSQL: the fan-out position and
each endpoint are claimed with ``FOR UPDATE SKIP LOCKED``, and an endpoint stays leased to one
worker while it sends (no transaction is held open across a request). On SQLite run one."""

import asyncio
import logging
import os
import random
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import ColumnElement, case, func, insert, literal, or_, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlmodel import col

from app.db import ContextSession, utcnow
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
BATCH = 100
"""Deliveries of one endpoint sent before their outcomes are recorded (one transaction)."""
CONCURRENCY = 4
"""Endpoints a worker delivers to side by side (each one in order)."""
FAN_OUT = 2000
"""Events turned into deliveries in one transaction."""
"""Endpoints a worker delivers to side by side (each one in order)."""
MAX_DELAY = timedelta(hours=6)
IDLE_SECONDS = 0.2
_ENDPOINT = WebhookEndpoint.__table__  # type: ignore[attr-defined]
_DELIVERY = WebhookDelivery.__table__  # type: ignore[attr-defined]
_ATTEMPT = WebhookAttempt.__table__  # type: ignore[attr-defined]
_FANOUT = WebhookFanout.__table__  # type: ignore[attr-defined]
_EVENT = Event.__table__  # type: ignore[attr-defined]


def retry_delay(attempts: int, base: timedelta) -> timedelta:
    """Exponential backoff with jitter: base·2^(n-1), at most six hours, drawn from its upper half."""
    ceiling = min(base * (2 ** max(0, attempts - 1)), MAX_DELAY)
    jitter = random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret
    return timedelta(seconds=ceiling.total_seconds() * jitter)


@dataclass
class _Queued:
    """A pending delivery as the queue reads it (columns, not an ORM object)."""

    id: int
    attempts: int
    first_attempt_at: datetime | None


@dataclass
class _Sent:
    """One attempt made, not yet recorded."""

    item: "_Queued"
    event: delivery.EventFields
    began: datetime
    ended: datetime
    outcome: delivery.Outcome


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
    concurrency: int = CONCURRENCY
    """Endpoints delivered side by side; one when the sessions share a single connection
    (tests inside one rolled-back transaction), which cannot serve two at once."""

    def __post_init__(self) -> None:
        if isinstance(self.sessionmaker.kw.get("bind"), AsyncConnection):
            self.concurrency = 1

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
                session, organisation_id=None, after=(position[0], position[1]), limit=FAN_OUT
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

    async def _claim(self, limit: int) -> list[WebhookEndpoint]:
        """Lease up to ``limit`` due endpoints with something pending, skipping those another
        worker holds (row locks, then the lease, so no transaction stays open while sending)."""
        now = utcnow()
        async with self.sessionmaker() as session:
            await scheduler.begin_writing(session)
            pending = select(_DELIVERY.c.id).where(
                _DELIVERY.c.endpoint_id == col(WebhookEndpoint.id),
                _DELIVERY.c.status == DeliveryStatus.pending.value,
            )
            endpoints = list(
                (
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
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                )
                .scalars()
                .all()
            )
            if not endpoints:
                return []
            await session.execute(
                update(_ENDPOINT)
                .where(_ENDPOINT.c.id.in_([e.id for e in endpoints]))
                .values(lease_until=now + LEASE, lease_owner=self.name)
            )
            await session.commit()
            return endpoints

    async def deliver_due(self) -> int:
        """Send the due deliveries of up to :attr:`concurrency` endpoints side by side, each
        endpoint's oldest first; the number delivered."""
        endpoints = await self._claim(self.concurrency)
        results = await asyncio.gather(
            *(self._deliver_endpoint(e) for e in endpoints), return_exceptions=True
        )
        delivered = 0
        for endpoint, result in zip(endpoints, results, strict=True):
            if isinstance(result, BaseException):
                log.error(
                    "webhook delivery round failed",
                    exc_info=result,
                    extra={"endpoint": str(endpoint.id)},
                )
            else:
                delivered += result
        return delivered

    async def _deliver_endpoint(self, endpoint: WebhookEndpoint) -> int:
        """One leased endpoint: batches of its queue sent in order over one kept-alive
        connection, each batch's outcomes recorded in one transaction; stops at the first
        failure (the next attempt waits for the backoff). A crash between sending and recording
        leaves the batch pending: it is sent again with the same ``webhook-id`` (at least once;
        receivers dedupe by it, as Standard Webhooks advises)."""
        leased_until = utcnow() + LEASE
        delivered, released = 0, False
        try:
            while not self.stop.is_set():
                async with self.sessionmaker() as session:
                    rows = (
                        await session.execute(
                            select(
                                _DELIVERY.c.id.label("delivery_id"),
                                _DELIVERY.c.attempts.label("delivery_attempts"),
                                _DELIVERY.c.first_attempt_at.label("delivery_first_attempt_at"),
                                *_EVENT.c,
                            )
                            .join(_EVENT, _EVENT.c.id == _DELIVERY.c.event_id)
                            .where(
                                _DELIVERY.c.endpoint_id == endpoint.id,
                                _DELIVERY.c.status == DeliveryStatus.pending.value,
                            )
                            .order_by(_DELIVERY.c.id)
                            .limit(BATCH)
                        )
                    ).all()
                queue = [
                    (
                        _Queued(
                            row.delivery_id, row.delivery_attempts, row.delivery_first_attempt_at
                        ),
                        cast(delivery.EventFields, row),
                    )
                    for row in rows
                ]
                sent: list[_Sent] = []
                for item, event in queue:
                    if self.stop.is_set() or utcnow() + timedelta(seconds=60) > leased_until:
                        break
                    attempt = await self._send(endpoint, item, event)
                    sent.append(attempt)
                    if not attempt.outcome.succeeded:
                        break
                more = (
                    len(queue) == BATCH
                    and len(sent) == BATCH
                    and sent[-1].outcome.succeeded
                    and utcnow() + timedelta(seconds=60) <= leased_until
                )
                await self._record(endpoint, sent, release=not more)
                released = not more
                delivered += sum(1 for a in sent if a.outcome.succeeded)
                if not more:
                    break
        finally:
            if not released:
                await self._release(endpoint)
        return delivered

    async def _release(self, endpoint: WebhookEndpoint) -> None:
        try:
            async with self.sessionmaker() as session:
                await session.execute(
                    update(_ENDPOINT)
                    .where(_ENDPOINT.c.id == endpoint.id, _ENDPOINT.c.lease_owner == self.name)
                    .values(lease_until=None, lease_owner=None)
                )
                await session.commit()
        except Exception:  # the lease runs out by itself
            log.exception("webhook lease not released", extra={"endpoint": str(endpoint.id)})

    def _secrets(self, endpoint: WebhookEndpoint, now: datetime) -> list[str]:
        valid = [endpoint.secret]
        expires = endpoint.previous_secret_expires_at
        if endpoint.previous_secret and expires is not None and expires > now:
            valid.append(endpoint.previous_secret)
        return valid

    async def _send(
        self, endpoint: WebhookEndpoint, item: _Queued, event: delivery.EventFields
    ) -> "_Sent":
        now = utcnow()
        body = delivery.cloud_event(event)
        headers = delivery.signature_headers(
            f"evt_{event.id}", body, self._secrets(endpoint, now), now
        )
        outcome = await delivery.send(
            self.client, endpoint.url, body, headers, allow_private=self.allow_private
        )
        return _Sent(item, event, now, utcnow(), outcome)

    async def _record(
        self, endpoint: WebhookEndpoint, sent: list["_Sent"], *, release: bool
    ) -> None:
        """A batch's outcomes in one transaction: one multi-row INSERT of the attempts, one
        UPDATE of the delivered (their times by CASE), the failure that ended the batch if any,
        and the endpoint's next attempt (and lease, when done)."""
        endpoint_values: dict[str, object] = {"next_attempt_at": None}
        if release:
            endpoint_values.update(lease_until=None, lease_owner=None)
        failed = sent[-1] if sent and not sent[-1].outcome.succeeded else None
        done = [a for a in sent if a.outcome.succeeded]
        failure_values: dict[str, object] = {}
        if failed is not None:
            item, first = failed.item, failed.item.first_attempt_at or failed.began
            failure_values = {
                "attempts": item.attempts + 1,
                "first_attempt_at": first,
                "last_attempt_at": failed.ended,
            }
            if failed.ended - first >= self.retry_window:
                endpoint_values.update(
                    enabled=False,
                    disabled_at=failed.ended,
                    disabled_reason=(
                        f"Every attempt to deliver event {failed.event.id} since "
                        f"{first.isoformat()} failed ({item.attempts + 1} attempts; last: "
                        f"{failed.outcome.error}). Fix the receiver and set enabled to true: "
                        "the queue resumes with this event."
                    )[:2000],
                )
            else:
                endpoint_values["next_attempt_at"] = failed.ended + retry_delay(
                    item.attempts + 1, self.base_delay
                )
        async with self.sessionmaker() as session:
            if sent:
                await session.execute(
                    insert(_ATTEMPT),
                    [
                        {
                            "delivery_id": a.item.id,
                            "endpoint_id": endpoint.id,
                            "attempted_at": a.began,
                            "status_code": a.outcome.status_code,
                            "latency_ms": a.outcome.latency_ms,
                            "succeeded": a.outcome.succeeded,
                            "error": a.outcome.error,
                            "response_body": a.outcome.answer,
                            "worker": self.name,
                        }
                        for a in sent
                    ],
                )
            if done:
                at = _DELIVERY.c.delivered_at.type

                def by_id(times: dict[int, datetime]) -> ColumnElement[datetime]:
                    return case(
                        *((_DELIVERY.c.id == i, literal(t, at)) for i, t in times.items()),
                        else_=literal(done[-1].ended, at),
                    )

                ended = by_id({a.item.id: a.ended for a in done})
                began = by_id({a.item.id: a.began for a in done})
                await session.execute(
                    update(_DELIVERY)
                    .where(_DELIVERY.c.id.in_([a.item.id for a in done]))
                    .values(
                        status=DeliveryStatus.delivered.value,
                        attempts=_DELIVERY.c.attempts + 1,
                        first_attempt_at=func.coalesce(_DELIVERY.c.first_attempt_at, began),
                        last_attempt_at=ended,
                        delivered_at=ended,
                    )
                )
            if failed is not None:
                await session.execute(
                    update(_DELIVERY)
                    .where(_DELIVERY.c.id == failed.item.id)
                    .values(**failure_values)
                )
            await session.execute(
                update(_ENDPOINT).where(_ENDPOINT.c.id == endpoint.id).values(**endpoint_values)
            )
            await session.commit()
        if failed is not None:
            log.info("webhook delivery failed", extra={"endpoint": str(endpoint.id)})
        for a in sent:
            count_delivery(
                succeeded=a.outcome.succeeded,
                disabled=a is failed and "enabled" in endpoint_values,
            )

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

    async def _loop(
        self,
        stop: asyncio.Event,
        step: Callable[[], Awaitable[int]],
        wake: asyncio.Event | None = None,
    ) -> None:
        while not stop.is_set():
            if wake is not None:
                wake.clear()
            try:
                work = await step()
            except Exception:  # a database hiccup must not end the worker
                log.exception("worker round failed", extra={"step": step.__name__})
                work = 0
            if not work:
                waits = [asyncio.ensure_future(stop.wait())]
                if wake is not None:
                    waits.append(asyncio.ensure_future(wake.wait()))
                _, waiting = await asyncio.wait(
                    waits, timeout=IDLE_SECONDS, return_when=asyncio.FIRST_COMPLETED
                )
                for task in waiting:
                    task.cancel()

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set, looking again every 200 ms when idle. Deliveries and the
        announcements (scheduler, signals) run as two loops side by side, so that analysing a
        burst of changed series never holds deliveries back."""
        self.stop = stop
        wake = asyncio.Event()
        loop = asyncio.get_running_loop()

        def committed(session: Session) -> None:
            if session.info.pop(event_service.WRITTEN, False):
                loop.call_soon_threadsafe(wake.set)

        # Events committed by the server in this process wake the deliveries at once; a
        # `pdca worker` of its own looks every IDLE_SECONDS when it has nothing to do.
        sa_event.listen(ContextSession, "after_commit", committed)
        try:
            await asyncio.gather(
                self._loop(stop, self.deliver, wake), self._loop(stop, self.announce)
            )
        finally:
            sa_event.remove(ContextSession, "after_commit", committed)
            await self.client.aclose()


__all__ = ["Worker"]
