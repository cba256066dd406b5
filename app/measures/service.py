"""Measures: what a team or an administration measures, and who may read and report it.

Who sees a measure: an initiative's measure is read like its initiative's unit (the token's
subtree); a shared indicator also by tokens scoped below its unit, as goals cascade down the
chain of governance, since the units below are the ones that report it.
"""

import uuid
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from sqlmodel import select as sqlmodel_select
from sqlmodel.sql.expression import SelectOfScalar

from app.audit import service as audit
from app.audit.models import AuditAction
from app.context import Principal
from app.cycles import service as cycle_service
from app.cycles.models import Cycle
from app.db import delete_unless_referenced, utcnow
from app.etag import check_if_match
from app.goals import service as goal_service
from app.initiatives import service as initiative_service
from app.initiatives.models import Initiative
from app.measures.models import (
    CycleMeasure,
    Measure,
    MeasureCreate,
    Measurement,
    MeasureType,
    MeasureUpdate,
    ValueKind,
    _check_scale,
)
from app.org_units import service as org_unit_service
from app.org_units.models import OrgUnit
from app.organisations.models import Organisation
from app.pagination import Page, PageParams, Sorting, paginate
from app.periods import PeriodKind, SchoolYearStart
from app.problems import Conflict, Forbidden, InvalidInput, NotFound
from app.references import resolve_reference


class MeasureInUse(Conflict):
    type, title = "measure-in-use", "The measure has measurements"


class MeasureFixed(Conflict):
    type, title = "measure-fixed", "The measure's kind is fixed by its measurements"


class ExternalCodeTaken(Conflict):
    type, title = "external-code-taken", "The external code is taken"


def readable_measures(principal: Principal) -> ColumnElement[bool]:
    """SQL condition on ``Measure`` joined with its owner ``OrgUnit``."""
    if principal.scope_path is None:
        return true()
    return or_(
        principal.path_filter(col(OrgUnit.path)),
        col(Measure.initiative_id).is_(None) & goal_service.readable_units(principal),
    )


async def get_measure(
    session: AsyncSession, principal: Principal, measure_id: uuid.UUID
) -> Measure:
    """The measure, when the token may read it (404 otherwise)."""
    measure = (
        await session.execute(
            select(Measure)
            .join(OrgUnit, col(OrgUnit.id) == Measure.org_unit_id)
            .where(
                col(Measure.id) == measure_id,
                col(Measure.organisation_id) == principal.organisation_id,
                readable_measures(principal),
            )
        )
    ).scalar_one_or_none()
    if measure is None:
        raise NotFound.for_object("measure", measure_id)
    return measure


async def owner_path(session: AsyncSession, measure: Measure) -> str:
    path = await session.scalar(
        select(col(OrgUnit.path)).where(col(OrgUnit.id) == measure.org_unit_id)
    )
    assert path is not None
    return path


async def get_measure_for_write(
    session: AsyncSession, principal: Principal, measure_id: uuid.UUID
) -> Measure:
    """The measure, when the token may change it: its owner unit lies in the token's subtree."""
    measure = await get_measure(session, principal, measure_id)
    if not principal.covers_path(await owner_path(session, measure)):
        raise Forbidden.saying("forbidden.measure-above-scope")
    return measure


async def organisation_settings(
    session: AsyncSession, organisation_id: uuid.UUID
) -> tuple[SchoolYearStart, int | None]:
    """The organisation's school-year start and default minimum denominator."""
    row = (
        await session.execute(
            select(col(Organisation.school_year_start), col(Organisation.min_denominator)).where(
                col(Organisation.id) == organisation_id
            )
        )
    ).one()
    month, day = (int(part) for part in row[0].split("-"))
    return SchoolYearStart(month=month, day=day), row[1]


async def _check_external_code(
    session: AsyncSession, principal: Principal, code: str | None, measure_id: uuid.UUID | None
) -> None:
    if code is None:
        return
    taken = await session.scalar(
        select(col(Measure.id)).where(
            col(Measure.organisation_id) == principal.organisation_id,
            col(Measure.external_code) == code,
            col(Measure.id) != measure_id if measure_id else true(),
        )
    )
    if taken is not None:
        raise ExternalCodeTaken(
            f"Another measure of the organisation has the external code {code!r}: codes name one "
            "measure each, so files can refer to it."
        )


async def create_measure(
    session: AsyncSession, principal: Principal, *, data: MeasureCreate
) -> Measure:
    if data.initiative_id is not None:
        initiative = await resolve_reference(
            initiative_service.get_initiative,
            session,
            principal,
            data.initiative_id,
            field="body.initiative_id",
            kind="initiative",
        )
        owner = await initiative_service.unit_of_initiative(session, initiative)
    else:
        assert data.org_unit_id is not None
        unit = await org_unit_service.resolve_unit_reference(
            session, principal, data.org_unit_id, field="body.org_unit_id"
        )
        owner = unit.id
    await _check_external_code(session, principal, data.external_code, None)
    measure = Measure.model_validate(
        data,
        update={"organisation_id": principal.organisation_id, "org_unit_id": owner},
    )
    session.add(measure)
    await session.commit()
    return measure


_FIXED_BY_MEASUREMENTS = ("value_kind", "scale_min", "scale_max", "period_kind")


async def update_measure(
    session: AsyncSession,
    principal: Principal,
    measure_id: uuid.UUID,
    *,
    changes: MeasureUpdate,
    if_match: str | None,
) -> Measure:
    measure = await get_measure_for_write(session, principal, measure_id)
    check_if_match(if_match, measure)
    values: dict[str, Any] = changes.model_dump(exclude_unset=True)
    for key in ("name", "measure_type", "value_kind", "direction", "period_kind"):
        if key in values and values[key] is None:
            raise InvalidInput(f"body.{key}", "may not be null; leave it out to keep it")
    fixed = [
        key
        for key in _FIXED_BY_MEASUREMENTS
        if key in values and values[key] != getattr(measure, key)
    ]
    if fixed and await _has_measurements(session, measure.id):
        raise MeasureFixed(
            f"{', '.join(fixed)} cannot change once the measure has measurements: they decide "
            "what the stored values mean. Make a new measure instead."
        )
    merged = {**{key: getattr(measure, key) for key in _FIXED_BY_MEASUREMENTS}, **values}
    try:
        _check_scale(MeasureUpdate.model_construct(**merged))
    except ValueError as error:
        raise InvalidInput("body.scale_min", str(error)) from None
    if "external_code" in values:
        await _check_external_code(session, principal, values["external_code"], measure.id)
    for key, value in values.items():
        setattr(measure, key, value)
    await session.commit()
    return measure


async def _has_measurements(session: AsyncSession, measure_id: uuid.UUID) -> bool:
    return bool(
        await session.scalar(select(exists().where(col(Measurement.measure_id) == measure_id)))
    )


async def delete_measure(
    session: AsyncSession, principal: Principal, measure_id: uuid.UUID, *, if_match: str | None
) -> None:
    measure = await get_measure_for_write(session, principal, measure_id)
    check_if_match(if_match, measure)
    await delete_unless_referenced(
        session,
        measure,
        refused=MeasureInUse(
            "The measure has measurements, chart settings (phases, exclusions, annotations) or "
            "a cycle that follows it: delete those first, or keep the measure as history."
        ),
    )


SORT = Sorting(
    "MeasureSort",
    {"name": col(Measure.name), "created_at": col(Measure.created_at)},
    tiebreaker=col(Measure.id),
)


async def measures_query(
    session: AsyncSession, principal: Principal, *, initiative_id: uuid.UUID | None
) -> SelectOfScalar[Measure]:
    """The measures the token reads (joined to their owner unit), of one initiative if given
    (a 422 naming ``query.initiative_id`` when the token cannot see it)."""
    stmt = (
        sqlmodel_select(Measure)
        .join(OrgUnit, col(OrgUnit.id) == Measure.org_unit_id)
        .where(
            col(Measure.organisation_id) == principal.organisation_id,
            readable_measures(principal),
        )
    )
    if initiative_id is not None:
        await resolve_reference(
            initiative_service.get_initiative,
            session,
            principal,
            initiative_id,
            field="query.initiative_id",
            kind="initiative",
        )
        stmt = stmt.where(col(Measure.initiative_id) == initiative_id)
    return stmt


async def query_unit(
    session: AsyncSession, principal: Principal, org_unit_id: uuid.UUID
) -> OrgUnit:
    """The unit a list is asked for (a 422 naming ``query.org_unit_id`` when the token cannot
    see it)."""
    return await resolve_reference(
        org_unit_service.get_org_unit,
        session,
        principal,
        org_unit_id,
        field="query.org_unit_id",
        kind="org unit",
    )


async def list_measures(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    initiative_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    include_descendants: bool = False,
    shared: bool | None = None,
    measure_type: MeasureType | None = None,
    value_kind: ValueKind | None = None,
    period_kind: PeriodKind | None = None,
    external_code: str | None = None,
    q: str | None = None,
    sort: str = "name",
) -> Page[Measure]:
    stmt = await measures_query(session, principal, initiative_id=initiative_id)
    if org_unit_id is not None:
        unit = await query_unit(session, principal, org_unit_id)
        stmt = stmt.where(
            col(OrgUnit.path).startswith(unit.path, autoescape=True)
            if include_descendants
            else col(Measure.org_unit_id) == unit.id
        )
    if shared is not None:
        stmt = stmt.where(
            col(Measure.initiative_id).is_(None)
            if shared
            else col(Measure.initiative_id).is_not(None)
        )
    if measure_type is not None:
        stmt = stmt.where(col(Measure.measure_type) == measure_type)
    if value_kind is not None:
        stmt = stmt.where(col(Measure.value_kind) == value_kind)
    if period_kind is not None:
        stmt = stmt.where(col(Measure.period_kind) == period_kind)
    if external_code is not None:
        stmt = stmt.where(col(Measure.external_code) == external_code)
    if q is not None:
        stmt = stmt.where(func.lower(col(Measure.name)).contains(q.lower(), autoescape=True))
    return await paginate(session, stmt, page=page, order=SORT.order(sort))


async def _cycle_and_unit(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID
) -> tuple[Any, uuid.UUID]:
    cycle = await cycle_service.get_cycle(session, principal, cycle_id)
    return cycle, await cycle_service.unit_of_cycle(session, cycle)


async def cycle_measures(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID
) -> tuple[bool, list[Measure]]:
    """The measures a cycle follows, and whether they are its initiative's by default (the
    cycle names none of its own)."""
    cycle, _ = await _cycle_and_unit(session, principal, cycle_id)
    return await measures_of_cycle(session, cycle)


async def measures_of_cycle(session: AsyncSession, cycle: Cycle) -> tuple[bool, list[Measure]]:
    """:func:`cycle_measures` of a cycle the caller has read (and may read)."""
    named = (
        await session.execute(
            select(Measure)
            .join(CycleMeasure, col(CycleMeasure.measure_id) == Measure.id)
            .where(col(CycleMeasure.cycle_id) == cycle.id)
            .order_by(col(Measure.name), col(Measure.id))
        )
    ).scalars()
    measures = list(named)
    if measures:
        return False, measures
    own = await session.execute(
        select(Measure)
        .where(col(Measure.initiative_id) == cycle.initiative_id)
        .order_by(col(Measure.name), col(Measure.id))
    )
    return True, list(own.scalars())


def cycles_following(measure: Measure) -> ColumnElement[bool]:
    """SQL condition on ``Cycle``: the cycle follows the measure (it names it, or it names none
    and the measure is its initiative's)."""
    named = exists().where(
        col(CycleMeasure.cycle_id) == col(Cycle.id), col(CycleMeasure.measure_id) == measure.id
    )
    if measure.initiative_id is None:
        return named
    names_none = not_(exists().where(col(CycleMeasure.cycle_id) == col(Cycle.id)))
    return or_(named, and_(col(Cycle.initiative_id) == measure.initiative_id, names_none))


async def set_cycle_measures(
    session: AsyncSession,
    principal: Principal,
    cycle_id: uuid.UUID,
    *,
    measure_ids: list[uuid.UUID],
) -> tuple[bool, list[Measure]]:
    """Name the measures a cycle follows: its initiative's own, or shared indicators its unit
    reports. An empty list returns the cycle to following its initiative's measures."""
    cycle, unit_id = await _cycle_and_unit(session, principal, cycle_id)
    wanted: list[Measure] = []
    for index, measure_id in enumerate(dict.fromkeys(measure_ids)):
        field = f"body.measure_ids[{index}]"
        measure = await resolve_reference(
            get_measure, session, principal, measure_id, field=field, kind="measure"
        )
        if measure.shared:
            unit_path = await session.scalar(
                select(col(OrgUnit.path)).where(col(OrgUnit.id) == unit_id)
            )
            if not (unit_path or "").startswith(await owner_path(session, measure)):
                raise InvalidInput(field, "the cycle's unit does not report this indicator")
        elif measure.initiative_id != cycle.initiative_id:
            raise InvalidInput(field, "the measure belongs to another initiative")
        wanted.append(measure)
    current = (
        await session.execute(select(CycleMeasure).where(col(CycleMeasure.cycle_id) == cycle.id))
    ).scalars()
    keep = {measure.id for measure in wanted}
    existing = set()
    for link in current:
        if link.measure_id in keep:
            existing.add(link.measure_id)
        else:
            await session.delete(link)
    for measure in wanted:
        if measure.id not in existing:
            session.add(
                CycleMeasure(
                    organisation_id=principal.organisation_id,
                    cycle_id=cycle.id,
                    measure_id=measure.id,
                    org_unit_id=unit_id,
                )
            )
    await session.commit()
    return await cycle_measures(session, principal, cycle_id)


_MEASUREMENTS = Measurement.__table__  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker


class TeamMoveClash(Conflict):
    type, title = "team-move-clash", "The team's measurements clash with the new unit's"


async def move_team_measures(
    session: AsyncSession,
    principal: Principal,
    *,
    team_id: uuid.UUID,
    to_unit_id: uuid.UUID,
) -> int:
    """Move the measures of a team's initiatives, their measurements, and the team's cycles'
    measure links, to the team's new unit (their chart settings move first, by
    ``app.charts.settings.move_team_settings``); every changed row is audited. The
    caller holds the tree lock and commits. The measures are locked first, so a measurement
    written meanwhile waits and then either moves too or finds the measure moved. Returns the
    number of measurements moved."""
    initiatives = select(col(Initiative.id)).where(col(Initiative.team_id) == team_id)
    measures = list(
        (
            await session.execute(
                select(Measure)
                .where(col(Measure.initiative_id).in_(initiatives))
                .order_by(col(Measure.id))
                .with_for_update()
            )
        ).scalars()
    )
    old_units = {measure.id: measure.org_unit_id for measure in measures}
    ids = list(old_units)
    moved = 0
    if ids:
        m = _MEASUREMENTS.c
        rows = (
            await session.execute(
                select(m.id, m.org_unit_id, m.external_id).where(
                    m.measure_id.in_(ids), m.org_unit_id != to_unit_id
                )
            )
        ).all()
        external_ids = sorted({row.external_id for row in rows if row.external_id is not None})
        if external_ids:
            clash = (
                await session.execute(
                    select(m.external_id)
                    .where(
                        m.organisation_id == principal.organisation_id,
                        m.org_unit_id == to_unit_id,
                        m.external_id.in_(external_ids[:2000]),
                    )
                    .limit(5)
                )
            ).scalars()
            taken = list(clash)
            if taken:
                raise TeamMoveClash(
                    "Measurements of the team's initiatives carry external ids that the new unit "
                    f"already uses ({', '.join(map(repr, taken))}): external ids are unique per "
                    "reporting unit. Change or clear them first, then move the team."
                )
        if rows:
            connection = await session.connection()
            await connection.execute(
                update(_MEASUREMENTS)
                .where(m.measure_id.in_(ids), m.org_unit_id != to_unit_id)
                .values(org_unit_id=to_unit_id, updated_at=utcnow(), version=m.version + 1)
            )
            await audit.record(
                session,
                [
                    audit.AuditEntry(
                        organisation_id=principal.organisation_id,
                        object_type="measurement",
                        object_id=row.id,
                        action=AuditAction.update,
                        changes={"org_unit_id": audit.changed(row.org_unit_id, to_unit_id)},
                        org_unit_id=to_unit_id,
                    )
                    for row in rows
                ],
            )
            moved = len(rows)
        for measure in measures:
            measure.org_unit_id = to_unit_id
    links = (
        await session.execute(
            select(CycleMeasure).where(
                col(CycleMeasure.cycle_id).in_(
                    select(col(Cycle.id)).where(col(Cycle.initiative_id).in_(initiatives))
                )
            )
        )
    ).scalars()
    for link in links:
        link.org_unit_id = to_unit_id
    return moved
