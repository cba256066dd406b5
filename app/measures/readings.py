"""Reading measurements back: lists, one measure's series, exports and reporting status.

Reads select columns, not ORM objects, and apply small-number protection on the way out.

Who reads what: a measurement is readable when its reporting unit lies in the token's subtree,
or on the path above the token's scope root (a class's token reads its school's figures, as it
reads its school's goals). A value whose denominator is below the measure's minimum (or the
organisation's default) is withheld from a token whose scope does not include the reporting
unit: the row says ``withheld`` and shows no figures.
"""

import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from app.audit.models import AuditEvent
from app.context import Principal
from app.etag import check_if_match
from app.events import service as events
from app.goals import service as goal_service
from app.measures import headers
from app.measures import service as measure_service
from app.measures.models import (
    Measure,
    Measurement,
    MeasurementSource,
    ValueKind,
)
from app.org_units import service as org_unit_service
from app.org_units.models import OrgUnit
from app.pagination import Page, PageParams, Sorting, paginate
from app.periods import InvalidPeriod, Period, parse_period
from app.problem_texts import Text
from app.problems import InvalidInput, NotFound
from app.references import not_visible, resolve_reference

_M = Measurement.__table__.c  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker

_COLUMNS = (
    _M.id,
    _M.measure_id,
    _M.org_unit_id,
    _M.period_key,
    _M.period_first_on,
    _M.period_ordinal,
    _M.value,
    _M.numerator,
    _M.denominator,
    _M.comment,
    _M.source,
    _M.external_id,
    _M.recorded_by_token_id,
    _M.recorded_at,
    _M.version,
)


@dataclass(frozen=True, slots=True)
class Protection:
    """Small-number protection as it applies to one token."""

    principal: Principal
    organisation_default: int | None

    def threshold(self, measure_minimum: int | None) -> int | None:
        return measure_minimum if measure_minimum is not None else self.organisation_default

    def withholds(
        self, denominator: float | None, unit_path: str, measure_minimum: int | None
    ) -> bool:
        limit = self.threshold(measure_minimum)
        return (
            limit is not None
            and denominator is not None
            and denominator < limit
            and not self.principal.covers_path(unit_path)
        )


async def protection(session: AsyncSession, principal: Principal) -> Protection:
    _, default = await measure_service.organisation_settings(session, principal.organisation_id)
    return Protection(principal, default)


def publish(row: Any, withheld: bool) -> dict[str, Any]:
    """A measurement row as the API shows it."""
    return {
        "id": row.id,
        "measure_id": row.measure_id,
        "org_unit_id": row.org_unit_id,
        "period": row.period_key,
        "period_first_on": row.period_first_on,
        "value": None if withheld else row.value,
        "numerator": None if withheld else row.numerator,
        "denominator": None if withheld else row.denominator,
        "withheld": withheld,
        "comment": None if withheld else row.comment,
        "source": row.source,
        "external_id": row.external_id,
        "recorded_by_token_id": row.recorded_by_token_id,
        "recorded_at": row.recorded_at,
    }


def _readable(principal: Principal, stmt: Select[Any]) -> Select[Any]:
    return (
        stmt.join(OrgUnit, col(OrgUnit.id) == _M.org_unit_id)
        .join(Measure, col(Measure.id) == _M.measure_id)
        .where(_M.organisation_id == principal.organisation_id)
        .where(goal_service.readable_units(principal))
    )


def _period_bound(
    value: str | None, measure: Measure | None, name: str, school_year: Any
) -> tuple[int | None, date | None]:
    """A period filter: a period key of the measure's kind (with ``measure_id``) or a day."""
    if value is None:
        return None, None
    if measure is not None:
        try:
            period = parse_period(measure.period_kind, value, school_year_start=school_year)
        except InvalidPeriod as error:
            raise InvalidInput(
                f"query.{name}", Text.of(error.wording), type_="invalid_period"
            ) from None
        return period.ordinal, None
    try:
        return None, date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"query.{name}",
            "without measure_id, give a day (YYYY-MM-DD); with it, a period of its kind",
            type_="invalid_period",
        ) from None


@dataclass(frozen=True)
class MeasurementFilter:
    measure_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    include_descendants: bool = False
    period_from: str | None = None
    period_to: str | None = None
    source: MeasurementSource | None = None


def _subtree_ids(principal: Principal, path: str) -> Select[Any]:
    """The ids of the units under ``path`` (itself included), as a subquery of their own: the
    measurements are then found by unit id on their index, a few units' rows each, rather than
    by walking the organisation's rows in order and checking each one's unit (issue 18)."""
    unit = aliased(OrgUnit)
    return select(col(unit.id)).where(
        col(unit.organisation_id) == principal.organisation_id,
        col(unit.path).startswith(path, autoescape=True),
    )


async def _filtered(
    session: AsyncSession, principal: Principal, where: MeasurementFilter
) -> Select[Any]:
    stmt = _readable(principal, select(*_COLUMNS, col(OrgUnit.path), col(Measure.min_denominator)))
    measure: Measure | None = None
    if where.measure_id is not None:
        measure = await resolve_reference(
            measure_service.get_measure,
            session,
            principal,
            where.measure_id,
            field="query.measure_id",
            kind="measure",
        )
        stmt = stmt.where(_M.measure_id == measure.id)
    if where.org_unit_id is not None:
        unit = await resolve_reference(
            org_unit_service.get_org_unit,
            session,
            principal,
            where.org_unit_id,
            field="query.org_unit_id",
            kind="org unit",
        )
        stmt = stmt.where(
            _M.org_unit_id.in_(_subtree_ids(principal, unit.path))
            if where.include_descendants
            else _M.org_unit_id == unit.id
        )
    if where.source is not None:
        stmt = stmt.where(_M.source == where.source.value)
    if where.period_from is not None or where.period_to is not None:
        school_year, _ = await measure_service.organisation_settings(
            session, principal.organisation_id
        )
        low_ordinal, low_day = _period_bound(where.period_from, measure, "period_from", school_year)
        high_ordinal, high_day = _period_bound(where.period_to, measure, "period_to", school_year)
        if low_ordinal is not None:
            stmt = stmt.where(_M.period_ordinal >= low_ordinal)
        if high_ordinal is not None:
            stmt = stmt.where(_M.period_ordinal <= high_ordinal)
        if low_day is not None:
            stmt = stmt.where(_M.period_first_on >= low_day)
        if high_day is not None:
            stmt = stmt.where(_M.period_first_on <= high_day)
    return stmt


SORT = Sorting(
    "MeasurementSort",
    {"period": _M.period_first_on, "recorded_at": _M.recorded_at},
    tiebreaker=_M.id,
)


async def list_measurements(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    where: MeasurementFilter,
    sort: str = "period",
) -> Page[dict[str, Any]]:
    stmt = await _filtered(session, principal, where)
    found = await paginate(session, stmt, page=page, order=SORT.order(sort), whole_rows=True)
    shield = await protection(session, principal)
    found.items = [
        publish(row, shield.withholds(row.denominator, row.path, row.min_denominator))
        for row in found.items
    ]
    return found


async def _readable_row(
    session: AsyncSession, principal: Principal, measurement_id: uuid.UUID
) -> Any:
    """The measurement's row with its unit's path and its measure's minimum, or 404."""
    row = (
        await session.execute(
            _readable(
                principal, select(*_COLUMNS, col(OrgUnit.path), col(Measure.min_denominator))
            ).where(_M.id == measurement_id)
        )
    ).one_or_none()
    if row is None:
        raise NotFound.for_object("measurement", measurement_id)
    return row


async def get_measurement(
    session: AsyncSession, principal: Principal, measurement_id: uuid.UUID
) -> dict[str, Any]:
    row = await _readable_row(session, principal, measurement_id)
    shield = await protection(session, principal)
    published = publish(row, shield.withholds(row.denominator, row.path, row.min_denominator))
    published["version"] = row.version
    return published


#: The fields small-number protection leaves out of a withheld figure.
PROTECTED_FIELDS = ("value", "numerator", "denominator", "comment")


def _history_entry(
    changes: dict[str, Any],
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    hides: Callable[[dict[str, Any] | None], bool],
) -> tuple[dict[str, Any], bool]:
    """One write's changes as the reader may see them, and whether any of it was withheld.

    Each side of the write (the figures before it, the figures after it) is judged on its own
    denominator. A withheld side is left out, not shown as null (null would read as "no
    value"); when only one side is withheld, the protected fields are listed with their other
    side whether they changed or not, so that which ones changed tells nothing of the
    withheld side (a numerator left unchanged would otherwise give away its before).
    """
    hide_before, hide_after = hides(before), hides(after)
    shown = {key: change for key, change in changes.items() if key not in PROTECTED_FIELDS}
    if not hide_before and not hide_after:
        shown.update({key: changes[key] for key in PROTECTED_FIELDS if key in changes})
    elif not hide_after and after is not None:
        shown.update({key: {"after": after[key]} for key in PROTECTED_FIELDS if key in after})
    elif not hide_before and before is not None:
        shown.update({key: {"before": before[key]} for key in PROTECTED_FIELDS if key in before})
    return shown, hide_before or hide_after


def _sides(change: Any) -> tuple[Any, Any]:
    """A field's (before, after) in the trail: ``{before, after}``, or the plain value an
    ORM-written create records."""
    if isinstance(change, dict) and set(change) == {"before", "after"}:
        return change["before"], change["after"]
    return None, change


async def measurement_history(
    session: AsyncSession, principal: Principal, measurement_id: uuid.UUID
) -> list[dict[str, Any]]:
    """Every write of the measurement, oldest first: who, when, before and after.

    Small-number protection judges every entry on its own figures, not on the current ones:
    a value once withheld stays withheld in the history after a larger one replaced it, and
    a small value that replaced a large one does not hide the large one. The figures of each
    side are rebuilt from the trail (an update names only the fields it changed); a side
    whose denominator the trail does not tell is withheld from a reader it would protect.
    """
    row = await _readable_row(session, principal, measurement_id)
    shield = await protection(session, principal)
    events = await session.execute(
        select(
            col(AuditEvent.occurred_at),
            col(AuditEvent.action),
            col(AuditEvent.actor_name),
            col(AuditEvent.actor_token_id),
            col(AuditEvent.request_id),
            col(AuditEvent.changes),
        )
        .where(
            col(AuditEvent.organisation_id) == principal.organisation_id,
            col(AuditEvent.object_type) == "measurement",
            col(AuditEvent.object_id) == measurement_id,
        )
        .order_by(col(AuditEvent.occurred_at), col(AuditEvent.id))
    )

    def hides(figures: dict[str, Any] | None) -> bool:
        if figures is None:  # nothing before a create, nothing after a delete
            return False
        if "denominator" not in figures:
            # Not in the trail: judged as the smallest, where the measure has denominators.
            unknown = None if row.denominator is None else 0.0
            return shield.withholds(unknown, row.path, row.min_denominator)
        return shield.withholds(figures["denominator"], row.path, row.min_denominator)

    entries: list[dict[str, Any]] = []
    state: dict[str, Any] | None = None  # the figures after the previous write
    for occurred_at, action, actor_name, actor_token_id, request_id, changes in events:
        sides = {key: _sides(change) for key, change in changes.items()}
        befores = {key: before for key, (before, _) in sides.items()}
        afters = {key: after for key, (_, after) in sides.items()}
        before: dict[str, Any] | None
        after: dict[str, Any] | None
        if action == "create":
            before, after = None, afters
        elif action == "delete":
            before, after = {**(state or {}), **befores}, None
        else:
            before, after = {**(state or {}), **befores}, {**(state or {}), **afters}
        shown, withheld = _history_entry(changes, before, after, hides)
        entries.append(
            {
                "occurred_at": occurred_at,
                "action": action,
                "actor_name": actor_name,
                "actor_token_id": actor_token_id,
                "request_id": request_id,
                "changes": shown,
                "withheld": withheld,
            }
        )
        state = after
    return entries


async def delete_measurement(
    session: AsyncSession, principal: Principal, measurement_id: uuid.UUID, *, if_match: str | None
) -> None:
    """Delete one measurement (audited with its last figures)."""
    measurement = (
        await session.execute(
            select(Measurement)
            .join(OrgUnit, col(OrgUnit.id) == Measurement.org_unit_id)
            .where(
                col(Measurement.id) == measurement_id,
                col(Measurement.organisation_id) == principal.organisation_id,
                principal.path_filter(col(OrgUnit.path)),
            )
        )
    ).scalar_one_or_none()
    if measurement is None:
        raise NotFound.for_object("measurement", measurement_id)
    check_if_match(if_match, measurement)
    await session.delete(measurement)
    await events.record_measurements(
        session,
        principal.organisation_id,
        events.EventType.measurement_deleted,
        [(measurement.org_unit_id, measurement.measure_id, measurement.period_key)],
    )
    await session.commit()


class SeriesPoint(NamedTuple):
    """One point of a series. A named tuple: as immutable as a frozen dataclass, and made ten
    times faster, which counts at 10,000 points a request."""

    ordinal: int
    period: str
    first_on: date
    value: float | None
    numerator: float | None
    denominator: float | None
    units: int
    withheld: bool


@dataclass(frozen=True)
class Series:
    measure: Measure
    org_unit_id: uuid.UUID
    aggregated: bool
    points: Sequence[SeriesPoint]


async def read_series(
    session: AsyncSession,
    principal: Principal,
    measure_id: uuid.UUID,
    *,
    org_unit_id: uuid.UUID | None = None,
    include_descendants: bool = False,
    period_from: str | None = None,
    period_to: str | None = None,
) -> Series:
    """One measure's values in period order, for one unit or summed over its subtree.

    Over a subtree, proportions and rates add numerators and denominators (never an average of
    percentages), counts add up, continuous values and ratings are averaged over the units.
    A subtree can only be aggregated within the token's scope; a unit above the scope shows
    its own figures, with small-number protection.
    """
    measure = await measure_service.get_measure(session, principal, measure_id)
    unit_id = org_unit_id or measure.org_unit_id
    if org_unit_id is not None:
        unit_path = await _readable_unit_path(session, principal, org_unit_id)
    else:
        unit_path = await measure_service.owner_path(session, measure)
    if include_descendants and not principal.covers_path(unit_path):
        raise InvalidInput(
            "query.include_descendants",
            "the unit lies above your scope: its subtree includes units you cannot read",
        )
    aggregated = include_descendants
    kind = ValueKind(measure.value_kind)
    if aggregated:
        # Counts add up over the units; continuous values and ratings are averaged.
        value: Any = func.sum(_M.value) if kind is ValueKind.count else func.avg(_M.value)
        stmt = (
            select(
                _M.period_ordinal,
                func.min(_M.period_key),
                func.min(_M.period_first_on),
                value,
                func.sum(_M.numerator),
                func.sum(_M.denominator),
                func.count(),
            )
            .join(OrgUnit, col(OrgUnit.id) == _M.org_unit_id)
            .where(
                _M.measure_id == measure.id,
                col(OrgUnit.path).startswith(unit_path, autoescape=True),
            )
            .group_by(_M.period_ordinal)
        )
    else:
        stmt = select(
            _M.period_ordinal,
            _M.period_key,
            _M.period_first_on,
            _M.value,
            _M.numerator,
            _M.denominator,
            literal(1),  # one unit's own figure
        ).where(_M.measure_id == measure.id, _M.org_unit_id == unit_id)
    school_year, _ = await measure_service.organisation_settings(session, principal.organisation_id)
    for name, bound, compare in (
        ("period_from", period_from, _M.period_ordinal.__ge__),
        ("period_to", period_to, _M.period_ordinal.__le__),
    ):
        if bound is not None:
            ordinal, _ = _period_bound(bound, measure, name, school_year)
            stmt = stmt.where(compare(ordinal))
    stmt = stmt.order_by(_M.period_ordinal)
    shield = await protection(session, principal)
    # Small-number protection decided once for the series (one unit path, one minimum), so a
    # point costs one comparison; the same rule as Protection.withholds.
    limit = shield.threshold(measure.min_denominator)
    protected = limit is not None and not principal.covers_path(unit_path)
    ratio = kind in (ValueKind.proportion, ValueKind.rate)
    scale = 100 if kind is ValueKind.proportion else 1
    points = []
    for ordinal, key, first_on, point_value, numerator, denominator, units in await session.execute(
        stmt
    ):
        if aggregated and ratio and denominator:
            point_value = numerator / denominator * scale
        if protected and denominator is not None and denominator < limit:
            points.append(SeriesPoint(ordinal, key, first_on, None, None, None, units, True))
        else:
            points.append(
                SeriesPoint(
                    ordinal, key, first_on, point_value, numerator, denominator, units, False
                )
            )
    return Series(measure, unit_id, aggregated, points)


async def read_members(
    session: AsyncSession,
    principal: Principal,
    series: Series,
    *,
    period_from: str | None = None,
    period_to: str | None = None,
) -> dict[int, list[float]]:
    """Each period's values of the units that reported it in the series' subtree (period
    ordinal -> values in unit order): the members of the period's subgroup on an Xbar or S
    chart. Only a series aggregated over a subtree has members (the token covers that
    subtree, so nothing in it is withheld); a unit's own series has its one value a period."""
    measure = series.measure
    if not series.aggregated:
        return {p.ordinal: [p.value] for p in series.points if p.value is not None}
    unit_path = await _readable_unit_path(session, principal, series.org_unit_id)
    stmt = (
        select(_M.period_ordinal, _M.value)
        .join(OrgUnit, col(OrgUnit.id) == _M.org_unit_id)
        .where(
            _M.measure_id == measure.id,
            col(OrgUnit.path).startswith(unit_path, autoescape=True),
            _M.value.is_not(None),
        )
        .order_by(_M.period_ordinal, col(OrgUnit.path))
    )
    school_year, _ = await measure_service.organisation_settings(session, principal.organisation_id)
    for name, bound, compare in (
        ("period_from", period_from, _M.period_ordinal.__ge__),
        ("period_to", period_to, _M.period_ordinal.__le__),
    ):
        if bound is not None:
            ordinal, _ = _period_bound(bound, measure, name, school_year)
            stmt = stmt.where(compare(ordinal))
    members: dict[int, list[float]] = {}
    for ordinal, value in await session.execute(stmt):
        members.setdefault(ordinal, []).append(float(value))
    return members


async def _readable_unit_path(
    session: AsyncSession, principal: Principal, org_unit_id: uuid.UUID
) -> str:
    """A unit whose figures the token may read: in its subtree or on the path above it."""
    path = await session.scalar(
        select(col(OrgUnit.path)).where(
            col(OrgUnit.id) == org_unit_id,
            col(OrgUnit.organisation_id) == principal.organisation_id,
            goal_service.readable_units(principal),
        )
    )
    if path is None:
        raise not_visible("query.org_unit_id", "org unit", org_unit_id)
    return path


def series_document(series: Series) -> dict[str, Any]:
    return {
        "measure_id": str(series.measure.id),
        "org_unit_id": str(series.org_unit_id),
        "period_kind": series.measure.period_kind,
        "value_kind": series.measure.value_kind,
        "aggregated": series.aggregated,
        "points": [
            {
                "period": period,
                "period_first_on": first_on.isoformat(),
                "value": value,
                "numerator": numerator,
                "denominator": denominator,
                "units": units,
                "withheld": withheld,
            }
            for _, period, first_on, value, numerator, denominator, units, withheld in series.points
        ],
    }


EXPORT_HEADER: tuple[headers.Column, ...] = (
    "period",
    "measure",
    "unit",
    "value",
    "numerator",
    "denominator",
    "comment",
    "external_id",
)
MAX_EXPORT_ROWS = 1_000_000


def _figure(value: float | None) -> float | int | None:
    """Whole numbers as Excel users write them (`3`, not `3,0`)."""
    if value is not None and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


async def export_rows(
    session: AsyncSession, principal: Principal, where: MeasurementFilter
) -> Iterator[tuple[Any, ...]]:
    """Rows for an export, in the columns an import reads (measures and units by code where
    they have one, else by id), so an exported file can be imported again unchanged."""
    stmt = await _filtered(session, principal, where)
    stmt = stmt.add_columns(col(Measure.external_code), col(OrgUnit.external_code)).order_by(
        _M.measure_id, _M.period_ordinal, _M.org_unit_id
    )
    shield = await protection(session, principal)
    result = await session.execute(stmt.limit(MAX_EXPORT_ROWS))
    rows = []
    for row in result:
        withheld = shield.withholds(row.denominator, row.path, row.min_denominator)
        measure_code, unit_code = row[-2], row[-1]
        rows.append(
            (
                row.period_key,
                measure_code or str(row.measure_id),
                unit_code or str(row.org_unit_id),
                None if withheld else _figure(row.value),
                None if withheld else _figure(row.numerator),
                None if withheld else _figure(row.denominator),
                "[withheld: small numbers]" if withheld else row.comment,
                row.external_id,
            )
        )
    return iter(rows)


async def expected_reporters(
    session: AsyncSession, principal: Principal, measure: Measure, *, unit_kind: str | None = None
) -> list[Any]:
    """The units in the token's scope expected to report the measure, by name: ``(id, name,
    path, kind, external_code)`` rows (see :func:`reporting_status`)."""
    owner = await measure_service.owner_path(session, measure)
    units = select(
        col(OrgUnit.id),
        col(OrgUnit.name),
        col(OrgUnit.path),
        col(OrgUnit.kind),
        col(OrgUnit.external_code),
    ).where(
        col(OrgUnit.organisation_id) == principal.organisation_id,
        col(OrgUnit.archived_at).is_(None),
        principal.path_filter(col(OrgUnit.path)),
    )
    if measure.shared:
        units = units.where(
            col(OrgUnit.path).startswith(owner, autoescape=True),
            col(OrgUnit.id) != measure.org_unit_id,
        )
        unit_kind = unit_kind or measure.reporting_unit_kind
        if unit_kind is not None:
            units = units.where(col(OrgUnit.kind) == unit_kind)
        else:
            child = OrgUnit.__table__.alias("child")  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker
            units = units.where(
                ~select(child.c.id)
                .where(child.c.parent_id == OrgUnit.id, child.c.archived_at.is_(None))
                .exists()
            )
    else:
        units = units.where(col(OrgUnit.id) == measure.org_unit_id)
    return list((await session.execute(units.order_by(col(OrgUnit.name), col(OrgUnit.id)))).all())


async def reporting_status(
    session: AsyncSession,
    principal: Principal,
    measure_id: uuid.UUID,
    *,
    period: str,
    unit_kind: str | None = None,
) -> dict[str, Any]:
    """Which units have reported the measure for the period, and which not yet.

    Expected reporters of a shared indicator: the units below its unit within the token's scope
    that have no units below them (schools, typically), or every unit of ``unit_kind``;
    archived units are not expected. An initiative's measure is reported by its own unit.
    """
    measure = await measure_service.get_measure(session, principal, measure_id)
    school_year, _ = await measure_service.organisation_settings(session, principal.organisation_id)
    try:
        parsed: Period = parse_period(measure.period_kind, period, school_year_start=school_year)
    except InvalidPeriod as error:
        raise InvalidInput("query.period", Text.of(error.wording), type_="invalid_period") from None
    expected = await expected_reporters(session, principal, measure, unit_kind=unit_kind)
    reported = {
        unit_id: (measurement_id, recorded_at)
        for unit_id, measurement_id, recorded_at in await session.execute(
            select(_M.org_unit_id, _M.id, _M.recorded_at).where(
                _M.measure_id == measure.id,
                _M.period_ordinal == parsed.ordinal,
                _M.org_unit_id.in_([row[0] for row in expected] or [uuid.uuid4()]),
            )
        )
    }
    entries = [
        {
            "org_unit_id": unit_id,
            "name": name,
            "kind": kind,
            "reported": unit_id in reported,
            "measurement_id": reported[unit_id][0] if unit_id in reported else None,
            "recorded_at": reported[unit_id][1] if unit_id in reported else None,
        }
        for unit_id, name, _path, kind, _code in expected
    ]
    done = sum(1 for entry in entries if entry["reported"])
    return {
        "measure_id": measure.id,
        "period": parsed.key,
        "expected": len(entries),
        "reported": done,
        "missing": len(entries) - done,
        "units": entries,
    }
