"""A measure on a chart, the one table of it: the chart a value kind gets, the charts that fit
it, the word for its periods, the rules a request may choose and the chart options a request
may set. The stored analysis, the glance, the cycle evidence and the roll-up all read it here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from app.analytics.spc import Analysis, ChartOptions, analyse
from app.analytics.types import (
    ALL_RULES,
    ANHOEJ_RULES,
    MDC_RULES,
    RATIO_CHARTS,
    BetterDirection,
    ChartType,
    Rule,
)
from app.measures.models import Measure, ValueKind
from app.periods import PeriodKind
from app.problems import InvalidInput

FloatArray = npt.NDArray[np.float64]

#: The control chart a value kind gets unless another is asked for.
DEFAULT_CHART: dict[ValueKind, ChartType] = {
    ValueKind.proportion: ChartType.p,
    ValueKind.rate: ChartType.u,
    ValueKind.count: ChartType.c,
    ValueKind.continuous: ChartType.i,
    ValueKind.rating: ChartType.i,
}

#: Which value kinds each chart can draw (run and I charts take any values).
CHART_FITS: dict[ChartType, frozenset[ValueKind]] = {
    ChartType.run: frozenset(ValueKind),
    ChartType.i: frozenset(ValueKind),
    ChartType.p: frozenset({ValueKind.proportion}),
    ChartType.pp: frozenset({ValueKind.proportion}),
    ChartType.u: frozenset({ValueKind.rate}),
    ChartType.up: frozenset({ValueKind.rate}),
    ChartType.c: frozenset({ValueKind.count}),
    # Each reporting unit's value a member of its period's subgroup (over a subtree).
    ChartType.xbar: frozenset({ValueKind.continuous, ValueKind.rating, ValueKind.count}),
    ChartType.s: frozenset({ValueKind.continuous, ValueKind.rating, ValueKind.count}),
    # Derived from the days with events of a count measure by day.
    ChartType.t: frozenset({ValueKind.count}),
    ChartType.g: frozenset({ValueKind.count}),
}

#: Charts a stored measure draws from something other than its one series: subgroups of the
#: units' values (Xbar, S) or the days between its events (T, G).
DERIVED_CHARTS = frozenset({ChartType.xbar, ChartType.s, ChartType.t, ChartType.g})

#: The word a sentence counts a measure's periods in (``app.i18n.PERIOD_WORDS``).
PERIOD_WORD: dict[PeriodKind, str] = {
    PeriodKind.day: "day",
    PeriodKind.week: "week",
    PeriodKind.month: "month",
    PeriodKind.term: "term",
    PeriodKind.school_year: "year",
}

#: Value kinds stored as a numerator over a denominator.
RATIO_KINDS = frozenset({ValueKind.proportion, ValueKind.rate})


def default_chart(value_kind: str) -> ChartType:
    """The chart a value kind gets unless another is asked for."""
    return DEFAULT_CHART[ValueKind(value_kind)]


def check_chart(kind: ValueKind, chart: ChartType | None, field: str) -> ChartType:
    """The chart asked for if it fits the value kind (else a 422 naming ``field``), or the
    kind's default."""
    if chart is None:
        return DEFAULT_CHART[kind]
    if kind not in CHART_FITS[chart]:
        fits = ", ".join(sorted(c.value for c, kinds in CHART_FITS.items() if kind in kinds))
        raise InvalidInput(
            field, f"a {chart.value} chart does not fit a {kind.value} measure; use one of {fits}"
        )
    return chart


_RULE_SETS: dict[str, frozenset[Rule]] = {
    "all": ALL_RULES,
    "mdc": MDC_RULES,
    "anhoej": ANHOEJ_RULES,
}


def chosen_rules(choices: Iterable[str] | None) -> frozenset[Rule]:
    """The rules named in a request: rule names or the sets ``all`` (default), ``mdc``,
    ``anhoej``."""
    if not choices:
        return ALL_RULES
    rules: set[Rule] = set()
    for choice in choices:
        named = _RULE_SETS.get(str(choice))
        rules |= named if named is not None else {Rule(choice)}
    return frozenset(rules)


@dataclass(frozen=True)
class ChartQuery:
    """The chart options a request can set (the rest come from the measure or the body)."""

    chart: ChartType | None = None
    trend_length: int = 7
    shift_length: int = 7
    screening: bool = True
    min_points: int = 15
    rules: frozenset[Rule] = ALL_RULES


def display_scale(kind: ValueKind, chart: ChartType) -> float:
    """Factor from the chart's figures to the measure's own: a P chart counts in fractions,
    a proportion's values (and its target) are percentages."""
    return 100.0 if kind is ValueKind.proportion and chart in (ChartType.p, ChartType.pp) else 1.0


def chart_options(measure: Measure, chart: ChartType, **more: Any) -> ChartOptions:
    """Options for analysing ``measure`` on ``chart``: its direction, and its target in the
    chart's own figures (control charts only)."""
    kind = ValueKind(measure.value_kind)
    target = measure.target_value
    if target is not None and chart is not ChartType.run:
        target = target / display_scale(kind, chart)
    else:
        target = None
    return ChartOptions(
        chart=chart, direction=BetterDirection(measure.direction), target=target, **more
    )


def analyse_dense(
    options: ChartOptions,
    values: FloatArray | None,
    numerators: FloatArray | None = None,
    denominators: FloatArray | None = None,
    subgroups: Sequence[Sequence[float] | None] | None = None,
) -> Analysis:
    """Analyse a dense series (NaN = a gap): ratio charts from numerators and denominators,
    the others from the values; without values (a stored ratio measure), every chart from the
    ratios, and without numerators every chart from the values. Xbar and S charts take
    ``subgroups`` (one list a period)."""
    if subgroups is not None:
        return analyse([], subgroups=subgroups, options=options)
    if numerators is not None and (values is None or options.chart in RATIO_CHARTS):
        return analyse(
            [],
            numerators=cast(Sequence[float | None], numerators),
            denominators=cast(Sequence[float | None], denominators),
            options=options,
        )
    return analyse(cast(Sequence[float | None], values), options=options)
