"""Every rule on hand-made series, with the edge cases other SPC tools got wrong."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pytest

from app.analytics.runs import crossings_min, longest_run_max
from app.analytics.spc import (
    Analysis,
    ChartOptions,
    analyse,
)
from app.analytics.types import (
    AnalysisInputError,
    AssurancePosition,
    AssuranceVerdict,
    BetterDirection,
    ChartType,
    Classification,
    Rule,
    Side,
    Signal,
    SignalDirection,
    Variation,
)

# An I chart baseline with known limits: mean 11, every moving range 2, so sigma = 2 / 1.128,
# limits 11 +/- 5.32 (5.68 .. 16.32) and two-sigma lines 11 +/- 3.55 (7.45 .. 14.55). It
# alternates, so it raises nothing itself, and ends below the centre.
BASELINE = [12.0, 10.0] * 10
NEAR_ABOVE, NEAR_BELOW = 15.0, 7.0  # beyond two sigma, inside the limits
ABOVE, BELOW = 12.0, 10.0  # on a side, not near a limit
OUT_ABOVE, OUT_BELOW = 17.0, 5.0  # outside the limits


def i_chart(tail: Sequence[float | None], **options: object) -> Analysis:
    return analyse(
        [*BASELINE, *tail],
        options=ChartOptions(chart=ChartType.i, freeze=len(BASELINE), **options),  # type: ignore[arg-type]
    )


def run_chart(values: Sequence[float | None], **options: object) -> Analysis:
    return analyse(values, options=ChartOptions(**options))  # type: ignore[arg-type]


def signals_of(analysis: Analysis, rule: Rule) -> list[Signal]:
    return [s for s in analysis.signals if s.rule is rule]


def classes(analysis: Analysis) -> list[str]:
    return [str(name) for name in analysis.points.classification]


# --- Anhøj's limits -------------------------------------------------------------------------


def _qbinom_exact(n: int) -> int:
    """R's qbinom(0.05, n - 1, 0.5), by exact integer arithmetic."""
    m = n - 1
    total, term, whole = 0, 1, 2**m
    for x in range(m + 1):
        total += term  # term = comb(m, x)
        if 20 * total >= whole:
            return x
        term = term * (m - x) // (x + 1)
    raise AssertionError


def test_crossings_limit_is_r_qbinom_for_every_n_up_to_400() -> None:
    assert [crossings_min(n) for n in range(1, 401)] == [_qbinom_exact(n) for n in range(1, 401)]


def test_crossings_limit_is_exact_for_long_series() -> None:
    for n in (1000, 2500, 10_000):
        assert crossings_min(n) == _qbinom_exact(n)


@pytest.mark.parametrize(
    ("n", "longest", "crossings"),
    [(10, 6, 2), (12, 7, 3), (20, 7, 6), (30, 8, 10), (40, 8, 14), (50, 9, 19), (100, 10, 41)],
)
def test_limits_match_anhoejs_table(n: int, longest: int, crossings: int) -> None:
    assert longest_run_max(n) == longest
    assert crossings_min(n) == crossings


def test_longest_run_limit_rounds_log2() -> None:
    assert longest_run_max(22) == 7  # log2 = 4.46
    assert longest_run_max(23) == 8  # log2 = 4.52
    assert longest_run_max(1) == 3


# --- Run chart: Anhøj's runs analysis -------------------------------------------------------


def test_points_on_the_median_neither_count_nor_break_a_run() -> None:
    analysis = run_chart([1, 2, 5, 8, 9, 5, 5, 1])
    (phase,) = analysis.phases
    assert phase.centre == 5
    assert phase.n_obs == 8
    assert phase.n_useful == 5  # the three 5s are on the median
    assert phase.longest_run == 2  # 8, 9 (the 5s between do not break or lengthen it)
    assert phase.n_crossings == 2


def test_median_points_do_not_break_an_anhoej_run_but_break_an_mdc_shift() -> None:
    baseline = [4.0, 6.0, 5.0]  # median 5
    values = [*baseline, *[1.0] * 5, 5.0, *[1.0] * 5, 9.0, 9.0, 9.0]
    analysis = run_chart(values, freeze=3)
    (phase,) = analysis.phases
    assert phase.centre == 5
    assert phase.n_useful == 15
    assert phase.longest_run == 10  # the ten 1s, across the 5 on the median
    (run,) = signals_of(analysis, Rule.longest_run)
    assert run.points == (*range(3, 8), *range(9, 14))
    assert signals_of(analysis, Rule.shift) == []  # 5 + 5: the 5 on the centre breaks it


def test_long_run_signal_names_the_run() -> None:
    values = [6.0, 5.0] * 6 + [9.0] * 9 + [5.0, 6.0] * 2
    analysis = run_chart(values, freeze=12)
    (phase,) = analysis.phases
    assert phase.centre == 5.5
    assert phase.n_useful == 25
    assert phase.longest_run_max == 8
    assert phase.longest_run == 9
    assert phase.runs_signal
    (signal,) = signals_of(analysis, Rule.longest_run)
    assert signal.points == tuple(range(12, 21))
    assert signal.side is Side.above


def test_too_few_crossings_is_a_phase_signal_that_colours_no_point() -> None:
    values = [1.0] * 6 + [9.0] * 6 + [1.0] * 6 + [9.0] * 6  # 3 crossings, 24 useful points
    analysis = run_chart(values, rules=frozenset({Rule.crossings}))
    (phase,) = analysis.phases
    assert (phase.n_crossings, phase.n_crossings_min) == (3, 8)
    assert phase.runs_signal
    (signal,) = analysis.signals
    assert signal.rule is Rule.crossings
    assert signal.points == tuple(range(24))
    assert signal.side is Side.none
    assert set(classes(analysis)) == {"common"}
    assert analysis.points.rules(0) == (Rule.crossings,)
    assert analysis.summary.variation is Variation.special_cause_neutral
    assert analysis.summary.variation_signal == signal


def test_a_missing_period_is_a_gap_and_breaks_no_run() -> None:
    values: list[float | None] = [1.0, 9.0] * 5
    values += [9.0, 9.0, 9.0, None, 9.0, 9.0, 9.0, 9.0]
    analysis = run_chart(values, freeze=10, direction=BetterDirection.up)  # median 5
    (signal,) = signals_of(analysis, Rule.shift)
    assert signal.points == (9, 10, 11, 12, 14, 15, 16, 17)  # index 13 is the gap
    assert math.isnan(analysis.points.value[13])
    assert analysis.points.classification[13] == "common"
    # qicharts2's n.obs counts the gap; n_included does not.
    assert (analysis.phases[0].n_obs, analysis.phases[0].n_included) == (18, 17)


def test_a_missing_period_breaks_no_trend() -> None:
    values: list[float | None] = [5.0, 1.0, 5.0, 1.0, 1.0, 2.0, 3.0, None, 4.0, 5.0, 6.0, 7.0]
    analysis = run_chart(values)
    (trend,) = signals_of(analysis, Rule.trend)
    assert trend.points == (4, 5, 6, 8, 9, 10, 11)
    assert trend.side is Side.increasing


def test_runs_analysis_covers_baseline_and_later_points() -> None:
    values = [5.0, 6.0] * 6 + [1.0] * 10
    analysis = run_chart(values, freeze=12)
    (phase,) = analysis.phases
    assert phase.centre == 5.5  # median of the baseline only
    assert phase.n_baseline == 12
    assert phase.n_useful == 22
    assert phase.longest_run == 10  # the ten 1s (the last baseline point is above)
    assert analysis.points.baseline.tolist() == [True] * 12 + [False] * 10


# --- Shift ----------------------------------------------------------------------------------


def test_seven_points_on_one_side_are_a_shift_six_are_not() -> None:
    assert signals_of(i_chart([ABOVE] * 6), Rule.shift) == []
    (shift,) = signals_of(i_chart([ABOVE] * 7), Rule.shift)
    assert shift.points == tuple(range(20, 27))
    assert shift.side is Side.above


def test_a_point_on_the_centre_breaks_a_shift() -> None:
    analysis = i_chart([ABOVE] * 4 + [11.0] + [ABOVE] * 4)
    assert signals_of(analysis, Rule.shift) == []


def test_shift_length_is_an_option() -> None:
    assert len(signals_of(i_chart([ABOVE] * 6, shift_length=6), Rule.shift)) == 1


def test_shift_below_the_centre() -> None:
    (shift,) = signals_of(i_chart([BELOW] * 6), Rule.shift)  # the baseline ends below too
    assert shift.points == tuple(range(19, 26))
    assert shift.side is Side.below


# --- Trend ----------------------------------------------------------------------------------


def test_seven_rising_points_are_a_trend_six_are_not() -> None:
    rising = [8.0, 9.0, 10.0, 11.5, 12.5, 13.5, 14.0]
    (trend,) = signals_of(i_chart(rising), Rule.trend)
    assert trend.points == tuple(range(20, 27))
    assert trend.side is Side.increasing
    assert signals_of(i_chart(rising[1:]), Rule.trend) == []


def test_a_tie_breaks_a_trend() -> None:
    assert signals_of(i_chart([8.0, 9.0, 10.0, 10.0, 11.5, 12.5, 13.5, 14.0]), Rule.trend) == []


def test_decreasing_trends_are_found_as_surely_as_increasing() -> None:
    falling = [14.0, 13.5, 12.5, 11.5, 10.0, 9.0, 8.0]
    (trend,) = signals_of(i_chart(falling), Rule.trend)
    assert trend.points == tuple(range(20, 27))
    assert trend.side is Side.decreasing


def test_trend_length_six_is_an_option() -> None:
    rising = [9.0, 10.0, 11.5, 12.5, 13.5, 14.0]
    assert len(signals_of(i_chart(rising, trend_length=6), Rule.trend)) == 1


def test_trend_length_other_than_six_or_seven_is_refused() -> None:
    with pytest.raises(AnalysisInputError) as caught:
        ChartOptions(trend_length=5)
    assert caught.value.field == "trend_length"


def test_turning_point_of_two_trends_takes_the_concern() -> None:
    down_then_up = [14.0, 13.5, 12.5, 11.5, 10.0, 9.0, 8.0, 9.0, 10.0, 11.5, 12.5, 13.5, 14.0]
    analysis = i_chart(down_then_up, direction=BetterDirection.up)
    falling, rising = signals_of(analysis, Rule.trend)
    assert falling.direction is SignalDirection.concern
    assert rising.direction is SignalDirection.improvement
    assert set(falling.points) & set(rising.points) == {26}
    assert analysis.points.classification[26] == "special_concern"
    assert analysis.points.classification[27] == "special_improvement"


# --- Two of three ---------------------------------------------------------------------------


def test_two_of_three_beyond_two_sigma_on_one_side() -> None:
    analysis = i_chart([NEAR_ABOVE, ABOVE, NEAR_ABOVE])
    (signal,) = signals_of(analysis, Rule.two_of_three)
    assert signal.points == (20, 22)  # the two near the limit
    assert signal.side is Side.above
    assert classes(analysis)[20:23] == ["special_neutral", "common", "special_neutral"]


def test_two_of_three_needs_all_three_on_the_same_side() -> None:
    # The window before holds the last baseline point (below), the one after a point below.
    assert signals_of(i_chart([NEAR_ABOVE, NEAR_ABOVE, BELOW]), Rule.two_of_three) == []
    assert signals_of(i_chart([NEAR_ABOVE, BELOW, NEAR_ABOVE]), Rule.two_of_three) == []


def test_two_of_three_on_opposite_sides_is_no_signal() -> None:
    assert signals_of(i_chart([NEAR_ABOVE, NEAR_BELOW, BELOW]), Rule.two_of_three) == []


def test_a_point_beyond_the_limits_is_not_close_to_them() -> None:
    analysis = i_chart([OUT_ABOVE, NEAR_ABOVE, ABOVE, BELOW])
    assert signals_of(analysis, Rule.two_of_three) == []
    (outside,) = signals_of(analysis, Rule.outside_limits)
    assert outside.points == (20,)
    assert classes(analysis)[20:22] == ["special_neutral", "common"]


def test_the_third_point_may_be_beyond_the_limit_on_the_same_side() -> None:
    analysis = i_chart([NEAR_ABOVE, NEAR_ABOVE, OUT_ABOVE, BELOW])
    (signal,) = signals_of(analysis, Rule.two_of_three)
    assert signal.points == (20, 21)


def test_two_of_three_below_and_in_a_chain() -> None:
    analysis = i_chart([NEAR_BELOW, NEAR_BELOW, NEAR_BELOW, ABOVE])
    (signal,) = signals_of(analysis, Rule.two_of_three)
    assert signal.points == (20, 21, 22)
    assert signal.side is Side.below


# --- Outside the limits ---------------------------------------------------------------------


def test_outside_means_strictly_outside() -> None:
    # C chart: mean 4, sigma 2, limits exactly 0 .. 10.
    baseline = [3.0, 5.0] * 10
    analysis = analyse(
        [*baseline, 10.0, 11.0, 0.0],
        options=ChartOptions(chart=ChartType.c, freeze=20),
    )
    assert analysis.points.upper[20] == 10.0
    assert analysis.points.lower[20] == 0.0
    (outside,) = signals_of(analysis, Rule.outside_limits)
    assert outside.points == (21,)
    assert analysis.phases[0].sigma_signal_count == 1


def test_excluded_points_are_still_tested_against_the_limits() -> None:
    analysis = i_chart([ABOVE, OUT_ABOVE, ABOVE], exclude=frozenset({21}))
    assert analysis.points.excluded.tolist()[21]
    (outside,) = signals_of(analysis, Rule.outside_limits)
    assert outside.points == (21,)
    assert analysis.phases[0].n_obs == 22


def test_excluded_points_are_left_out_of_centre_and_runs() -> None:
    values = [1.0, 2.0, 100.0, 3.0, 4.0]
    analysis = analyse(values, options=ChartOptions(chart=ChartType.i, exclude=frozenset({2})))
    assert analysis.phases[0].centre == 2.5
    assert analysis.phases[0].n_obs == 4
    # The moving ranges beside the excluded point are dropped: 1 and 1 remain.
    assert analysis.points.upper[0] == pytest.approx(2.5 + 3 * 1 / 1.128)


# --- Precedence and direction ---------------------------------------------------------------


def test_outside_limits_outranks_a_shift_on_the_same_point() -> None:
    analysis = i_chart([ABOVE] * 6 + [OUT_ABOVE], direction=BetterDirection.down)
    assert analysis.points.rules(26) == (Rule.outside_limits, Rule.shift)
    assert analysis.summary.variation is Variation.special_cause_concern
    assert analysis.summary.variation_signal is not None
    assert analysis.summary.variation_signal.rule is Rule.outside_limits


def test_trend_outranks_two_of_three_and_shift() -> None:
    rising = [11.5, 12.0, 12.5, 13.0, 13.5, 14.8, 15.5]
    analysis = i_chart(rising, direction=BetterDirection.up)
    assert Rule.trend in analysis.points.rules(26)
    assert analysis.summary.variation_signal is not None
    assert analysis.summary.variation_signal.rule is Rule.trend


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        (BetterDirection.up, Classification.special_improvement),
        (BetterDirection.down, Classification.special_concern),
        (BetterDirection.neutral, Classification.special_neutral),
    ],
)
def test_direction_decides_improvement_or_concern(
    direction: BetterDirection, expected: Classification
) -> None:
    analysis = i_chart([ABOVE] * 7, direction=direction)
    assert analysis.points.classification[-1] == expected
    assert analysis.summary.variation.value == "special_cause_" + expected.value.split("_")[1]


def test_rule_selection() -> None:
    analysis = i_chart([ABOVE] * 6 + [OUT_ABOVE], rules=frozenset({Rule.shift}))
    assert {s.rule for s in analysis.signals} == {Rule.shift}
    assert analysis.phases[0].sigma_signal_count == 1  # the figures stay


# --- Phases, baselines, trial limits ---------------------------------------------------------


def test_frozen_baseline_fixes_centre_and_limits() -> None:
    analysis = i_chart([20.0] * 3)
    (phase,) = analysis.phases
    assert phase.centre == 11
    assert phase.n_baseline == 20
    assert analysis.points.upper[22] == pytest.approx(11 + 3 * 2 / 1.128)


def test_two_phases_each_with_their_own_centre_and_rules() -> None:
    first = [10.0, 12.0] * 5
    second = [20.0, 22.0] * 5
    analysis = analyse(
        first + second, options=ChartOptions(chart=ChartType.i, parts=[10], freeze=4)
    )
    one, two = analysis.phases
    assert (one.first_index, one.last_index, two.first_index, two.last_index) == (0, 9, 10, 19)
    assert one.centre == 11 and two.centre == 21
    assert analysis.points.phase.tolist() == [0] * 10 + [1] * 10
    assert analysis.points.baseline.tolist() == ([True] * 4 + [False] * 6) * 2
    assert analysis.signals == ()


def test_no_rule_looks_across_a_phase_boundary() -> None:
    values = [10.0, 12.0] * 3 + [13.0] * 4 + [9.0] * 4 + [10.0, 12.0] * 3
    analysis = run_chart(values, parts=[10], shift_length=7)
    assert signals_of(analysis, Rule.shift) == []


def test_short_baselines_get_trial_limits() -> None:
    values = [10.0, 12.0] * 5
    short = analyse(values, options=ChartOptions(chart=ChartType.i))
    assert short.phases[0].trial_limits
    assert short.summary.trial_limits
    enough = analyse(values, options=ChartOptions(chart=ChartType.i, min_points_for_limits=10))
    assert not enough.phases[0].trial_limits
    assert not run_chart(values).phases[0].trial_limits  # no limits, nothing to flag


def test_one_point_has_a_centre_but_no_limits() -> None:
    analysis = analyse([5.0], options=ChartOptions(chart=ChartType.i))
    (phase,) = analysis.phases
    assert phase.centre == 5
    assert math.isnan(analysis.points.upper[0])
    assert (phase.n_useful, phase.longest_run, phase.n_crossings) == (0, None, None)
    assert not phase.trial_limits
    assert analysis.summary.variation is Variation.common_cause


def test_short_series_raise_no_runs_signal() -> None:
    analysis = run_chart([1.0, 3.0])
    (phase,) = analysis.phases
    assert (phase.n_useful, phase.longest_run, phase.longest_run_max) == (2, 1, 4)
    assert (phase.n_crossings, phase.n_crossings_min) == (1, 0)
    assert not phase.runs_signal


def test_all_equal_values() -> None:
    run = run_chart([4.0] * 12)
    assert run.phases[0].n_useful == 0
    assert not run.phases[0].runs_signal
    assert run.signals == ()
    i = analyse([4.0] * 12, options=ChartOptions(chart=ChartType.i))
    assert i.points.upper[0] == i.points.lower[0] == 4.0
    assert i.signals == ()
    assert i.summary.variation is Variation.common_cause


def test_all_missing() -> None:
    analysis = analyse([None] * 5, options=ChartOptions(chart=ChartType.i))
    (phase,) = analysis.phases
    assert phase.centre is None and (phase.n_obs, phase.n_included) == (5, 0)
    assert np.isnan(analysis.points.centre).all()
    assert analysis.summary.variation is Variation.no_data
    assert analysis.signals == ()


def test_empty_series() -> None:
    analysis = analyse([])
    assert analysis.phases == ()
    assert analysis.summary.variation is Variation.no_data


# --- Ratio charts ---------------------------------------------------------------------------


def test_zero_denominator_is_a_missing_period() -> None:
    analysis = analyse(
        [],
        numerators=[1, 0, 2, 1],
        denominators=[10, 0, 10, 10],
        options=ChartOptions(chart=ChartType.p),
    )
    assert math.isnan(analysis.points.value[1])
    assert math.isnan(analysis.points.upper[1])
    assert (analysis.phases[0].n_obs, analysis.phases[0].n_included) == (4, 3)
    assert analysis.phases[0].centre == pytest.approx(4 / 30)


def test_p_zero_collapses_the_limits_and_any_case_is_outside() -> None:
    analysis = analyse(
        [],
        numerators=[0] * 10 + [1],
        denominators=[20] * 11,
        options=ChartOptions(chart=ChartType.p, freeze=10, direction=BetterDirection.down),
    )
    assert analysis.phases[0].centre == 0
    assert analysis.points.upper[0] == analysis.points.lower[0] == 0
    (outside,) = signals_of(analysis, Rule.outside_limits)
    assert outside.points == (10,)
    assert outside.direction is SignalDirection.concern


def test_p_one_clips_the_limits_at_one() -> None:
    analysis = analyse(
        [], numerators=[20] * 10, denominators=[20] * 10, options=ChartOptions(chart=ChartType.p)
    )
    assert analysis.phases[0].centre == 1
    assert analysis.points.upper[0] == analysis.points.lower[0] == 1
    assert analysis.signals == ()


def test_p_limits_are_clipped_to_zero_and_one() -> None:
    analysis = analyse(
        [],
        numerators=[1, 2, 1, 9],
        denominators=[10, 10, 10, 10],
        options=ChartOptions(chart=ChartType.p),
    )
    assert analysis.points.lower.min() >= 0
    assert analysis.points.upper.max() <= 1


def test_u_chart_limits_follow_each_exposure() -> None:
    numerators = [3, 5, 4, 6, 2]
    exposures = [100, 200, 100, 200, 50]
    analysis = analyse(
        [], numerators=numerators, denominators=exposures, options=ChartOptions(chart=ChartType.u)
    )
    u = sum(numerators) / sum(exposures)
    for i, n in enumerate(exposures):
        assert analysis.points.upper[i] == pytest.approx(u + 3 * math.sqrt(u / n))
        assert analysis.points.lower[i] == pytest.approx(max(0.0, u - 3 * math.sqrt(u / n)))
        assert analysis.points.value[i] == pytest.approx(numerators[i] / n)


def test_laney_p_prime_widens_limits_by_the_spread_of_z_scores() -> None:
    numerators = [410, 480, 370, 470, 400, 440, 380, 470]
    denominators = [1000, 1000, 980, 1010, 990, 1000, 1000, 1020]
    analysis = analyse(
        [],
        numerators=numerators,
        denominators=denominators,
        options=ChartOptions(chart=ChartType.pp, screen_moving_ranges=False),
    )
    p = sum(numerators) / sum(denominators)
    sigmas = [math.sqrt(p * (1 - p) / n) for n in denominators]
    z = [(k / n - p) / s for k, n, s in zip(numerators, denominators, sigmas, strict=True)]
    sigma_z = sum(abs(b - a) for a, b in itertools.pairwise(z)) / (len(z) - 1) / 1.128
    assert sigma_z > 1  # over-dispersed: plain P limits would be too narrow
    for i, sigma in enumerate(sigmas):
        assert analysis.points.upper[i] == pytest.approx(p + 3 * sigma * sigma_z)
        assert analysis.points.lower[i] == pytest.approx(p - 3 * sigma * sigma_z)
    plain = analyse(
        [],
        numerators=numerators,
        denominators=denominators,
        options=ChartOptions(chart=ChartType.p),
    )
    assert plain.phases[0].sigma_signal_count > analysis.phases[0].sigma_signal_count


def test_laney_u_prime_uses_rate_sigma() -> None:
    numerators = [30, 52, 41, 60, 25, 45]
    exposures = [1000, 1500, 1200, 1600, 900, 1300]
    analysis = analyse(
        [],
        numerators=numerators,
        denominators=exposures,
        options=ChartOptions(chart=ChartType.up, screen_moving_ranges=False),
    )
    u = sum(numerators) / sum(exposures)
    sigmas = [math.sqrt(u / n) for n in exposures]
    z = [(k / n - u) / s for k, n, s in zip(numerators, exposures, sigmas, strict=True)]
    sigma_z = sum(abs(b - a) for a, b in itertools.pairwise(z)) / (len(z) - 1) / 1.128
    assert analysis.points.upper[0] == pytest.approx(u + 3 * sigmas[0] * sigma_z)


def test_moving_range_screening_drops_large_ranges() -> None:
    values = [10.0, 11.0] * 10 + [40.0] + [10.0, 11.0] * 5
    screened = analyse(values, options=ChartOptions(chart=ChartType.i))
    unscreened = analyse(
        values, options=ChartOptions(chart=ChartType.i, screen_moving_ranges=False)
    )
    assert screened.points.upper[0] < unscreened.points.upper[0]
    centre = sum(values) / len(values)
    # 30 moving ranges: 28 of 1 and two of 29 or 30 (screened out).
    assert screened.points.upper[0] == pytest.approx(centre + 3 * 1.0 / 1.128)


def test_run_and_i_charts_take_numerators_and_denominators() -> None:
    analysis = analyse([], numerators=[1, 2, 3], denominators=[10, 10, 10])
    assert analysis.points.value.tolist() == pytest.approx([0.1, 0.2, 0.3])


# --- Summary: assurance and rebase ------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "direction", "position", "verdict"),
    [
        (20.0, BetterDirection.up, AssurancePosition.target_above_limits, AssuranceVerdict.fail),
        (20.0, BetterDirection.down, AssurancePosition.target_above_limits, AssuranceVerdict.pass_),
        (2.0, BetterDirection.up, AssurancePosition.target_below_limits, AssuranceVerdict.pass_),
        (2.0, BetterDirection.down, AssurancePosition.target_below_limits, AssuranceVerdict.fail),
        (
            12.0,
            BetterDirection.up,
            AssurancePosition.target_within_limits,
            AssuranceVerdict.hit_or_miss,
        ),
        (20.0, BetterDirection.neutral, AssurancePosition.target_above_limits, None),
    ],
)
def test_assurance(
    target: float,
    direction: BetterDirection,
    position: AssurancePosition,
    verdict: AssuranceVerdict | None,
) -> None:
    summary = i_chart([], target=target, direction=direction).summary
    assert summary.assurance is position
    assert summary.assurance_verdict is verdict


def test_assurance_uses_the_current_phase() -> None:
    values = [10.0, 12.0] * 10 + [30.0, 32.0] * 10
    summary = analyse(
        values, options=ChartOptions(chart=ChartType.i, parts=[20], target=20.0)
    ).summary
    assert summary.assurance is AssurancePosition.target_below_limits


def test_run_charts_have_no_assurance() -> None:
    assert run_chart([1.0, 2.0, 3.0], target=2.0).summary.assurance is None


def test_a_sustained_shift_suggests_a_new_phase() -> None:
    analysis = i_chart([ABOVE] * 8, direction=BetterDirection.up)
    summary = analysis.summary
    assert summary.rebase_suggested
    assert summary.rebase_from == 20
    assert (
        summary.rebase_reason is not None and "8 consecutive points above" in summary.rebase_reason
    )
    assert len(analysis.phases) == 1  # a hint only


def test_a_shift_that_has_ended_suggests_nothing() -> None:
    summary = i_chart([ABOVE] * 8 + [BELOW, ABOVE]).summary
    assert not summary.rebase_suggested
    assert summary.rebase_from is None


def test_common_cause_summary() -> None:
    summary = i_chart([ABOVE, BELOW] * 3).summary
    assert summary.variation is Variation.common_cause
    assert summary.variation_signal is None


# --- Input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: analyse(["x"]), "values"),  # type: ignore[list-item]
        (lambda: analyse([1.0, math.inf]), "values"),
        (lambda: analyse([1.0], options=ChartOptions(chart=ChartType.p)), "numerators"),
        (lambda: analyse([], numerators=[1], denominators=None), "denominators"),
        (lambda: analyse([], numerators=[1, 2], denominators=[3]), "denominators"),
        (
            lambda: analyse(
                [], numerators=[5], denominators=[4], options=ChartOptions(chart=ChartType.p)
            ),
            "numerators",
        ),
        (lambda: analyse([], numerators=[1], denominators=[-4]), "denominators"),
        (lambda: analyse([-1.0], options=ChartOptions(chart=ChartType.c)), "values"),
        (lambda: analyse([1.0, 2.0], options=ChartOptions(parts=[2])), "parts"),
        (lambda: analyse([1.0, 2.0], options=ChartOptions(exclude=frozenset({5}))), "exclude"),
        (lambda: ChartOptions(parts=[3, 2]), "parts"),
        (lambda: ChartOptions(parts=[0]), "parts"),
        (lambda: ChartOptions(freeze=0), "freeze"),
        (lambda: ChartOptions(exclude=frozenset({-1})), "exclude"),
        (lambda: ChartOptions(chart="np"), "chart"),  # type: ignore[arg-type]
        (lambda: ChartOptions(rules=frozenset({"nine_in_a_row"})), "rules"),  # type: ignore[arg-type]
        (lambda: ChartOptions(target=math.nan), "target"),
        (lambda: ChartOptions(shift_length=1), "shift_length"),
    ],
)
def test_bad_input_names_the_field(call: object, field: str) -> None:
    with pytest.raises(AnalysisInputError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.field == field
    assert caught.value.reason


def test_options_accept_plain_strings() -> None:
    options = ChartOptions(chart="p", direction="up", rules=frozenset({"shift"}))  # type: ignore[arg-type]
    assert options.chart is ChartType.p
    assert options.direction is BetterDirection.up
    assert options.rules == frozenset({Rule.shift})


def test_columns_give_plain_values() -> None:
    analysis = i_chart([None, ABOVE])
    columns = analysis.points.columns()
    assert columns["value"][20] is None
    assert columns["upper"][20] is None
    assert columns["upper"][21] == pytest.approx(11 + 3 * 2 / 1.128)
    assert columns["classification"][21] == "common"
    assert analysis.points.row(21)["classification"] is Classification.common
    assert len(analysis.points) == 22
