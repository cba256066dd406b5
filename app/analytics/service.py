"""Analysis over the API: series sent in a request, stored measures with their chart settings,
and many measures at a glance.

The calculations are :func:`app.analytics.spc.analyse`; this module turns requests and stored
rows into its inputs and its results into documents. Documents hold NumPy columns and are
serialised once by :class:`FastJSONResponse` (orjson writes arrays directly, NaN as null), so a
10,000-point answer never becomes 10,000 Python objects.
"""

from __future__ import annotations

import itertools
import math
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import anyio.to_thread
import numpy as np
import numpy.typing as npt
import orjson
import structlog
from fastapi import Response
from fastapi.responses import JSONResponse
from sqlalchemy import and_, exists, func, literal, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.analytics import svg
from app.analytics.bounds import MAX_PERIODS, check_periods
from app.analytics.models import (
    MAX_SETTINGS_PER_MEASURE,
    AnnotationCreate,
    ExclusionCreate,
    MeasureAnnotation,
    MeasureExclusion,
    MeasurePhase,
    PhaseCreate,
    SeriesAnalysisRequest,
)
from app.analytics.spc import (
    ALL_RULES,
    ANHOEJ_RULES,
    CLASSIFICATIONS,
    MDC_RULES,
    Analysis,
    AnalysisInputError,
    ChartOptions,
    ChartType,
    Classification,
    Direction,
    Rule,
    Signal,
    _rules_of,
    analyse,
)
from app.analytics.summary import Language, plain_sentence, summary_sentence
from app.context import Principal
from app.cycles import service as cycle_service
from app.cycles.models import Cycle, CycleStageTransition
from app.cycles.stages import Decision, stage_label
from app.cycles.stages import Language as StageLanguage
from app.etag import check_if_match
from app.goals import service as goal_service
from app.initiatives import service as initiative_service
from app.initiatives.models import Initiative
from app.measures import readings
from app.measures import service as measure_service
from app.measures.models import CycleMeasure, Measure, Measurement, ValueKind
from app.org_units import service as org_unit_service
from app.org_units.models import OrgUnit
from app.pagination import Page, PageParams, Sorting, paginate
from app.periods import (
    InvalidPeriod,
    PeriodKind,
    SchoolYearStart,
    parse_period,
    period_from_ordinal,
    period_of,
)
from app.problems import Conflict, Forbidden, InvalidInput, NotFound
from app.references import resolve_reference
from app.teams.models import Team

FloatArray = npt.NDArray[np.float64]
log = structlog.get_logger(__name__)

#: Above this average denominator a P (U) chart's limits are too narrow: Laney's is suggested.
LARGE_DENOMINATOR = 1000
#: ... and so it is when more than this share of the points lie outside the plain limits.
OVERDISPERSED_SHARE = 1 / 3

_PERIOD_WORDS: dict[str, str] = {
    PeriodKind.day: "day",
    PeriodKind.week: "week",
    PeriodKind.month: "month",
    PeriodKind.term: "term",
    PeriodKind.school_year: "year",
}

_DEFAULT_CHART: dict[str, ChartType] = {
    ValueKind.proportion: ChartType.p,
    ValueKind.rate: ChartType.u,
    ValueKind.count: ChartType.c,
    ValueKind.continuous: ChartType.i,
    ValueKind.rating: ChartType.i,
}


def default_chart(value_kind: str) -> ChartType:
    """The chart a value kind gets unless another is asked for."""
    return _DEFAULT_CHART[value_kind]


_RULE_SETS: dict[str, frozenset[Rule]] = {
    "all": ALL_RULES,
    "mdc": MDC_RULES,
    "anhoej": ANHOEJ_RULES,
}


def chosen_rules(choices: Iterable[str] | None) -> frozenset[Rule]:
    if not choices:
        return ALL_RULES
    rules: set[Rule] = set()
    for choice in choices:
        named = _RULE_SETS.get(str(choice))
        rules |= named if named is not None else {Rule(choice)}
    return frozenset(rules)


class FastJSONResponse(JSONResponse):
    """JSON written by orjson: NumPy arrays as they are, NaN and infinities as null."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(
            content,
            default=_uuid_like,
            option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z,
        )


def _uuid_like(value: Any) -> str:
    # asyncpg hands out its own UUID subclass, which orjson does not take for uuid.UUID.
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


R = TypeVar("R", bound=Response)


def localised(response: R, language: str) -> R:
    """Say which language the answer speaks, and that it depends on Accept-Language."""
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language"
    return response


# --- options ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartSettings:
    """The chart options a request can set (the rest come from the measure or the body)."""

    chart: ChartType | None = None
    trend_length: int = 7
    shift_length: int = 7
    screening: bool = True
    min_points: int = 15
    rules: frozenset[Rule] = ALL_RULES


_NOT_COMPUTABLE = (
    "the figures lie too near the limits of what a computer's numbers hold (about 1e-308 to "
    "1e308 in magnitude) to be analysed or drawn"
)


@contextmanager
def computable(field: str) -> Iterator[None]:
    """Arithmetic that fails deep in an analysis, a sentence or a drawing (an overflow, a
    division by zero, a math domain error) answers 422 ``not_computable`` naming ``field``, in
    our words: the exception's own text is logged, never shown. Refusals the analysis words
    itself (``AnalysisInputError``) and our drawing's (``NotDrawable``) pass through."""
    try:
        yield
    except (AnalysisInputError, svg.NotDrawable):
        raise
    except (ArithmeticError, ValueError):
        log.warning("analysis_not_computable", field=field, exc_info=True)
        raise InvalidInput(field, _NOT_COMPUTABLE, type_="not_computable") from None


#: Where stored figures that cannot be computed with are named.
_STORED_VALUES = "measurements.value"


def input_problem(error: AnalysisInputError, fields: dict[str, str], default: str) -> InvalidInput:
    """The 422 of an input the analysis refused, naming the request's field."""
    return InvalidInput(fields.get(error.field, default), error.reason, type_="invalid_series")


# --- documents --------------------------------------------------------------------------------

_CLASS_NAMES = [c.value for c in CLASSIFICATIONS]
_SPECIAL = {
    Classification.special_improvement.value: "improvement",
    Classification.special_concern.value: "concern",
    Classification.special_neutral.value: "neutral",
}


def _contiguous(column: npt.NDArray[Any], scale: float = 1.0) -> npt.NDArray[Any]:
    """A column orjson can write (constant lines are zero-stride views), scaled."""
    out: npt.NDArray[Any] = (
        np.multiply(column, scale) if scale != 1.0 else np.ascontiguousarray(column)
    )
    return out


def _scaled(value: float | None, scale: float) -> float | None:
    return None if value is None else value * scale


def _rule_lists(mask: npt.NDArray[np.uint8]) -> list[list[str]]:
    table: dict[int, list[str]] = {}
    out = []
    for m in mask.tolist():
        names = table.get(m)
        if names is None:
            names = table[m] = [rule.value for rule in _rules_of(m)]
        out.append(names)
    return out


def _signal(signal: Signal, labels: Sequence[str | None] | None) -> dict[str, Any]:
    return {
        "rule": signal.rule.value,
        "points": list(signal.points),
        "periods": None if labels is None else [labels[i] for i in signal.points],
        "side": signal.side.value,
        "direction": signal.direction.value,
        "phase": signal.phase,
    }


def analysis_document(
    analysis: Analysis,
    *,
    language: Language,
    period_word: str = "period",
    labels: Sequence[str | None] | None = None,
    scale: float = 1.0,
    sentence: str | None = None,
) -> dict[str, Any]:
    """The analysis as the API answers it (columns stay NumPy arrays)."""
    points = analysis.points
    options = analysis.options
    columns: dict[str, Any] = {"label": labels}
    for name in ("value", "centre", "lower", "upper", "lower_2s", "upper_2s"):
        columns[name] = _contiguous(getattr(points, name), scale)
    columns["phase"] = _contiguous(points.phase)
    columns["baseline"] = _contiguous(points.baseline)
    columns["excluded"] = _contiguous(points.excluded)
    columns["classification"] = points.classification.tolist()
    columns["rules"] = _rule_lists(points.rule_mask)
    baseline = points.baseline
    phases = []
    for phase in analysis.phases:
        window = np.flatnonzero(baseline[phase.first_index : phase.last_index + 1])
        phases.append(
            {
                "index": phase.index,
                "first_index": phase.first_index,
                "last_index": phase.last_index,
                "n_obs": phase.n_obs,
                "n_included": phase.n_included,
                "n_useful": phase.n_useful,
                "n_baseline": phase.n_baseline,
                "baseline_first_index": phase.first_index + int(window[0]) if window.size else None,
                "baseline_last_index": phase.first_index + int(window[-1]) if window.size else None,
                "centre": _scaled(phase.centre, scale),
                "mean_lower": _scaled(phase.mean_lower, scale),
                "mean_upper": _scaled(phase.mean_upper, scale),
                "longest_run": phase.longest_run,
                "longest_run_max": phase.longest_run_max,
                "n_crossings": phase.n_crossings,
                "n_crossings_min": phase.n_crossings_min,
                "runs_signal": phase.runs_signal,
                "sigma_signal_count": phase.sigma_signal_count,
                "trial_limits": phase.trial_limits,
            }
        )
    summary = analysis.summary
    deciding = summary.variation_signal
    window_option = next(iter(options.baselines), None)
    return {
        "chart": analysis.chart.value,
        "n": len(points),
        "options": {
            "chart": options.chart.value,
            "direction": options.direction.value,
            "target": _scaled(options.target, scale),
            "screening": options.screen_moving_ranges,
            "trend_length": options.trend_length,
            "shift_length": options.shift_length,
            "min_points": options.min_points_for_limits,
            "rules": [rule.value for rule in Rule if rule in options.rules],
            "baseline_points": options.freeze,
            "baseline_window": list(window_option) if window_option else None,
            "phase_starts": list(options.parts),
            "excluded": sorted(options.exclude),
        },
        "points": columns,
        "phases": phases,
        "signals": [_signal(s, labels) for s in analysis.signals],
        "summary": {
            "variation": summary.variation.value,
            "variation_signal": None if deciding is None else _signal(deciding, labels),
            "assurance": None if summary.assurance is None else summary.assurance.value,
            "assurance_verdict": None
            if summary.assurance_verdict is None
            else summary.assurance_verdict.value,
            "no_assurance": None if summary.no_assurance is None else summary.no_assurance.value,
            "rebase_suggested": summary.rebase_suggested,
            "rebase_reason": summary.rebase_reason,
            "rebase_from": summary.rebase_from,
            "rebase_from_period": None
            if labels is None or summary.rebase_from is None
            else labels[summary.rebase_from],
            "trial_limits": summary.trial_limits,
            "sentence": sentence
            if sentence is not None
            else summary_sentence(analysis, language, period_word=period_word),
            "plain_sentence": plain_sentence(
                analysis, language, labels=labels, period_word=period_word
            ),
            "language": language,
        },
    }


def chart_drawing(
    analysis: Analysis,
    *,
    title: str,
    description: str,
    labels: Sequence[str | None] | None,
    language: Language,
    percent: bool = False,
    y_label: str = "",
    annotations: Sequence[svg.ChartAnnotation] = (),
    width: int = 800,
    height: int = 400,
    caption: str = "",
) -> svg.ChartDrawing:
    """What the SVG draws: the points as plotted, their lines and signals."""
    p = analysis.points
    names = p.classification.tolist()
    columns = [
        [None if math.isnan(x) else x for x in column.tolist()]
        for column in (p.value, p.centre, p.lower, p.upper)
    ]
    excluded = p.excluded.tolist()
    phases = p.phase.tolist()
    chart_points = [
        svg.ChartPoint(
            label=(labels[i] if labels is not None else None) or str(i + 1),
            value=columns[0][i],
            centre=columns[1][i],
            lower=columns[2][i],
            upper=columns[3][i],
            excluded=excluded[i],
            signal=_SPECIAL.get(names[i]),  # type: ignore[arg-type]
            phase=phases[i],
        )
        for i in range(len(p))
    ]
    return svg.ChartDrawing(
        title=title,
        description=description,
        points=chart_points,
        target=analysis.options.target,
        y_label=y_label,
        annotations=annotations,
        percent=percent,
        width=width,
        height=height,
        language=language,
        caption=caption,
        centre_kind="median" if analysis.chart is ChartType.run else "mean",
    )


def render_chart(drawing: svg.ChartDrawing, *, field_prefix: str) -> str:
    try:
        with computable(f"{field_prefix}.values"):
            return svg.render_svg(drawing)
    except svg.NotDrawable as error:
        raise InvalidInput(f"{field_prefix}.width", str(error), type_="not_drawable") from None


# --- a series sent in the request ------------------------------------------------------------

_SERIES_FIELDS = {
    "values": "body.values",
    "subgroups": "body.subgroups",
    "numerators": "body.numerators",
    "denominators": "body.denominators",
    "chart": "body.chart",
    "direction": "body.direction",
    "rules": "body.rules",
    "parts": "body.phase_starts",
    "exclude": "body.excluded",
    "freeze": "body.baseline_points",
    "baselines": "body.baseline_window",
    "target": "body.target",
    "trend_length": "body.trend_length",
    "shift_length": "body.shift_length",
    "min_points_for_limits": "body.min_points",
}


def _times_between(dates: Sequence[date]) -> list[float | None]:
    """Days between consecutive event dates (a T chart's values), strictly increasing dates."""
    if len(dates) < 2:
        raise InvalidInput(
            "body.event_dates", "give at least two event dates", type_="invalid_series"
        )
    days = [(b - a).days for a, b in itertools.pairwise(dates)]
    if min(days) <= 0:
        at = next(i for i, d in enumerate(days) if d <= 0) + 1
        raise InvalidInput(
            "body.event_dates",
            f"event dates must be strictly increasing (index {at}): the time between events "
            "must be greater than zero",
            type_="invalid_series",
        )
    return [float(d) for d in days]


def series_labels(data: SeriesAnalysisRequest) -> list[str | None] | None:
    """The labels sent, or, for a T chart from event dates, the date of each later event."""
    if data.labels is None and data.event_dates is not None:
        return [d.isoformat() for d in data.event_dates[1:]]
    return None if data.labels is None else list(data.labels)


@computable("body.values")
def analyse_series(data: SeriesAnalysisRequest) -> Analysis:
    """The analysis of a series sent in the request (nothing is stored or read)."""
    values: Sequence[float | None] = data.values
    if data.event_dates is not None:
        if data.chart != ChartType.t:
            raise InvalidInput(
                "body.event_dates", "event dates make a T chart", type_="invalid_series"
            )
        if data.values:
            raise InvalidInput(
                "body.values",
                "give event dates or times between events, not both",
                type_="invalid_series",
            )
        values = _times_between(data.event_dates)
    if data.numerators is not None:
        n = len(data.numerators)
    elif data.subgroups is not None:
        n = len(data.subgroups)
    else:
        n = len(values)
    if data.labels is not None and len(data.labels) != n:
        raise InvalidInput(
            "body.labels", f"give one label per period ({n}), or none", type_="invalid_series"
        )
    window = data.baseline_window
    try:
        options = ChartOptions(
            chart=ChartType(data.chart),
            freeze=data.baseline_points,
            baselines=[(window.first_index, window.last_index)] if window else (),
            parts=data.phase_starts,
            exclude=frozenset(data.excluded),
            direction=data.direction,
            target=data.target,
            screen_moving_ranges=data.screening,
            trend_length=data.trend_length,
            shift_length=data.shift_length,
            min_points_for_limits=data.min_points,
            rules=chosen_rules(data.rules),
        )
        return analyse(
            values,
            numerators=data.numerators,
            denominators=data.denominators,
            subgroups=data.subgroups,
            options=options,
        )
    except AnalysisInputError as error:
        raise input_problem(error, _SERIES_FIELDS, "body") from None


@computable("body.values")
def series_document(
    analysis: Analysis, data: SeriesAnalysisRequest, language: Language
) -> dict[str, Any]:
    return analysis_document(analysis, language=language, labels=series_labels(data))


_CHART_WORDS: dict[str, tuple[str, str]] = {
    "sv": ("Seriediagram", "Styrdiagram"),
    "nb": ("Seriediagram", "Styringsdiagram"),
    "nn": ("Seriediagram", "Styringsdiagram"),
    "en": ("Run chart", "Control chart"),
}
_CHART_NAMES = {
    "run": "",
    "i": "I",
    "mr": "MR",
    "xbar": "X̄",
    "s": "S",
    "t": "T",
    "g": "G",
    "p": "P",
    "pp": "P′",
    "u": "U",
    "up": "U′",
    "c": "C",
}


def default_title(chart: ChartType, language: Language) -> str:
    """What an untitled chart is called: "Styrdiagram (P′)", "Run chart"."""
    run, control = _CHART_WORDS[language]
    return run if chart is ChartType.run else f"{control} ({_CHART_NAMES[chart.value]})"


@computable("body.values")
def series_chart(
    analysis: Analysis, data: SeriesAnalysisRequest, language: Language, *, width: int, height: int
) -> str:
    labels = series_labels(data)
    plain = plain_sentence(analysis, language, labels=labels)
    drawing = chart_drawing(
        analysis,
        title=data.title or default_title(analysis.chart, language),
        description=f"{plain} {summary_sentence(analysis, language)}",
        caption=plain,
        labels=labels,
        language=language,
        percent=data.percent,
        width=width,
        height=height,
    )
    return render_chart(drawing, field_prefix="query")


# --- stored settings --------------------------------------------------------------------------


class ChartSettingExists(Conflict):
    type, title = "chart-setting-exists", "The period already has one"


class TooManyChartSettings(Conflict):
    type, title = "too-many-chart-settings", "The measure has too many of these"


async def _school_year(session: AsyncSession, principal: Principal) -> SchoolYearStart:
    start, _ = await measure_service.organisation_settings(session, principal.organisation_id)
    return start


async def _parse_period(
    session: AsyncSession, principal: Principal, measure: Measure, value: str, field: str
) -> Any:
    start = await _school_year(session, principal)
    try:
        return parse_period(measure.period_kind, value, school_year_start=start)
    except InvalidPeriod as error:
        raise InvalidInput(field, str(error), type_="invalid_period") from None


async def _check_room(session: AsyncSession, table: Any, measure_id: uuid.UUID) -> None:
    count = await session.scalar(
        select(func.count()).select_from(table).where(col(table.measure_id) == measure_id)
    )
    if (count or 0) >= MAX_SETTINGS_PER_MEASURE:
        raise TooManyChartSettings(
            f"A measure keeps at most {MAX_SETTINGS_PER_MEASURE} of these; delete some first."
        )


async def list_phases(
    session: AsyncSession, principal: Principal, measure_id: uuid.UUID
) -> list[MeasurePhase]:
    """The measure's phases (rebases), in period order."""
    measure = await measure_service.get_measure(session, principal, measure_id)
    rows = await session.execute(
        select(MeasurePhase)
        .where(col(MeasurePhase.measure_id) == measure.id)
        .order_by(col(MeasurePhase.period_ordinal))
    )
    return list(rows.scalars())


def _cycles_following(measure: Measure) -> Any:
    """SQL condition on ``Cycle``: the cycle follows the measure (it names it, or it names none
    and the measure is its initiative's)."""
    named = exists().where(
        col(CycleMeasure.cycle_id) == col(Cycle.id), col(CycleMeasure.measure_id) == measure.id
    )
    if measure.initiative_id is None:
        return named
    names_none = not_(exists().where(col(CycleMeasure.cycle_id) == col(Cycle.id)))
    return or_(named, and_(col(Cycle.initiative_id) == measure.initiative_id, names_none))


async def create_phase(
    session: AsyncSession, principal: Principal, measure_id: uuid.UUID, *, data: PhaseCreate
) -> MeasurePhase:
    """Start a new phase at a period. It names an adopted cycle that follows the measure, or a
    written reason (or both); the write is audited."""
    measure = await measure_service.get_measure_for_write(session, principal, measure_id)
    period = await _parse_period(session, principal, measure, data.period, "body.period")
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
        follows = await session.scalar(
            select(col(Cycle.id)).where(col(Cycle.id) == cycle.id, _cycles_following(measure))
        )
        if follows is None:
            raise InvalidInput(
                "body.cycle_id",
                "the cycle does not follow this measure (see /cycles/{cycle_id}/measures)",
                type_="cycle_not_following",
            )
    await _check_room(session, MeasurePhase, measure.id)
    taken = await session.scalar(
        select(col(MeasurePhase.id)).where(
            col(MeasurePhase.measure_id) == measure.id,
            col(MeasurePhase.period_ordinal) == period.ordinal,
        )
    )
    if taken is not None:
        raise ChartSettingExists(
            f"A phase already starts at {period.key}; delete it first to change it."
        )
    phase = MeasurePhase(
        organisation_id=principal.organisation_id,
        measure_id=measure.id,
        org_unit_id=measure.org_unit_id,
        period_ordinal=period.ordinal,
        period_key=period.key,
        period_first_on=period.first_day,
        cycle_id=data.cycle_id,
        reason=data.reason,
        baseline_periods=data.baseline_periods,
    )
    session.add(phase)
    await session.commit()
    return phase


async def delete_phase(
    session: AsyncSession,
    principal: Principal,
    measure_id: uuid.UUID,
    phase_id: uuid.UUID,
    *,
    if_match: str | None,
) -> None:
    measure = await measure_service.get_measure_for_write(session, principal, measure_id)
    phase = (
        await session.execute(
            select(MeasurePhase).where(
                col(MeasurePhase.id) == phase_id, col(MeasurePhase.measure_id) == measure.id
            )
        )
    ).scalar_one_or_none()
    if phase is None:
        raise NotFound.for_object("phase", phase_id)
    check_if_match(if_match, phase)
    await session.delete(phase)
    await session.commit()


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


def _readable_exclusions(principal: Principal) -> Any:
    return (
        select(MeasureExclusion)
        .join(OrgUnit, col(OrgUnit.id) == col(MeasureExclusion.org_unit_id))
        .where(goal_service.readable_units(principal))
    )


async def list_exclusions(
    session: AsyncSession, principal: Principal, measure_id: uuid.UUID
) -> list[MeasureExclusion]:
    """The measure's excluded points of the units the token reads, in period order."""
    measure = await measure_service.get_measure(session, principal, measure_id)
    rows = await session.execute(
        _readable_exclusions(principal)
        .where(col(MeasureExclusion.measure_id) == measure.id)
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
    period = await _parse_period(session, principal, measure, data.period, "body.period")
    await _check_room(session, MeasureExclusion, measure.id)
    taken = await session.scalar(
        select(col(MeasureExclusion.id)).where(
            col(MeasureExclusion.measure_id) == measure.id,
            col(MeasureExclusion.org_unit_id) == unit_id,
            col(MeasureExclusion.period_ordinal) == period.ordinal,
        )
    )
    if taken is not None:
        raise ChartSettingExists(f"The unit's point of {period.key} is excluded already.")
    exclusion = MeasureExclusion(
        organisation_id=principal.organisation_id,
        measure_id=measure.id,
        org_unit_id=unit_id,
        period_ordinal=period.ordinal,
        period_key=period.key,
        period_first_on=period.first_day,
        reason=data.reason,
    )
    session.add(exclusion)
    await session.commit()
    return exclusion


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
    found = (
        await session.execute(
            _readable_exclusions(principal)
            .add_columns(col(OrgUnit.path))
            .where(
                col(MeasureExclusion.id) == exclusion_id,
                col(MeasureExclusion.measure_id) == measure.id,
            )
        )
    ).one_or_none()
    if found is None:
        raise NotFound.for_object("exclusion", exclusion_id)
    exclusion, path = found
    if not principal.covers_path(path):
        raise Forbidden("The excluded point belongs to a unit above the token's scope.")
    check_if_match(if_match, exclusion)
    await session.delete(exclusion)
    await session.commit()


async def _notes(session: AsyncSession, measure_id: uuid.UUID) -> list[MeasureAnnotation]:
    rows = await session.execute(
        select(MeasureAnnotation)
        .where(col(MeasureAnnotation.measure_id) == measure_id)
        .order_by(col(MeasureAnnotation.period_ordinal), col(MeasureAnnotation.created_at))
    )
    return list(rows.scalars())


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
    rows = await session.execute(
        select(
            col(Cycle.id),
            col(Cycle.title),
            col(CycleStageTransition.from_stage),
            col(CycleStageTransition.to_stage),
            col(CycleStageTransition.occurred_at),
        )
        .join(Cycle, col(Cycle.id) == col(CycleStageTransition.cycle_id))
        .join(Initiative, col(Initiative.id) == col(Cycle.initiative_id))
        .join(Team, col(Team.id) == col(Initiative.team_id))
        .join(OrgUnit, col(OrgUnit.id) == col(Team.org_unit_id))
        .where(
            col(Cycle.organisation_id) == principal.organisation_id,
            principal.path_filter(col(OrgUnit.path)),
            _cycles_following(measure),
        )
        .order_by(col(CycleStageTransition.occurred_at), col(CycleStageTransition.position))
    )
    zone = ZoneInfo(timezone)
    words = StageLanguage(language)
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


async def _annotations(
    session: AsyncSession,
    principal: Principal,
    measure: Measure,
    language: Language,
    timezone: str,
) -> list[dict[str, Any]]:
    school_year = await _school_year(session, principal)
    found = [_note(row) for row in await _notes(session, measure.id)]
    found += await _stage_changes(session, principal, measure, language, school_year, timezone)
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
    found = await _annotations(session, principal, measure, language, timezone)
    for annotation in found:
        del annotation["ordinal"]
    return found


async def create_annotation(
    session: AsyncSession, principal: Principal, measure_id: uuid.UUID, *, data: AnnotationCreate
) -> MeasureAnnotation:
    measure = await measure_service.get_measure_for_write(session, principal, measure_id)
    period = await _parse_period(session, principal, measure, data.period, "body.period")
    await _check_room(session, MeasureAnnotation, measure.id)
    note = MeasureAnnotation(
        organisation_id=principal.organisation_id,
        measure_id=measure.id,
        org_unit_id=measure.org_unit_id,
        period_ordinal=period.ordinal,
        period_key=period.key,
        period_first_on=period.first_day,
        text=data.text,
    )
    session.add(note)
    await session.commit()
    return note


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
    note = (
        await session.execute(
            select(MeasureAnnotation).where(
                col(MeasureAnnotation.id) == annotation_id,
                col(MeasureAnnotation.measure_id) == measure.id,
            )
        )
    ).scalar_one_or_none()
    if note is None:
        raise NotFound.for_object("annotation", annotation_id)
    check_if_match(if_match, note)
    await session.delete(note)
    await session.commit()


# --- a stored measure's analysis --------------------------------------------------------------


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


@dataclass
class StoredAnalysis:
    measure: Measure
    series: readings.Series
    analysis: Analysis
    language: Language
    labels: list[str | None]
    first_days: list[date | None]
    numerators: FloatArray
    denominators: FloatArray
    units: npt.NDArray[np.int64]
    withheld: npt.NDArray[np.bool_]
    plan: PhasePlan
    scale: float
    chart_suggestion: ChartType | None
    sentence: str
    annotations: list[dict[str, Any]]
    first_ordinal: int
    rebase_cycle_id: uuid.UUID | None = None


_STORED_FIELDS = {
    "values": "query.chart",
    "numerators": "query.chart",
    "denominators": "query.chart",
    "chart": "query.chart",
    "trend_length": "query.trend_length",
    "shift_length": "query.shift_length",
    "min_points_for_limits": "query.min_points",
    "rules": "query.rules",
}


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


async def analyse_measure(
    session: AsyncSession,
    principal: Principal,
    measure_id: uuid.UUID,
    *,
    org_unit_id: uuid.UUID | None,
    include_descendants: bool,
    period_from: str | None,
    period_to: str | None,
    settings: ChartSettings,
    language: Language,
    timezone: str,
) -> StoredAnalysis:
    """The measure's series for one unit (or summed over its subtree) analysed with its stored
    phases and exclusions, direction and target; missing periods are gaps, withheld points
    too."""
    series = await readings.read_series(
        session,
        principal,
        measure_id,
        org_unit_id=org_unit_id,
        include_descendants=include_descendants,
        period_from=period_from,
        period_to=period_to,
    )
    measure = series.measure
    kind = ValueKind(measure.value_kind)
    points = series.points
    first = points[0].ordinal if points else 0
    n = points[-1].ordinal - first + 1 if points else 0
    check_periods(n, field="query.period_from", hint="narrow it with period_from and period_to")
    at = np.fromiter((p.ordinal for p in points), dtype=np.int64, count=len(points)) - first
    ratio = kind in (ValueKind.proportion, ValueKind.rate)

    def column(values: Iterator[float | None]) -> FloatArray:
        full = np.full(n, np.nan)
        full[at] = np.array(list(values), dtype=np.float64)
        return full

    numerators = column(p.numerator for p in points) if ratio else np.full(n, np.nan)
    denominators = column(p.denominator for p in points) if ratio else np.full(n, np.nan)
    values = None if ratio else column(p.value for p in points)
    withheld = np.zeros(n, dtype=np.bool_)
    withheld[at] = [p.withheld for p in points]
    units = np.zeros(n, dtype=np.int64)
    units[at] = [p.units for p in points]
    labels: list[str | None] = [None] * n
    first_days: list[date | None] = [None] * n
    for i, p in zip(at.tolist(), points, strict=True):
        labels[i] = p.period
        first_days[i] = p.first_on
    if len(points) < n:
        school_year = await _school_year(session, principal)
        for i in np.flatnonzero(units == 0).tolist():
            period = period_from_ordinal(
                measure.period_kind, first + i, school_year_start=school_year
            )
            labels[i] = period.key
            first_days[i] = period.first_day

    phases = list(
        (
            await session.execute(
                select(MeasurePhase).where(col(MeasurePhase.measure_id) == measure.id)
            )
        ).scalars()
    )
    excluded = (
        await session.execute(
            select(col(MeasureExclusion.period_ordinal)).where(
                col(MeasureExclusion.measure_id) == measure.id,
                col(MeasureExclusion.org_unit_id) == series.org_unit_id,
            )
        )
    ).scalars()
    plan = plan_phases(phases, excluded, first, n)
    scale = 100.0 if kind is ValueKind.proportion else 1.0
    target = None if measure.target_value is None else measure.target_value / scale
    chart = settings.chart or default_chart(kind)
    try:
        options = ChartOptions(
            chart=chart,
            baselines=plan.windows,
            parts=plan.parts,
            exclude=plan.exclude,
            direction=Direction(measure.direction),
            target=target,
            screen_moving_ranges=settings.screening,
            trend_length=settings.trend_length,
            shift_length=settings.shift_length,
            min_points_for_limits=settings.min_points,
            rules=settings.rules,
        )
        # Up to MAX_PERIODS periods: CPU work, off the event loop.
        if ratio:
            analysis = await anyio.to_thread.run_sync(
                _analyse, None, numerators, denominators, options
            )
        else:
            assert values is not None
            analysis = await anyio.to_thread.run_sync(_analyse, values, None, None, options)
    except AnalysisInputError as error:
        raise input_problem(error, _STORED_FIELDS, "query.chart") from None
    word = _PERIOD_WORDS[measure.period_kind]
    annotations = await _annotations(session, principal, measure, language, timezone)
    last = first + n - 1
    in_range = [a for a in annotations if n and first <= a["ordinal"] <= last]
    for annotation in in_range:
        annotation["index"] = annotation.pop("ordinal") - first
    rebase_cycle = None
    rebase_from = analysis.summary.rebase_from
    if rebase_from is not None:
        rebase_cycle = await _adopted_cycle_before(
            session, principal, measure, first + rebase_from, phases
        )
    return StoredAnalysis(
        rebase_cycle_id=rebase_cycle,
        measure=measure,
        series=series,
        analysis=analysis,
        language=language,
        labels=labels,
        first_days=first_days,
        numerators=numerators,
        denominators=denominators,
        units=units,
        withheld=withheld,
        plan=plan,
        scale=scale,
        chart_suggestion=_suggestion(analysis, denominators) if ratio else None,
        sentence=_stored_sentence(analysis, language, word),
        annotations=in_range,
        first_ordinal=first,
    )


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
    school_year = await _school_year(session, principal)
    rows = await session.execute(
        select(col(Cycle.id), col(Cycle.test_started_on))
        .join(Initiative, col(Initiative.id) == col(Cycle.initiative_id))
        .join(Team, col(Team.id) == col(Initiative.team_id))
        .join(OrgUnit, col(OrgUnit.id) == col(Team.org_unit_id))
        .where(
            col(Cycle.organisation_id) == principal.organisation_id,
            principal.path_filter(col(OrgUnit.path)),
            col(Cycle.decision) == Decision.adopt,
            col(Cycle.test_started_on).is_not(None),
            _cycles_following(measure),
        )
        .order_by(col(Cycle.test_started_on).desc(), col(Cycle.id))
    )
    for cycle_id, started_on in rows:
        if cycle_id in named or started_on is None:
            continue
        started = period_of(measure.period_kind, started_on, school_year_start=school_year)
        if started.ordinal <= shift_ordinal:
            found: uuid.UUID = cycle_id
            return found
    return None


@computable(_STORED_VALUES)
def _stored_sentence(analysis: Analysis, language: Language, word: str) -> str:
    return summary_sentence(analysis, language, period_word=word)


@computable(_STORED_VALUES)
def _analyse(
    values: FloatArray | None,
    numerators: FloatArray | None,
    denominators: FloatArray | None,
    options: ChartOptions,
) -> Analysis:
    """Values for counts, continuous values and ratings; numerators and denominators for
    proportions and rates (y = their ratio on every chart; a C chart refuses them)."""
    if values is not None:
        return analyse(values, options=options)  # type: ignore[arg-type]
    return analyse([], numerators=numerators, denominators=denominators, options=options)  # type: ignore[arg-type]


@computable(_STORED_VALUES)
def stored_document(stored: StoredAnalysis) -> dict[str, Any]:
    measure = stored.measure
    document = analysis_document(
        stored.analysis,
        language=stored.language,
        labels=stored.labels,
        scale=stored.scale,
        sentence=stored.sentence,
        period_word=_PERIOD_WORDS[measure.period_kind],
    )
    columns = document["points"]
    columns["period_first_on"] = [d.isoformat() if d else None for d in stored.first_days]
    columns["numerator"] = stored.numerators
    columns["denominator"] = stored.denominators
    columns["units"] = stored.units
    columns["withheld"] = stored.withheld
    for phase in document["phases"]:
        phase["period_from"] = stored.labels[phase["first_index"]]
        phase["period_to"] = stored.labels[phase["last_index"]]
        row = stored.plan.rows.get(phase["index"])
        phase["phase_id"] = row.id if row else None
        phase["cycle_id"] = row.cycle_id if row else None
        phase["reason"] = row.reason if row else None
    document["summary"]["rebase_cycle_id"] = stored.rebase_cycle_id
    return {
        "measure_id": measure.id,
        "org_unit_id": stored.series.org_unit_id,
        "aggregated": stored.series.aggregated,
        "period_kind": measure.period_kind,
        "value_kind": measure.value_kind,
        "unit_label": measure.unit_label,
        "scale": "percent" if stored.scale == 100.0 else "value",
        "chart_suggestion": None
        if stored.chart_suggestion is None
        else stored.chart_suggestion.value,
        **document,
        "annotations": stored.annotations,
    }


CSV_HEADER = (
    "period",
    "period_first_on",
    "value",
    "numerator",
    "denominator",
    "withheld",
    "phase",
    "baseline",
    "excluded",
    "centre",
    "lower_limit",
    "upper_limit",
    "lower_2_sigma",
    "upper_2_sigma",
    "classification",
    "rules",
)


def csv_rows(stored: StoredAnalysis) -> Iterator[tuple[Any, ...]]:
    """One row per period: the point, its lines and its classification (gaps included)."""
    p = stored.analysis.points
    scale = stored.scale

    def listed(column: FloatArray, factor: float = 1.0) -> list[float | None]:
        return [None if math.isnan(x) else x * factor for x in column.tolist()]

    value, centre, lower, upper, lower_2s, upper_2s = (
        listed(getattr(p, name), scale)
        for name in ("value", "centre", "lower", "upper", "lower_2s", "upper_2s")
    )
    numerators, denominators = listed(stored.numerators), listed(stored.denominators)
    withheld = stored.withheld.tolist()
    phase, baseline, excluded = p.phase.tolist(), p.baseline.tolist(), p.excluded.tolist()
    names = p.classification.tolist()
    rules = [",".join(r) for r in _rule_lists(p.rule_mask)]
    for i in range(len(p)):
        yield (
            stored.labels[i],
            stored.first_days[i],
            value[i],
            numerators[i],
            denominators[i],
            "ja" if withheld[i] else "nej",
            phase[i] + 1,
            "ja" if baseline[i] else "nej",
            "ja" if excluded[i] else "nej",
            centre[i],
            lower[i],
            upper[i],
            lower_2s[i],
            upper_2s[i],
            names[i],
            rules[i],
        )


@computable(_STORED_VALUES)
def stored_chart(stored: StoredAnalysis, *, width: int, height: int) -> str:
    measure = stored.measure
    percent = stored.scale == 100.0
    notes = [svg.ChartAnnotation(index=a["index"], text=a["text"]) for a in stored.annotations]
    plain = plain_sentence(
        stored.analysis,
        stored.language,
        labels=stored.labels,
        period_word=_PERIOD_WORDS[measure.period_kind],
    )
    drawing = chart_drawing(
        stored.analysis,
        title=measure.name,
        description=f"{plain} {stored.sentence}",
        caption=plain,
        labels=stored.labels,
        language=stored.language,
        percent=percent,
        y_label="" if percent else (measure.unit_label or ""),
        annotations=notes,
        width=width,
        height=height,
    )
    return render_chart(drawing, field_prefix="query")


# --- many measures at a glance ----------------------------------------------------------------

GLANCE_SORT = Sorting(
    "MeasureGlanceSort",
    {"name": col(Measure.name), "created_at": col(Measure.created_at)},
    tiebreaker=col(Measure.id),
)


async def summarise_measures(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    initiative_id: uuid.UUID | None,
    org_unit_id: uuid.UUID | None,
    include_descendants: bool,
    settings: ChartSettings,
    language: Language,
    sort: str,
) -> Page[dict[str, Any]]:
    """A page of measures, each with its latest value and the verdict of its current phase.

    One query reads the page's measures, one every series of the page (and one each its
    phases and exclusions), whatever the page's size."""
    stmt = (
        select(Measure)
        .join(OrgUnit, col(OrgUnit.id) == col(Measure.org_unit_id))
        .where(
            col(Measure.organisation_id) == principal.organisation_id,
            measure_service.readable_measures(principal),
        )
    )
    unit: OrgUnit | None = None
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
    if org_unit_id is not None:
        unit = await resolve_reference(
            org_unit_service.get_org_unit,
            session,
            principal,
            org_unit_id,
            field="query.org_unit_id",
            kind="org unit",
        )
        # The unit's own measures, and the shared indicators it reports (of it or above it).
        stmt = stmt.where(
            or_(
                col(Measure.org_unit_id) == unit.id,
                col(Measure.initiative_id).is_(None)
                & literal(unit.path).startswith(col(OrgUnit.path)),
            )
        )
    found = await paginate(session, stmt, page=page, order=GLANCE_SORT.order(sort))
    measures: list[Measure] = found.items
    _, default_minimum = await measure_service.organisation_settings(
        session, principal.organisation_id
    )
    shield = readings.Protection(principal, default_minimum)
    ids = [m.id for m in measures]
    owner_paths = (
        dict(
            (
                await session.execute(
                    select(col(Measure.id), col(OrgUnit.path))
                    .join(OrgUnit, col(OrgUnit.id) == col(Measure.org_unit_id))
                    .where(col(Measure.id).in_(ids))
                )
            ).all()
        )
        if ids
        else {}
    )
    # Which unit each row analyses, and whether it sums the unit's subtree.
    rows: dict[uuid.UUID, tuple[uuid.UUID, str, bool]] = {}
    for m in measures:
        unit_id, path = (
            (unit.id, unit.path) if unit is not None else (m.org_unit_id, owner_paths[m.id])
        )
        rows[m.id] = (unit_id, path, include_descendants and principal.covers_path(path))
    series = await _many_series(session, measures, rows)
    phases: dict[uuid.UUID, list[MeasurePhase]] = {}
    excluded: dict[uuid.UUID, list[int]] = {}
    if ids:
        for phase in (
            await session.execute(select(MeasurePhase).where(col(MeasurePhase.measure_id).in_(ids)))
        ).scalars():
            phases.setdefault(phase.measure_id, []).append(phase)
        for measure_id, unit_id, ordinal in await session.execute(
            select(
                col(MeasureExclusion.measure_id),
                col(MeasureExclusion.org_unit_id),
                col(MeasureExclusion.period_ordinal),
            ).where(col(MeasureExclusion.measure_id).in_(ids))
        ):
            if rows[measure_id][0] == unit_id:
                excluded.setdefault(measure_id, []).append(ordinal)
    items = []
    for m in measures:
        unit_id, path, aggregated = rows[m.id]
        items.append(
            _glance(
                m,
                series.get(m.id, []),
                unit_id=unit_id,
                path=path,
                aggregated=aggregated,
                shield=shield,
                phases=phases.get(m.id, []),
                excluded=excluded.get(m.id, []),
                settings=settings,
                language=language,
            )
        )
    return Page[dict[str, Any]](
        items=items,
        total=found.total,
        limit=found.limit,
        offset=found.offset,
        next_cursor=found.next_cursor,
    )


_M = Measurement.__table__.c  # type: ignore[attr-defined]


async def _many_series(
    session: AsyncSession,
    measures: Sequence[Measure],
    rows: dict[uuid.UUID, tuple[uuid.UUID, str, bool]],
) -> dict[uuid.UUID, list[tuple[int, str, float | None, float | None, float | None]]]:
    """Every row's series in period order: (ordinal, key, value, numerator, denominator).
    One query for the units' own figures, one for the subtrees' sums."""
    out: dict[uuid.UUID, list[tuple[int, str, float | None, float | None, float | None]]] = {}
    own = [m for m in measures if not rows[m.id][2]]
    summed = [m for m in measures if rows[m.id][2]]
    if own:
        pairs = {(m.id, rows[m.id][0]) for m in own}
        units = {unit_id for _, unit_id in pairs}
        stmt = (
            select(
                _M.measure_id,
                _M.org_unit_id,
                _M.period_ordinal,
                _M.period_key,
                _M.value,
                _M.numerator,
                _M.denominator,
            )
            .where(_M.measure_id.in_([m.id for m in own]), _M.org_unit_id.in_(units))
            .order_by(_M.measure_id, _M.period_ordinal)
        )
        for (
            measure_id,
            unit_id,
            ordinal,
            key,
            value,
            numerator,
            denominator,
        ) in await session.execute(stmt):
            if (measure_id, unit_id) in pairs:
                out.setdefault(measure_id, []).append((ordinal, key, value, numerator, denominator))
    if summed:
        subtree = OrgUnit.__table__.alias("reporting")  # type: ignore[attr-defined]
        root = OrgUnit.__table__.alias("root")  # type: ignore[attr-defined]
        wanted = [(m.id, rows[m.id][0]) for m in summed]
        pair_filter = or_(*(and_(_M.measure_id == m, root.c.id == u) for m, u in wanted))
        stmt = (
            select(
                _M.measure_id,
                _M.period_ordinal,
                func.min(_M.period_key),
                func.sum(_M.value),
                func.avg(_M.value),
                func.sum(_M.numerator),
                func.sum(_M.denominator),
            )
            .join(subtree, subtree.c.id == _M.org_unit_id)
            .join(root, subtree.c.path.startswith(root.c.path))
            .where(pair_filter)
            .group_by(_M.measure_id, _M.period_ordinal)
            .order_by(_M.measure_id, _M.period_ordinal)
        )
        kinds = {m.id: ValueKind(m.value_kind) for m in summed}
        for measure_id, ordinal, key, total, mean, numerator, denominator in await session.execute(
            stmt
        ):
            kind = kinds[measure_id]
            if kind in (ValueKind.proportion, ValueKind.rate) and denominator:
                value = numerator / denominator * (100 if kind is ValueKind.proportion else 1)
            else:
                value = total if kind is ValueKind.count else mean
            out.setdefault(measure_id, []).append((ordinal, key, value, numerator, denominator))
    return out


def _glance(
    measure: Measure,
    points: Sequence[tuple[int, str, float | None, float | None, float | None]],
    *,
    unit_id: uuid.UUID,
    path: str,
    aggregated: bool,
    shield: readings.Protection,
    phases: Sequence[MeasurePhase],
    excluded: Sequence[int],
    settings: ChartSettings,
    language: Language,
) -> dict[str, Any]:
    kind = ValueKind(measure.value_kind)
    ratio = kind in (ValueKind.proportion, ValueKind.rate)
    if points and points[-1][0] - points[0][0] >= MAX_PERIODS:
        # The latest MAX_PERIODS periods at most, like one analysis can show.
        start = points[-1][0] - MAX_PERIODS + 1
        points = [p for p in points if p[0] >= start]
    first = points[0][0] if points else 0
    n = points[-1][0] - first + 1 if points else 0
    value = np.full(n, np.nan)
    numerators = np.full(n, np.nan)
    denominators = np.full(n, np.nan)
    latest: tuple[str, float | None, bool] | None = None
    for ordinal, key, v, numerator, denominator in points:
        i = ordinal - first
        hidden = not aggregated and shield.withholds(denominator, path, measure.min_denominator)
        latest = (key, None if hidden else v, hidden)
        if hidden:
            continue
        value[i] = np.nan if v is None else v
        numerators[i] = np.nan if numerator is None else numerator
        denominators[i] = np.nan if denominator is None else denominator
    plan = plan_phases(phases, excluded, first, n)
    scale = 100.0 if kind is ValueKind.proportion else 1.0
    chart = settings.chart or default_chart(kind)
    options = ChartOptions(
        chart=chart,
        baselines=plan.windows,
        parts=plan.parts,
        exclude=plan.exclude,
        direction=Direction(measure.direction),
        target=None if measure.target_value is None else measure.target_value / scale,
        screen_moving_ranges=settings.screening,
        trend_length=settings.trend_length,
        shift_length=settings.shift_length,
        min_points_for_limits=settings.min_points,
        rules=settings.rules,
    )
    try:
        if ratio:
            analysis = _analyse(None, numerators, denominators, options)
        else:
            analysis = _analyse(value, None, None, options)
    except AnalysisInputError as error:
        raise input_problem(error, _STORED_FIELDS, "query.chart") from None
    summary = analysis.summary
    return {
        "id": measure.id,
        "name": measure.name,
        "initiative_id": measure.initiative_id,
        "org_unit_id": unit_id,
        "aggregated": aggregated,
        "value_kind": measure.value_kind,
        "period_kind": measure.period_kind,
        "unit_label": measure.unit_label,
        "direction": measure.direction,
        "target_value": measure.target_value,
        "chart": chart.value,
        "points": len(points),
        "latest_period": latest[0] if latest else None,
        "latest_value": latest[1] if latest else None,
        "latest_withheld": latest[2] if latest else False,
        "variation": summary.variation.value,
        "assurance": None if summary.assurance is None else summary.assurance.value,
        "assurance_verdict": None
        if summary.assurance_verdict is None
        else summary.assurance_verdict.value,
        "rebase_suggested": summary.rebase_suggested,
        "trial_limits": summary.trial_limits,
        "sentence": summary_sentence(
            analysis, language, period_word=_PERIOD_WORDS[measure.period_kind]
        ),
    }
