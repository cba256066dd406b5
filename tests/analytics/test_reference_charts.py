"""The MR, Xbar, S, T and G charts reproduce their reference cases (tests/analytics/reference:
data with their source, expected figures computed by hand in make_expected.py), and the
exclusion rule of issue 15 holds on the I, Laney and MR charts.

Published data behind the cases: Montgomery's Introduction to Statistical Quality Control,
example 6.3 (Xbar and S, piston rings), 6.4 (unequal subgroups, after the book), 6.5 (MR) and
7.6 (T, hours between valve failures; qicharts2's own T reference). No published G chart data
set with printed figures was found: the G case is constructed and its figures are computed
with qicharts2's documented formulas (qic.g: limits from the mean, m +/- 3 sqrt(m (m + 1)),
Montgomery p. 319; the centre line the median), as its source says."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from app.analytics import control
from app.analytics.spc import (
    ChartOptions,
    analyse,
)
from app.analytics.types import (
    AnalysisInputError,
    AssurancePosition,
    BetterDirection,
    ChartType,
    NoAssurance,
    Rule,
)

CASES = sorted((Path(__file__).parent / "reference").glob("*.json"))


def _close(actual: float, expected: float | None) -> bool:
    if expected is None:
        return math.isnan(actual)
    return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)


def test_every_new_chart_has_a_reference_case() -> None:
    charts = {json.loads(p.read_text(encoding="utf-8"))["chart"] for p in CASES}
    assert charts == {"mr", "xbar", "s", "t", "g"}


def test_every_chart_but_g_has_a_case_from_published_data() -> None:
    published = {
        json.loads(p.read_text(encoding="utf-8"))["chart"]
        for p in CASES
        if json.loads(p.read_text(encoding="utf-8"))["source"].startswith("Montgomery")
    }
    assert published == {"mr", "xbar", "s", "t"}


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_chart_reproduces_reference_figures(path: Path) -> None:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert case["source"] and case["obtained_by"]
    options = ChartOptions(chart=ChartType(case["chart"]), freeze=case.get("freeze"))
    analysis = analyse(case.get("values", []), subgroups=case.get("subgroups"), options=options)
    expected = case["expected"]
    (phase,) = analysis.phases
    assert phase.centre is not None and _close(phase.centre, expected["centre"])
    points = analysis.points
    for name in ("value", "lower", "upper", "upper_2s"):
        column = getattr(points, name)
        assert len(column) == len(expected[name])
        for i, want in enumerate(expected[name]):
            assert _close(float(column[i]), want), (name, i, float(column[i]), want)
    assert all(_close(float(c), expected["centre"]) for c in points.centre)


def test_an_excluded_point_joins_its_neighbours_into_one_moving_range() -> None:
    values = [10.0, 12.0, 30.0, 11.0, 13.0, 12.0]
    analysis = analyse(
        values,
        options=ChartOptions(chart=ChartType.i, exclude=frozenset({2}), screen_moving_ranges=False),
    )
    # Moving ranges of 10, 12, 11, 13, 12: 2, 1, 2, 1 (12 -> 11 across the excluded point).
    sigma = (2 + 1 + 2 + 1) / 4 / control.D2
    assert math.isclose(float(analysis.points.upper[0]), 11.6 + 3 * sigma)


def test_a_missing_period_still_breaks_the_moving_range() -> None:
    values: list[float | None] = [10.0, 12.0, None, 11.0, 13.0, 12.0]
    analysis = analyse(values, options=ChartOptions(chart=ChartType.i, screen_moving_ranges=False))
    # Moving ranges 2 (10 -> 12), 2 (11 -> 13), 1 (13 -> 12); none across the gap.
    sigma = (2 + 2 + 1) / 3 / control.D2
    assert math.isclose(float(analysis.points.upper[0]), 11.6 + 3 * sigma)


def test_an_excluded_point_joins_its_neighbours_on_a_laney_chart() -> None:
    numerators = [10.0, 12.0, 40.0, 11.0, 13.0, 12.0]
    denominators = [100.0] * 6
    options = ChartOptions(chart=ChartType.pp, exclude=frozenset({2}), screen_moving_ranges=False)
    excluded = analyse([], numerators=numerators, denominators=denominators, options=options)
    kept = [0, 1, 3, 4, 5]
    without = analyse(
        [],
        numerators=[numerators[i] for i in kept],
        denominators=[denominators[i] for i in kept],
        options=ChartOptions(chart=ChartType.pp, screen_moving_ranges=False),
    )
    assert math.isclose(float(excluded.points.upper[0]), float(without.points.upper[0]))


def test_mr_chart_takes_the_i_charts_moving_ranges_and_only_the_limits_rule() -> None:
    values = [10.0, 12.0, 30.0, 11.0, 13.0, 12.0, 11.0, 12.0, 13.0, 11.0, 12.0]
    analysis = analyse(values, options=ChartOptions(chart=ChartType.mr, exclude=frozenset({2})))
    value = analysis.points.value
    assert math.isnan(value[0])
    assert float(value[2]) == 18.0  # the excluded point is shown (12 -> 30)
    assert float(value[3]) == 1.0  # its neighbours form one moving range (12 -> 11)
    (phase,) = analysis.phases
    ranges = [2.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0]
    assert phase.centre is not None and math.isclose(phase.centre, sum(ranges) / len(ranges))
    assert {s.rule for s in analysis.signals} <= {Rule.outside_limits}
    assert not phase.runs_signal
    assert (phase.n_obs, phase.n_included) == (10, 9)


def test_subgroups_of_one_have_no_limits_and_s_needs_two_values() -> None:
    subgroups: list[list[float | None]] = [[1.0, 2.0, 3.0], [2.0], [], [2.0, 4.0, 3.0]]
    xbar = analyse([], subgroups=subgroups, options=ChartOptions(chart=ChartType.xbar))
    assert math.isnan(xbar.points.upper[1]) and float(xbar.points.value[1]) == 2.0
    assert math.isnan(xbar.points.value[2])
    s = analyse([], subgroups=subgroups, options=ChartOptions(chart=ChartType.s))
    assert math.isnan(s.points.value[1]) and math.isnan(s.points.value[2])
    assert s.phases[0].n_included == 2


@pytest.mark.parametrize(
    ("chart", "values", "field"),
    [
        (ChartType.t, [3.0, 0.0], "values"),
        (ChartType.g, [3.0, -1.0], "values"),
        (ChartType.xbar, [1.0], "subgroups"),
    ],
)
def test_new_charts_refuse_input_they_cannot_use(
    chart: ChartType, values: list[float], field: str
) -> None:
    with pytest.raises(AnalysisInputError) as caught:
        analyse(values, options=ChartOptions(chart=chart))
    assert caught.value.field == field


def test_a_neutral_direction_gets_no_assurance_verdict() -> None:
    values = [10.0, 12.0, 11.0, 13.0, 12.0, 11.0]
    neutral = analyse(values, options=ChartOptions(chart=ChartType.i, target=11.5))
    assert neutral.summary.assurance is AssurancePosition.target_within_limits
    assert neutral.summary.assurance_verdict is None
    assert neutral.summary.no_assurance is NoAssurance.neutral_direction
    up = analyse(
        values, options=ChartOptions(chart=ChartType.i, target=11.5, direction=BetterDirection.up)
    )
    assert up.summary.assurance_verdict is not None and up.summary.no_assurance is None
    untargeted = analyse(values, options=ChartOptions(chart=ChartType.i))
    assert untargeted.summary.no_assurance is NoAssurance.no_target
    run = analyse(values, options=ChartOptions(target=11.5, direction=BetterDirection.up))
    assert run.summary.no_assurance is NoAssurance.no_limits
