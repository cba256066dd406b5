"""Getting measurements in: one row, a bulk request or a spreadsheet, all through one path.

Every row is checked before anything is written, so a request is all-or-nothing: one bad row
writes nothing and the answer names every bad row and field. The rows are then compared with
what is stored: new ones are inserted, changed ones updated (the audit trail keeps the earlier
value: the measurement's history), equal ones left alone. Rows are written with Core in a few
statements whatever their number, with their audit entries in the same transaction. Writers of
one measure take turns (its row is locked), so two uploads of the same data cannot both insert.
"""

import functools
import math
import uuid
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.audit import service as audit
from app.audit.models import AuditAction
from app.context import Principal
from app.db import context_of, insert_rows, utcnow
from app.events import service as events
from app.measures.models import (
    MAX_ROWS,
    Measure,
    Measurement,
    MeasurementIn,
    MeasurementOutcome,
    MeasurementSource,
    ValueKind,
)
from app.measures.service import organisation_settings, readable_measures
from app.metrics import count_ingested
from app.org_units.models import OrgUnit
from app.periods import InvalidPeriod, Period, SchoolYearStart, parse_period
from app.problem_texts import Text
from app.problems import Conflict, FieldError, InvalidInput, Problem

MAX_LISTED_ERRORS = 1000
_TABLE = Measurement.__table__  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker
_CHUNK = 2000  # ids per IN (...) list: well under both databases' parameter limits


class RowsRefused(Problem):
    """Some rows did not pass: nothing was written."""

    status, type, title = 422, "rows-refused", "Rows refused"


@dataclass(slots=True)
class Candidate:
    """One row as it came, from JSON or from a spreadsheet, before any check."""

    where: str
    """How errors name the row, e.g. ``body.rows[3]`` or ``file.rows[5]``."""
    measure_id: uuid.UUID | None = None
    measure_code: str | None = None
    org_unit_id: uuid.UUID | None = None
    org_unit_code: str | None = None
    period: str | date | None = None
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    comment: str | None = None
    external_id: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    """For spreadsheets: the header each field came from, so errors name the column."""

    @classmethod
    def from_json(cls, row: MeasurementIn, where: str) -> "Candidate":
        return cls(
            where=where,
            measure_id=row.measure_id,
            measure_code=row.measure_code,
            org_unit_id=row.org_unit_id,
            org_unit_code=row.org_unit_code,
            period=row.period,
            value=row.value,
            numerator=row.numerator,
            denominator=row.denominator,
            comment=row.comment,
            external_id=row.external_id,
        )


@dataclass(slots=True)
class Prepared:
    """A row that passed every check: what will be stored."""

    candidate: Candidate
    measure: Measure
    org_unit_id: uuid.UUID
    period: Period
    value: float
    numerator: float | None
    denominator: float | None

    @property
    def key(self) -> tuple[uuid.UUID, uuid.UUID, int]:
        return (self.measure.id, self.org_unit_id, self.period.ordinal)


@dataclass
class Result:
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    dry_run: bool = False
    outcomes: list[MeasurementOutcome] = field(default_factory=list)
    ids: list[uuid.UUID] = field(default_factory=list)


@dataclass
class _Errors:
    items: list[FieldError] = field(default_factory=list)
    rows: set[str] = field(default_factory=set)

    def add(
        self, candidate: Candidate, name: str, message: str | Text, type_: str = "invalid"
    ) -> None:
        """Name what is wrong with the row's ``name``: a :class:`Text` is said in the request's
        language, a plain string (a period parser's message) in English."""
        self.rows.add(candidate.where)
        if len(self.items) < MAX_LISTED_ERRORS:
            column = candidate.columns.get(name)
            where = f"{candidate.where}.{name}"
            if isinstance(message, Text):
                self.items.append(FieldError.of(where, message, type_, column=column))
                return
            if column is not None:
                message = f"column {column!r}: {message}"
            self.items.append(FieldError(field=where, message=message, type=type_))


AMBIGUOUS: ContextVar[frozenset[tuple[str, str]]] = ContextVar("ambiguous", default=frozenset())
"""Names that more than one measure or unit carries, found while resolving a request's rows."""


def _ambiguous(kind: str, name: str) -> Text:
    return Text(f"row.ambiguous-{kind}", {"name": name})


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


async def _measures(
    session: AsyncSession, principal: Principal, candidates: Sequence[Candidate]
) -> tuple[dict[uuid.UUID, Measure], dict[str, Measure], dict[uuid.UUID, str]]:
    """The measures the rows name, by id and by code, with their owner units' paths. Reading
    them in a writer's session locks them: writers of one measure take turns."""
    ids = list({c.measure_id for c in candidates if c.measure_id is not None})
    codes = list({c.measure_code for c in candidates if c.measure_code is not None})
    by_id: dict[uuid.UUID, Measure] = {}
    by_code: dict[str, Measure] = {}
    paths: dict[uuid.UUID, str] = {}
    base = (
        select(Measure, col(OrgUnit.path))
        .join(OrgUnit, col(OrgUnit.id) == Measure.org_unit_id)
        .where(
            col(Measure.organisation_id) == principal.organisation_id,
            readable_measures(principal),
        )
        .with_for_update(of=Measure)
    )
    for chunk in _chunks(ids):
        for measure, path in await session.execute(base.where(col(Measure.id).in_(chunk))):
            by_id[measure.id], paths[measure.id] = measure, path
    for chunk in _chunks(codes):
        for measure, path in await session.execute(
            base.where(col(Measure.external_code).in_(chunk))
        ):
            by_code[str(measure.external_code)], paths[measure.id] = measure, path
    # Spreadsheets often name a measure by its name: a code nobody has may be one, if unique.
    names = [code for code in codes if code not in by_code]
    for chunk in _chunks(names):
        named: dict[str, list[tuple[Measure, str]]] = {}
        for measure, path in await session.execute(
            base.where(func.lower(col(Measure.name)).in_([n.lower() for n in chunk]))
        ):
            named.setdefault(measure.name.lower(), []).append((measure, path))
        for name in chunk:
            matches = named.get(name.lower(), [])
            if len(matches) == 1:
                measure, path = matches[0]
                by_code[name], paths[measure.id] = measure, path
            elif matches:
                AMBIGUOUS.set(AMBIGUOUS.get() | {("measure", name)})
    return by_id, by_code, paths


@dataclass(frozen=True, slots=True)
class _Unit:
    id: uuid.UUID
    path: str
    archived: bool
    kind: str


async def _units(
    session: AsyncSession, principal: Principal, candidates: Sequence[Candidate]
) -> tuple[dict[uuid.UUID, _Unit], dict[str, _Unit]]:
    ids = list({c.org_unit_id for c in candidates if c.org_unit_id is not None})
    codes = list({c.org_unit_code for c in candidates if c.org_unit_code is not None})
    by_id: dict[uuid.UUID, _Unit] = {}
    by_code: dict[str, _Unit] = {}
    base = select(
        col(OrgUnit.id),
        col(OrgUnit.path),
        col(OrgUnit.archived_at),
        col(OrgUnit.kind),
        col(OrgUnit.external_code),
    ).where(col(OrgUnit.organisation_id) == principal.organisation_id)
    for chunk in _chunks(ids):
        for unit_id, path, archived_at, kind, _ in await session.execute(
            base.where(col(OrgUnit.id).in_(chunk))
        ):
            by_id[unit_id] = _Unit(unit_id, path, archived_at is not None, kind)
    for chunk in _chunks(codes):
        for unit_id, path, archived_at, kind, code in await session.execute(
            base.where(col(OrgUnit.external_code).in_(chunk))
        ):
            by_code[str(code)] = _Unit(unit_id, path, archived_at is not None, kind)
    # A unit may be named by its name (``Norrskolan``) when no unit has it as a code and one
    # unit in the token's scope has that name.
    names = [code for code in codes if code not in by_code]
    for chunk in _chunks(names):
        named: dict[str, list[_Unit]] = {}
        for unit_id, path, archived_at, kind, name in await session.execute(
            select(
                col(OrgUnit.id),
                col(OrgUnit.path),
                col(OrgUnit.archived_at),
                col(OrgUnit.kind),
                col(OrgUnit.name),
            ).where(
                col(OrgUnit.organisation_id) == principal.organisation_id,
                principal.path_filter(col(OrgUnit.path)),
                func.lower(col(OrgUnit.name)).in_([n.lower() for n in chunk]),
            )
        ):
            named.setdefault(name.lower(), []).append(
                _Unit(unit_id, path, archived_at is not None, kind)
            )
        for name in chunk:
            matches = named.get(name.lower(), [])
            if len(matches) == 1:
                by_code[name] = matches[0]
            elif matches:
                AMBIGUOUS.set(AMBIGUOUS.get() | {("unit", name)})
    return by_id, by_code


def _whole(number: float) -> bool:
    return math.isfinite(number) and number == int(number)


LARGEST = 1e12
"""Every stored figure (value, numerator, denominator and a derived rate or percentage) is
finite and at most this large in magnitude, whichever way it came in."""


def _out_of_range(number: float | None) -> bool:
    return number is not None and not (math.isfinite(number) and abs(number) <= LARGEST)


def _check_inputs(candidate: Candidate, errors: _Errors) -> bool:
    """Every figure as sent is finite and within ``LARGEST`` (spreadsheets allow more)."""
    fine = True
    for name in ("value", "numerator", "denominator"):
        if _out_of_range(getattr(candidate, name)):
            errors.add(candidate, name, Text("row.out-of-range", {"largest": LARGEST}))
            fine = False
    return fine


def _agrees_as_shown(value: float, computed: float, kind: ValueKind) -> bool:
    """A figure beside its counts agrees when it is the computed one rounded to the decimals
    it is written with (Excel saves the displayed 70,8 for 17/24 = 70.833...); a proportion
    may also be the fraction a percent-formatted cell holds (0.7083...)."""
    if math.isclose(value, computed, rel_tol=1e-6, abs_tol=1e-9):
        return True
    if kind is ValueKind.proportion and math.isclose(value * 100, computed, rel_tol=1e-6):
        return True
    text = repr(value)
    if "e" in text or "n" in text:
        return False
    decimals = len(text.split(".", 1)[1].rstrip("0")) if "." in text else 0
    return bool(abs(value - computed) <= 0.5 * 10.0**-decimals * (1 + 1e-9))


def check_value(
    measure: Measure, candidate: Candidate, errors: _Errors
) -> tuple[float, float | None, float | None] | None:
    """The stored (value, numerator, denominator) of a row, or ``None`` after naming what is
    wrong. One rule per value kind; the measure decides which."""
    value, numerator, denominator = candidate.value, candidate.numerator, candidate.denominator
    kind = ValueKind(measure.value_kind)
    if not _check_inputs(candidate, errors):
        return None
    before = len(errors.rows), len(errors.items)
    if kind in (ValueKind.proportion, ValueKind.rate):
        if numerator is None and denominator is None and value is not None:
            errors.add(candidate, "numerator", Text(f"row.{kind.value}-without-counts"), "missing")
            return None
        if numerator is None:
            errors.add(candidate, "numerator", Text(f"row.{kind.value}-needs-numerator"), "missing")
        if denominator is None:
            errors.add(
                candidate, "denominator", Text(f"row.{kind.value}-needs-denominator"), "missing"
            )
        if numerator is None or denominator is None:
            return None
        if denominator <= 0:
            errors.add(candidate, "denominator", Text(f"row.{kind.value}-denominator-positive"))
            return None
        if numerator < 0:
            errors.add(candidate, "numerator", Text("row.not-negative"))
            return None
        if kind is ValueKind.proportion:
            if numerator > denominator:
                errors.add(
                    candidate,
                    "numerator",
                    Text(
                        "row.numerator-exceeds-denominator",
                        {"numerator": numerator, "denominator": denominator},
                    ),
                )
                return None
            if not (_whole(numerator) and _whole(denominator)):
                errors.add(candidate, "numerator", Text("row.proportion-whole"))
                return None
            computed = numerator / denominator * 100
        else:
            if not _whole(numerator):
                errors.add(candidate, "numerator", Text("row.rate-whole"))
                return None
            computed = numerator / denominator
            if _out_of_range(computed):
                # A tiny exposure makes the rate huge (1/1e-300 is 1e300, 1e12/1e-300 infinite):
                # the exposure is what is wrong.
                errors.add(
                    candidate, "denominator", Text("row.exposure-too-small", {"largest": LARGEST})
                )
                return None
        if value is not None and not _agrees_as_shown(value, computed, kind):
            errors.add(
                candidate,
                "value",
                Text("row.value-disagrees", {"value": value, "computed": computed}),
            )
            return None
        return computed, numerator, denominator
    if numerator is not None or denominator is not None:
        name = "numerator" if numerator is not None else "denominator"
        errors.add(candidate, name, Text("row.value-only", {"kind": kind.value}), "extra_forbidden")
        return None
    if value is None:
        errors.add(candidate, "value", Text("row.value-needed"), "missing")
        return None
    if kind is ValueKind.count and (value < 0 or not _whole(value)):
        errors.add(candidate, "value", Text("row.count-whole"))
    elif kind is ValueKind.rating:
        low, high = measure.scale_min, measure.scale_max
        assert low is not None and high is not None
        if not low <= value <= high:
            errors.add(candidate, "value", Text("row.rating-scale", {"low": low, "high": high}))
    if (len(errors.rows), len(errors.items)) != before:
        return None
    return value, None, None


async def prepare(
    session: AsyncSession,
    principal: Principal,
    candidates: Sequence[Candidate],
) -> list[Prepared]:
    """Check every row; raise :class:`RowsRefused` naming every bad one, or return them all."""
    errors = _Errors()
    AMBIGUOUS.set(frozenset())
    measures_by_id, measures_by_code, measure_paths = await _measures(
        session, principal, candidates
    )
    units_by_id, units_by_code = await _units(session, principal, candidates)
    school_year, _ = await organisation_settings(session, principal.organisation_id)
    prepared: list[Prepared] = []
    seen: dict[tuple[uuid.UUID, uuid.UUID, int], str] = {}
    seen_external: dict[tuple[uuid.UUID, str], str] = {}
    for candidate in candidates:
        measure = _measure_of(candidate, measures_by_id, measures_by_code, errors)
        if measure is None:
            continue
        unit_id = _unit_of(
            candidate,
            measure,
            measure_paths[measure.id],
            units_by_id,
            units_by_code,
            principal,
            errors,
        )
        period = _period_of(candidate, measure, school_year, errors)
        checked = check_value(measure, candidate, errors)
        if unit_id is None or period is None or checked is None:
            continue
        row = Prepared(candidate, measure, unit_id, period, *checked)
        earlier = seen.get(row.key)
        if earlier is not None:
            errors.add(
                candidate,
                "period",
                Text("row.duplicate", {"earlier": earlier}),
                "duplicate",
            )
            continue
        seen[row.key] = candidate.where
        if candidate.external_id is not None:
            other = seen_external.get((unit_id, candidate.external_id))
            if other is not None:
                errors.add(
                    candidate,
                    "external_id",
                    Text("row.external-id-repeated", {"other": other}),
                    "duplicate",
                )
                continue
            seen_external[(unit_id, candidate.external_id)] = candidate.where
        prepared.append(row)
    if errors.items:
        raise _refused(errors, len(candidates))
    return prepared


def _refused(errors: _Errors, total: int) -> RowsRefused:
    listed = (
        "" if len(errors.items) < MAX_LISTED_ERRORS else f" (the first {MAX_LISTED_ERRORS} listed)"
    )
    refused = len(errors.rows)
    count_ingested(refused=refused)
    if total == 1:
        return RowsRefused("The measurement was refused; nothing was written.", errors=errors.items)
    return RowsRefused(
        f"{refused} of {total} rows were refused{listed}; nothing was written. "
        "Correct them and send the request again.",
        errors=errors.items,
    )


def _measure_of(
    candidate: Candidate,
    by_id: dict[uuid.UUID, Measure],
    by_code: dict[str, Measure],
    errors: _Errors,
) -> Measure | None:
    if candidate.measure_id is not None:
        measure = by_id.get(candidate.measure_id)
        if measure is None:
            errors.add(
                candidate,
                "measure_id",
                Text("row.no-measure-id", {"id": candidate.measure_id}),
                "not_found",
            )
        elif candidate.measure_code is not None and measure.external_code != candidate.measure_code:
            errors.add(candidate, "measure_code", Text("row.measure-code-differs"))
            return None
        return measure
    if candidate.measure_code is not None:
        measure = by_code.get(candidate.measure_code)
        if measure is None and ("measure", candidate.measure_code) in AMBIGUOUS.get():
            errors.add(
                candidate,
                "measure_code",
                _ambiguous("measure", candidate.measure_code),
                "ambiguous",
            )
        elif measure is None:
            errors.add(
                candidate,
                "measure_code",
                Text("row.no-measure-code", {"code": candidate.measure_code}),
                "not_found",
            )
        return measure
    errors.add(candidate, "measure_id", Text("row.measure-needed"), "missing")
    return None


def _unit_of(
    candidate: Candidate,
    measure: Measure,
    measure_path: str,
    by_id: dict[uuid.UUID, _Unit],
    by_code: dict[str, _Unit],
    principal: Principal,
    errors: _Errors,
) -> uuid.UUID | None:
    named: _Unit | None = None
    name = "org_unit_id"
    if candidate.org_unit_id is not None:
        named = by_id.get(candidate.org_unit_id)
        missing = Text("row.no-unit-id", {"id": candidate.org_unit_id})
    elif candidate.org_unit_code is not None:
        name = "org_unit_code"
        named = by_code.get(candidate.org_unit_code)
        missing = Text("row.no-unit-code", {"code": candidate.org_unit_code})
    else:
        if not measure.shared:
            if not principal.covers_path(measure_path):
                errors.add(candidate, "measure_id", Text("row.measure-outside-scope"), "not_found")
                return None
            return measure.org_unit_id
        errors.add(
            candidate,
            "org_unit_id",
            Text("row.unit-needed"),
            "missing",
        )
        return None
    if named is None and ("unit", candidate.org_unit_code or "") in AMBIGUOUS.get():
        errors.add(candidate, name, _ambiguous("unit", candidate.org_unit_code or ""), "ambiguous")
        return None
    if named is None or not principal.covers_path(named.path):
        errors.add(candidate, name, missing, "not_found")
        return None
    if named.archived:
        errors.add(candidate, name, Text("row.unit-archived"), "archived")
        return None
    if measure.shared:
        if not named.path.startswith(measure_path):
            errors.add(
                candidate,
                name,
                Text("row.unit-outside-indicator"),
            )
            return None
        expected = measure.reporting_unit_kind
        if expected is not None and named.kind != expected:
            errors.add(
                candidate,
                name,
                Text("row.wrong-unit-kind", {"expected": expected, "kind": named.kind}),
                "wrong_unit_kind",
            )
            return None
    elif named.id != measure.org_unit_id:
        errors.add(
            candidate,
            name,
            Text("row.initiative-unit-only"),
        )
        return None
    return named.id


def _period_of(
    candidate: Candidate, measure: Measure, school_year: SchoolYearStart, errors: _Errors
) -> Period | None:
    if candidate.period is None:
        errors.add(candidate, "period", Text("row.period-needed"), "missing")
        return None
    try:
        return parse_period(measure.period_kind, candidate.period, school_year_start=school_year)
    except InvalidPeriod as error:
        errors.add(candidate, "period", Text.of(error.wording), "invalid_period")
        return None


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


_COMPARED = ("value", "numerator", "denominator", "comment")


_STORED = (  # measure_id is the statement's own
    _TABLE.c.id,
    _TABLE.c.org_unit_id,
    _TABLE.c.period_ordinal,
    _TABLE.c.value,
    _TABLE.c.numerator,
    _TABLE.c.denominator,
    _TABLE.c.comment,
    _TABLE.c.external_id,
    _TABLE.c.source,
)


async def _existing(
    session: AsyncSession, rows: Sequence[Prepared]
) -> dict[tuple[uuid.UUID, uuid.UUID, int], dict[str, Any]]:
    """The stored measurements with the rows' keys.

    Asked per measure as ``measure_id = m AND org_unit_id IN (...) AND period_ordinal IN
    (...)`` (one query per 2,000 periods), which the unique index answers key by key; stored
    rows of the measure's units and periods that no row names are dropped. Rows whose units and
    periods combine into many more keys than they are (scattered rows of many units) are asked
    by their exact keys instead. A row-value ``IN`` of every key made PostgreSQL check each
    stored row of the measure and unit against each key: 45 ms for 1,000 keys among 10,000.
    """
    t = _TABLE.c
    wanted = {row.key for row in rows}
    by_measure: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID, int]]] = {}
    for key in wanted:
        by_measure.setdefault(key[0], []).append(key)
    found: dict[tuple[uuid.UUID, uuid.UUID, int], dict[str, Any]] = {}
    connection = await session.connection()
    for measure_id, keys in by_measure.items():
        units = sorted({key[1] for key in keys})
        ordinals = sorted({key[2] for key in keys})
        if len(units) <= _CHUNK and len(units) * len(ordinals) <= 4 * len(keys) + 64:
            statements = [
                select(*_STORED).where(
                    t.measure_id == measure_id,
                    t.org_unit_id.in_(units),
                    t.period_ordinal.in_(chunk),
                )
                for chunk in _chunks(ordinals)
            ]
        else:
            statements = [
                select(*_STORED).where(
                    tuple_(t.measure_id, t.org_unit_id, t.period_ordinal).in_(chunk)
                )
                for chunk in _chunks(keys)
            ]
        for stmt in statements:
            for (
                stored_id,
                unit_id,
                ordinal,
                value,
                numerator,
                denominator,
                comment,
                external_id,
                source,
            ) in await connection.execute(stmt):
                key = (measure_id, unit_id, ordinal)
                if key in wanted:
                    found[key] = {
                        "id": stored_id,
                        "value": value,
                        "numerator": numerator,
                        "denominator": denominator,
                        "comment": comment,
                        "external_id": external_id,
                        "source": source,
                    }
    return found


_Owners = dict[tuple[uuid.UUID, str], tuple[uuid.UUID, tuple[uuid.UUID, uuid.UUID, int]]]


async def _external_owners(
    session: AsyncSession, principal: Principal, rows: Sequence[Prepared]
) -> _Owners:
    """The stored measurements that already carry the rows' external ids, by (reporting unit,
    external id): ids are unique per reporting unit, and a writer covers the unit it writes for,
    so every owner found is one the writer may read."""
    t = _TABLE.c
    by_unit: dict[uuid.UUID, list[str]] = {}
    for row in rows:
        if row.candidate.external_id is not None:
            by_unit.setdefault(row.org_unit_id, []).append(row.candidate.external_id)
    owners: _Owners = {}
    for unit, ids in by_unit.items():
        for chunk in _chunks(ids):
            stmt = select(t.external_id, t.id, t.measure_id, t.period_ordinal).where(
                t.organisation_id == principal.organisation_id,
                t.org_unit_id == unit,
                t.external_id.in_(chunk),
            )
            for external_id, measurement_id, measure_id, ordinal in await session.execute(stmt):
                owners[(unit, external_id)] = (measurement_id, (measure_id, unit, ordinal))
    return owners


def _taken(
    rows: Sequence[Prepared], keys: Sequence[tuple[uuid.UUID, uuid.UUID, int]], owners: _Owners
) -> _Errors:
    """Rows whose external id already names another measurement of their unit (``keys`` are
    the rows' keys, read before a rollback could expire their measures)."""
    errors = _Errors()
    for row, key in zip(rows, keys, strict=True):
        external_id = row.candidate.external_id
        owner = None if external_id is None else owners.get((row.org_unit_id, external_id))
        if owner is not None and owner[1] != key:
            errors.add(
                row.candidate,
                "external_id",
                Text("row.external-id-taken", {"measurement": owner[0]}),
                "duplicate",
            )
    return errors


class ExternalIdTaken(Conflict):
    """A request running at the same time gave the same external id to another measurement."""

    status, type, title = 409, "external-id-taken", "External id taken meanwhile"


@functools.lru_cache(maxsize=4096)
def _text(value: uuid.UUID) -> str:
    """An id as the audit trail writes it (a bulk request names few measures and units)."""
    return str(value)


def _changes(
    before: dict[str, Any] | None, after: dict[str, Any], keys: Iterable[str]
) -> dict[str, Any]:
    return {
        key: audit.changed(before.get(key) if before else None, after[key])
        for key in keys
        if before is None or before.get(key) != after[key]
    }


async def write(
    session: AsyncSession,
    principal: Principal,
    rows: Sequence[Prepared],
    *,
    source: MeasurementSource,
    dry_run: bool = False,
) -> Result:
    """Store the checked rows (or, with ``dry_run``, only count what would happen) and commit."""
    existing = await _existing(session, rows)
    keys = [row.key for row in rows]
    errors = _taken(rows, keys, await _external_owners(session, principal, rows))
    if errors.items:
        raise _refused(errors, len(rows))

    context = context_of(session)
    now = utcnow()
    result = Result(dry_run=dry_run)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    entries: list[audit.AuditEntry] = []
    for row in rows:
        stored = existing.get(row.key)
        after = {
            "value": row.value,
            "numerator": row.numerator,
            "denominator": row.denominator,
            "comment": row.candidate.comment,
        }
        external_id = row.candidate.external_id
        if stored is not None:
            same = all(stored[key] == after[key] for key in _COMPARED)
            if same and (external_id is None or external_id == stored["external_id"]):
                result.unchanged += 1
                result.outcomes.append(MeasurementOutcome.unchanged)
                result.ids.append(stored["id"])
                continue
            result.replaced += 1
            result.outcomes.append(MeasurementOutcome.replaced)
            result.ids.append(stored["id"])
            changes = _changes(stored, after, _COMPARED)
            if stored["source"] != source.value:
                changes["source"] = audit.changed(stored["source"], source.value)
            updates.append(
                {
                    "b_id": stored["id"],
                    **after,
                    "external_id": external_id or stored["external_id"],
                    "source": source.value,
                    "recorded_by_token_id": context.actor_token_id,
                    "recorded_at": now,
                }
            )
            entries.append(_entry(principal, stored["id"], row, AuditAction.update, changes))
            continue
        record, entry = _new_measurement(
            principal, row, after, source=source, token_id=context.actor_token_id, now=now
        )
        result.created += 1
        result.outcomes.append(MeasurementOutcome.created)
        result.ids.append(record["id"])
        inserts.append(record)
        entries.append(entry)
    if dry_run:
        await session.rollback()
        return result
    await _store_naming_clashes(session, principal, rows, keys, inserts, updates, now)
    await events.record_measurements(
        session,
        principal.organisation_id,
        events.EventType.measurement_recorded,
        [
            (r.org_unit_id, r.measure.id, r.period.key)
            for r, o in zip(rows, result.outcomes, strict=True)
            if o != MeasurementOutcome.unchanged
        ],
    )
    await audit.record(session, entries)
    await session.commit()
    count_ingested(created=result.created, replaced=result.replaced, unchanged=result.unchanged)
    return result


def _new_measurement(
    principal: Principal,
    row: Prepared,
    after: dict[str, Any],
    *,
    source: MeasurementSource,
    token_id: uuid.UUID | None,
    now: datetime,
) -> tuple[dict[str, Any], audit.AuditEntry]:
    """The row to insert for a new measurement, and its audit entry."""
    measurement_id = uuid.uuid4()
    external_id = row.candidate.external_id
    record = {
        "id": measurement_id,
        "organisation_id": principal.organisation_id,
        "measure_id": row.measure.id,
        "org_unit_id": row.org_unit_id,
        "period_ordinal": row.period.ordinal,
        "period_key": row.period.key,
        "period_first_on": row.period.first_day,
        **after,
        "source": source.value,
        "external_id": external_id,
        "recorded_by_token_id": token_id,
        "recorded_at": now,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    # Every value is JSON already (text, numbers, None): the trail's {before, after} is
    # built directly rather than through audit.changed for each field of each row.
    created = {
        "measure_id": _text(row.measure.id),
        "org_unit_id": _text(row.org_unit_id),
        "period": row.period.key,
        **after,
        "source": source.value,
        "external_id": external_id,
    }
    changes = {key: {"before": None, "after": value} for key, value in created.items()}
    return record, _entry(principal, measurement_id, row, AuditAction.create, changes)


async def _store_naming_clashes(
    session: AsyncSession,
    principal: Principal,
    rows: Sequence[Prepared],
    keys: list[tuple[uuid.UUID, uuid.UUID, int]],
    inserts: list[dict[str, Any]],
    updates: list[dict[str, Any]],
    now: datetime,
) -> None:
    """Store the rows; when another request took one of their external ids meanwhile, a 409
    naming the rows (nothing is written). ``keys`` are the rows' keys, read before: the
    rollback expires the rows' measures."""
    try:
        await _store(session, inserts, updates, now)
    except IntegrityError:
        # Another request wrote one of these external ids after they were checked above (it
        # committed first: the unique index made this one wait for it). Name the rows.
        await session.rollback()
        errors = _taken(rows, keys, await _external_owners(session, principal, rows))
        if not errors.items:
            raise
        raise ExternalIdTaken(
            "Another request gave the same external id to another measurement of the unit "
            "while this one ran; nothing was written. The rows are named in `errors`.",
            errors=errors.items,
        ) from None


async def _store(
    session: AsyncSession,
    inserts: list[dict[str, Any]],
    updates: list[dict[str, Any]],
    now: datetime,
) -> None:
    connection = await session.connection()
    if inserts:
        await insert_rows(connection, _TABLE, inserts)
    if updates:
        t = _TABLE.c
        await connection.execute(
            update(_TABLE)
            .where(t.id == bindparam("b_id"))
            .values(
                value=bindparam("value"),
                numerator=bindparam("numerator"),
                denominator=bindparam("denominator"),
                comment=bindparam("comment"),
                external_id=bindparam("external_id"),
                source=bindparam("source"),
                recorded_by_token_id=bindparam("recorded_by_token_id"),
                recorded_at=bindparam("recorded_at"),
                updated_at=now,
                version=t.version + 1,
            ),
            updates,
        )


def _entry(
    principal: Principal,
    measurement_id: uuid.UUID,
    row: Prepared,
    action: AuditAction,
    changes: dict[str, Any],
) -> audit.AuditEntry:
    return audit.AuditEntry(
        organisation_id=principal.organisation_id,
        object_type="measurement",
        object_id=measurement_id,
        action=action,
        changes=changes,
        org_unit_id=row.org_unit_id,
    )


async def ingest(
    session: AsyncSession,
    principal: Principal,
    candidates: Sequence[Candidate],
    *,
    source: MeasurementSource,
    dry_run: bool = False,
) -> Result:
    """Check and store rows: all of them, or none with every bad row named."""
    if len(candidates) > MAX_ROWS:
        raise InvalidInput(
            "body.rows", f"at most {MAX_ROWS} rows per request; send the rest in another request"
        )
    rows = await prepare(session, principal, candidates)
    return await write(session, principal, rows, source=source, dry_run=dry_run)
