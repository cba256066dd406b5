"""Writing events (:func:`record_event`, in the caller's transaction) and reading the feed.

Commit order: on PostgreSQL a sequence number alone is not a safe cursor (a transaction that
took id 7 may commit after one that took id 8, and a reader who saw 8 would skip 7). Each row
stores the writing transaction's id (``pg_current_xact_id()``), and the feed shows only rows of
transactions older than the oldest one still running in the database, ordered by
``(txid, id)``. Every row below that horizon is final (committed or gone), and later writers
always get larger transaction ids, so nothing can appear behind a cursor once it was handed out.
A transaction that runs long holds the horizon back: its readers wait, they never skip. On
SQLite writers are serial, ``txid`` is 0 and the id alone orders the feed.
"""

import asyncio
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Text,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.context import Principal
from app.db import context_of, utcnow
from app.events.models import Event, EventFeed, EventPublic
from app.events.models import EventType as EventType
from app.org_units.models import OrgUnit
from app.problems import InvalidInput, Problem
from app.references import not_visible
from app.webhooks.models import RETENTION_POSITION, WebhookFanout

_TABLE = Event.__table__  # type: ignore[attr-defined]

COLLECTIONS = {
    "org_unit": "org-units",
    "goal": "goals",
    "initiative": "initiatives",
    "cycle": "cycles",
    "measure": "measures",
    "measurement": "measurements",
    "commitment": "commitments",
    "team": "teams",
}

POLL_SECONDS = 0.2
"""How often a long-polling reader looks again (one indexed query each time)."""


def link(object_type: str, object_id: uuid.UUID) -> str:
    return f"/api/v1/{COLLECTIONS[object_type]}/{object_id}"


def _txid(dialect: str) -> ColumnElement[int]:
    if dialect == "postgresql":
        return cast(cast(func.pg_current_xact_id(), Text), BigInteger)
    return literal(0, BigInteger)


def _path_of(unit_id: uuid.UUID) -> ColumnElement[str]:
    path = select(col(OrgUnit.path)).where(col(OrgUnit.id) == unit_id).scalar_subquery()
    return func.coalesce(path, "/")


@dataclass(frozen=True, slots=True)
class _Pending:
    type: EventType
    organisation_id: uuid.UUID
    org_unit_id: uuid.UUID | None
    object_type: str
    object_id: uuid.UUID
    link: str
    data: dict[str, Any]


WRITTEN = "pdca_events_written"
"""Marks a session that wrote events, so that a worker in the same process wakes on commit."""


async def _insert(session: AsyncSession, events: Sequence[_Pending]) -> None:
    if not events:
        return
    session.info[WRITTEN] = True
    context, now = context_of(session), utcnow()
    connection = await session.connection()
    txid = _txid(connection.dialect.name)
    rows = [
        {
            "txid": txid,
            "organisation_id": e.organisation_id,
            "type": e.type.value,
            "occurred_at": now,
            "org_unit_id": e.org_unit_id,
            # The unit's path read by the INSERT itself: one statement per event, not two.
            "path": _path_of(e.org_unit_id) if e.org_unit_id else "/",
            "object_type": e.object_type,
            "object_id": e.object_id,
            "link": e.link,
            "actor_token_id": context.actor_token_id,
            "actor_name": context.actor_name,
            "request_id": context.request_id,
            "data": e.data,
        }
        for e in events
    ]
    for row in rows:  # one statement each: the txid expression is SQL, not a bound value
        await connection.execute(_TABLE.insert().values(**row))


async def record_event(
    session: AsyncSession, type: EventType, obj: Any, data: dict[str, Any] | None = None
) -> None:
    """Add an event about ``obj`` (an ORM row with ``organisation_id``) to the session's
    transaction: it commits with the change or vanishes with it. Call it before the commit."""
    object_type: str = obj.__tablename__
    if object_type == "org_unit":
        unit_id: uuid.UUID | None = obj.id
    else:
        unit_id = await session.run_sync(lambda sync: obj.audit_org_unit_id(sync))
    await _insert(
        session,
        [
            _Pending(
                type,
                obj.organisation_id,
                unit_id,
                object_type,
                obj.id,
                link(object_type, obj.id),
                data or {},
            )
        ],
    )


async def record_organisation_event(
    session: AsyncSession, type: EventType, organisation_id: uuid.UUID, data: dict[str, Any]
) -> None:
    """One event about the organisation as a whole (an import), in the session's transaction."""
    await _insert(
        session,
        [
            _Pending(
                type,
                organisation_id,
                None,
                "organisation",
                organisation_id,
                "/api/v1/organisation",
                data,
            )
        ],
    )


async def record_measurements(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    type: EventType,
    rows: Iterable[tuple[uuid.UUID, uuid.UUID, str]],
) -> None:
    """One event per reporting unit for a request's measurements ``(unit, measure, period)``:
    the count, the measures and the periods, never a value (withheld figures stay withheld)."""
    by_unit: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = defaultdict(list)
    for unit_id, measure_id, period in rows:
        by_unit[unit_id].append((measure_id, period))
    await _insert(
        session,
        [
            _Pending(
                type,
                organisation_id,
                unit_id,
                "org_unit",
                unit_id,
                f"/api/v1/measurements?org_unit_id={unit_id}",
                {
                    "count": len(items),
                    "measure_ids": sorted({str(m) for m, _ in items}),
                    "periods": sorted({p for _, p in items}),
                },
            )
            for unit_id, items in by_unit.items()
        ],
    )


async def record_unit_event(
    session: AsyncSession,
    type: EventType,
    *,
    organisation_id: uuid.UUID,
    org_unit_id: uuid.UUID,
    object_type: str,
    object_id: uuid.UUID,
    link: str,
    data: dict[str, Any],
) -> None:
    """An event about ``object_id`` that concerns another unit than the object's own (a unit
    that has not reported a shared measure), in the session's transaction."""
    await _insert(
        session, [_Pending(type, organisation_id, org_unit_id, object_type, object_id, link, data)]
    )


_CURSOR = re.compile(r"(\d{1,19})\.(\d{1,19})")


def _parse_cursor(after: str | None) -> tuple[int, int] | None:
    if after is None:
        return None
    found = _CURSOR.fullmatch(after)
    if found is None:
        raise InvalidInput(
            "query.after", "is not a cursor of this feed; pass a `cursor` or `next_cursor` it gave"
        )
    return int(found[1]), int(found[2])


class CursorExpired(Problem):
    """A cursor before the oldest event kept: events after it were removed as too old, so
    reading on from the oldest kept one would skip them without a word."""

    status, type, title = 410, "cursor-expired", "Cursor expired"

    def __init__(self, retention_days: int | None = None) -> None:
        kept = f" (they are kept {retention_days} days)" if retention_days else ""
        super().__init__(
            f"Events after this cursor were removed{kept}: read the feed again without `after`, "
            "from the oldest event kept, and re-read the lists that changed with "
            "`updated_after`."
        )


async def retention_position(session: AsyncSession) -> tuple[int, int] | None:
    """The feed position of the last event removed as too old (None before the first)."""
    row = (
        await session.execute(
            select(col(WebhookFanout.txid), col(WebhookFanout.event_id)).where(
                col(WebhookFanout.name) == RETENTION_POSITION
            )
        )
    ).first()
    return None if row is None or (row[0], row[1]) == (0, 0) else (int(row[0]), int(row[1]))


def cursor_of(txid: int, event_id: int) -> str:
    return f"{txid}.{event_id}"


async def visible_condition(session: AsyncSession) -> ColumnElement[bool]:
    """Rows every later reader will see in the same place: below the commit horizon.

    The horizon is the oldest transaction still running in this database (other databases of
    the cluster do not hold the feed back), or the next transaction id when none runs. It is
    taken in two steps, the next id first, so a transaction that starts between them lies above
    it; every row below it is final."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return literal(True)
    next_id, own = (
        await connection.execute(
            text(
                "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint, "
                "pg_current_xact_id_if_assigned()::text::bigint"
            )
        )
    ).one()
    running = await connection.execute(
        text(
            "SELECT backend_xid::text::bigint FROM pg_stat_activity WHERE datname = "
            "current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
        )
    )
    # backend_xid has 32 bits; the running ones lie within 2^31 below the next id.
    horizon = min([next_id, *(next_id - ((next_id - xid) % 2**32) for (xid,) in running)])
    condition = col(Event.txid) < horizon
    # A transaction reads its own events (tests run inside one).
    return or_(condition, col(Event.txid) == own) if own is not None else condition


def present(event: Event) -> EventPublic:
    assert event.id is not None
    return EventPublic(
        cursor=cursor_of(event.txid, event.id),
        id=str(event.id),
        type=EventType(event.type),
        occurred_at=event.occurred_at,
        org_unit_id=event.org_unit_id,
        object_type=event.object_type,
        object_id=event.object_id,
        link=event.link,
        actor_name=event.actor_name,
        actor_token_id=event.actor_token_id,
        request_id=event.request_id,
        data=event.data,
    )


async def read_events(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID | None,
    after: tuple[int, int] | None,
    limit: int,
    conditions: Sequence[ColumnElement[bool]] = (),
) -> tuple[list[Event], tuple[int, int] | None]:
    """Events after ``after`` in feed order, and the position read up to (the last visible event
    of the organisation, matching or not, when fewer than ``limit`` matched)."""
    visible = await visible_condition(session)
    where = [visible, *conditions]
    if organisation_id is not None:
        where.append(col(Event.organisation_id) == organisation_id)
    if after is not None:
        where.append(
            tuple_(col(Event.txid), col(Event.id)) > tuple_(literal(after[0]), literal(after[1]))
        )
    order = (col(Event.txid), col(Event.id))
    events = list(
        (await session.execute(select(Event).where(*where).order_by(*order).limit(limit)))
        .scalars()
        .all()
    )
    if events:
        last = events[-1]
        assert last.id is not None
        return events, (last.txid, last.id)
    # Nothing matched: move on to the newest visible event of all, so that a filtered reader
    # does not scan the same rows again on its next poll.
    bound = [visible] + ([col(Event.organisation_id) == organisation_id] if organisation_id else [])
    newest = (
        await session.execute(
            select(col(Event.txid), col(Event.id))
            .where(*bound)
            .order_by(col(Event.txid).desc(), col(Event.id).desc())
            .limit(1)
        )
    ).first()
    if newest is None or newest[1] is None:
        return [], after
    reached = (int(newest[0]), int(newest[1]))
    return [], after if after is not None and reached <= after else reached


async def feed(
    session: AsyncSession,
    principal: Principal,
    *,
    after: str | None,
    types: Sequence[EventType],
    unit_id: uuid.UUID | None,
    limit: int,
    wait: float,
    retention_days: int | None = None,
) -> EventFeed:
    """The principal's events after the cursor, waiting up to ``wait`` seconds for one.

    Between looks the session gives its connection back, so a waiting reader holds none. A
    cursor before the last event removed by retention answers 410 (:class:`CursorExpired`)."""
    position = _parse_cursor(after)
    removed_up_to = await retention_position(session)
    if position is not None and removed_up_to is not None and position < removed_up_to:
        raise CursorExpired(retention_days)
    conditions: list[ColumnElement[bool]] = [principal.path_filter(col(Event.path))]
    if unit_id is not None:
        unit_path = (
            await session.execute(
                select(col(OrgUnit.path)).where(
                    col(OrgUnit.id) == unit_id,
                    col(OrgUnit.organisation_id) == principal.organisation_id,
                    principal.path_filter(col(OrgUnit.path)),
                )
            )
        ).scalar_one_or_none()
        if unit_path is None:
            raise not_visible("query.unit_id", "org unit", unit_id)
        conditions.append(col(Event.path).startswith(unit_path, autoescape=True))
    if types:
        conditions.append(col(Event.type).in_([t.value for t in types]))
    deadline = time.monotonic() + wait
    while True:
        events, position = await read_events(
            session,
            organisation_id=principal.organisation_id,
            after=position,
            limit=limit,
            conditions=conditions,
        )
        if events or time.monotonic() >= deadline:
            break
        await session.close()
        await asyncio.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
    return EventFeed(
        items=[present(e) for e in events],
        # Nothing read yet: start after what retention removed, never before it.
        next_cursor=cursor_of(*(position or removed_up_to or (0, 0))),
    )
