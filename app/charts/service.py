"""A stored measure's analysis: its series, its stored phases and exclusions, its direction
and target, analysed on the chart a request asks for; and the three answers made of it (JSON,
CSV rows, SVG), one service call per request.

The calculations are :func:`app.analytics.spc.analyse`; this module turns stored rows into its
inputs; :mod:`app.charts.documents` turns its results into documents. Documents hold NumPy
columns and are serialised once by :class:`app.http.FastJSONResponse` (orjson writes arrays
directly, NaN as null), so a 10,000-point answer never becomes 10,000 Python objects.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import anyio.to_thread
import numpy as np
import numpy.typing as npt
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.spc import Analysis, ChartOptions
from app.analytics.summary import summary_sentence
from app.analytics.types import SUBGROUP_CHARTS, AnalysisInputError, BetterDirection, ChartType
from app.charts import documents, settings
from app.charts.bounds import STORED_VALUES, check_periods, computable, input_problem
from app.charts.documents import StoredAnalysis
from app.charts.kinds import (
    DERIVED_CHARTS,
    PERIOD_WORD,
    RATIO_KINDS,
    ChartQuery,
    analyse_dense,
    check_chart,
    default_chart,
)
from app.charts.models import MeasurePhase
from app.context import Principal
from app.cycles import service as cycle_service
from app.i18n import Language
from app.measures import readings
from app.measures import service as measure_service
from app.measures.models import Measure, ValueKind
from app.periods import PeriodKind, period_from_ordinal, period_of
from app.problems import InvalidInput

FloatArray = npt.NDArray[np.float64]

#: Above this average denominator a P (U) chart's limits are too narrow: Laney's is suggested.
LARGE_DENOMINATOR = 1000
#: ... and so it is when more than this share of the points lie outside the plain limits.
OVERDISPERSED_SHARE = 1 / 3

#: Where a stored measure's analysis names what it refused (the request's query).
STORED_FIELDS = {
    "values": "query.chart",
    "numerators": "query.chart",
    "denominators": "query.chart",
    "chart": "query.chart",
    "trend_length": "query.trend_length",
    "shift_length": "query.shift_length",
    "min_points_for_limits": "query.min_points",
    "rules": "query.rules",
}


@dataclass(frozen=True)
class AnalysisQuery:
    """What a request asks of a stored measure's analysis (``GET /measures/{id}/analysis``,
    ``.csv``, ``/chart.svg``)."""

    org_unit_id: uuid.UUID | None = None
    include_descendants: bool = False
    period_from: str | None = None
    period_to: str | None = None
    chart: ChartQuery = field(default_factory=ChartQuery)
    language: Language = Language.en
    timezone: str = "Europe/Stockholm"


# --- the three answers ------------------------------------------------------------------------


async def measure_analysis(
    session: AsyncSession, principal: Principal, measure_id: uuid.UUID, *, query: AnalysisQuery
) -> dict[str, Any]:
    """The stored measure's analysis as the API answers it (NumPy columns, for orjson)."""
    stored = await analyse_measure(session, principal, measure_id, query=query)
    return documents.stored_document(stored)


async def measure_analysis_rows(
    session: AsyncSession, principal: Principal, measure_id: uuid.UUID, *, query: AnalysisQuery
) -> Iterator[tuple[Any, ...]]:
    """The analysis as spreadsheet rows (``documents.CSV_HEADER`` names their columns)."""
    stored = await analyse_measure(session, principal, measure_id, query=query)
    return documents.csv_rows(stored)


async def measure_chart(
    session: AsyncSession,
    principal: Principal,
    measure_id: uuid.UUID,
    *,
    query: AnalysisQuery,
    width: int,
    height: int,
) -> str:
    """The analysis drawn as an SVG chart."""
    stored = await analyse_measure(session, principal, measure_id, query=query)
    return documents.stored_chart(stored, width=width, height=height)


# --- the analysis -------------------------------------------------------------------------------


def stored_options(
    measure: Measure, chart: ChartQuery, plan: settings.PhasePlan, scale: float
) -> ChartOptions:
    """The options of a stored measure's analysis: its stored phases and exclusions, its
    direction and target (in the chart's figures), and what the request chose. Options the
    rules refuse are a 422 naming the query's field."""
    try:
        return _options(measure, chart, plan, scale)
    except AnalysisInputError as error:
        raise input_problem(error, STORED_FIELDS, "query.chart") from None


def _options(
    measure: Measure, chart: ChartQuery, plan: settings.PhasePlan, scale: float
) -> ChartOptions:
    return ChartOptions(
        chart=chart.chart or default_chart(measure.value_kind),
        baselines=plan.windows,
        parts=plan.parts,
        exclude=plan.exclude,
        direction=BetterDirection(measure.direction),
        target=None if measure.target_value is None else measure.target_value / scale,
        screen_moving_ranges=chart.screening,
        trend_length=chart.trend_length,
        shift_length=chart.shift_length,
        min_points_for_limits=chart.min_points,
        rules=chart.rules,
    )


def stored_scale(measure: Measure) -> float:
    """A proportion is stored and shown in percent, analysed as a fraction."""
    return 100.0 if measure.value_kind == ValueKind.proportion else 1.0


@computable(STORED_VALUES)
def analyse_stored(
    options: ChartOptions,
    values: FloatArray | None,
    numerators: FloatArray | None,
    denominators: FloatArray | None,
    subgroups: list[list[float] | None] | None = None,
) -> Analysis:
    """Values for counts, continuous values and ratings; numerators and denominators for
    proportions and rates (y = their ratio on every chart; a C chart refuses them). A refusal
    is a 422 naming the query's field."""
    try:
        return analyse_dense(options, values, numerators, denominators, subgroups)
    except AnalysisInputError as error:
        raise input_problem(error, STORED_FIELDS, "query.chart") from None


@dataclass
class _Columns:
    """A series laid out densely from its first period (gaps are NaN, labelled all the same)."""

    first: int
    values: FloatArray | None
    numerators: FloatArray
    denominators: FloatArray
    withheld: npt.NDArray[np.bool_]
    units: npt.NDArray[np.int64]
    labels: list[str | None]
    first_days: list[date | None]

    @property
    def n(self) -> int:
        return len(self.labels)


async def _columns(
    session: AsyncSession, principal: Principal, series: readings.Series
) -> _Columns:
    measure = series.measure
    points = series.points
    first = points[0].ordinal if points else 0
    n = points[-1].ordinal - first + 1 if points else 0
    check_periods(n, field="query.period_from", hint="narrow it with period_from and period_to")
    at = np.fromiter((p.ordinal for p in points), dtype=np.int64, count=len(points)) - first
    ratio = measure.value_kind in RATIO_KINDS

    def column(values: Iterator[float | None]) -> FloatArray:
        full = np.full(n, np.nan)
        full[at] = np.array(list(values), dtype=np.float64)
        return full

    out = _Columns(
        first=first,
        values=None if ratio else column(p.value for p in points),
        numerators=column(p.numerator for p in points) if ratio else np.full(n, np.nan),
        denominators=column(p.denominator for p in points) if ratio else np.full(n, np.nan),
        withheld=np.zeros(n, dtype=np.bool_),
        units=np.zeros(n, dtype=np.int64),
        labels=[None] * n,
        first_days=[None] * n,
    )
    out.withheld[at] = [p.withheld for p in points]
    out.units[at] = [p.units for p in points]
    for i, p in zip(at.tolist(), points, strict=True):
        out.labels[i] = p.period
        out.first_days[i] = p.first_on
    if len(points) < n:  # the gaps' labels
        start = await settings.school_year(session, principal)
        for i in np.flatnonzero(out.units == 0).tolist():
            period = period_from_ordinal(measure.period_kind, first + i, school_year_start=start)
            out.labels[i] = period.key
            out.first_days[i] = period.first_day
    return out


async def analyse_measure(
    session: AsyncSession, principal: Principal, measure_id: uuid.UUID, *, query: AnalysisQuery
) -> StoredAnalysis:
    """The measure's series for one unit (or summed over its subtree) analysed with its stored
    phases and exclusions, direction and target; missing periods are gaps, withheld points
    too. Xbar and S charts take each reporting unit's value as a member of its period's
    subgroup; T and G charts are derived from the days with events (:func:`_between_events`)."""
    series = await readings.read_series(
        session,
        principal,
        measure_id,
        org_unit_id=query.org_unit_id,
        include_descendants=query.include_descendants,
        period_from=query.period_from,
        period_to=query.period_to,
    )
    measure = series.measure
    chart = query.chart.chart or default_chart(measure.value_kind)
    if chart in DERIVED_CHARTS:
        check_chart(ValueKind(measure.value_kind), chart, "query.chart")
    columns = await _columns(session, principal, series)
    first, n = columns.first, columns.n
    stored = await settings.stored_settings(session, [measure.id])
    phases = stored.phases.get(measure.id, [])
    excluded = stored.excluded_of(measure.id, series.org_unit_id)
    plan = settings.plan_phases(phases, excluded, first, n)
    subgroups: list[list[float] | None] | None = None
    positions = np.arange(n, dtype=np.int64)  # each analysed point's period (index from first)
    if chart in SUBGROUP_CHARTS:
        if not series.aggregated:
            raise InvalidInput(
                "query.include_descendants",
                f"a {chart.value} chart takes each reporting unit's value as a member of its "
                "period's subgroup: ask for a unit's subtree (include_descendants=true)",
            )
        members = await readings.read_members(
            session,
            principal,
            series,
            period_from=query.period_from,
            period_to=query.period_to,
        )
        subgroups = [members.get(first + i) for i in range(n)]
    elif chart in (ChartType.t, ChartType.g):
        if measure.period_kind != PeriodKind.day:
            raise InvalidInput(
                "query.chart",
                f"a {chart.value} chart is derived from the days with events: it takes a count "
                "measure by day",
            )
        positions, columns = _between_events(columns, chart)
        plan = _plan_on_points(plan, positions)
    scale = stored_scale(measure)
    options = stored_options(measure, query.chart, plan, scale)
    # Up to MAX_PERIODS periods: CPU work, off the event loop.
    analysis = await anyio.to_thread.run_sync(
        analyse_stored,
        options,
        columns.values,
        columns.numerators,
        columns.denominators,
        subgroups,
    )
    word = "period" if chart in (ChartType.t, ChartType.g) else PERIOD_WORD[measure.period_kind]
    annotations = await settings.timeline(
        session, principal, measure, query.language, query.timezone
    )
    last = first + n - 1
    in_range = []
    for annotation in annotations:
        if not (n and first <= annotation["ordinal"] <= last):
            continue
        index = int(np.searchsorted(positions, annotation.pop("ordinal") - first))
        if index < len(positions):
            annotation["index"] = index
            in_range.append(annotation)
    rebase_cycle = None
    rebase_from = analysis.summary.rebase_from
    if rebase_from is not None:
        rebase_cycle = await _adopted_cycle_before(
            session, principal, measure, first + int(positions[rebase_from]), phases
        )
    ratio = measure.value_kind in RATIO_KINDS
    return StoredAnalysis(
        rebase_cycle_id=rebase_cycle,
        measure=measure,
        series=series,
        analysis=analysis,
        language=query.language,
        labels=columns.labels,
        first_days=columns.first_days,
        numerators=columns.numerators,
        denominators=columns.denominators,
        units=columns.units,
        withheld=columns.withheld,
        plan=plan,
        scale=scale,
        chart_suggestion=_suggestion(analysis, columns.denominators) if ratio else None,
        sentence=_stored_sentence(analysis, query.language, word),
        annotations=in_range,
        first_ordinal=first,
        period_word=word,
    )


def _between_events(columns: _Columns, chart: ChartType) -> tuple[npt.NDArray[np.int64], _Columns]:
    """A count measure by day as a T or G chart's points: one point for each day with events
    after the first such day, labelled with that day. T: the days since the day with events
    before (> 0); G: the days without events between the two (>= 0, the opportunities between
    events, as qicharts2 counts them). A day with several events is one point (events on the
    same day have no time between them); a day without a report counts as a day without
    events, a withheld one is left out."""
    values = columns.values if columns.values is not None else np.full(columns.n, np.nan)
    days = np.flatnonzero((values > 0) & ~columns.withheld)
    between = np.diff(days).astype(np.float64)
    if chart is ChartType.g:
        between -= 1.0
    positions = days[1:]
    m = len(positions)
    at = positions.tolist()
    return positions, _Columns(
        first=columns.first,
        values=between,
        numerators=np.full(m, np.nan),
        denominators=np.full(m, np.nan),
        withheld=np.zeros(m, dtype=np.bool_),
        units=columns.units[positions],
        labels=[columns.labels[i] for i in at],
        first_days=[columns.first_days[i] for i in at],
    )


def _plan_on_points(
    plan: settings.PhasePlan, positions: npt.NDArray[np.int64]
) -> settings.PhasePlan:
    """Stored phases and exclusions of the periods moved onto points that each stand for one
    period (``positions``): a phase starts at its first point on or after its start period
    (two starting at the same point: the later one), its baseline window keeps the points
    inside it, and a point is excluded when its period is."""
    m = len(positions)
    out = settings.PhasePlan()
    if 0 in plan.rows:
        out.rows[0] = plan.rows[0]
    for number, part in enumerate(plan.parts, start=1):
        k = int(np.searchsorted(positions, part))
        if k >= m:
            break
        if k == 0 or (out.parts and out.parts[-1] == k):
            out.rows[len(out.parts)] = plan.rows[number]
            continue
        out.parts.append(k)
        out.rows[len(out.parts)] = plan.rows[number]
    bounds = [0, *out.parts, m]
    used: set[int] = set()
    for lo, hi in plan.windows:
        a = int(np.searchsorted(positions, lo, side="left"))
        b = int(np.searchsorted(positions, hi, side="right")) - 1
        if a > b:
            continue
        phase = int(np.searchsorted(out.parts, a, side="right"))
        if phase in used:
            continue
        used.add(phase)
        out.windows.append((a, min(b, bounds[phase + 1] - 1)))
    out.exclude = frozenset(k for k, day in enumerate(positions.tolist()) if day in plan.exclude)
    return out


def _suggestion(analysis: Analysis, denominators: FloatArray) -> ChartType | None:
    """Laney's chart, when a P or U chart's limits are too narrow for its denominators."""
    chart = analysis.chart
    if chart not in (ChartType.p, ChartType.u):
        return None
    usable = ~np.isnan(denominators)
    if not usable.any():
        return None
    large = float(np.mean(denominators[usable])) >= LARGE_DENOMINATOR
    n_obs = sum(p.n_included for p in analysis.phases)
    outside = sum(p.sigma_signal_count for p in analysis.phases)
    overdispersed = n_obs >= 3 and outside > OVERDISPERSED_SHARE * n_obs
    if large or overdispersed:
        return ChartType.pp if chart is ChartType.p else ChartType.up
    return None


async def _adopted_cycle_before(
    session: AsyncSession,
    principal: Principal,
    measure: Measure,
    shift_ordinal: int,
    phases: Sequence[MeasurePhase],
) -> uuid.UUID | None:
    """The adopted cycle a rebase at ``shift_ordinal`` could name: it follows the measure, the
    token reads it, its test started by that period and no phase names it yet (the latest
    such)."""
    named = {phase.cycle_id for phase in phases if phase.cycle_id is not None}
    start = await settings.school_year(session, principal)
    following = measure_service.cycles_following(measure)
    for cycle_id, started_on in await cycle_service.adopted_cycles(
        session, principal, following=following
    ):
        if cycle_id in named:
            continue
        started = period_of(measure.period_kind, started_on, school_year_start=start)
        if started.ordinal <= shift_ordinal:
            return cycle_id
    return None


@computable(STORED_VALUES)
def _stored_sentence(analysis: Analysis, language: Language, word: str) -> str:
    return summary_sentence(analysis, language, period_word=word)
