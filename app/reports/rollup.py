"""The roll-up report (kvalitetsredovisning) of one indicator for one period over a unit tree.

Every unit of the report's subtree that the token may read gets its figure for the period and
the variation and assurance of its series up to that period; every level is the aggregate of
its whole subtree, computed correctly for the value kind:

- proportions and rates: the sum of the numerators over the sum of the denominators (never
  an average of percentages: a school of 400 pupils weighs more than a class of 20);
- counts: the sum;
- continuous values and ratings: the mean of the units' values (each reporting unit counts
  once, whatever its size), which the report says in ``aggregation``.

Small-number protection (see ``app.measures.readings``): a token reads units inside its scope
in full. A report whose top lies above the token's scope (``org_unit_id`` of a unit on the path
above it) also shows the levels between, as aggregates only. Such a level is withheld for a
period when its denominator is below the minimum, or when what the reader cannot see of it is
below the minimum: the level minus every figure the reader can read anywhere (the rows inside
its scope, the own rows of the units on the path above it that are not withheld on their own,
and the nearest level below it that is shown). So no withheld figure can be had by subtracting
shown figures from one another. A withheld period is a gap in that level's analysis.

Bounded work: a report analyses at most ``REPORT_PERIODS`` periods, the reported one and those
just before it, whatever the spread of the stored periods (a row on 1900-01-01 beside one on
9999-12-31 costs nothing more), and its calculation runs off the event loop.

The work is split so it can be timed alone: :func:`compute_rollup` is pure (NumPy over the rows
of one query), :func:`rollup_report` reads the database (one query for all measurements of the
subtree, whatever its size).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, overload

import anyio.to_thread
import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.analytics.spc import (
    ChartOptions,
)
from app.analytics.summary import plain_sentence, summary_sentence
from app.analytics.types import (
    AnalysisInputError,
    ChartType,
)
from app.charts.kinds import (
    PERIOD_WORD,
    RATIO_KINDS,
    analyse_dense,
    chart_options,
    check_chart,
    display_scale,
)
from app.context import Principal
from app.db import local_today
from app.goals import service as goal_service
from app.i18n import (
    COVERAGE_WORDS,
    REPORT_CSV_COLUMNS,
    STATUS_WORDS,
    YES_NO,
    Language,
)
from app.measures import service as measure_service
from app.measures.models import Measurement, ValueKind
from app.measures.readings import Protection
from app.org_units.models import OrgUnit
from app.periods import (
    InvalidPeriod,
    Period,
    PeriodKind,
    parse_period,
    period_from_ordinal,
    period_of,
)
from app.problem_texts import Text
from app.problems import InvalidInput
from app.references import not_visible

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_M = Measurement.__table__.c  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker
#: What the report reads of each unit, and of each measurement (with its unit's path).
UNIT_COLUMNS = (
    col(OrgUnit.id),
    col(OrgUnit.parent_id),
    col(OrgUnit.name),
    col(OrgUnit.kind),
    col(OrgUnit.external_code),
    col(OrgUnit.path),
    col(OrgUnit.depth),
    col(OrgUnit.archived_at),
)
RECORD_COLUMNS = (col(OrgUnit.path), _M.period_ordinal, _M.value, _M.numerator, _M.denominator)

#: The periods a report analyses at most: the reported period and the ones just before it
#: (a day measure's 2.7 years, a week measure's 19). The work of a report is bounded by its
#: units times this, whatever the spread of the stored periods; older rows are left out.
REPORT_PERIODS = 1_000


def _opt(x: float) -> float | None:
    return None if x != x else float(x)


# --------------------------------------------------------------------------------------------
# The calculation (pure)


AGGREGATION: dict[ValueKind, tuple[str, str]] = {
    ValueKind.proportion: (
        "ratio_of_sums",
        "Each level is the sum of its units' numerators over the sum of their denominators "
        "(never an average of percentages).",
    ),
    ValueKind.rate: (
        "ratio_of_sums",
        "Each level is the sum of its units' events over the sum of their exposure.",
    ),
    ValueKind.count: ("sum", "Each level is the sum of its units' counts."),
    ValueKind.continuous: (
        "mean_of_units",
        "Each level is the mean of its reporting units' values, each unit counted once "
        "whatever its size.",
    ),
    ValueKind.rating: (
        "mean_of_units",
        "Each level is the mean of its reporting units' ratings, each unit counted once "
        "whatever its size.",
    ),
}


@dataclass(frozen=True, slots=True)
class ReportUnit:
    """A unit of the report. ``covered``: inside the token's scope (read in full); otherwise
    a level above it, shown as a protected aggregate only."""

    id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    kind: str
    external_code: str | None
    path: str
    depth: int
    covered: bool


@dataclass(frozen=True, slots=True)
class Rows:
    """The subtree's measurements as columns: the reporting unit's path, the period ordinal,
    value, numerator and denominator (NaN where empty)."""

    paths: Sequence[str]
    ordinals: npt.NDArray[np.int64]
    values: FloatArray
    numerators: FloatArray
    denominators: FloatArray

    @classmethod
    def from_records(cls, records: Sequence[Sequence[Any]]) -> Rows:
        """From ``(path, ordinal, value, numerator, denominator)`` tuples."""
        if not records:
            empty = np.empty(0, dtype=np.float64)
            return cls([], np.empty(0, dtype=np.int64), empty, empty, empty)
        paths, ordinals, values, numerators, denominators = zip(*records, strict=True)
        return cls(
            paths,
            np.array(ordinals, dtype=np.int64),
            np.array(values, dtype=np.float64),
            np.array(numerators, dtype=np.float64),  # None becomes NaN
            np.array(denominators, dtype=np.float64),
        )


@dataclass(frozen=True, slots=True)
class Aggregates:
    """Per report unit (rows) and period (columns, the first analysed period first)."""

    first_ordinal: int
    values: FloatArray
    numerators: FloatArray
    denominators: FloatArray
    units: FloatArray  # reporting units behind each figure
    own: BoolArray  # the unit itself reported
    withheld: BoolArray
    #: Coverage at the reported period: the reporting units (paths) each report unit expects,
    #: those of the report with a row in the window (rows), and which reported (columns).
    reporter_paths: Sequence[str]
    expected: BoolArray
    reported_last: BoolArray


def aggregate(
    units: Sequence[ReportUnit],
    rows: Rows,
    *,
    period_ordinal: int,
    kind: ValueKind,
    threshold: int | None,
    scope_path: str | None,
) -> Aggregates:
    """Every unit's subtree aggregate for every period of the window that ends with
    ``period_ordinal`` (at most ``REPORT_PERIODS``; rows outside it are left out), with
    small-number protection applied (see the module docstring)."""
    earliest = period_ordinal - REPORT_PERIODS + 1
    if rows.ordinals.size and (
        int(rows.ordinals.min()) < earliest or int(rows.ordinals.max()) > period_ordinal
    ):
        keep = (rows.ordinals >= earliest) & (rows.ordinals <= period_ordinal)
        rows = Rows(
            [path for path, kept in zip(rows.paths, keep, strict=True) if kept],
            rows.ordinals[keep],
            rows.values[keep],
            rows.numerators[keep],
            rows.denominators[keep],
        )
    first = int(rows.ordinals.min()) if rows.ordinals.size else period_ordinal
    first = min(first, period_ordinal)
    periods = period_ordinal - first + 1
    index: dict[str, int] = {}
    reporter = np.fromiter(
        (index.setdefault(path, len(index)) for path in rows.paths),
        dtype=np.intp,
        count=len(rows.paths),
    )
    n_units, n_reporters = len(units), len(index)
    node_of = {unit.path: k for k, unit in enumerate(units)}
    # Which report units each reporting unit counts towards: every one whose path is a prefix.
    incidence = np.zeros((n_units, n_reporters), dtype=np.float64)
    own_node = np.full(n_reporters, -1, dtype=np.intp)
    for path, r in index.items():
        cut = 0
        while (cut := path.find("/", cut + 1)) != -1:
            k = node_of.get(path[: cut + 1])
            if k is not None:
                incidence[k, r] = 1.0
        own_node[r] = node_of.get(path, -1)

    t = rows.ordinals - first
    present = np.zeros((n_reporters, periods), dtype=np.float64)
    present[reporter, t] = 1.0

    def dense(column: FloatArray) -> FloatArray:
        out = np.zeros((n_reporters, periods), dtype=np.float64)
        out[reporter, t] = np.nan_to_num(column, nan=0.0)
        result: FloatArray = incidence @ out
        return result

    count = incidence @ present
    has = count > 0
    if kind in RATIO_KINDS:
        numerators = dense(rows.numerators)
        denominators = dense(rows.denominators)
        ok = has & (denominators > 0)
        values = np.divide(numerators, denominators, out=np.full_like(count, np.nan), where=ok)
        if kind is ValueKind.proportion:
            values *= 100.0
        numerators[~has] = np.nan
        denominators[~has] = np.nan
    else:
        total = dense(rows.values)
        if kind is ValueKind.count:
            values = np.where(has, total, np.nan)
        else:
            values = np.divide(total, count, out=np.full_like(count, np.nan), where=has)
        numerators = np.full_like(count, np.nan)
        denominators = numerators

    own = np.zeros((n_units, periods), dtype=np.bool_)
    mine = own_node[reporter] >= 0
    own[own_node[reporter][mine], t[mine]] = True

    withheld = np.zeros((n_units, periods), dtype=np.bool_)
    context = [k for k, unit in enumerate(units) if not unit.covered]
    if threshold is not None and kind in RATIO_KINDS and context and scope_path is not None:
        # What the reader can read anywhere, row by row: every row inside its scope, and the
        # own rows of the units on the path above it unless withheld on their own (see
        # app.measures.readings). Whatever else a level holds, the reader cannot see.
        inside = np.array([path.startswith(scope_path) for path in index], dtype=np.bool_)
        above = np.array(
            [scope_path.startswith(path) and not inside[r] for path, r in index.items()],
            dtype=np.bool_,
        )
        den_rows = np.zeros((n_reporters, periods), dtype=np.float64)
        den_rows[reporter, t] = np.nan_to_num(rows.denominators, nan=0.0)
        readable = inside[:, None] | (above[:, None] & (den_rows >= threshold))
        unseen = incidence @ np.where(readable, 0.0, den_rows)
        # From the level just above the scope up to the top: a level is shown only when its
        # unseen part differs from the unseen part of the nearest shown level below it (the
        # scope's: nothing) by nothing or by at least the minimum. Every difference of two
        # shown levels, less every row the reader reads, is then 0 or at least the minimum,
        # since unseen parts only grow upwards.
        known = np.zeros(periods, dtype=np.float64)
        for k in sorted(context, key=lambda k: -units[k].depth):
            level = np.nan_to_num(denominators[k], nan=0.0)
            hidden = unseen[k] - known
            tolerance = 1e-9 * np.maximum(level, 1.0)
            small = (level < threshold) | ((hidden > tolerance) & (hidden < threshold))
            withheld[k] = has[k] & small
            known = np.where(withheld[k], known, unseen[k])
    # Which units a level expects: those of its subtree in the report (not archived, or
    # reporting the period) that reported the measure at some period of the window.
    expected = (incidence > 0) & (own_node >= 0)[None, :]
    return Aggregates(
        first,
        values,
        numerators,
        denominators,
        count,
        own,
        withheld,
        list(index),
        expected,
        present[:, periods - 1] > 0,
    )


def compute_rollup(
    units: Sequence[ReportUnit],
    rows: Rows,
    *,
    period_ordinal: int,
    kind: ValueKind,
    chart: ChartType,
    options: ChartOptions,
    threshold: int | None,
    scope_path: str | None,
    language: Language,
    period_word: str = "period",
    period_key: Callable[[int], str] | None = None,
) -> list[dict[str, Any]]:
    """The report's rows, in the order of ``units``: each unit's figure for the period, and
    the analysis of its (aggregated, protected) series up to it. ``period_key`` names a
    period by its ordinal, for the plain sentence (``v. 41``; without it, a point number)."""
    figures = aggregate(
        units,
        rows,
        period_ordinal=period_ordinal,
        kind=kind,
        threshold=threshold,
        scope_path=scope_path,
    )
    scale = display_scale(kind, chart)
    ratio = kind in RATIO_KINDS
    last = period_ordinal - figures.first_ordinal
    labels = _Labels(figures.first_ordinal, last + 1, period_key) if period_key else None
    out: list[dict[str, Any]] = []
    top_depth = units[0].depth if units else 0
    by_path = {unit.path: unit for unit in units}  # once: a row per unit must not cost units²
    for k, unit in enumerate(units):
        hidden = figures.withheld[k]
        values = figures.values[k]
        numerators = figures.numerators[k]
        denominators = figures.denominators[k]
        if hidden.any():
            values = np.where(hidden, np.nan, values)
            numerators = np.where(hidden, np.nan, numerators)
            denominators = np.where(hidden, np.nan, denominators)
        try:
            analysis = analyse_dense(options, values, numerators, denominators)
        except AnalysisInputError as error:  # stored data the chart cannot take
            raise InvalidInput(f"query.{error.field}", error.reason) from None
        points = analysis.points
        summary = analysis.summary
        phase = analysis.current_phase
        withheld = bool(hidden[last])
        # A verdict only for a figure that is there: a unit that has not reported the period
        # (or is withheld) gets none, and no sentence about its target.
        shown = not withheld and values[last] == values[last]
        status = "withheld" if withheld else ("reported" if shown else "not_reported")
        coverage = _coverage(figures, k, by_path) if unit.covered else None
        if shown:
            sentence = summary_sentence(analysis, language, period_word=period_word)
            plain = plain_sentence(analysis, language, labels=labels, period_word=period_word)
            if coverage is not None and coverage["missing"]:
                sentence += " " + _coverage_sentence(coverage, language)
                plain += " " + _coverage_sentence(coverage, language)
        else:
            sentence = plain = STATUS_WORDS[language][status] + "."
        out.append(
            {
                "org_unit_id": unit.id,
                "parent_id": unit.parent_id,
                "name": unit.name,
                "kind": unit.kind,
                "external_code": unit.external_code,
                "depth": unit.depth - top_depth,
                "context": not unit.covered,
                "reported": bool(figures.own[k, last]) if unit.covered else None,
                "reporting_units": int(figures.units[k, last]) if unit.covered else None,
                "status": status,
                "coverage": coverage,
                "value": _opt(values[last]),
                "numerator": _opt(numerators[last]) if ratio else None,
                "denominator": _opt(denominators[last]) if ratio else None,
                "withheld": withheld,
                "withheld_reason": (
                    f"Small-number protection: the figure rests on fewer than {threshold} or "
                    "could be worked out from the shown ones, and your token does not cover "
                    "this unit."
                    if withheld
                    else None
                ),
                "chart": chart.value,
                "points": phase.n_included if phase else 0,
                "centre": _scaled(points.centre[last], scale),
                "lower": _scaled(points.lower[last], scale),
                "upper": _scaled(points.upper[last], scale),
                "variation": summary.variation.value if shown else None,
                "assurance": summary.assurance.value if shown and summary.assurance else None,
                "assurance_verdict": (
                    summary.assurance_verdict.value if shown and summary.assurance_verdict else None
                ),
                "trial_limits": summary.trial_limits,
                "sentence": sentence,
                "plain_sentence": plain,
            }
        )
    return out


class _Labels(Sequence[str | None]):
    """The period keys of a series from ``first`` (ordinal), made when a sentence names one."""

    def __init__(self, first: int, n: int, key: Callable[[int], str]) -> None:
        self._first, self._n, self._key = first, n, key

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> str | None: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str | None]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str | None] | None:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._n))]
        if not -self._n <= index < self._n:
            raise IndexError(index)
        return self._key(self._first + index % self._n)


def _coverage(figures: Aggregates, k: int, by_path: Mapping[str, ReportUnit]) -> dict[str, Any]:
    """Which of the units a level expects (see :func:`aggregate`) reported the period."""
    expected = figures.expected[k]
    missing = [
        by_path[figures.reporter_paths[int(r)]]
        for r in np.flatnonzero(expected & ~figures.reported_last)
    ]
    missing.sort(key=lambda u: (u.name.casefold(), str(u.id)))
    total = int(np.count_nonzero(expected))
    return {
        "reported": total - len(missing),
        "expected": total,
        "complete": not missing,
        "missing": [{"org_unit_id": unit.id, "name": unit.name} for unit in missing],
    }


def _coverage_sentence(coverage: dict[str, Any], language: str) -> str:
    return COVERAGE_WORDS[language].format(
        r=coverage["reported"],
        n=coverage["expected"],
        names=", ".join(item["name"] for item in coverage["missing"]),
    )


def _scaled(x: np.floating[Any], scale: float) -> float | None:
    value = float(x)
    return None if value != value else value * scale


def tree_order(units: Sequence[ReportUnit], top: uuid.UUID) -> list[ReportUnit]:
    """Depth first from ``top``, children by name: the order a report reads in."""
    children: dict[uuid.UUID | None, list[ReportUnit]] = {}
    by_id = {unit.id: unit for unit in units}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda u: (u.name.casefold(), str(u.id)))
    ordered: list[ReportUnit] = []
    stack = [by_id[top]] if top in by_id else []
    while stack:
        unit = stack.pop()
        ordered.append(unit)
        stack.extend(reversed(children.get(unit.id, [])))
    return ordered


# --------------------------------------------------------------------------------------------
# Reading the database


async def rollup_report(
    session: AsyncSession,
    principal: Principal,
    measure_id: uuid.UUID,
    *,
    period: str | None = None,
    org_unit_id: uuid.UUID | None = None,
    chart: ChartType | None = None,
    language: Language = Language.en,
) -> dict[str, Any]:
    """The roll-up report of one measure for one period (see the module docstring); without
    ``period``, the latest period the subtree has reported (else the current one).

    Statements: the measure, its unit's path, the organisation's settings, the report's top
    (when named), the units, the latest period (without ``period``), and one for every
    measurement of the subtree in the report's window (``REPORT_PERIODS``).
    """
    measure = await measure_service.get_measure(session, principal, measure_id)
    kind = ValueKind(measure.value_kind)
    chosen = check_chart(kind, chart, "query.chart")
    owner = await measure_service.owner_path(session, measure)
    school_year, default_minimum = await measure_service.organisation_settings(
        session, principal.organisation_id
    )
    period_kind = PeriodKind(measure.period_kind)
    asked: Period | None = None
    if period is not None:
        try:
            asked = parse_period(period_kind, period, school_year_start=school_year)
        except InvalidPeriod as error:
            raise InvalidInput(
                "query.period", Text.of(error.wording), type_="invalid_period"
            ) from None

    if org_unit_id is not None:
        top_path = await session.scalar(
            select(col(OrgUnit.path)).where(
                col(OrgUnit.id) == org_unit_id,
                col(OrgUnit.organisation_id) == principal.organisation_id,
                goal_service.readable_units(principal),
            )
        )
        if top_path is None:
            raise not_visible("query.org_unit_id", "org unit", org_unit_id)
        if not top_path.startswith(owner):
            raise InvalidInput(
                "query.org_unit_id",
                "the unit does not report this measure: give the measure's own unit or a unit "
                "below it",
            )
        top_id = org_unit_id
    elif principal.covers_path(owner):
        top_path, top_id = owner, measure.org_unit_id
    else:
        # The measure is readable, so the token's scope lies below its unit.
        assert principal.scope_path is not None and principal.scope_org_unit_id is not None
        top_path, top_id = principal.scope_path, principal.scope_org_unit_id

    unit_rows = (
        await session.execute(
            select(*UNIT_COLUMNS).where(
                col(OrgUnit.organisation_id) == principal.organisation_id,
                col(OrgUnit.path).startswith(top_path, autoescape=True),
                goal_service.readable_units(principal),
            )
        )
    ).all()
    in_subtree = (
        _M.organisation_id == principal.organisation_id,
        _M.measure_id == measure.id,
        col(OrgUnit.path).startswith(top_path, autoescape=True),
    )
    if asked is not None:
        parsed = asked
    else:
        # By default the latest period anyone in the subtree reported.
        latest = await session.scalar(
            select(func.max(_M.period_ordinal))
            .join(OrgUnit, col(OrgUnit.id) == _M.org_unit_id)
            .where(*in_subtree)
        )
        if latest is not None:
            parsed = period_from_ordinal(period_kind, latest, school_year_start=school_year)
        else:
            parsed = period_of(period_kind, local_today(), school_year_start=school_year)
    # Every measurement of the subtree in the report's window, in one statement: units outside
    # the token's scope count towards the levels above it (protected), never on their own.
    records: Sequence[Any] = (
        await session.execute(
            select(*RECORD_COLUMNS)
            .join(OrgUnit, col(OrgUnit.id) == _M.org_unit_id)
            .where(
                *in_subtree,
                _M.period_ordinal <= parsed.ordinal,
                _M.period_ordinal > parsed.ordinal - REPORT_PERIODS,
            )
        )
    ).all()

    reported_now = {
        path for path, ordinal, *_ in records if ordinal == parsed.ordinal
    }  # archived units that reported the period stay in the report
    kept = {row.id: row for row in unit_rows if row.archived_at is None or row.path in reported_now}
    by_id = {row.id: row for row in unit_rows}
    if top_id in by_id:
        kept[top_id] = by_id[top_id]
    for row in list(kept.values()):  # keep the path to the top whole
        parent = row.parent_id
        while parent is not None and parent in by_id and parent not in kept:
            kept[parent] = by_id[parent]
            parent = by_id[parent].parent_id
    units = tree_order(
        [
            ReportUnit(
                id=row.id,
                parent_id=row.parent_id,
                name=row.name,
                kind=row.kind,
                external_code=row.external_code,
                path=row.path,
                depth=row.depth,
                covered=principal.covers_path(row.path),
            )
            for row in kept.values()
        ],
        top_id,
    )
    threshold = Protection(principal, default_minimum).threshold(measure.min_denominator)
    # NumPy and the analyses of every level: bounded (REPORT_PERIODS), and off the event loop.
    rows = await anyio.to_thread.run_sync(
        partial(
            compute_rollup,
            units,
            Rows.from_records(records),
            period_ordinal=parsed.ordinal,
            kind=kind,
            chart=chosen,
            options=chart_options(measure, chosen),
            threshold=threshold,
            scope_path=principal.scope_path,
            language=language,
            period_word=PERIOD_WORD[period_kind],
            period_key=lambda ordinal: (
                period_from_ordinal(period_kind, ordinal, school_year_start=school_year).key
            ),
        )
    )
    aggregation, note = AGGREGATION[kind]
    return {
        "measure_id": measure.id,
        "measure_name": measure.name,
        "org_unit_id": top_id,
        "period": parsed.key,
        "period_first_on": parsed.first_day,
        "period_last_on": parsed.last_day,
        "period_kind": measure.period_kind,
        "value_kind": kind.value,
        "unit_label": measure.unit_label,
        "direction": measure.direction,
        "target_value": measure.target_value,
        "chart": chosen.value,
        "aggregation": aggregation,
        "aggregation_note": note,
        "min_denominator": threshold if kind in RATIO_KINDS else None,
        "units": rows,
    }


#: The CSV's columns: the English headers are the JSON's names (stable for scripts); the
#: Nordic ones are words people read.
CSV_HEADER = tuple(REPORT_CSV_COLUMNS)
_NORDIC = ("sv", "nb", "nn")


def csv_header(language: str) -> tuple[str, ...]:
    """The CSV's header row in ``language``."""
    if language not in _NORDIC:
        return CSV_HEADER
    column = _NORDIC.index(language)
    return tuple(words[column] for words in REPORT_CSV_COLUMNS.values())


def round_figure(value: float | None, *, percentage: bool = False) -> float | int | None:
    """A figure as a report shows it: a percentage with one decimal (``79.6``); any other with
    at most three decimals (``1.333``; a whole number without any: ``92``), and a figure below 0.001 with three significant
    digits (``0.000123``) so it never rounds to nothing."""
    if value is None or value != value:
        return None
    if percentage:
        return round(value, 1)
    if value != 0 and abs(value) < 0.001:
        return float(f"{value:.3g}")
    rounded = round(value, 3)
    return int(rounded) if rounded.is_integer() and abs(rounded) < 2**53 else rounded


def csv_rows(report: dict[str, Any], language: str = "en") -> list[tuple[Any, ...]]:
    """The report as spreadsheet rows (one per unit, in tree order) under
    :func:`csv_header`: yes/no in ``language``, figures rounded (:func:`round_figure`)."""
    yes, no = YES_NO.get(language, YES_NO["en"])
    status_words = STATUS_WORDS.get(language, STATUS_WORDS["en"])
    percent = report["value_kind"] == ValueKind.proportion.value

    def flag(value: bool | None) -> str | None:
        return None if value is None else (yes if value else no)

    out = []
    for row in report["units"]:
        coverage = row["coverage"]
        out.append(
            (
                row["depth"],
                row["name"],
                str(row["org_unit_id"]),
                row["external_code"],
                row["kind"],
                flag(row["context"]),
                report["period"],
                status_words[row["status"]],
                round_figure(row["value"], percentage=percent),
                round_figure(row["numerator"]),
                round_figure(row["denominator"]),
                row["reporting_units"],
                None if coverage is None else coverage["expected"],
                None if coverage is None else flag(coverage["complete"]),
                None
                if coverage is None
                else ", ".join(item["name"] for item in coverage["missing"]),
                flag(row["withheld"]),
                row["chart"],
                round_figure(row["centre"], percentage=percent),
                round_figure(row["lower"], percentage=percent),
                round_figure(row["upper"], percentage=percent),
                row["variation"],
                row["assurance"],
                row["assurance_verdict"],
                row["sentence"],
                row["plain_sentence"],
            )
        )
    return out
