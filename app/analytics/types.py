"""The vocabulary of the chart and signal rules: chart types, rules, signals, directions and
verdicts. ``app.analytics.spc`` analyses with it; requests, documents and reports speak it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class ChartType(StrEnum):
    run = "run"
    i = "i"
    mr = "mr"  # moving ranges of an I chart series
    xbar = "xbar"  # subgroup means
    s = "s"  # subgroup standard deviations
    t = "t"  # time between rare events
    g = "g"  # opportunities between rare events
    p = "p"
    pp = "pp"  # Laney P′
    u = "u"
    up = "up"  # Laney U′
    c = "c"


RATIO_CHARTS = frozenset({ChartType.p, ChartType.pp, ChartType.u, ChartType.up})
#: Charts of subgroups: a list of values per period.
SUBGROUP_CHARTS = frozenset({ChartType.xbar, ChartType.s})
#: Charts that take ``values`` only.
VALUE_CHARTS = frozenset({ChartType.c, ChartType.mr, ChartType.t, ChartType.g})
#: The rules an MR chart applies: successive moving ranges share a point, so runs rules do
#: not hold for them (qicharts2 reports no runs signal on MR charts either).
MR_RULES: frozenset[str] = frozenset({"outside_limits"})


class BetterDirection(StrEnum):
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


class NoAssurance(StrEnum):
    """Why a summary has no assurance verdict."""

    no_target = "no_target"
    #: A run chart, or limits the baseline cannot give.
    no_limits = "no_limits"
    #: Making Data Count gives no assurance for a measure without a better direction.
    neutral_direction = "neutral_direction"


#: ``Points.classification_code`` indexes this.
CLASSIFICATIONS: tuple[Classification, ...] = tuple(Classification)


class AnalysisInputError(ValueError):
    """Input the analysis cannot use; ``field`` names it, ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Signal(NamedTuple):
    """One signal: the rule, the points (0-based) that raised it, its side and meaning."""

    rule: Rule
    points: tuple[int, ...]
    side: Side
    direction: SignalDirection
    phase: int
