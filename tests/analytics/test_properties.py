"""Properties the rules must keep whatever the series (hypothesis).

Series are integers (and gaps) so that shifting by an integer and scaling by a power of two
are exact in floating point: any change in a verdict is then the rules' doing, not rounding's.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.analytics.spc import (
    Analysis,
    ChartOptions,
    analyse,
)
from app.analytics.types import (
    BetterDirection,
    ChartType,
    Rule,
    Side,
    Signal,
    SignalDirection,
)

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)


@st.composite
def series(draw: st.DrawFn) -> list[float | None]:
    """Integer series built from pieces that raise every rule: noise, flat stretches (ties
    and points on the centre), rising and falling ramps, turning points, spikes; with gaps."""
    values: list[float | None] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["noise", "flat", "ramp", "vee", "spike"]))
        level = draw(st.integers(-20, 20))
        length = draw(st.integers(1, 12))
        if kind == "noise":
            piece = [
                level + d
                for d in draw(st.lists(st.integers(-3, 3), min_size=length, max_size=length))
            ]
        elif kind == "flat":
            piece = [level] * length
        elif kind == "ramp":
            step = draw(st.sampled_from([-3, -2, -1, 1, 2, 3]))
            piece = [level + step * k for k in range(length)]
        elif kind == "vee":  # two trends sharing their turning point
            step = draw(st.sampled_from([-2, -1, 1, 2]))
            piece = [level + step * abs(k - 6) for k in range(13)]
        else:
            piece = [level + draw(st.sampled_from([-40, 40]))]
        values.extend(float(v) for v in piece)
    gaps = draw(st.sets(st.integers(0, max(0, len(values) - 1)), max_size=3)) if values else set()
    return [None if i in gaps else v for i, v in enumerate(values)]


values_strategy = series()
location_charts = st.sampled_from([ChartType.run, ChartType.i])
directions = st.sampled_from(list(BetterDirection))


@st.composite
def options_for(draw: st.DrawFn, chart: ChartType, n: int) -> ChartOptions:
    freeze = draw(st.one_of(st.none(), st.integers(1, max(1, n))))
    parts: list[int] = []
    if n > 2 and draw(st.booleans()):
        parts = sorted(draw(st.sets(st.integers(1, n - 1), max_size=2)))
    exclude = draw(st.sets(st.integers(0, n - 1), max_size=3)) if n else set()
    return ChartOptions(
        chart=chart,
        freeze=freeze,
        parts=parts,
        exclude=frozenset(exclude),
        direction=draw(directions),
        trend_length=draw(st.sampled_from([6, 7])),
        screen_moving_ranges=draw(st.booleans()),
    )


def verdicts(analysis: Analysis) -> tuple[object, ...]:
    """Everything that must not move under a change of location or scale."""
    phases = tuple(
        (
            p.n_obs,
            p.n_useful,
            p.n_baseline,
            p.longest_run,
            p.longest_run_max,
            p.n_crossings,
            p.n_crossings_min,
            p.runs_signal,
            p.sigma_signal_count,
            p.trial_limits,
        )
        for p in analysis.phases
    )
    summary = analysis.summary
    return (
        analysis.signals,
        tuple(analysis.points.classification.tolist()),
        phases,
        summary.variation,
        summary.variation_signal,
        summary.rebase_from,
    )


@PROPERTY_SETTINGS
@given(
    data=st.data(), values=values_strategy, chart=location_charts, shift=st.integers(-1000, 1000)
)
def test_shifting_the_series_changes_no_verdict(
    data: st.DataObject, values: list[float | None], chart: ChartType, shift: int
) -> None:
    options = data.draw(options_for(chart, len(values)))
    shifted = [None if v is None else v + shift for v in values]
    before = analyse(values, options=options)
    after = analyse(shifted, options=options)
    assert verdicts(after) == verdicts(before)
    for a, b in zip(before.phases, after.phases, strict=True):
        if a.centre is not None and b.centre is not None:
            assert abs(b.centre - (a.centre + shift)) < 1e-9


@PROPERTY_SETTINGS
@given(data=st.data(), values=values_strategy, chart=location_charts, power=st.integers(-4, 6))
def test_scaling_the_series_changes_no_verdict(
    data: st.DataObject, values: list[float | None], chart: ChartType, power: int
) -> None:
    options = data.draw(options_for(chart, len(values)))
    factor = 2.0**power
    scaled = [None if v is None else v * factor for v in values]
    assert verdicts(analyse(scaled, options=options)) == verdicts(analyse(values, options=options))


def _swap(direction: SignalDirection) -> SignalDirection:
    return {
        SignalDirection.improvement: SignalDirection.concern,
        SignalDirection.concern: SignalDirection.improvement,
        SignalDirection.neutral: SignalDirection.neutral,
    }[direction]


def _turning_points(analysis: Analysis) -> set[int]:
    """Points shared by a rising and a falling trend and by no higher-ranked rule (where the
    concern wins either way)."""
    rising = {p for s in analysis.signals if s.side is Side.increasing for p in s.points}
    falling = {p for s in analysis.signals if s.side is Side.decreasing for p in s.points}
    outside = {p for s in analysis.signals if s.rule is Rule.outside_limits for p in s.points}
    return (rising & falling) - outside


def _chart_data(
    data: st.DataObject, chart: ChartType, values: list[float | None]
) -> tuple[
    list[float | None],
    list[float | None] | None,
    list[float | None] | None,
    list[list[float | None]] | None,
]:
    """Values, numerators, denominators and subgroups that fit the chart."""
    n = len(values)
    if chart in (ChartType.p, ChartType.pp, ChartType.u, ChartType.up):
        denominators = data.draw(st.lists(st.integers(0, 60), min_size=n, max_size=n))
        numerators = [data.draw(st.integers(0, d)) for d in denominators]
        return values, list(map(float, numerators)), list(map(float, denominators)), None
    if chart in (ChartType.c, ChartType.g):
        return [None if v is None else abs(v) for v in values], None, None, None
    if chart is ChartType.t:
        return [None if v is None else abs(v) + 0.5 for v in values], None, None, None
    if chart in (ChartType.xbar, ChartType.s):
        sizes = data.draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
        subgroups: list[list[float | None]] = [
            [] if v is None else [v + (k % 3) - 1.0 for k in range(size)]
            for v, size in zip(values, sizes, strict=True)
        ]
        return [], None, None, subgroups
    return values, None, None, None


SWAPPED_CLASS = {
    "common": "common",
    "special_improvement": "special_concern",
    "special_concern": "special_improvement",
    "special_neutral": "special_neutral",
}


@PROPERTY_SETTINGS
@given(data=st.data(), values=values_strategy, chart=st.sampled_from(list(ChartType)))
def test_reversing_the_direction_swaps_improvement_and_concern(
    data: st.DataObject, values: list[float | None], chart: ChartType
) -> None:
    n = len(values)
    values, numerators, denominators, subgroups = _chart_data(data, chart, values)
    options = replace(data.draw(options_for(chart, n)), direction=BetterDirection.up)
    up = analyse(
        values,
        numerators=numerators,
        denominators=denominators,
        subgroups=subgroups,
        options=options,
    )
    down = analyse(
        values,
        numerators=numerators,
        denominators=denominators,
        subgroups=subgroups,
        options=replace(options, direction=BetterDirection.down),
    )
    neutral = analyse(
        values,
        numerators=numerators,
        denominators=denominators,
        subgroups=subgroups,
        options=replace(options, direction=BetterDirection.neutral),
    )
    assert [s._replace(direction=_swap(s.direction)) for s in up.signals] == list(down.signals)
    assert {s.direction for s in neutral.signals} <= {SignalDirection.neutral}
    turning = _turning_points(up)
    for i, (a, b) in enumerate(
        zip(up.points.classification.tolist(), down.points.classification.tolist(), strict=True)
    ):
        if i in turning:
            assert a == b == "special_concern"
        else:
            assert b == SWAPPED_CLASS[a]
    assert set(neutral.points.classification.tolist()) <= {"common", "special_neutral"}


@PROPERTY_SETTINGS
@given(data=st.data(), values=values_strategy)
def test_mirroring_an_i_chart_with_the_direction_keeps_every_classification(
    data: st.DataObject, values: list[float | None]
) -> None:
    options = data.draw(options_for(ChartType.i, len(values)))
    flipped = {BetterDirection.up: BetterDirection.down, BetterDirection.down: BetterDirection.up}
    mirrored = analyse(
        [None if v is None else -v for v in values],
        options=replace(options, direction=flipped.get(options.direction, options.direction)),
    )
    original = analyse(values, options=options)
    assert mirrored.points.classification.tolist() == original.points.classification.tolist()
    assert [(s.rule, s.points, s.direction) for s in mirrored.signals] == [
        (s.rule, s.points, s.direction) for s in original.signals
    ]


@PROPERTY_SETTINGS
@given(values=values_strategy, gap_at=st.integers(0, 60), direction=directions)
def test_a_gap_changes_nothing_on_a_run_chart(
    values: list[float | None], gap_at: int, direction: BetterDirection
) -> None:
    gap_at = min(gap_at, len(values))
    with_gap = [*values[:gap_at], None, *values[gap_at:]]
    options = ChartOptions(direction=direction)
    before = analyse(values, options=options)
    after = analyse(with_gap, options=options)

    def moved(signal: Signal) -> Signal:
        return signal._replace(points=tuple(p + (p >= gap_at) for p in signal.points))

    assert [moved(s) for s in before.signals] == list(after.signals)
    classification = after.points.classification.tolist()
    assert classification[gap_at] == "common"
    assert classification[:gap_at] + classification[gap_at + 1 :] == (
        before.points.classification.tolist()
    )


@PROPERTY_SETTINGS
@given(data=st.data(), values=values_strategy, chart=st.sampled_from(list(ChartType)))
def test_every_analysis_is_consistent(
    data: st.DataObject, values: list[float | None], chart: ChartType
) -> None:
    n = len(values)
    values, numerators, denominators, subgroups = _chart_data(data, chart, values)
    options = data.draw(options_for(chart, n))
    analysis = analyse(
        values,
        numerators=numerators,
        denominators=denominators,
        subgroups=subgroups,
        options=options,
    )
    points = analysis.points
    assert len(points) == n
    missing = np.isnan(points.value)
    for signal in analysis.signals:
        assert list(signal.points) == sorted(set(signal.points))
        phase = analysis.phases[signal.phase]
        assert phase.first_index <= signal.points[0] <= signal.points[-1] <= phase.last_index
        assert not missing[list(signal.points)].any()
        if signal.rule is not Rule.outside_limits:
            assert not points.excluded[list(signal.points)].any()
    colouring = {r for r in Rule if r is not Rule.crossings}
    for i in range(n):
        special = points.classification[i] != "common"
        assert special == bool(set(points.rules(i)) & colouring)
    for phase in analysis.phases:
        assert phase.n_useful <= phase.n_obs
        if phase.longest_run is not None:
            assert phase.n_crossings is not None
            assert 1 <= phase.longest_run <= phase.n_useful
            assert phase.n_crossings <= phase.n_useful - 1
    lower, upper = points.lower, points.upper
    defined = ~np.isnan(lower)
    assert (lower[defined] <= points.centre[defined] + 1e-12).all()
    assert (upper[defined] >= points.centre[defined] - 1e-12).all()
    if chart in (ChartType.p, ChartType.pp):
        assert ((lower[defined] >= 0) & (upper[defined] <= 1)).all()
    if analysis.summary.variation_signal is not None:
        assert analysis.summary.variation_signal in analysis.signals
