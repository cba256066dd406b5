"""Event retention: events older than ``PDCA_EVENT_RETENTION_DAYS`` leave the outbox, with their
webhook deliveries and attempts, a bounded batch at a time.

What is removed is always a prefix of the feed (in ``(txid, id)`` order), never past the fan-out
position (an event not yet turned into deliveries stays) and never past an event whose delivery
an enabled endpoint is still retrying. A delivery to a disabled endpoint does not hold its event:
an endpoint disabled for longer than the retention loses what ages out. The last removed position
is kept as the ``retention`` row of ``webhook_fanout``; the feed answers 410 to a cursor before
it, since events after that cursor are gone (:func:`app.events.service.feed`).
"""

import itertools
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, literal, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.db import utcnow
from app.events.models import Event
from app.settings import Settings
from app.webhooks.models import (
    RETENTION_POSITION,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookFanout,
)

log = logging.getLogger(__name__)

BATCH = 1000
"""Events removed in one transaction."""
MAX_BATCHES = 20
"""Batches in one round, so a round after a long pause stays short; the next round goes on."""
INTERVAL_SECONDS = 600.0
"""How often the worker looks for expired events."""

_FANOUT = WebhookFanout.__table__  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker
_EVENT = Event.__table__  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker
_DELIVERY = WebhookDelivery.__table__  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker
_ATTEMPT = WebhookAttempt.__table__  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker


async def prune_batch(session: AsyncSession, *, before: datetime, batch: int = BATCH) -> int:
    """Remove up to ``batch`` of the oldest events that occurred before ``before`` (with their
    deliveries and attempts) and commit; the number removed. Several workers may call it at
    once: the ``retention`` row is claimed with ``FOR UPDATE SKIP LOCKED`` (one of them works)."""
    positions = dict(
        (name, (int(txid), int(event_id)))
        for name, txid, event_id in await session.execute(
            select(_FANOUT.c.name, _FANOUT.c.txid, _FANOUT.c.event_id).where(
                _FANOUT.c.name.in_(["events", RETENTION_POSITION])
            )
        )
    )
    if RETENTION_POSITION not in positions:
        try:
            await session.execute(
                insert(_FANOUT).values(name=RETENTION_POSITION, txid=0, event_id=0)
            )
            await session.commit()
        except IntegrityError:  # another worker made it first
            await session.rollback()
    claimed = (
        await session.execute(
            select(_FANOUT.c.name)
            .where(_FANOUT.c.name == RETENTION_POSITION)
            .with_for_update(skip_locked=True)
        )
    ).first()
    fanned = positions.get("events")
    if claimed is None or fanned is None:
        await session.rollback()
        return 0
    position = tuple_(_EVENT.c.txid, _EVENT.c.id)
    oldest = (
        await session.execute(
            select(_EVENT.c.txid, _EVENT.c.id, _EVENT.c.occurred_at)
            .where(position <= tuple_(literal(fanned[0]), literal(fanned[1])))
            .order_by(_EVENT.c.txid, _EVENT.c.id)
            .limit(batch)
        )
    ).all()
    expired = list(itertools.takewhile(lambda row: row.occurred_at < before, oldest))
    if expired:
        held = {
            event_id
            for (event_id,) in await session.execute(
                select(_DELIVERY.c.event_id)
                .join(WebhookEndpoint, col(WebhookEndpoint.id) == _DELIVERY.c.endpoint_id)
                .where(
                    _DELIVERY.c.event_id.in_([row.id for row in expired]),
                    _DELIVERY.c.status == DeliveryStatus.pending.value,
                    col(WebhookEndpoint.enabled),
                )
            )
        }
        expired = list(itertools.takewhile(lambda row: row.id not in held, expired))
    if not expired:
        await session.rollback()
        return 0
    ids = [row.id for row in expired]
    deliveries = select(_DELIVERY.c.id).where(_DELIVERY.c.event_id.in_(ids))
    await session.execute(delete(_ATTEMPT).where(_ATTEMPT.c.delivery_id.in_(deliveries)))
    await session.execute(delete(_DELIVERY).where(_DELIVERY.c.event_id.in_(ids)))
    await session.execute(delete(_EVENT).where(_EVENT.c.id.in_(ids)))
    last = expired[-1]
    await session.execute(
        update(_FANOUT)
        .where(_FANOUT.c.name == RETENTION_POSITION)
        .values(txid=last.txid, event_id=last.id)
    )
    await session.commit()
    return len(ids)


@dataclass
class Retention:
    """The worker's retention round: at most every :data:`INTERVAL_SECONDS`, up to
    :data:`MAX_BATCHES` batches of expired events."""

    sessionmaker: async_sessionmaker[AsyncSession]
    keep: timedelta
    interval: float = INTERVAL_SECONDS
    batch: int = BATCH
    _next_at: float = 0.0

    @classmethod
    def from_settings(
        cls, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
    ) -> "Retention":
        return cls(sessionmaker, keep=timedelta(days=settings.event_retention_days))

    async def run_due(self) -> int:
        """Remove expired events if the interval has passed since the last round; the count."""
        now = time.monotonic()
        if now < self._next_at:
            return 0
        self._next_at = now + self.interval
        before = utcnow() - self.keep
        removed = 0
        for _ in range(MAX_BATCHES):
            async with self.sessionmaker() as session:
                done = await prune_batch(session, before=before, batch=self.batch)
            removed += done
            if done < self.batch:
                break
        if removed:
            log.info("expired events removed", extra={"events": removed})
        return removed


__all__ = ["Retention", "prune_batch"]
