"""A measure's chart settings, each "a setting at a period": phases (rebases), excluded
points and notes. With the stage changes of the cycles that follow the measure they make its
timeline. One helper adds a setting at a period, one removes it, one reads them for an analysis.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.charts.models import (
    MAX_SETTINGS_PER_MEASURE,
    AnnotationCreate,
    ExclusionCreate,
    MeasureAnnotation,
    MeasureExclusion,
    MeasurePhase,
    PhaseCreate,
)
from app.context import Principal
from app.cycles import service as cycle_service
from app.cycles.stages import Decision, stage_label
from app.etag import check_if_match
from app.events import service as events
from app.goals import service as goal_service
from app.i18n import Language
from app.initiatives.models import Initiative
from app.measures import service as measure_service
from app.measures.models import Measure
from app.org_units import service as org_unit_service
from app.org_units.models import OrgUnit
from app.periods import InvalidPeriod, SchoolYearStart, parse_period, period_of
from app.problem_texts import Text
from app.problems import Conflict, Forbidden, InvalidInput, NotFound
from app.references import resolve_reference

Setting = TypeVar("Setting", MeasurePhase, MeasureExclusion, MeasureAnnotation)


class ChartSettingExists(Conflict):
    type, title = "chart-setting-exists", "The period already has one"


class TooManyChartSettings(Conflict):
    type, title = "too-many-chart-settings", "The measure has too many of these"


async def school_year(session: AsyncSession, principal: Principal) -> SchoolYearStart:
    """When the organisation's school year starts (terms and school years count from it)."""
    start, _ = await measure_service.organisation_settings(session, principal.organisation_id)
    return start


# --- the helpers: a setting at a period ---------------------------------------------------------


async def _add_setting(
    session: AsyncSession,
    principal: Principal,
    measure: Measure,
    table: type[Setting],
    *,
    period: str,
    taken: str | None,
    unit_id: uuid.UUID | None = None,
    **fields: Any,
) -> Setting:
    """Put a new row of ``table`` (with ``fields``) at ``period`` of ``measure`` (of its own unit, or of ``unit_id``) and commit
    (audited): 422 for a period the measure does not have, 409 when the measure holds
    ``MAX_SETTINGS_PER_MEASURE`` of these already, and 409 ``taken`` (with the period) when one
    sits at that period already (``None``: several may)."""
    start = await school_year(session, principal)
    try:
        at = parse_period(measure.period_kind, period, school_year_start=start)
    except InvalidPeriod as error:
        raise InvalidInput("body.period", Text.of(error.wording), type_="invalid_period") from None
    count = await session.scalar(
        select(func.count()).select_from(table).where(col(table.measure_id) == measure.id)
    )
    if (count or 0) >= MAX_SETTINGS_PER_MEASURE:
        raise TooManyChartSettings(
            f"A measure keeps at most {MAX_SETTINGS_PER_MEASURE} of these; delete some first."
        )
    unit_id = unit_id or measure.org_unit_id
    if taken is not None:
        found = await session.scalar(
            select(col(table.id)).where(
                col(table.measure_id) == measure.id,
                col(table.org_unit_id) == unit_id,
                col(table.period_ordinal) == at.ordinal,
            )
        )
        if found is not None:
            raise ChartSettingExists(taken.format(period=at.key))
    row = table(
        organisation_id=principal.organisation_id,
        measure_id=measure.id,
        org_unit_id=unit_id,
        period_ordinal=at.ordinal,
        period_key=at.key,
        period_first_on=at.first_day,
        **fields,
    )
    session.add(row)
    await _settings_changed(session, measure, unit_id, table)
    await session.commit()
    return row


async def _settings_changed(
    session: AsyncSession, measure: Measure, unit_id: uuid.UUID, table: type[Setting]
) -> None:
    """The outbox's marker of a changed chart (the worker's signal pass analyses it again)."""
    await events.record_unit_event(
        session,
        events.EventType.measure_chart_settings_changed,
        organisation_id=measure.organisation_id,
        org_unit_id=unit_id,
        object_type="measure",
        object_id=measure.id,
        link=f"{events.link('measure', measure.id)}/analysis?org_unit_id={unit_id}",
        data={"measure_ids": [str(measure.id)], "setting": table.__tablename__},
    )


async def _remove_setting(
    session: AsyncSession,
    principal: Principal,
    measure: Measure,
    table: type[Setting],
    setting_id: uuid.UUID,
    *,
    if_match: str | None,
    kind: str,
    of_readable_units: bool = False,
) -> None:
    """Delete the measure's setting ``setting_id`` (audited) after the If-Match check; with
    ``of_readable_units`` only one of a unit the token reads (404 otherwise) and covers (403)."""
    stmt = select(table, col(OrgUnit.path)).join(OrgUnit, col(OrgUnit.id) == col(table.org_unit_id))
    if of_readable_units:
        stmt = stmt.where(goal_service.readable_units(principal))
    found = (
        await session.execute(
            stmt.where(col(table.id) == setting_id, col(table.measure_id) == measure.id)
        )
    ).one_or_none()
    if found is None:
        raise NotFound.for_object(kind, setting_id)
    row, path = found
    if of_readable_units and not principal.covers_path(path):
        raise Forbidden.saying("forbidden.setting-above-scope", kind=kind)
    check_if_match(if_match, row)
    await session.delete(row)
    await _settings_changed(session, measure, row.org_unit_id, table)
    await session.commit()


async def _settings(
    session: AsyncSession, table: type[Setting], measure_ids: Sequence[uuid.UUID]
) -> list[Setting]:
    """The settings of the measures, in period order (then as written)."""
    if not measure_ids:
        return []
    rows = await session.execute(
        select(table)
        .where(col(table.measure_id).in_(measure_ids))
        .order_by(col(table.period_ordinal), col(table.created_at))
    )
    return list(rows.scalars())


@dataclass
class StoredSettings:
    """What an analysis takes of the measures' settings: phases per measure, and the excluded
    periods per measure and unit."""

    phases: dict[uuid.UUID, list[MeasurePhase]] = field(default_factory=dict)
    excluded: dict[tuple[uuid.UUID, uuid.UUID], list[int]] = field(default_factory=dict)

    def excluded_of(self, measure_id: uuid.UUID, unit_id: uuid.UUID) -> list[int]:
        return self.excluded.get((measure_id, unit_id), [])


async def stored_settings(
    session: AsyncSession, measure_ids: Sequence[uuid.UUID]
) -> StoredSettings:
    """The phases and exclusions of the measures: two queries, however many measures."""
    found = StoredSettings()
    for phase in await _settings(session, MeasurePhase, measure_ids):
        found.phases.setdefault(phase.measure_id, []).append(phase)
    for exclusion in await _settings(session, MeasureExclusion, measure_ids):
        key = (exclusion.measure_id, exclusion.org_unit_id)
        found.excluded.setdefault(key, []).append(exclusion.period_ordinal)
    return found


# --- phases -------------------------------------------------------------------------------------


async def list_phases(
    session: AsyncSession, principal: Principal, measure_id: uuid.UUID
) -> list[MeasurePhase]:
    """The measure's phases (rebases), in period order."""
    measure = await measure_service.get_measure(session, principal, measure_id)
    return await _settings(session, MeasurePhase, [measure.id])


async def create_phase(
    session: AsyncSession, principal: Principal, measure_id: uuid.UUID, *, data: PhaseCreate
) -> MeasurePhase:
    """Start a new phase at a period. It names an adopted cycle that follows the measure, or a
    written reason (or both); the write is audited."""
    measure = await measure_service.get_measure_for_write(session, principal, measure_id)
    if data.cycle_id is None and data.reason is None:
        raise InvalidInput(
            "body.reason",
            "a new phase names the adopted cycle that changed the process (cycle_id) or a "
            "written reason: charts are never redrawn silently",
            type_="missing",
        )
    if data.cycle_id is not None:
        cycle = await resolve_reference(
            cycle_service.get_cycle,
            session,
            principal,
            data.cycle_id,
            field="body.cycle_id",
            kind="cycle",
        )
        if cycle.decision != Decision.adopt:
            raise InvalidInput(
                "body.cycle_id",
                f"the cycle has not decided to adopt its change (decision: "
                f"{cycle.decision or 'none yet'}); name an adopted cycle or give a reason",
                type_="cycle_not_adopted",
            )
        following = measure_service.cycles_following(measure)
        if not await cycle_service.cycle_meets(session, cycle, following):
            raise InvalidInput(
                "body.cycle_id",
                "the cycle does not follow this measure (see /cycles/{cycle_id}/measures)",
                type_="cycle_not_following",
            )
    return await _add_setting(
        session,
        principal,
        measure,
        MeasurePhase,
        period=data.period,
        taken="A phase already starts at {period}; delete it first to change it.",
        cycle_id=data.cycle_id,
        reason=data.reason,
        baseline_periods=data.baseline_periods,
    )


async def delete_phase(
    session: AsyncSession,
    principal: Principal,
    measure_id: uuid.UUID,
    phase_id: uuid.UUID,
    *,
    if_match: str | None,
) -> None:
    measure = await measure_service.get_measure_for_write(session, principal, measure_id)
    await _remove_setting(
        session, principal, measure, MeasurePhase, phase_id, if_match=if_match, kind="phase"
    )


def public_phase(row: MeasurePhase) -> dict[str, Any]:
    return {
        "id": row.id,
        "measure_id": row.measure_id,
        "period": row.period_key,
        "period_first_on": row.period_first_on,
        "cycle_id": row.cycle_id,
        "reason": row.reason,
        "baseline_periods": row.baseline_periods,
        "created_at": row.created_at,
    }


# --- exclusions ---------------------------------------------------------------------------------


def public_exclusion(row: MeasureExclusion) -> dict[str, Any]:
    return {
        "id": row.id,
        "measure_id": row.measure_id,
        "org_unit_id": row.org_unit_id,
        "period": row.period_key,
        "period_first_on": row.period_first_on,
        "reason": row.reason,
        "created_at": row.created_at,
    }


async def list_exclusions(
    session: AsyncSession, principal: Principal, measure_id: uuid.UUID
) -> list[MeasureExclusion]:
    """The measure's excluded points of the units the token reads, in period order."""
    measure = await measure_service.get_measure(session, principal, measure_id)
    rows = await session.execute(
        select(MeasureExclusion)
        .join(OrgUnit, col(OrgUnit.id) == col(MeasureExclusion.org_unit_id))
        .where(
            goal_service.readable_units(principal),
            col(MeasureExclusion.measure_id) == measure.id,
        )
        .order_by(col(MeasureExclusion.period_ordinal), col(OrgUnit.name))
    )
    return list(rows.scalars())


async def create_exclusion(
    session: AsyncSession, principal: Principal, measure_id: uuid.UUID, *, data: ExclusionCreate
) -> MeasureExclusion:
    """Exclude one period of one unit's series: the unit must lie in the token's scope and
    report the measure."""
    if data.org_unit_id is None:
        measure = await measure_service.get_measure_for_write(session, principal, measure_id)
        unit_id = measure.org_unit_id
    else:
        measure = await measure_service.get_measure(session, principal, measure_id)
        unit = await org_unit_service.resolve_unit_reference(
            session, principal, data.org_unit_id, field="body.org_unit_id"
        )
        owner = await measure_service.owner_path(session, measure)
        reports = unit.path.startswith(owner) if measure.shared else unit.id == measure.org_unit_id
        if not reports:
            raise InvalidInput(
                "body.org_unit_id", "the unit does not report this measure", type_="not_reporting"
            )
        unit_id = unit.id
    return await _add_setting(
        session,
        principal,
        measure,
        MeasureExclusion,
        period=data.period,
        unit_id=unit_id,
        taken="The unit's point of {period} is excluded already.",
        reason=data.reason,
    )


async def delete_exclusion(
    session: AsyncSession,
    principal: Principal,
    measure_id: uuid.UUID,
    exclusion_id: uuid.UUID,
    *,
    if_match: str | None,
) -> None:
    """Include the point again (audited); the token must cover the exclusion's unit."""
    measure = await measure_service.get_measure(session, principal, measure_id)
    await _remove_setting(
        session,
        principal,
        measure,
        MeasureExclusion,
        exclusion_id,
        if_match=if_match,
        kind="exclusion",
        of_readable_units=True,
    )


# --- notes and the timeline ---------------------------------------------------------------------


def _note(row: MeasureAnnotation) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": "note",
        "period": row.period_key,
        "period_first_on": row.period_first_on,
        "text": row.text,
        "cycle_id": None,
        "from_stage": None,
        "to_stage": None,
        "occurred_at": row.created_at,
        "ordinal": row.period_ordinal,
    }


async def _stage_changes(
    session: AsyncSession,
    principal: Principal,
    measure: Measure,
    language: Language,
    school_year: SchoolYearStart,
    timezone: str,
) -> list[dict[str, Any]]:
    """The stage changes of the cycles that follow the measure and that the token reads."""
    following = measure_service.cycles_following(measure)
    rows = await cycle_service.stage_changes_of_cycles(session, principal, following=following)
    zone = ZoneInfo(timezone)
    words = Language(language)
    out = []
    for cycle_id, title, from_stage, to_stage, occurred_at in rows:
        day = occurred_at.astimezone(zone).date()
        try:
            period = period_of(measure.period_kind, day, school_year_start=school_year)
        except InvalidPeriod:  # pragma: no cover - transitions happen in supported years
            continue
        stage = stage_label(to_stage, words)
        text = (
            f"{title}: {stage}"
            if from_stage is None
            else f"{title}: {stage_label(from_stage, words)} → {stage}"
        )
        out.append(
            {
                "id": None,
                "kind": "cycle_stage",
                "period": period.key,
                "period_first_on": period.first_day,
                "text": text,
                "cycle_id": cycle_id,
                "from_stage": from_stage,
                "to_stage": to_stage,
                "occurred_at": occurred_at,
                "ordinal": period.ordinal,
            }
        )
    return out


async def timeline(
    session: AsyncSession,
    principal: Principal,
    measure: Measure,
    language: Language,
    timezone: str,
) -> list[dict[str, Any]]:
    """The measure's notes and the stage changes of the cycles that follow it, in period order
    (each with its period's ``ordinal``)."""
    start = await school_year(session, principal)
    found = [_note(row) for row in await _settings(session, MeasureAnnotation, [measure.id])]
    found += await _stage_changes(session, principal, measure, language, start, timezone)
    found.sort(key=lambda a: (a["ordinal"], a["occurred_at"]))
    return found


async def list_annotations(
    session: AsyncSession,
    principal: Principal,
    measure_id: uuid.UUID,
    *,
    language: Language,
    timezone: str,
) -> list[dict[str, Any]]:
    """The measure's notes and the stage changes of the cycles that follow it, in period
    order."""
    measure = await measure_service.get_measure(session, principal, measure_id)
    found = await timeline(session, principal, measure, language, timezone)
    for annotation in found:
        del annotation["ordinal"]
    return found


async def create_annotation(
    session: AsyncSession, principal: Principal, measure_id: uuid.UUID, *, data: AnnotationCreate
) -> MeasureAnnotation:
    measure = await measure_service.get_measure_for_write(session, principal, measure_id)
    return await _add_setting(
        session,
        principal,
        measure,
        MeasureAnnotation,
        period=data.period,
        taken=None,
        text=data.text,
    )


def public_note(note: MeasureAnnotation) -> dict[str, Any]:
    found = _note(note)
    del found["ordinal"]
    return found


async def delete_annotation(
    session: AsyncSession,
    principal: Principal,
    measure_id: uuid.UUID,
    annotation_id: uuid.UUID,
    *,
    if_match: str | None,
) -> None:
    measure = await measure_service.get_measure_for_write(session, principal, measure_id)
    await _remove_setting(
        session,
        principal,
        measure,
        MeasureAnnotation,
        annotation_id,
        if_match=if_match,
        kind="annotation",
    )


# --- a team move --------------------------------------------------------------------------------


async def move_team_measures(
    session: AsyncSession,
    principal: Principal,
    *,
    team_id: uuid.UUID,
    to_unit_id: uuid.UUID,
) -> int:
    """A team's measures move with it (``measure_service.move_team_measures``), and so do the
    settings they keep on their own unit; the caller holds the tree lock and commits. Returns
    the number of measurements moved."""
    initiatives = select(col(Initiative.id)).where(col(Initiative.team_id) == team_id)
    owned = select(col(Measure.id), col(Measure.org_unit_id)).where(
        col(Measure.initiative_id).in_(initiatives)
    )
    own_units = {measure_id: unit_id for measure_id, unit_id in await session.execute(owned)}
    ids = list(own_units)
    rows: list[MeasurePhase | MeasureAnnotation | MeasureExclusion] = [
        *await _settings(session, MeasurePhase, ids),
        *await _settings(session, MeasureAnnotation, ids),
        *await _settings(session, MeasureExclusion, ids),
    ]
    for row in rows:
        if row.org_unit_id == own_units[row.measure_id]:
            row.org_unit_id = to_unit_id
    return await measure_service.move_team_measures(
        session, principal, team_id=team_id, to_unit_id=to_unit_id
    )


@dataclass
class PhasePlan:
    """Stored phases and exclusions turned into the analysis options of one series."""

    parts: list[int] = field(default_factory=list)
    windows: list[tuple[int, int]] = field(default_factory=list)
    #: Phase number -> the stored phase that starts it (the first phase may have none).
    rows: dict[int, MeasurePhase] = field(default_factory=dict)
    exclude: frozenset[int] = frozenset()


def plan_phases(
    phases: Sequence[MeasurePhase], excluded: Iterable[int], first: int, n: int
) -> PhasePlan:
    """Phases and exclusions of a series whose index 0 is the period ``first``, ``n`` long.

    A phase starting at or before the first period sets the first phase's baseline; one after
    the last is not in the series. A phase's baseline counts from its own start period, so with
    a range that begins inside it only its baseline periods in the range count (none in range:
    every period of the phase in range is its baseline)."""
    plan = PhasePlan()
    last = first + n - 1
    for row in sorted(phases, key=lambda p: p.period_ordinal):
        if row.period_ordinal <= first:
            plan.rows[0] = row
        elif row.period_ordinal <= last:
            plan.parts.append(row.period_ordinal - first)
            plan.rows[len(plan.parts)] = row
    bounds = [0, *plan.parts, n]
    for number, row in plan.rows.items():
        if row.baseline_periods is None:
            continue
        start = row.period_ordinal - first
        lo = max(start, bounds[number])
        hi = min(start + row.baseline_periods - 1, bounds[number + 1] - 1)
        if lo <= hi:
            plan.windows.append((lo, hi))
    plan.exclude = frozenset(o - first for o in excluded if first <= o <= last)
    return plan
