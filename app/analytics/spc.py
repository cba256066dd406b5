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
    phase is its baseline. ``baselines`` gives single phases a baseline window of their own
    (first and last index, both included, inside the phase), which takes precedence over
    ``freeze`` for that phase. ``exclude`` removes points from every calculation (centre, limits,
    runs analysis, shift, trend, two-of-three); an excluded point is still shown and, as in
    qicharts2, still tested against the limits.
Centre and limits
    Run chart: the median of the baseline points, no limits. I chart: mean +/- 3 sigma with
    sigma = average moving range / 1.128 (the textbook 2.66 x the average moving range);
    as in qicharts2, the excluded points are left out of the baseline before the moving
    ranges are taken (an excluded point's two neighbours form one moving range), while a
    missing period stays a gap that breaks the moving range on both sides; moving ranges of
    3.267 x the average or more are screened out before re-averaging, once
    (``screen_moving_ranges``, on by default; also for Laney and T). MR, Xbar, S, T and G:
    see ``app.analytics.control``; an MR chart applies only ``outside_limits`` (successive
    moving ranges share a point, so runs rules do not hold; qicharts2 reports no runs signal
    for it either) and its points are each period's distance to the phase's previous
    period that is not excluded.
    P: p = sum(numerators) / sum(denominators), limits from each point's denominator,
    clipped to 0..1. U: the same for rates (numerator per unit of exposure), lower limit
    clipped at 0. C: c +/- 3 sqrt(c), lower limit clipped at 0. Laney P′ / U′: the P / U sigma
    times sigma_z, the average moving range of the baseline's z-scores / 1.128. A
    denominator that is missing or zero makes the period missing. The two-sigma lines are
    centre +/- 2 sigma, clipped the same way. A missing point keeps its phase's centre but
    has no limits.
Anhøj runs analysis (run charts and control charts, against the centre line)
    Over every included point of the phase, baseline or not. Useful points are those not
    exactly on the centre; n counts them. Signal when the longest run of useful points on one
    side > round(log2(n)) + 3, or when the crossings (runs - 1) < qbinom(0.05, n - 1, 0.5).
MDC ("Making Data Count") rules, over the included points of a phase in time order (a gap
is skipped: the next included point continues a shift or a trend)
    ``outside_limits``: a point strictly above the upper or below the lower limit (a point on
    a limit is inside; excluded points are tested too).
    ``shift``: ``shift_length`` (7) or more consecutive points strictly on one side of the
    centre; a point on the centre breaks it. Run charts use it against the median.
    ``trend``: ``trend_length`` (7, or 6) consecutive points each strictly above (or each
    strictly below) the one before; a tie breaks it.
    ``two_of_three``: three consecutive points all strictly on one side of the centre, at least
    two of them beyond the two-sigma line on that side but not outside the limits (a point
    beyond the limits is not "close to" them; the third may be anywhere on that side). The
    signal names the points beyond two sigma; qualifying pairs of them that share a point
    make one signal.
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
    target): where the target lies against the limits at the phase's latest point that has
    limits (they vary per point on P and U charts), and what
    that means for the measure's direction: inside -> ``hit_or_miss``; beyond the limit on the
    better side -> ``fail`` (the process will not reach it without a change); on the worse side
    -> ``pass``. As in Making Data Count, a neutral direction gets no verdict at all (not even
    ``hit_or_miss``); ``no_assurance`` says why a summary has none (``no_target``,
    ``no_limits``, ``neutral_direction``). ``rebase_suggested``: a shift or a longest-run signal in the current phase that
    is still running at its latest point and started after the phase's first point, i.e. a
    sustained shift that may deserve a new phase (a hint: the analysis never rebases itself).
Trial limits
    A control chart whose phase baseline has fewer than ``min_points_for_limits`` (15) points
    still gets limits when they can be computed (I and Laney charts need one moving range,
    P/U/C one point) but they are flagged ``trial_limits``.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from app.analytics import control, runs
from app.analytics.types import (
    ALL_RULES,
    CLASSIFICATIONS,
    MR_RULES,
    RATIO_CHARTS,
    SUBGROUP_CHARTS,
    VALUE_CHARTS,
    AnalysisInputError,
    AssurancePosition,
    AssuranceVerdict,
    BetterDirection,
    ChartType,
    Classification,
    NoAssurance,
    Rule,
    Side,
    Signal,
    SignalDirection,
    Variation,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]


_RULE_ORDER: tuple[Rule, ...] = tuple(Rule)
_RULE_BIT: dict[Rule, int] = {rule: 1 << n for n, rule in enumerate(_RULE_ORDER)}

_CLASS_NAMES = np.array([c.value for c in CLASSIFICATIONS])
_RULE_RANK: dict[Rule, int] = {rule: n for n, rule in enumerate(_RULE_ORDER)}
_CLASS_CODE: dict[SignalDirection, int] = {
    SignalDirection.improvement: 1,
    SignalDirection.concern: 2,
    SignalDirection.neutral: 3,
}
_VARIATION_OF_CLASS: dict[Classification, Variation] = {
    Classification.special_improvement: Variation.special_cause_improvement,
    Classification.special_concern: Variation.special_cause_concern,
    Classification.special_neutral: Variation.special_cause_neutral,
}
_VARIATION_OF: dict[SignalDirection, Variation] = {
    SignalDirection.improvement: Variation.special_cause_improvement,
    SignalDirection.concern: Variation.special_cause_concern,
    SignalDirection.neutral: Variation.special_cause_neutral,
}


DEFAULT_MIN_POINTS_FOR_LIMITS = 15


@dataclass(frozen=True, slots=True)
class ChartOptions:
    """How to analyse a series; every option has a documented default.

    - ``chart``: the chart type (run chart by default).
    - ``freeze``: the baseline is the first N periods of each phase; ``None``: all of them.
    - ``baselines``: ``(first, last)`` 0-based index pairs (both included), each inside one
      phase and at most one per phase: that phase's baseline window, instead of ``freeze``.
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
    baselines: Sequence[tuple[int, int]] = ()
    parts: Sequence[int] = ()
    exclude: frozenset[int] = frozenset()
    direction: BetterDirection = BetterDirection.neutral
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
            set_(self, "direction", BetterDirection(self.direction))
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
        windows = []
        for window in self.baselines:
            try:
                first, last = window
            except (TypeError, ValueError):
                raise AnalysisInputError(
                    "baselines", "each baseline window is a (first, last) pair"
                ) from None
            first, last = _index(first, "baselines"), _index(last, "baselines")
            if last < first:
                raise AnalysisInputError("baselines", "a window's last index is before its first")
            windows.append((first, last))
        windows.sort()
        if any(b[0] <= a[1] for a, b in itertools.pairwise(windows)):
            raise AnalysisInputError("baselines", "baseline windows must not overlap")
        set_(self, "baselines", tuple(windows))
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
class PhaseAnalysis:
    """The figures of one phase (the names follow qicharts2's summary)."""

    index: int
    first_index: int
    last_index: int
    #: qicharts2's n.obs: the phase's points that are not excluded, missing ones included.
    n_obs: int
    #: Points neither missing nor excluded (the points the rules look at).
    n_included: int
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
    two-sigma lines; ``baseline`` marks the points inside their phase's baseline window;
    ``classification_code`` indexes ``CLASSIFICATIONS`` (``classification`` gives the names);
    ``rule_mask`` has one bit per ``Rule`` (``rules(i)`` gives the names).
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
    classification_code: npt.NDArray[np.int8]
    rule_mask: npt.NDArray[np.uint8]

    def __len__(self) -> int:
        return int(self.value.size)

    @property
    def classification(self) -> npt.NDArray[np.str_]:
        """Each point's ``Classification`` value."""
        names: npt.NDArray[np.str_] = _CLASS_NAMES[self.classification_code]
        return names

    def rules(self, index: int) -> tuple[Rule, ...]:
        """The rules that marked point ``index``, in order of precedence."""
        return rules_of(int(self.rule_mask[index]))

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
            "classification": CLASSIFICATIONS[int(self.classification_code[index])],
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
        out["rules"] = [rules_of(mask) for mask in self.rule_mask.tolist()]
        return out


@lru_cache(maxsize=1 << len(_RULE_ORDER))
def rules_of(mask: int) -> tuple[Rule, ...]:
    return tuple(rule for rule in _RULE_ORDER if mask & _RULE_BIT[rule])


def _opt(x: np.floating[Any]) -> float | None:
    return None if math.isnan(x) else float(x)


@dataclass(frozen=True, slots=True)
class Summary:
    """The verdict at a glance, for the current (last) phase."""

    variation: Variation
    assurance: AssurancePosition | None
    #: ``None`` when there is no target, no limits, or the direction is neutral.
    assurance_verdict: AssuranceVerdict | None
    rebase_suggested: bool
    rebase_reason: str | None = None
    #: Where the sustained shift started: the index a new phase would start at.
    rebase_from: int | None = None
    #: The current phase's limits are trial limits (short baseline).
    trial_limits: bool = False
    #: Why ``assurance_verdict`` is ``None`` (``None`` when there is a verdict).
    no_assurance: NoAssurance | None = None
    _decided_by: tuple[_Hits, int, BetterDirection] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def variation_signal(self) -> Signal | None:
        """The signal that decided ``variation`` (``None`` for common cause or no data);
        one of ``Analysis.signals``, built when asked for."""
        if self._decided_by is None:
            return None
        hits, k, direction = self._decided_by
        return hits.signal(k, direction)


@dataclass(frozen=True, slots=True, eq=False)
class _Hits:
    """The signals of one rule with one sign in one phase, packed: ``points`` holds their
    point indexes one signal after another, ``lengths`` how many belong to each."""

    rule: Rule
    sign: int  # +1 above / rising, -1 below / falling, 0 no side
    phase: int
    points: IntArray
    lengths: IntArray

    @property
    def side(self) -> Side:
        if self.rule is Rule.crossings:
            return Side.none
        if self.rule is Rule.trend:
            return Side.increasing if self.sign > 0 else Side.decreasing
        return Side.above if self.sign > 0 else Side.below

    def ends(self) -> IntArray:
        ends: IntArray = np.cumsum(self.lengths)
        return ends

    def signals(self, direction: BetterDirection) -> list[Signal]:
        meaning = _signal_direction(self.sign, direction)
        side = self.side
        flat = self.points.tolist()
        out = []
        begin = 0
        for end in self.ends().tolist():
            out.append(Signal(self.rule, tuple(flat[begin:end]), side, meaning, self.phase))
            begin = end
        return out

    def signal(self, k: int, direction: BetterDirection) -> Signal:
        end = int(self.ends()[k])
        points = tuple(self.points[end - int(self.lengths[k]) : end].tolist())
        return Signal(
            self.rule, points, self.side, _signal_direction(self.sign, direction), self.phase
        )

    def containing(self, point: int) -> list[int]:
        """Which of these signals name ``point``."""
        where = np.flatnonzero(self.points == point)
        if where.size == 0:
            return []
        found: list[int] = np.searchsorted(self.ends(), where, side="right").tolist()
        return found


@dataclass(frozen=True, eq=False)
class Analysis:
    """The result of ``analyse``. ``signals`` are built on first access (in time order)."""

    chart: ChartType
    options: ChartOptions
    points: Points
    phases: tuple[PhaseAnalysis, ...]
    summary: Summary
    _hits: tuple[_Hits, ...] = field(repr=False)

    @cached_property
    def signals(self) -> tuple[Signal, ...]:
        """Every signal, in order of its first point, then of rule precedence."""
        direction = self.options.direction
        found = [signal for hits in self._hits for signal in hits.signals(direction)]
        found.sort(key=lambda s: (s.points[0], _RULE_RANK[s.rule]))
        return tuple(found)

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


def _subgroups(
    values: Sequence[float | None],
    subgroups: Sequence[Sequence[float | None] | None] | None,
    chart: ChartType,
) -> tuple[FloatArray, control.Subgroups]:
    """y as plotted (the subgroup means or standard deviations) and the subgroup figures."""
    if subgroups is None:
        raise AnalysisInputError("subgroups", f"a {chart} chart needs a list of values per period")
    if len(values) not in (0, len(subgroups)):
        raise AnalysisInputError("values", "must be empty or as many as the subgroups")
    groups: list[FloatArray] = []
    for group in subgroups:
        if group is None:
            groups.append(np.empty(0))
            continue
        if isinstance(group, str | bytes) or not isinstance(group, Sequence):
            raise AnalysisInputError("subgroups", "each period's subgroup is a list of numbers")
        array = _as_array(group, "subgroups")
        groups.append(array[~np.isnan(array)])
    sub = control.subgroup_statistics(groups)
    return (sub.mean if chart is ChartType.xbar else sub.sd).copy(), sub


def _series(
    values: Sequence[float | None],
    numerators: Sequence[float | None] | None,
    denominators: Sequence[float | None] | None,
    chart: ChartType,
) -> tuple[FloatArray, FloatArray | None, FloatArray | None]:
    """y as plotted, plus numerators and denominators for ratio charts."""
    if chart in VALUE_CHARTS and (numerators is not None or denominators is not None):
        raise AnalysisInputError("numerators", f"a {chart} chart takes its data as values")
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
        if chart is ChartType.g and (y < 0).any():
            raise AnalysisInputError("values", "opportunities between events cannot be negative")
        if chart is ChartType.t and (y <= 0).any():
            raise AnalysisInputError("values", "times between events must be greater than zero")
        return y, None, None
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
    valid = den > 0
    valid &= ~np.isnan(num)
    with np.errstate(over="ignore"):
        y = (
            num / den
            if valid.all()
            else np.divide(num, den, out=np.full(num.size, np.nan), where=valid)
        )
    if np.isinf(y).any():
        raise AnalysisInputError(
            "denominators",
            "a denominator is too small for its numerator: their ratio is not a finite number",
        )
    if valid.all():
        return y, num, den
    # A period without a usable denominator is missing in every column.
    invalid = ~valid
    num[invalid] = np.nan
    den[invalid] = np.nan
    return y, num, den


# --------------------------------------------------------------------------------------------
# Analysis


def _signal_direction(sign: int, direction: BetterDirection) -> SignalDirection:
    if direction is BetterDirection.neutral or sign == 0:
        return SignalDirection.neutral
    better = 1 if direction is BetterDirection.up else -1
    return SignalDirection.improvement if sign == better else SignalDirection.concern


@dataclass(slots=True)
class _PhaseResult:
    figures: PhaseAnalysis
    hits: list[_Hits]
    last_included: int | None
    #: The limits and two-sigma lines: one value for the phase, or one per point.
    lines: dict[str, float | FloatArray] | None
    #: Missing points of the phase (``None``: none), where the lines have no value.
    missing: BoolArray | None
    #: The baseline window, phase-relative: start and end (exclusive).
    window: tuple[int, int]


def _spread(
    chart: ChartType,
    y: FloatArray,
    num: FloatArray | None,
    den: FloatArray | None,
    sub: control.Subgroups | None,
    base: BoolArray,
    all_base: bool,
    kept: BoolArray,
    screen: bool,
    moving_ranges: FloatArray | None,
) -> control.Spread:
    if chart is ChartType.run:
        return control.Spread(control.median_centre(y, base, all_base), None)
    if chart is ChartType.i:
        return control.individuals(
            y, base, all_base, screen=screen, kept=kept, ranges=moving_ranges
        )
    if chart is ChartType.c:
        return control.counts(y, base, all_base)
    if chart is ChartType.mr:
        return control.moving_range_chart(y, base)
    if chart is ChartType.t:
        return control.times_between(y, base, all_base, screen=screen, kept=kept)
    if chart is ChartType.g:
        return control.opportunities_between(y, base, all_base)
    if chart in SUBGROUP_CHARTS:
        assert sub is not None
        if chart is ChartType.xbar:
            return control.subgroup_means(sub, base)
        return control.subgroup_deviations(sub, base)
    assert num is not None and den is not None
    if chart in (ChartType.p, ChartType.pp):
        spread = control.proportions(num, den, base, all_base)
    else:
        spread = control.rates(num, den, base, all_base)
    if chart in (ChartType.pp, ChartType.up):
        spread = control.laney(y, spread, base, screen=screen, kept=kept)
    return spread


def _clip_range(chart: ChartType) -> tuple[float | None, float | None]:
    if chart in (ChartType.p, ChartType.pp):
        return 0.0, 1.0
    if chart in (ChartType.u, ChartType.up, ChartType.c):
        return 0.0, None
    return None, None


_LINES = (("lower", -3.0), ("upper", 3.0), ("lower_2s", -2.0), ("upper_2s", 2.0))


def _lines(
    centre: float, sigma: float | FloatArray, chart: ChartType
) -> dict[str, float | FloatArray]:
    """The limits and two-sigma lines, clipped to the chart's range: scalars when the phase
    has one sigma (so comparisons stay cheap), arrays when sigma varies per point."""
    lo, hi = _clip_range(chart)
    lines: dict[str, float | FloatArray] = {}
    for name, k in _LINES:
        if isinstance(sigma, float):
            value = centre + k * sigma
            if lo is not None:
                value = max(value, lo)
            if hi is not None:
                value = min(value, hi)
            lines[name] = value
        else:
            line = np.multiply(sigma, k)
            line += centre
            if lo is not None or hi is not None:
                np.clip(line, lo, hi, out=line)
            lines[name] = line
    return lines


def _at(line: float | FloatArray, index: IntArray | None) -> float | FloatArray:
    if isinstance(line, float) or index is None:
        return line
    return line[index]


def _baseline_points(
    usable: BoolArray,
    excluded: BoolArray,
    options: ChartOptions,
    baseline: tuple[int, int] | None,
    *,
    n_included: int,
    all_usable: bool,
) -> tuple[BoolArray, bool, int, BoolArray, tuple[int, int]]:
    """The phase's baseline: which points fix the centre and limits, whether that is every
    point, how many, the window without its excluded points (missing ones stay, as gaps) and
    the window itself.
    ``baseline`` is the phase's own window (start and end, exclusive), else ``options.freeze``
    decides."""
    size = usable.size
    if baseline is not None:
        lo, hi = baseline
    else:
        freeze = options.freeze
        lo, hi = 0, size if freeze is None else min(freeze, size)
    kept = ~excluded
    if (lo, hi) == (0, size):
        return usable, all_usable, n_included, kept, (lo, hi)
    base = usable.copy()
    base[:lo] = False
    base[hi:] = False
    kept[:lo] = False
    kept[hi:] = False
    return base, False, int(np.count_nonzero(base)), kept, (lo, hi)


def _phase_lines(
    spread: control.Spread, y: FloatArray, chart: ChartType, *, all_usable: bool
) -> tuple[dict[str, float | FloatArray] | None, BoolArray | None, float | None, float | None]:
    """The phase's centre, limit and two-sigma lines (none without a centre), a point without
    a value (``missing``, when some are) having no limits either, and the mean lower and
    upper limits."""
    centre = spread.centre
    lines: dict[str, float | FloatArray] | None = None
    mean_lower = mean_upper = None
    if centre is not None and spread.lines is not None:
        lines = {
            name: line if isinstance(line, float) else line.copy()
            for name, line in spread.lines.items()
        }
    elif centre is not None and spread.sigma is not None:
        lines = _lines(centre, spread.sigma, chart)
    if lines is None:
        return None, None, None, None
    lower, upper = lines["lower"], lines["upper"]
    missing = None if all_usable else np.isnan(y)
    if isinstance(lower, float) and isinstance(upper, float):
        if missing is None or not missing.all():
            mean_lower, mean_upper = lower, upper
        return lines, missing, mean_lower, mean_upper
    if missing is not None:
        for name in lines:
            line = lines[name]
            assert not isinstance(line, float)
            line[missing] = np.nan
    if missing is None and chart not in SUBGROUP_CHARTS:
        mean_lower, mean_upper = float(np.mean(lower)), float(np.mean(upper))
    elif not np.isnan(lower).all():
        # Subgroups of one have no limits (c4 needs two values).
        mean_lower, mean_upper = _nan_mean(lower), _nan_mean(upper)
    return lines, missing, mean_lower, mean_upper


def _analyse_phase(
    number: int,
    start: int,
    stop: int,
    y_all: FloatArray,
    num_all: FloatArray | None,
    den_all: FloatArray | None,
    usable_all: BoolArray,
    excluded_all: BoolArray,
    sub_all: control.Subgroups | None,
    options: ChartOptions,
    baseline: tuple[int, int] | None = None,
) -> _PhaseResult:
    """One phase; ``baseline`` is its own baseline window (phase-relative start and end,
    exclusive), else ``options.freeze`` decides."""
    chart = options.chart
    rules = options.rules if chart is not ChartType.mr else options.rules & MR_RULES
    size = stop - start
    where = slice(start, stop)
    y = y_all[where]
    usable = usable_all[where]
    excluded = excluded_all[where]
    n_included = int(np.count_nonzero(usable))
    n_obs = size - int(np.count_nonzero(excluded))
    all_usable = n_included == size

    base, all_base, n_baseline, kept, window = _baseline_points(
        usable, excluded, options, baseline, n_included=n_included, all_usable=all_usable
    )

    # The included points in time order (gaps and excluded points dropped).
    included: IntArray | None = None if all_usable else np.flatnonzero(usable)
    yy = y if included is None else y[included]

    # One pass of differences serves the trend rule and, when every point is a baseline
    # point, the I chart's moving ranges.
    step_signs = None
    moving_ranges = None
    want_trend = Rule.trend in rules
    if want_trend or (chart is ChartType.i and all_base):
        steps = np.diff(yy)
        if want_trend:
            step_signs = runs.signs(steps, 0.0)
        if chart is ChartType.i and all_base:
            moving_ranges = np.abs(steps, out=steps)
        del steps

    num = num_all[where] if num_all is not None else None
    den = den_all[where] if den_all is not None else None
    sub = sub_all.phase(where) if sub_all is not None else None
    spread = _spread(
        chart,
        y,
        num,
        den,
        sub,
        base,
        all_base,
        kept,
        options.screen_moving_ranges,
        moving_ranges,
    )
    del moving_ranges
    centre = spread.centre

    hits: list[_Hits] = []

    def add(rule: Rule, sign: int, points: IntArray, lengths: IntArray) -> None:
        if lengths.size:
            hits.append(_Hits(rule, sign, number, points, lengths))

    sigma_signal_count = 0
    lines, missing, mean_lower, mean_upper = _phase_lines(spread, y, chart, all_usable=all_usable)
    if lines is not None:
        lower, upper = lines["lower"], lines["upper"]
        # Every point with a value is tested against the limits, excluded ones too.
        above = np.flatnonzero(y > upper)
        below = np.flatnonzero(y < lower)
        sigma_signal_count = int(above.size + below.size)
        if Rule.outside_limits in rules:
            for sign, found in ((1, above), (-1, below)):
                add(Rule.outside_limits, sign, found + start, np.ones(found.size, dtype=np.intp))

    if centre is None:
        included = np.empty(0, dtype=np.intp)
        yy = yy[:0]
        sides = np.empty(0, dtype=np.int8)
        step_signs = None
    else:
        sides = runs.signs(yy, centre)
    figures_runs = runs.anhoej(sides)

    def absolute(offsets: IntArray) -> IntArray:
        found = offsets if included is None else included[offsets]
        return found + start

    def add_segments(rule: Rule, seg: runs.Segments, to_points: IntArray | None = None) -> None:
        for sign in (1, -1):
            keep = seg.values == sign
            if keep.any():
                lengths = seg.lengths[keep]
                offsets = runs.ranges(seg.starts[keep], lengths)
                if to_points is not None:
                    offsets = to_points[offsets]
                add(rule, sign, absolute(offsets), lengths)

    if step_signs is not None:
        add_segments(Rule.trend, runs.trends(step_signs, options.trend_length))
        del step_signs
    if Rule.two_of_three in rules and lines is not None and yy.size >= 3:
        for sign, band_line, limit in ((1, "upper_2s", "upper"), (-1, "lower_2s", "lower")):
            band = _two_of_three(
                yy, sides, sign, _at(lines[band_line], included), _at(lines[limit], included)
            )
            if band is not None:
                add(Rule.two_of_three, sign, absolute(band[0]), band[1])
    if Rule.shift in rules:
        add_segments(Rule.shift, runs.shifts(sides, options.shift_length, figures_runs))
    if Rule.longest_run in rules and figures_runs.longest_run_signal:
        seg = figures_runs.runs
        assert figures_runs.longest_run_max is not None
        add_segments(
            Rule.longest_run,
            seg.select(seg.lengths > figures_runs.longest_run_max),
            figures_runs.useful,
        )
    if Rule.crossings in rules and figures_runs.crossings_signal:
        useful = figures_runs.useful
        offsets = np.arange(sides.size, dtype=np.intp) if useful is None else useful
        add(Rule.crossings, 0, absolute(offsets), np.array([offsets.size], dtype=np.intp))

    figures = PhaseAnalysis(
        index=number,
        first_index=start,
        last_index=stop - 1,
        n_obs=n_obs,
        n_included=n_included,
        n_useful=figures_runs.n_useful,
        n_baseline=n_baseline,
        centre=centre,
        mean_lower=mean_lower,
        mean_upper=mean_upper,
        longest_run=figures_runs.longest_run,
        longest_run_max=figures_runs.longest_run_max,
        n_crossings=figures_runs.n_crossings,
        n_crossings_min=figures_runs.n_crossings_min,
        runs_signal=figures_runs.signal and chart is not ChartType.mr,
        sigma_signal_count=sigma_signal_count,
        trial_limits=lines is not None and n_baseline < options.min_points_for_limits,
    )
    if all_usable:
        last = stop - 1 if size else None
    else:
        last = int(start + np.flatnonzero(usable)[-1]) if n_included else None
    return _PhaseResult(figures, hits, last, lines, missing, window)


def _two_of_three(
    yy: FloatArray,
    sides: npt.NDArray[np.int8],
    sign: int,
    two_sigma: float | FloatArray,
    limit: float | FloatArray,
) -> tuple[IntArray, IntArray] | None:
    """Two of three on one side: three consecutive included points all strictly on that side
    of the centre, two or more of them beyond the two-sigma line but not outside the limits.

    Returns the band points of each signal (packed) and their counts; qualifying pairs of
    band points that follow each other and share a point make one signal."""
    if sign > 0:
        candidates = np.flatnonzero(yy > two_sigma)
        inside = yy[candidates] <= _at(limit, candidates)
    else:
        candidates = np.flatnonzero(yy < two_sigma)
        inside = yy[candidates] >= _at(limit, candidates)
    candidates = candidates[inside]
    if candidates.size < 2:
        return None
    last = yy.size - 1
    first, second = candidates[:-1], candidates[1:]
    gap = second - first
    # Band points are on the side already; the window needs its third point there too:
    # between them (gap 2), or just before or just after them (gap 1).
    between = sides[np.minimum(first + 1, last)] == sign
    before = (first > 0) & (sides[np.maximum(first - 1, 0)] == sign)
    after = (second < last) & (sides[np.minimum(second + 1, last)] == sign)
    ok = ((gap == 2) & between) | ((gap == 1) & (before | after))
    if not ok.any():
        return None
    seg = runs.segments(ok.view(np.int8))
    seg = seg.select(seg.values == 1)
    return candidates[runs.ranges(seg.starts, seg.lengths + 1)], seg.lengths + 1


def _classify(
    n: int, hits: Sequence[_Hits], direction: BetterDirection
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.uint8]]:
    """Point classification codes and rule bit masks."""
    codes = np.zeros(n, dtype=np.int8)
    mask = np.zeros(n, dtype=np.uint8)
    # Lowest precedence first, so higher-ranked rules overwrite; within a rank the concern
    # is written last and wins.
    write_order = {
        SignalDirection.neutral: 0,
        SignalDirection.improvement: 1,
        SignalDirection.concern: 2,
    }
    ordered = sorted(
        hits,
        key=lambda h: (-_RULE_RANK[h.rule], write_order[_signal_direction(h.sign, direction)]),
    )
    for h in ordered:
        mask[h.points] |= _RULE_BIT[h.rule]
        if h.rule is not Rule.crossings:
            codes[h.points] = _CLASS_CODE[_signal_direction(h.sign, direction)]
    return codes, mask


def _summary(
    options: ChartOptions,
    points: Points,
    phase: PhaseAnalysis | None,
    hits: Sequence[_Hits],
    last: int | None,
) -> Summary:
    if phase is None or last is None:
        return Summary(Variation.no_data, None, None, False)
    direction = options.direction
    current = [h for h in hits if h.phase == phase.index]
    code = int(points.classification_code[last])
    deciding: tuple[_Hits, int, BetterDirection] | None = None
    if code:
        wanted = CLASSIFICATIONS[code]
        marking = [
            (h, k)
            for h in current
            if h.rule is not Rule.crossings
            and _CLASS_CODE[_signal_direction(h.sign, direction)] == code
            for k in h.containing(last)
        ]
        h, k = min(marking, key=lambda item: _RULE_RANK[item[0].rule])
        deciding = (h, k, direction)
        variation = _VARIATION_OF_CLASS[wanted]
    else:
        runs_hits = [h for h in current if h.rule in (Rule.longest_run, Rule.crossings)]
        if runs_hits:
            # The longest run decides (the latest of equals); crossings alone say "special
            # cause" without a side.
            best = max(
                (
                    (h.rule is Rule.longest_run, int(length), int(end), h, k)
                    for h in runs_hits
                    for k, (length, end) in enumerate(
                        zip(h.lengths.tolist(), h.points[h.ends() - 1].tolist(), strict=True)
                    )
                ),
                key=lambda item: item[:3],
            )
            deciding = (best[3], best[4], direction)
            variation = _VARIATION_OF[_signal_direction(best[3].sign, direction)]
        else:
            variation = Variation.common_cause

    assurance: AssurancePosition | None = None
    verdict: AssuranceVerdict | None = None
    no_assurance: NoAssurance | None = NoAssurance.no_target
    target = options.target
    if target is not None:
        no_assurance = NoAssurance.no_limits
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
            verdict = _verdict(assurance, direction)
            no_assurance = NoAssurance.neutral_direction if verdict is None else None

    rebase_from: int | None = None
    reason: str | None = None
    sustained = [
        s
        for h in current
        if h.rule in (Rule.shift, Rule.longest_run)
        for s in (h.signal(k, direction) for k in h.containing(last))
        if s.points[-1] == last and s.points[0] > phase.first_index
    ]
    if sustained:
        longest = max(sustained, key=lambda s: (len(s.points), s.rule is Rule.shift))
        rebase_from = longest.points[0]
        where = "above" if longest.side is Side.above else "below"
        reason = (
            f"{len(longest.points)} consecutive points {where} the centre line up to the "
            f"latest point (from index {rebase_from}, rule {longest.rule}): the process may "
            "have changed; consider a new phase from there if the change is adopted"
        )
    return Summary(
        variation=variation,
        assurance=assurance,
        assurance_verdict=verdict,
        rebase_suggested=rebase_from is not None,
        rebase_reason=reason,
        rebase_from=rebase_from,
        trial_limits=phase.trial_limits,
        no_assurance=no_assurance,
        _decided_by=deciding,
    )


def _verdict(position: AssurancePosition, direction: BetterDirection) -> AssuranceVerdict | None:
    # Making Data Count: a measure without a better direction gets no assurance icon, not
    # even "hit or miss"; the position of the target is still reported.
    if direction is BetterDirection.neutral:
        return None
    if position is AssurancePosition.target_within_limits:
        return AssuranceVerdict.hit_or_miss
    above = position is AssurancePosition.target_above_limits
    # A target beyond the limits on the better side is out of reach; on the worse side, met.
    if above == (direction is BetterDirection.up):
        return AssuranceVerdict.fail
    return AssuranceVerdict.pass_


def _nan_mean(line: float | FloatArray) -> float:
    """The mean of a line's numbers; NaN without any (where ``np.nanmean`` would warn)."""
    line = np.asarray(line, dtype=np.float64)
    kept = line[~np.isnan(line)]
    return float(kept.mean()) if kept.size else math.nan


def analyse(
    values: Sequence[float | None],
    *,
    numerators: Sequence[float | None] | None = None,
    denominators: Sequence[float | None] | None = None,
    subgroups: Sequence[Sequence[float | None] | None] | None = None,
    options: ChartOptions = ChartOptions(),
) -> Analysis:
    """Analyse one series; see the module docstring for every rule.

    ``values`` are y per period (``None`` = missing). P, P′, U and U′ charts take
    ``numerators`` and ``denominators`` instead (``values`` may then be empty or anything of
    the same length: y is numerator / denominator); run and I charts take either. Xbar and S
    charts take ``subgroups``, a list of values per period (empty or ``None``: missing). MR
    charts take the I chart's values and plot their moving ranges; T charts take times
    between events (> 0), G charts opportunities between events (>= 0).

    Any finite figures are analysed: where they lie so near the float's limits that a centre,
    a sigma or a limit overflows (or a subnormal underflows), that figure is infinite or NaN
    (written as null, left out of a drawing) rather than an error.
    """
    with np.errstate(all="ignore"):
        return _analyse(values, numerators, denominators, subgroups, options)


def _analyse(
    values: Sequence[float | None],
    numerators: Sequence[float | None] | None,
    denominators: Sequence[float | None] | None,
    subgroups: Sequence[Sequence[float | None] | None] | None,
    options: ChartOptions,
) -> Analysis:
    chart = options.chart
    sub: control.Subgroups | None = None
    if chart in SUBGROUP_CHARTS:
        y, sub = _subgroups(values, subgroups, chart)
        num = den = None
    else:
        if subgroups is not None:
            raise AnalysisInputError("subgroups", f"a {chart} chart takes no subgroups")
        y, num, den = _series(values, numerators, denominators, chart)
    n = int(y.size)
    if options.exclude:
        if max(options.exclude) >= n:
            raise AnalysisInputError("exclude", f"indexes must be below the number of points ({n})")
        excluded = np.zeros(n, dtype=np.bool_)
        excluded[list(options.exclude)] = True
        usable = np.isnan(y)
        usable |= excluded
        np.logical_not(usable, out=usable)
    else:
        excluded = _constant(False, n, np.bool_)
        usable = np.isnan(y)
        np.logical_not(usable, out=usable)
    if options.parts and options.parts[-1] >= n:
        raise AnalysisInputError("parts", f"phase starts must be below the number of points ({n})")

    bounds = [0, *options.parts, n] if n else []
    if chart is ChartType.mr:
        y = _moving_range_series(y, excluded, bounds)
        usable = ~np.isnan(y) & ~excluded
    windows = _phase_windows(options.baselines, bounds, n)
    results = [
        _analyse_phase(
            number,
            start,
            stop,
            y,
            num,
            den,
            usable,
            excluded,
            sub,
            options,
            windows.get(number),
        )
        for number, (start, stop) in enumerate(itertools.pairwise(bounds))
    ]
    hits = [h for r in results for h in r.hits]
    codes, mask = _classify(n, hits, options.direction)
    lengths = [stop - start for start, stop in itertools.pairwise(bounds)]
    columns = _columns(n, results, lengths)
    points = Points(
        value=y,
        centre=columns["centre"],
        lower=columns["lower"],
        upper=columns["upper"],
        lower_2s=columns["lower_2s"],
        upper_2s=columns["upper_2s"],
        phase=_phase_column(n, lengths),
        baseline=_baseline_column(n, results, lengths),
        excluded=excluded,
        classification_code=codes,
        rule_mask=mask,
    )
    for column in (y, codes, mask, excluded):
        column.setflags(write=False)
    phases = tuple(r.figures for r in results)
    last = results[-1].last_included if results else None
    summary = _summary(options, points, phases[-1] if phases else None, hits, last)
    return Analysis(options.chart, options, points, phases, summary, tuple(hits))


def _moving_range_series(y: FloatArray, excluded: BoolArray, bounds: Sequence[int]) -> FloatArray:
    """The MR chart's points: each period's distance to the phase's previous period that is
    not excluded (so, as on the I chart, an excluded point's neighbours form one moving
    range); none for a phase's first period or after a missing one."""
    out = np.full(y.size, np.nan)
    for start, stop in itertools.pairwise(bounds):
        kept = start + np.flatnonzero(~excluded[start:stop])
        positions = np.arange(start, stop)
        previous = np.searchsorted(kept, positions, side="left") - 1
        has = previous >= 0
        out[positions[has]] = np.abs(y[positions[has]] - y[kept[previous[has]]])
    return out


def _phase_windows(
    baselines: Sequence[tuple[int, int]], bounds: Sequence[int], n: int
) -> dict[int, tuple[int, int]]:
    """Each baseline window as (phase number, phase-relative start and exclusive end)."""
    found: dict[int, tuple[int, int]] = {}
    for first, last in baselines:
        if last >= n:
            raise AnalysisInputError(
                "baselines", f"indexes must be below the number of points ({n})"
            )
        phase = bisect.bisect_right(bounds, first) - 1
        start, stop = bounds[phase], bounds[phase + 1]
        if last >= stop:
            raise AnalysisInputError(
                "baselines", f"the window {first}..{last} crosses the phase starting at {stop}"
            )
        if phase in found:
            raise AnalysisInputError(
                "baselines", f"the phase starting at {start} has more than one baseline window"
            )
        found[phase] = (first - start, last + 1 - start)
    return found


def _constant(value: Any, n: int, dtype: Any) -> Any:
    """A read-only column of one value, without the memory (a zero-stride view)."""
    one = np.array([value], dtype=dtype)
    column = np.ndarray((n,), dtype=one.dtype, buffer=one, strides=(0,))
    column.setflags(write=False)
    return column


def _columns(
    n: int, results: Sequence[_PhaseResult], lengths: Sequence[int]
) -> dict[str, FloatArray]:
    """The centre, limits and two-sigma lines per point. A line that is one value over the
    whole series is a broadcast view; otherwise the phases are filled in."""
    centres = [np.nan if r.figures.centre is None else r.figures.centre for r in results]
    out: dict[str, FloatArray] = {}
    if len(results) == 1:
        out["centre"] = _constant(centres[0], n, np.float64)
    else:
        out["centre"] = np.repeat(np.array(centres, dtype=np.float64), lengths)
    only = results[0] if len(results) == 1 else None
    for name, _k in _LINES:
        if only is not None:
            line = None if only.lines is None else only.lines[name]
            if line is not None and not isinstance(line, float):
                # One phase with a line per point: the phase's array is the column.
                line.setflags(write=False)
                out[name] = line
                continue
            if only.missing is None:
                out[name] = _constant(np.nan if line is None else line, n, np.float64)
                continue
        column = np.full(n, np.nan)
        start = 0
        for r, length in zip(results, lengths, strict=True):
            if r.lines is not None:
                target = column[start : start + length]
                target[...] = r.lines[name]
                if r.missing is not None:
                    target[r.missing] = np.nan
            start += length
        column.setflags(write=False)
        out[name] = column
    return out


def _phase_column(n: int, lengths: Sequence[int]) -> IntArray:
    if len(lengths) <= 1:
        column: IntArray = _constant(0, n, np.intp)
        return column
    column = np.repeat(np.arange(len(lengths), dtype=np.intp), lengths)
    column.setflags(write=False)
    return column


def _baseline_column(n: int, results: Sequence[_PhaseResult], lengths: Sequence[int]) -> BoolArray:
    if all(r.window == (0, length) for r, length in zip(results, lengths, strict=True)):
        column: BoolArray = _constant(True, n, np.bool_)
        return column
    column = np.zeros(n, dtype=np.bool_)
    start = 0
    for r, length in zip(results, lengths, strict=True):
        column[start + r.window[0] : start + r.window[1]] = True
        start += length
    column.setflags(write=False)
    return column
