"""Signals appearing on or leaving a measure, announced by the worker.

**Why in the worker and not in the write's transaction.** Deciding whether a signal appeared
means analysing the whole series before and after the write (reading up to 10,000 points and
running the chart rules), which would cost a single ``POST /measurements`` many times the
outbox's budget (at most 10 % more than the write without its event), and a bulk request or
an upload touching hundreds of series far more. The outbox already holds a marker of every
change: each ``measurement.recorded`` / ``measurement.deleted`` event names its unit and
measures, and ``measure.chart_settings_changed`` names a phase, exclusion or annotation added
or removed. The worker follows the feed from a position of its own (a second row of
``webhook_fanout``, claimed ``FOR UPDATE SKIP LOCKED`` like the fan-out's, so two workers never
analyse the same events), analyses each named series once however many events named it, and
compares the result with the state it stored last time (``measure_signal_state``), in one
transaction with the events it writes and the new position: nothing is announced twice, and a
failed round is done again. Work per round is bounded by :data:`EVENTS_PER_ROUND`.

**What is announced**, for the series of one measure at one unit, analysed as the
organisation's readers at large see it (withheld small numbers are gaps, so no event derives
from them): ``measure.signal_appeared`` and ``measure.signal_left`` for each signal (its rule,
side and meaning, and the period of its first and last point; a signal is known by its rule,
side and first period, so a shift that grows is the same shift), and
``measure.assurance_changed`` when the target's assurance verdict changes. The first analysis of
a series announces only the signals that involve its newest point: history is not news.
"""

import logging
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.analytics.types import Rule
from app.charts import service as chart_service
from app.context import Context, Principal, Role
from app.db import utcnow
from app.events import service as event_service
from app.events.models import Event, EventType
from app.problems import Problem
from app.webhooks.models import MeasureSignalState, WebhookFanout
from app.webhooks.scheduler import begin_writing

log = logging.getLogger(__name__)

ACTOR = Context(actor="signals")
ANNOUNCED_RULES = frozenset({Rule.outside_limits, Rule.shift, Rule.trend})
"""What the issue names as news: a special cause, a shift or a trend. The runs rules over a whole
phase (longest run, crossings) and two-of-three change with nearly every point of a growing
series and would drown a portal in events; they stay on the chart."""
EVENTS_PER_ROUND = 100
MARKERS = (
    EventType.measurement_recorded.value,
    EventType.measurement_deleted.value,
    EventType.measure_chart_settings_changed.value,
)
_FANOUT = WebhookFanout.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__


def _series_named(event: Any) -> list[uuid.UUID]:
    if event.type not in MARKERS or event.org_unit_id is None:
        return []
    return [uuid.UUID(m) for m in event.data.get("measure_ids", [])]


async def _compare(
    session: AsyncSession, organisation_id: uuid.UUID, measure_id: uuid.UUID, unit_id: uuid.UUID
) -> int:
    """Analyse one series, announce what changed since last time, store the new state."""
    principal = Principal(
        token_id=None, name="signals", organisation_id=organisation_id, role=Role.admin
    )
    try:
        stored = await chart_service.analyse_measure(
            session,
            principal,
            measure_id,
            query=chart_service.AnalysisQuery(org_unit_id=unit_id),
        )
    except Problem:  # the measure or unit is gone, or the series cannot be analysed
        return 0
    analysis, labels = stored.analysis, stored.labels
    newest = len(labels) - 1
    found = {
        f"{s.rule.value}:{s.side.value}:{labels[s.points[0]]}": s
        for s in analysis.signals
        if s.points and s.rule in ANNOUNCED_RULES
    }
    verdict = analysis.summary.assurance_verdict
    assurance = verdict.value if verdict is not None else None
    state = await session.get(MeasureSignalState, (measure_id, unit_id))
    if state is None:
        appeared = [k for k, s in found.items() if newest in s.points]
        left: list[str] = []
        assurance_changed = False
        state = MeasureSignalState(
            measure_id=measure_id, org_unit_id=unit_id, organisation_id=organisation_id
        )
        session.add(state)
        before_assurance = None
    else:
        appeared = [k for k in found if k not in state.signals]
        left = [k for k in state.signals if k not in found]
        assurance_changed = state.assurance != assurance
        before_assurance = state.assurance
    state.signals = sorted(found)
    state.assurance = assurance
    state.computed_at = utcnow()
    link = f"{event_service.link('measure', measure_id)}/analysis?org_unit_id={unit_id}"

    async def announce(type: EventType, data: dict[str, Any]) -> None:
        await event_service.record_unit_event(
            session,
            type,
            organisation_id=organisation_id,
            org_unit_id=unit_id,
            object_type="measure",
            object_id=measure_id,
            link=link,
            data={"measure_id": str(measure_id), "chart": analysis.chart.value, **data},
        )

    for key in appeared:
        signal = found[key]
        await announce(
            EventType.measure_signal_appeared,
            {
                "rule": signal.rule.value,
                "side": signal.side.value,
                "meaning": signal.direction.value,
                "period": labels[signal.points[0]],
                "last_period": labels[signal.points[-1]],
            },
        )
    for key in left:
        rule, side, period = key.split(":", 2)
        await announce(
            EventType.measure_signal_left, {"rule": rule, "side": side, "period": period}
        )
    if assurance_changed:
        await announce(
            EventType.measure_assurance_changed, {"from": before_assurance, "to": assurance}
        )
    return len(appeared) + len(left) + int(assurance_changed)


async def compute(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """One round: the series named by new events, analysed and compared; the events written."""
    async with sessionmaker(context=ACTOR) as session:
        await begin_writing(session)
        position = (
            await session.execute(
                select(_FANOUT.c.txid, _FANOUT.c.event_id)
                .where(_FANOUT.c.name == "signals")
                .with_for_update(skip_locked=True)
            )
        ).first()
        if position is None:
            return 0  # another worker is at it
        events, reached = await event_service.read_events(
            session,
            organisation_id=None,
            after=(position[0], position[1]),
            limit=EVENTS_PER_ROUND,
            conditions=[col(Event.type).in_(MARKERS)],
        )
        if reached is None or reached == (position[0], position[1]):
            await session.rollback()
            return 0
        series: dict[tuple[uuid.UUID, uuid.UUID], uuid.UUID] = {}
        for event in events:
            unit_id = event.org_unit_id
            if unit_id is None:
                continue
            for measure_id in _series_named(event):
                series[(measure_id, unit_id)] = event.organisation_id
        written = 0
        for (measure_id, unit_id), organisation_id in series.items():
            written += await _compare(session, organisation_id, measure_id, unit_id)
        await session.execute(
            update(_FANOUT)
            .where(_FANOUT.c.name == "signals")
            .values(txid=reached[0], event_id=reached[1])
        )
        await session.commit()
        return written
