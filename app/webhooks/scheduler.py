"""The worker's scheduler: events that no request causes, because they are about time passing.

- ``cycle.overdue``: a cycle that is not closed whose current stage's ``stage_due_on`` has
  passed; once per cycle, stage and due date (moving the due date and missing it again is news).
- ``commitment.overdue``: an open or in-progress commitment past ``due_on``; once per due date.
- ``measure.report_missing``: a unit expected to report a measure that has no measurement for a
  period by the period's deadline; once per measure, unit and period.

**The deadline** of a period is its last day plus ``PDCA_REPORT_GRACE_DAYS`` (7 by default),
in the organisation's calendar (``PDCA_TIMEZONE``): the week 2026-W37 (ends Sunday 13
September) is due by Sunday 20 September and announced as missing from Monday 21 September.
Only the latest period whose deadline has passed is checked, and only when the measure (and the
unit) existed at the period's end, so a new measure with history, or a backfill, announces
nothing from the past. Expected reporters are those of the reporting status: for a shared
indicator the units below its unit with no units below them (or of its `reporting_unit_kind`),
not archived; for an initiative's measure, the initiative's unit while the initiative is active.

"Once each" is a unique row in ``scheduled_event`` claimed in the transaction that writes the
event: a second worker's insert of the same key waits for the first to commit, then inserts
nothing and writes no event (PostgreSQL); on SQLite writers are serial anyway. Events name dates,
stages and periods, never a value, and carry the actor ``scheduler``.
"""

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.commitments.models import OPEN_STATUSES, Commitment
from app.context import Context
from app.cycles.models import Cycle
from app.cycles.stages import Stage
from app.db import utcnow
from app.events import service as event_service
from app.events.models import EventType
from app.initiatives.models import Initiative, InitiativeStatus
from app.measures.models import Measure, Measurement
from app.measures.service import organisation_settings
from app.org_units.models import OrgUnit
from app.periods import InvalidPeriod, Period, SchoolYearStart, period_of, previous_period
from app.webhooks.models import ScheduledEvent, WebhookFanout

log = logging.getLogger(__name__)

ACTOR = Context(actor="scheduler")
BATCH = 200
"""At most this many announcements of one kind per transaction (the rest next round)."""
_FANOUT = WebhookFanout.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__
_SCHEDULED = ScheduledEvent.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__


def _announced(kind: EventType, object_id: Any, subject_id: Any, due_on: Any, marker: Any) -> Any:
    return exists().where(
        col(ScheduledEvent.kind) == kind.value,
        col(ScheduledEvent.object_id) == object_id,
        col(ScheduledEvent.subject_id) == subject_id,
        col(ScheduledEvent.due_on) == due_on,
        col(ScheduledEvent.marker) == marker,
    )


async def begin_writing(session: AsyncSession) -> None:
    """On SQLite, take the write lock first: a transaction that has read cannot wait for it
    (SQLite answers "database is locked" at once to avoid a deadlock), one that starts by
    writing waits its busy timeout like any writer. PostgreSQL needs nothing."""
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        await connection.execute(
            update(_FANOUT).where(_FANOUT.c.name == "events").values(name=_FANOUT.c.name)
        )


async def _claim(
    session: AsyncSession,
    kind: EventType,
    *,
    organisation_id: uuid.UUID,
    object_id: uuid.UUID,
    subject_id: uuid.UUID,
    due_on: date,
    marker: str = "",
) -> bool:
    """Record the announcement; False when another worker (or an earlier round) made it."""
    connection = await session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(_SCHEDULED)
        .values(
            organisation_id=organisation_id,
            kind=kind.value,
            object_id=object_id,
            subject_id=subject_id,
            due_on=due_on,
            marker=marker,
            emitted_at=utcnow(),
        )
        .on_conflict_do_nothing()
        .returning(_SCHEDULED.c.id)
    )
    return (await connection.execute(statement)).first() is not None


async def overdue_cycles(session: AsyncSession, today: date) -> int:
    cycles = (
        (
            await session.execute(
                select(Cycle)
                .where(
                    col(Cycle.stage) != Stage.closed,
                    col(Cycle.stage_due_on) < today,
                    ~_announced(
                        EventType.cycle_overdue,
                        col(Cycle.id),
                        col(Cycle.id),
                        col(Cycle.stage_due_on),
                        col(Cycle.stage),
                    ),
                )
                .order_by(col(Cycle.stage_due_on), col(Cycle.id))
                .limit(BATCH)
            )
        )
        .scalars()
        .all()
    )
    count = 0
    for cycle in cycles:
        assert cycle.stage_due_on is not None
        if await _claim(
            session,
            EventType.cycle_overdue,
            organisation_id=cycle.organisation_id,
            object_id=cycle.id,
            subject_id=cycle.id,
            due_on=cycle.stage_due_on,
            marker=str(cycle.stage),
        ):
            await event_service.record_event(
                session,
                EventType.cycle_overdue,
                cycle,
                {"stage": str(cycle.stage), "stage_due_on": cycle.stage_due_on.isoformat()},
            )
            count += 1
    return count


async def overdue_commitments(session: AsyncSession, today: date) -> int:
    commitments = (
        (
            await session.execute(
                select(Commitment)
                .where(
                    col(Commitment.status).in_([s.value for s in OPEN_STATUSES]),
                    col(Commitment.due_on) < today,
                    ~_announced(
                        EventType.commitment_overdue,
                        col(Commitment.id),
                        col(Commitment.id),
                        col(Commitment.due_on),
                        "",
                    ),
                )
                .order_by(col(Commitment.due_on), col(Commitment.id))
                .limit(BATCH)
            )
        )
        .scalars()
        .all()
    )
    count = 0
    for commitment in commitments:
        if await _claim(
            session,
            EventType.commitment_overdue,
            organisation_id=commitment.organisation_id,
            object_id=commitment.id,
            subject_id=commitment.id,
            due_on=commitment.due_on,
        ):
            await event_service.record_event(
                session,
                EventType.commitment_overdue,
                commitment,
                {"status": str(commitment.status), "due_on": commitment.due_on.isoformat()},
            )
            count += 1
    return count


def last_due_period(kind: str, today: date, grace_days: int, start: SchoolYearStart) -> Period:
    """The latest period whose deadline (last day + grace) lies before ``today``."""
    day = today - timedelta(days=grace_days + 1)
    period = period_of(kind, day, school_year_start=start)
    return period if period.last_day <= day else previous_period(period)


def _expected(measure: Measure, owner_path: str, period: Period) -> Select[Any]:
    """The units expected to report ``measure`` for ``period`` (see the module's docstring)."""
    period_end = datetime.combine(period.last_day + timedelta(days=1), time(), UTC)
    existed = col(OrgUnit.created_at) < period_end
    units = select(col(OrgUnit.id)).where(
        col(OrgUnit.organisation_id) == measure.organisation_id,
        col(OrgUnit.archived_at).is_(None),
        existed,
    )
    if not measure.shared:
        return units.where(col(OrgUnit.id) == measure.org_unit_id)
    units = units.where(
        col(OrgUnit.path).startswith(owner_path, autoescape=True),
        col(OrgUnit.id) != measure.org_unit_id,
    )
    if measure.reporting_unit_kind is not None:
        return units.where(col(OrgUnit.kind) == measure.reporting_unit_kind)
    child = OrgUnit.__table__.alias("child")  # type: ignore[attr-defined]  # SQLModel declares no __table__
    return units.where(
        ~select(child.c.id)
        .where(child.c.parent_id == OrgUnit.id, child.c.archived_at.is_(None))
        .exists()
    )


async def missing_reports(session: AsyncSession, today: date, grace_days: int) -> int:
    """Announce the units that missed the latest passed deadline of each measure."""
    measures = (
        await session.execute(
            select(Measure, col(OrgUnit.path))
            .join(OrgUnit, col(OrgUnit.id) == col(Measure.org_unit_id))
            .outerjoin(Initiative, col(Initiative.id) == col(Measure.initiative_id))
            .where(
                col(OrgUnit.archived_at).is_(None),
                or_(
                    col(Measure.initiative_id).is_(None),
                    col(Initiative.status) == InitiativeStatus.active.value,
                ),
            )
            .order_by(col(Measure.organisation_id), col(Measure.id))
        )
    ).all()
    starts: dict[uuid.UUID, SchoolYearStart] = {}
    count = 0
    for measure, owner_path in measures:
        if measure.organisation_id not in starts:
            starts[measure.organisation_id], _ = await organisation_settings(
                session, measure.organisation_id
            )
        try:
            period = last_due_period(
                measure.period_kind, today, grace_days, starts[measure.organisation_id]
            )
        except InvalidPeriod:
            continue
        if period.last_day < measure.created_at.date():
            continue  # the measure did not exist when the period ended
        deadline = period.last_day + timedelta(days=grace_days)
        reported = exists().where(
            col(Measurement.measure_id) == measure.id,
            col(Measurement.org_unit_id) == col(OrgUnit.id),
            col(Measurement.period_ordinal) == period.ordinal,
        )
        missing = (
            (
                await session.execute(
                    _expected(measure, owner_path, period)
                    .where(
                        ~reported,
                        ~_announced(
                            EventType.measure_report_missing,
                            measure.id,
                            col(OrgUnit.id),
                            deadline,
                            period.key,
                        ),
                    )
                    .order_by(col(OrgUnit.id))
                    .limit(BATCH)
                )
            )
            .scalars()
            .all()
        )
        for unit_id in missing:
            if await _claim(
                session,
                EventType.measure_report_missing,
                organisation_id=measure.organisation_id,
                object_id=measure.id,
                subject_id=unit_id,
                due_on=deadline,
                marker=period.key,
            ):
                await event_service.record_unit_event(
                    session,
                    EventType.measure_report_missing,
                    organisation_id=measure.organisation_id,
                    org_unit_id=unit_id,
                    object_type="measure",
                    object_id=measure.id,
                    link=f"{event_service.link('measure', measure.id)}/reporting-status"
                    f"?period={period.key}",
                    data={
                        "measure_id": str(measure.id),
                        "measure_name": measure.name,
                        "period": period.key,
                        "deadline_on": deadline.isoformat(),
                    },
                )
                count += 1
        if count >= BATCH:
            break
    return count


async def announce(
    sessionmaker: async_sessionmaker[AsyncSession], today: date, *, grace_days: int
) -> int:
    """One round of the scheduler for the day ``today``: each kind in its own transaction
    (announcements and their events commit together); the number of events written."""
    total = 0
    steps: Sequence[Any] = (
        lambda s: overdue_cycles(s, today),
        lambda s: overdue_commitments(s, today),
        lambda s: missing_reports(s, today, grace_days),
    )
    for step in steps:
        async with sessionmaker(context=ACTOR) as session:
            await begin_writing(session)
            total += await step(session)
            await session.commit()
    return total
