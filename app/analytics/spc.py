"""Run charts and control charts for one measure's series: the pure calculations.

``analyse(values, options=ChartOptions(...))`` returns the centre line, the limits, the
signals with the rule and the points that raised them, a classification of every point, the
figures of each phase and a summary (variation and assurance) of the current phase. No
database, no web, no drawing: the caller maps ``AnalysisInputError`` to a 422 that names the
field.

Definitions (every rule is documented here, the contract can quote it):

Points, phases and baselines
    Indexes are 0-based. ``values[i] is None`` (or NaN) is a missing period: a gap, never a
    zero. ``parts`` are the indexes where a new phase starts (a rebase): each phase computes
    its own centre and limits and its own runs analysis, and no rule looks across a phase
    boundary. ``freeze = N`` makes the first N periods of each phase its baseline (missing and
    excluded periods among them count as periods but not as points); without it the whole
    phase is its baseline. ``exclude`` removes points from every calculation (centre, limits,
    runs analysis, shift, trend, two-of-three); an excluded point is still shown and, as in
    qicharts2, still tested against the limits.
Centre and limits
    Run chart: the median of the baseline points, no limits. I chart: mean +/- 3 sigma with
    sigma = average moving range / 1.128 (the textbook 2.66 x the average moving range),
    moving ranges of 3.267 x the average or more screened out before re-averaging (option).
    P: p = sum(numerators) / sum(denominators), limits from each point's denominator,
    clipped to 0..1. U: the same for rates (numerator per unit of exposure), lower limit
    clipped at 0. C: c +/- 3 sqrt(c), lower limit clipped at 0. Laney P′ / U′: the P / U sigma
    times sigma_z, the average moving range of the baseline's z-scores / 1.128. A
    denominator that is missing or zero makes the period missing. The two-sigma lines are
    centre +/- 2 sigma, clipped the same way.
Anhøj runs analysis (run charts and control charts, against the centre line)
    Over every included point of the phase, baseline or not. Useful points are those not
    exactly on the centre; n counts them. Signal when the longest run of useful points on one
    side > round(log2(n)) + 3, or when the crossings (runs - 1) < qbinom(0.05, n - 1, 0.5).
MDC ("Making Data Count") rules, over the included points of a phase in time order (a gap
is skipped: the next included point continues a shift or a trend)
    ``outside_limits``: a point strictly above the upper or below the lower limit.
    ``shift``: ``shift_length`` (7) or more consecutive points strictly on one side of the
    centre; a point on the centre breaks it. Run charts use it against the median.
    ``trend``: ``trend_length`` (7, or 6) consecutive points each strictly above (or each
    strictly below) the one before; a tie breaks it.
    ``two_of_three``: three consecutive points all strictly on one side of the centre, at least
    two of them beyond the two-sigma line on that side but not outside the limits (a point
    beyond the limits is not "close to" them); the signal names those two (or three) points.
    ``longest_run`` / ``crossings``: Anhøj's two signals as rules; a longest-run signal names
    the points of each run longer than the limit, a crossings signal names every useful point
    of the phase.
Classification
    A point takes the classification of the highest-ranked rule that marked it, in the order
    outside limits, trend, two-of-three, shift, longest run; ``crossings`` is a property of the
    whole phase and does not colour points (it appears in the points' rule lists and in the
    summary). A signal is an improvement or a concern by the measure's ``direction`` (a
    neutral measure gives neutral signals); where two signals of the same rank disagree on one
    point (a turning point shared by a rising and a falling trend) the concern wins.
Summary (always of the current, i.e. last, phase)
    ``variation``: the classification of the phase's latest included point when it is
    special; otherwise, when Anhøj's runs analysis of the phase signals, special cause in the
    direction of its longest run (neutral for crossings alone); otherwise common cause;
    ``no_data`` when the phase has no included point. ``assurance`` (control charts with a
    target): where the target lies against the limits at the phase's latest point, and what
    that means for the measure's direction: inside -> ``hit_or_miss``; beyond the limit on the
    better side -> ``fail`` (the process will not reach it without a change); on the worse side
    -> ``pass``. ``rebase_suggested``: a shift or a longest-run signal in the current phase that
    is still running at its latest point and started after the phase's first point, i.e. a
    sustained shift that may deserve a new phase (a hint: the analysis never rebases itself).
Trial limits
    A control chart whose phase baseline has fewer than ``min_points_for_limits`` (15) points
    still gets limits when they can be computed (I and Laney charts need one moving range,
    P/U/C one point) but they are flagged ``trial_limits``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from app.analytics import control, runs

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]


class ChartType(StrEnum):
    run = "run"
    i = "i"
    p = "p"
    pp = "pp"  # Laney P′
    u = "u"
    up = "up"  # Laney U′
    c = "c"


RATIO_CHARTS = frozenset({ChartType.p, ChartType.pp, ChartType.u, ChartType.up})


class Direction(StrEnum):
    """Which way is better for the measure."""

    up = "up"
    down = "down"
    neutral = "neutral"


class Rule(StrEnum):
    """Signal rules, in order of precedence for a point's classification."""

    outside_limits = "outside_limits"
    trend = "trend"
    two_of_three = "two_of_three"
    shift = "shift"
    longest_run = "longest_run"
    crossings = "crossings"


#: Every rule: the MDC rules and Anhøj's runs analysis (the default rule set).
ALL_RULES: frozenset[Rule] = frozenset(Rule)
#: Only the MDC rules.
MDC_RULES: frozenset[Rule] = frozenset(
    {Rule.outside_limits, Rule.trend, Rule.two_of_three, Rule.shift}
)
#: Only Anhøj's runs analysis.
ANHOEJ_RULES: frozenset[Rule] = frozenset({Rule.longest_run, Rule.crossings})

_RULE_ORDER: tuple[Rule, ...] = tuple(Rule)
_RULE_BIT: dict[Rule, int] = {rule: 1 << n for n, rule in enumerate(_RULE_ORDER)}


class Side(StrEnum):
    above = "above"
    below = "below"
    increasing = "increasing"
    decreasing = "decreasing"
    none = "none"  # a crossings signal: too few crossings, no side


class SignalDirection(StrEnum):
    improvement = "improvement"
    concern = "concern"
    neutral = "neutral"


class Classification(StrEnum):
    common = "common"
    special_improvement = "special_improvement"
    special_concern = "special_concern"
    special_neutral = "special_neutral"


class Variation(StrEnum):
    common_cause = "common_cause"
    special_cause_improvement = "special_cause_improvement"
    special_cause_concern = "special_cause_concern"
    special_cause_neutral = "special_cause_neutral"
    no_data = "no_data"


class AssurancePosition(StrEnum):
    target_within_limits = "target_within_limits"
    target_above_limits = "target_above_limits"
    target_below_limits = "target_below_limits"


class AssuranceVerdict(StrEnum):
    pass_ = "pass"
    fail = "fail"
    hit_or_miss = "hit_or_miss"


_CLASSIFICATIONS: tuple[Classification, ...] = tuple(Classification)
_CLASS_NAMES = np.array([c.value for c in _CLASSIFICATIONS])
_CLASS_CODE: dict[SignalDirection, int] = {
    SignalDirection.improvement: 1,
    SignalDirection.concern: 2,
    SignalDirection.neutral: 3,
}
_VARIATION_OF: dict[SignalDirection, Variation] = {
    SignalDirection.improvement: Variation.special_cause_improvement,
    SignalDirection.concern: Variation.special_cause_concern,
    SignalDirection.neutral: Variation.special_cause_neutral,
}


class AnalysisInputError(ValueError):
    """Input the analysis cannot use; ``field`` names it, ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


DEFAULT_MIN_POINTS_FOR_LIMITS = 15


@dataclass(frozen=True, slots=True)
class ChartOptions:
    """How to analyse a series; every option has a documented default.

    - ``chart``: the chart type (run chart by default).
    - ``freeze``: the baseline is the first N periods of each phase; ``None``: all of them.
    - ``parts``: 0-based indexes where a new phase starts (rebase), strictly increasing.
    - ``exclude``: 0-based indexes left out of every calculation (still shown, still tested
      against the limits).
    - ``direction``: which way is better; decides improvement / concern.
    - ``target``: the aim, for assurance (control charts only).
    - ``screen_moving_ranges``: drop moving ranges >= 3.267 x their average before
      re-averaging (I and Laney charts); on by default.
    - ``trend_length``: points in a trend, 7 (MDC) or 6.
    - ``shift_length``: points in a shift, 7 (MDC) by default, at least 2.
    - ``min_points_for_limits``: baselines with fewer points get ``trial_limits`` (15).
    - ``rules``: which rules raise signals (all by default; see ``MDC_RULES``,
      ``ANHOEJ_RULES``). The phase figures are reported whatever the selection.
    """

    chart: ChartType = ChartType.run
    freeze: int | None = None
    parts: Sequence[int] = ()
    exclude: frozenset[int] = frozenset()
    direction: Direction = Direction.neutral
    target: float | None = None
    screen_moving_ranges: bool = True
    trend_length: int = 7
    shift_length: int = 7
    min_points_for_limits: int = DEFAULT_MIN_POINTS_FOR_LIMITS
    rules: frozenset[Rule] = ALL_RULES

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        try:
            set_(self, "chart", ChartType(self.chart))
        except ValueError:
            raise AnalysisInputError("chart", f"unknown chart type {self.chart!r}") from None
        try:
            set_(self, "direction", Direction(self.direction))
        except ValueError:
            raise AnalysisInputError("direction", f"unknown direction {self.direction!r}") from None
        try:
            set_(self, "rules", frozenset(Rule(r) for r in self.rules))
        except ValueError as exc:
            raise AnalysisInputError("rules", str(exc)) from None
        parts = tuple(_index(p, "parts") for p in self.parts)
        if any(b <= a for a, b in itertools.pairwise(parts)):
            raise AnalysisInputError("parts", "phase starts must be strictly increasing")
        if parts and parts[0] < 1:
            raise AnalysisInputError("parts", "a phase can only start after the first point")
        set_(self, "parts", parts)
        set_(self, "exclude", frozenset(_index(e, "exclude") for e in self.exclude))
        if self.freeze is not None and _index(self.freeze, "freeze") < 1:
            raise AnalysisInputError("freeze", "the baseline needs at least one period")
        if self.target is not None and not math.isfinite(self.target):
            raise AnalysisInputError("target", "must be a finite number")
        if self.trend_length not in (6, 7):
            raise AnalysisInputError("trend_length", "must be 7 (MDC) or 6")
        if _index(self.shift_length, "shift_length") < 2:
            raise AnalysisInputError("shift_length", "must be at least 2")
        if _index(self.min_points_for_limits, "min_points_for_limits") < 1:
            raise AnalysisInputError("min_points_for_limits", "must be at least 1")


def _index(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise AnalysisInputError(name, f"{value!r} is not an integer")
    if value < 0:
        raise AnalysisInputError(name, f"{value} is negative")
    return int(value)


@dataclass(frozen=True, slots=True)
class Signal:
    """One signal: the rule, the points (0-based) that raised it, its side and meaning."""

    rule: Rule
    points: tuple[int, ...]
    side: Side
    direction: SignalDirection
    phase: int


@dataclass(frozen=True, slots=True)
class PhaseAnalysis:
    """The figures of one phase (the names follow qicharts2's summary)."""

    index: int
    first_index: int
    last_index: int
    #: Points not missing and not excluded.
    n_obs: int
    #: Of those, the points not exactly on the centre line (Anhøj's n).
    n_useful: int
    #: Points in the baseline (not missing, not excluded) that fixed centre and limits.
    n_baseline: int
    centre: float | None
    #: Mean of the phase's lower / upper limits (they vary per point on P and U charts).
    mean_lower: float | None
    mean_upper: float | None
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None
    runs_signal: bool
    #: Points (excluded ones too) strictly outside the limits.
    sigma_signal_count: int
    trial_limits: bool


@dataclass(frozen=True, slots=True, eq=False)
class Points:
    """Per-point results as read-only NumPy columns (NaN where a figure has no value).

    ``value`` is y as plotted (the ratio on P and U charts); ``lower_2s`` / ``upper_2s`` are the
    two-sigma lines; ``classification`` holds ``Classification`` values; ``rule_mask`` has one
    bit per ``Rule`` (see ``rules``).
    """

    value: FloatArray
    centre: FloatArray
    lower: FloatArray
    upper: FloatArray
    lower_2s: FloatArray
    upper_2s: FloatArray
    phase: IntArray
    baseline: BoolArray
    excluded: BoolArray
    classification: npt.NDArray[np.str_]
    rule_mask: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.value.size)

    def rules(self, index: int) -> tuple[Rule, ...]:
        """The rules that marked point ``index``, in order of precedence."""
        mask = int(self.rule_mask[index])
        return tuple(rule for rule in _RULE_ORDER if mask & _RULE_BIT[rule])

    def row(self, index: int) -> dict[str, Any]:
        """One point as plain Python values (``None`` for NaN)."""
        return {
            "index": index,
            "value": _opt(self.value[index]),
            "centre": _opt(self.centre[index]),
            "lower": _opt(self.lower[index]),
            "upper": _opt(self.upper[index]),
            "lower_2s": _opt(self.lower_2s[index]),
            "upper_2s": _opt(self.upper_2s[index]),
            "phase": int(self.phase[index]),
            "baseline": bool(self.baseline[index]),
            "excluded": bool(self.excluded[index]),
            "classification": Classification(str(self.classification[index])),
            "rules": self.rules(index),
        }

    def columns(self) -> dict[str, list[Any]]:
        """Every column as a list of plain Python values (``None`` for NaN), for JSON/CSV."""
        out: dict[str, list[Any]] = {}
        for name in ("value", "centre", "lower", "upper", "lower_2s", "upper_2s"):
            column: FloatArray = getattr(self, name)
            boxed = column.astype(object)
            boxed[np.isnan(column)] = None
            out[name] = boxed.tolist()
        out["phase"] = self.phase.tolist()
        out["baseline"] = self.baseline.tolist()
        out["excluded"] = self.excluded.tolist()
        out["classification"] = self.classification.tolist()
        out["rules"] = [self.rules(i) for i in range(len(self))]
        return out


def _opt(x: np.floating[Any]) -> float | None:
    return None if math.isnan(x) else float(x)


@dataclass(frozen=True, slots=True)
class Summary:
    """The verdict at a glance, for the current (last) phase."""

    variation: Variation
    #: The signal that decided ``variation`` (``None`` for common cause / no data).
    variation_signal: Signal | None
    assurance: AssurancePosition | None
    #: ``None`` when there is no target, no limits, or the direction is neutral and the target
    #: lies outside the limits.
    assurance_verdict: AssuranceVerdict | None
    rebase_suggested: bool
    rebase_reason: str | None = None
    #: Where the sustained shift started: the index a new phase would start at.
    rebase_from: int | None = None
    #: The current phase's limits are trial limits (short baseline).
    trial_limits: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class Analysis:
    chart: ChartType
    options: ChartOptions
    points: Points
    phases: tuple[PhaseAnalysis, ...]
    signals: tuple[Signal, ...]
    summary: Summary = field(repr=False)

    @property
    def current_phase(self) -> PhaseAnalysis | None:
        return self.phases[-1] if self.phases else None


# --------------------------------------------------------------------------------------------
# Input


def _as_array(data: Sequence[float | None], name: str) -> FloatArray:
    try:
        array = np.array(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise AnalysisInputError(name, "every item must be a number or null") from None
    if array.ndim != 1:
        raise AnalysisInputError(name, "must be a flat list of numbers")
    if np.isinf(array).any():
        raise AnalysisInputError(name, "numbers must be finite")
    return array


def _series(
    values: Sequence[float | None],
    numerators: Sequence[float | None] | None,
    denominators: Sequence[float | None] | None,
    chart: ChartType,
) -> tuple[FloatArray, FloatArray | None, FloatArray | None]:
    """y as plotted, plus numerators and denominators for ratio charts."""
    if (numerators is None) != (denominators is None):
        missing = "denominators" if denominators is None else "numerators"
        raise AnalysisInputError(missing, "numerators and denominators go together")
    if numerators is None or denominators is None:
        if chart in RATIO_CHARTS:
            raise AnalysisInputError(
                "numerators", f"a {chart} chart needs numerators and denominators"
            )
        y = _as_array(values, "values")
        if chart is ChartType.c and (y < 0).any():
            raise AnalysisInputError("values", "counts cannot be negative")
        return y, None, None
    if chart is ChartType.c:
        raise AnalysisInputError("numerators", "a c chart takes counts as values")
    num = _as_array(numerators, "numerators")
    den = _as_array(denominators, "denominators")
    if num.size != den.size:
        raise AnalysisInputError("denominators", "must be as many as the numerators")
    if len(values) not in (0, num.size):
        raise AnalysisInputError("values", "must be empty or as many as the numerators")
    if (num < 0).any():
        raise AnalysisInputError("numerators", "cannot be negative")
    if (den < 0).any():
        raise AnalysisInputError("denominators", "cannot be negative")
    if chart in (ChartType.p, ChartType.pp) and (num > den).any():
        raise AnalysisInputError(
            "numerators", "a proportion's numerator cannot exceed its denominator"
        )
    valid = (den > 0) & ~np.isnan(num)
    y = np.divide(num, den, out=np.full(num.size, np.nan), where=valid)
    # A period without a usable denominator is missing in every column.
    num = np.where(valid, num, np.nan)
    den = np.where(valid, den, np.nan)
    return y, num, den


# --------------------------------------------------------------------------------------------
# Analysis


def _signal_direction(sign: int, direction: Direction) -> SignalDirection:
    if direction is Direction.neutral or sign == 0:
        return SignalDirection.neutral
    better = 1 if direction is Direction.up else -1
    return SignalDirection.improvement if sign == better else SignalDirection.concern


@dataclass(slots=True)
class _PhaseResult:
    figures: PhaseAnalysis
    signals: list[Signal]
    last_included: int | None


def _spread(
    chart: ChartType,
    y: FloatArray,
    num: FloatArray | None,
    den: FloatArray | None,
    base: BoolArray,
    screen: bool,
) -> control.Spread:
    if chart is ChartType.run:
        return control.Spread(control.median_centre(y, base), None)
    if chart is ChartType.i:
        return control.individuals(y, base, screen=screen)
    if chart is ChartType.c:
        return control.counts(y, base)
    assert num is not None and den is not None
    if chart in (ChartType.p, ChartType.pp):
        spread = control.proportions(num, den, base)
    else:
        spread = control.rates(num, den, base)
    if chart in (ChartType.pp, ChartType.up):
        spread = control.laney(y, spread, base, screen=screen)
    return spread


def _clip_range(chart: ChartType) -> tuple[float | None, float | None]:
    if chart in (ChartType.p, ChartType.pp):
        return 0.0, 1.0
    if chart in (ChartType.u, ChartType.up, ChartType.c):
        return 0.0, None
    return None, None


def _line(centre: float, offset: FloatArray, lo: float | None, hi: float | None) -> FloatArray:
    line = centre + offset
    if lo is not None or hi is not None:
        np.clip(line, lo, hi, out=line)
    return line


def _analyse_phase(
    number: int,
    start: int,
    stop: int,
    y_all: FloatArray,
    num_all: FloatArray | None,
    den_all: FloatArray | None,
    usable_all: BoolArray,
    options: ChartOptions,
    out: dict[str, Any],
) -> _PhaseResult:
    chart = options.chart
    rules = options.rules
    y = y_all[start:stop]
    usable = usable_all[start:stop]
    window = np.ones(stop - start, dtype=np.bool_)
    if options.freeze is not None:
        window[options.freeze :] = False
    out["baseline"][start:stop] = window
    base = usable & window
    n_baseline = int(np.count_nonzero(base))

    num = num_all[start:stop] if num_all is not None else None
    den = den_all[start:stop] if den_all is not None else None
    spread = _spread(chart, y, num, den, base, options.screen_moving_ranges)
    centre = spread.centre
    present = ~np.isnan(y)

    mean_lower = mean_upper = None
    outside: BoolArray = np.zeros(stop - start, dtype=np.bool_)
    lower = upper = lower_2s = upper_2s = None
    if centre is not None:
        out["centre"][start:stop] = centre
    if centre is not None and spread.sigma is not None:
        lo, hi = _clip_range(chart)
        sigma = np.where(present, spread.sigma, np.nan)
        lower = _line(centre, -3.0 * sigma, lo, hi)
        upper = _line(centre, 3.0 * sigma, lo, hi)
        lower_2s = _line(centre, -2.0 * sigma, lo, hi)
        upper_2s = _line(centre, 2.0 * sigma, lo, hi)
        out["lower"][start:stop] = lower
        out["upper"][start:stop] = upper
        out["lower_2s"][start:stop] = lower_2s
        out["upper_2s"][start:stop] = upper_2s
        defined = ~np.isnan(lower)
        if defined.any():
            mean_lower = float(lower[defined].mean())
            mean_upper = float(upper[defined].mean())
        outside = (y > upper) | (y < lower)

    included = np.flatnonzero(usable)
    yy = y[included]
    if centre is not None:
        sides = np.sign(yy - centre).astype(np.int8)
    else:
        sides = np.zeros(0, dtype=np.int8)
        included = included[:0]
        yy = yy[:0]
    figures_runs = runs.anhoej(sides)

    signals: list[Signal] = []
    direction = options.direction

    def add(rule: Rule, offsets: IntArray | list[int], side: Side, sign: int) -> None:
        points = tuple(int(start + o) for o in offsets)
        signals.append(Signal(rule, points, side, _signal_direction(sign, direction), number))

    if Rule.outside_limits in rules and upper is not None:
        for offset in np.flatnonzero(outside).tolist():
            sign = 1 if y[offset] > upper[offset] else -1
            add(Rule.outside_limits, [offset], Side.above if sign > 0 else Side.below, sign)
    if Rule.trend in rules:
        for a, b, sign in runs.trends(yy, options.trend_length):
            side = Side.increasing if sign > 0 else Side.decreasing
            add(Rule.trend, included[a:b], side, sign)
    if Rule.two_of_three in rules and upper is not None and included.size >= 3:
        assert lower is not None and lower_2s is not None and upper_2s is not None
        for offsets, sign in _two_of_three(
            yy, sides, lower[included], upper[included], lower_2s[included], upper_2s[included]
        ):
            add(Rule.two_of_three, included[offsets], Side.above if sign > 0 else Side.below, sign)
    if Rule.shift in rules:
        for a, b, sign in runs.shifts(sides, options.shift_length):
            add(Rule.shift, included[a:b], Side.above if sign > 0 else Side.below, sign)
    if Rule.longest_run in rules and figures_runs.longest_run_signal:
        assert figures_runs.longest_run_max is not None
        seg = figures_runs.runs
        useful_points = included[figures_runs.useful]
        for h in np.flatnonzero(seg.lengths > figures_runs.longest_run_max):
            a = int(seg.starts[h])
            b = a + int(seg.lengths[h])
            sign = int(seg.values[h])
            add(Rule.longest_run, useful_points[a:b], Side.above if sign > 0 else Side.below, sign)
    if Rule.crossings in rules and figures_runs.crossings_signal:
        add(Rule.crossings, included[figures_runs.useful], Side.none, 0)

    is_control = chart is not ChartType.run
    figures = PhaseAnalysis(
        index=number,
        first_index=start,
        last_index=stop - 1,
        n_obs=int(np.count_nonzero(usable)),
        n_useful=figures_runs.n_useful,
        n_baseline=n_baseline,
        centre=centre,
        mean_lower=mean_lower,
        mean_upper=mean_upper,
        longest_run=figures_runs.longest_run,
        longest_run_max=figures_runs.longest_run_max,
        n_crossings=figures_runs.n_crossings,
        n_crossings_min=figures_runs.n_crossings_min,
        runs_signal=figures_runs.signal,
        sigma_signal_count=int(np.count_nonzero(outside)),
        trial_limits=is_control
        and upper is not None
        and n_baseline < options.min_points_for_limits,
    )
    last = int(start + np.flatnonzero(usable)[-1]) if usable.any() else None
    return _PhaseResult(figures, signals, last)


def _two_of_three(
    yy: FloatArray,
    sides: npt.NDArray[np.int8],
    lower: FloatArray,
    upper: FloatArray,
    lower_2s: FloatArray,
    upper_2s: FloatArray,
) -> list[tuple[list[int], int]]:
    """Windows of three included points all on one side with two or more of them beyond the
    two-sigma line but inside the limits; overlapping windows on one side make one signal."""
    found: list[tuple[list[int], int]] = []
    for sign, band in (
        (1, (yy > upper_2s) & (yy <= upper)),
        (-1, (yy < lower_2s) & (yy >= lower)),
    ):
        same = sides == sign
        all_same = same[:-2] & same[1:-1] & same[2:]
        count = band[:-2].astype(np.int8) + band[1:-1] + band[2:]
        starts = np.flatnonzero(all_same & (count >= 2))
        group: set[int] = set()
        previous = -10
        for s in starts.tolist():
            if s > previous + 2 and group:
                found.append((sorted(group), sign))
                group = set()
            group.update(s + k for k in range(3) if band[s + k])
            previous = s
        if group:
            found.append((sorted(group), sign))
    found.sort(key=lambda item: item[0][0])
    return found


def _classify(
    n: int, signals: Sequence[Signal]
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int64]]:
    codes = np.zeros(n, dtype=np.int8)
    mask = np.zeros(n, dtype=np.int64)
    for signal in signals:
        mask[list(signal.points)] |= _RULE_BIT[signal.rule]
    # Lowest precedence first, so higher-ranked rules overwrite; within a rank the concern
    # is written last and wins.
    rank = {rule: n for n, rule in enumerate(_RULE_ORDER)}
    order = {SignalDirection.neutral: 0, SignalDirection.improvement: 1, SignalDirection.concern: 2}
    colouring = [s for s in signals if s.rule is not Rule.crossings]
    colouring.sort(key=lambda s: (-rank[s.rule], order[s.direction]))
    for signal in colouring:
        codes[list(signal.points)] = _CLASS_CODE[signal.direction]
    return codes, mask


def _summary(
    options: ChartOptions,
    points: Points,
    codes: npt.NDArray[np.int8],
    phase: PhaseAnalysis | None,
    signals: Sequence[Signal],
    last: int | None,
) -> Summary:
    if phase is None or last is None:
        return Summary(Variation.no_data, None, None, None, False)
    current = [s for s in signals if s.phase == phase.index]
    rank = {rule: n for n, rule in enumerate(_RULE_ORDER)}
    deciding: Signal | None = None
    if codes[last]:
        variation = Variation(
            {1: Variation.special_cause_improvement, 2: Variation.special_cause_concern}.get(
                int(codes[last]), Variation.special_cause_neutral
            )
        )
        wanted = {1: SignalDirection.improvement, 2: SignalDirection.concern}.get(
            int(codes[last]), SignalDirection.neutral
        )
        marking = [
            s
            for s in current
            if last in s.points and s.direction is wanted and s.rule is not Rule.crossings
        ]
        deciding = min(marking, key=lambda s: rank[s.rule])
    else:
        anhoej = [s for s in current if s.rule in (Rule.longest_run, Rule.crossings)]
        if anhoej:
            # The longest run decides; crossings alone say "special cause" without a side.
            deciding = max(
                anhoej, key=lambda s: (s.rule is Rule.longest_run, len(s.points), s.points[-1])
            )
            variation = _VARIATION_OF[deciding.direction]
        else:
            variation = Variation.common_cause

    assurance: AssurancePosition | None = None
    verdict: AssuranceVerdict | None = None
    target = options.target
    if target is not None:
        in_phase = slice(phase.first_index, phase.last_index + 1)
        lower = points.lower[in_phase]
        upper = points.upper[in_phase]
        defined = np.flatnonzero(~np.isnan(lower) & ~np.isnan(upper))
        if defined.size:
            at = defined[-1]
            lo, hi = float(lower[at]), float(upper[at])
            if target > hi:
                assurance = AssurancePosition.target_above_limits
            elif target < lo:
                assurance = AssurancePosition.target_below_limits
            else:
                assurance = AssurancePosition.target_within_limits
            verdict = _verdict(assurance, options.direction)

    rebase_from: int | None = None
    reason: str | None = None
    sustained = [
        s
        for s in current
        if s.rule in (Rule.shift, Rule.longest_run)
        and s.points[-1] == last
        and s.points[0] > phase.first_index
    ]
    if sustained:
        longest = max(sustained, key=lambda s: len(s.points))
        rebase_from = longest.points[0]
        where = "above" if longest.side is Side.above else "below"
        reason = (
            f"{len(longest.points)} consecutive points {where} the centre line up to the "
            f"latest point (from index {rebase_from}, rule {longest.rule}): the process may "
            "have changed; consider a new phase from there if the change is adopted"
        )
    return Summary(
        variation=variation,
        variation_signal=deciding,
        assurance=assurance,
        assurance_verdict=verdict,
        rebase_suggested=rebase_from is not None,
        rebase_reason=reason,
        rebase_from=rebase_from,
        trial_limits=phase.trial_limits,
    )


def _verdict(position: AssurancePosition, direction: Direction) -> AssuranceVerdict | None:
    if position is AssurancePosition.target_within_limits:
        return AssuranceVerdict.hit_or_miss
    if direction is Direction.neutral:
        return None
    above = position is AssurancePosition.target_above_limits
    # A target beyond the limits on the better side is out of reach; on the worse side, met.
    if above == (direction is Direction.up):
        return AssuranceVerdict.fail
    return AssuranceVerdict.pass_


def analyse(
    values: Sequence[float | None],
    *,
    numerators: Sequence[float | None] | None = None,
    denominators: Sequence[float | None] | None = None,
    options: ChartOptions = ChartOptions(),
) -> Analysis:
    """Analyse one series; see the module docstring for every rule.

    ``values`` are y per period (``None`` = missing). P, P′, U and U′ charts take
    ``numerators`` and ``denominators`` instead (``values`` may then be empty or anything of
    the same length: y is numerator / denominator); run and I charts take either.
    """
    y, num, den = _series(values, numerators, denominators, options.chart)
    n = int(y.size)
    excluded = np.zeros(n, dtype=np.bool_)
    if options.exclude:
        if max(options.exclude) >= n:
            raise AnalysisInputError("exclude", f"indexes must be below the number of points ({n})")
        excluded[list(options.exclude)] = True
    if options.parts and options.parts[-1] >= n:
        raise AnalysisInputError("parts", f"phase starts must be below the number of points ({n})")
    usable = ~np.isnan(y) & ~excluded

    out: dict[str, Any] = {
        name: np.full(n, np.nan) for name in ("centre", "lower", "upper", "lower_2s", "upper_2s")
    }
    out["baseline"] = np.zeros(n, dtype=np.bool_)
    phase_of = np.zeros(n, dtype=np.intp)
    bounds = [0, *options.parts, n] if n else []
    results: list[_PhaseResult] = []
    for number, (start, stop) in enumerate(itertools.pairwise(bounds)):
        phase_of[start:stop] = number
        results.append(_analyse_phase(number, start, stop, y, num, den, usable, options, out))
    rank = {rule: n for n, rule in enumerate(_RULE_ORDER)}
    signals = sorted(
        (s for r in results for s in r.signals), key=lambda s: (s.points[0], rank[s.rule])
    )
    codes, mask = _classify(n, signals)
    points = Points(
        value=y,
        centre=out["centre"],
        lower=out["lower"],
        upper=out["upper"],
        lower_2s=out["lower_2s"],
        upper_2s=out["upper_2s"],
        phase=phase_of,
        baseline=out["baseline"],
        excluded=excluded,
        classification=_CLASS_NAMES[codes],
        rule_mask=mask,
    )
    for column in (
        y,
        *(out[k] for k in ("centre", "lower", "upper", "lower_2s", "upper_2s", "baseline")),
        phase_of,
        excluded,
        points.classification,
        mask,
    ):
        column.setflags(write=False)
    phases = tuple(r.figures for r in results)
    last = results[-1].last_included if results else None
    summary = _summary(options, points, codes, phases[-1] if phases else None, signals, last)
    return Analysis(options.chart, options, points, phases, tuple(signals), summary)
