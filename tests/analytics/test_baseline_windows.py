"""Baseline windows: a phase's centre and limits from a window of its own (pure rules)."""

import math

import numpy as np
import pytest

from app.analytics.spc import (
    ChartOptions,
    analyse,
)
from app.analytics.types import (
    AnalysisInputError,
    ChartType,
)

VALUES = [4.0, 6, 5, 5, 7, 3, 5, 12, 13, 11, 12, 14, 12, 13]


def test_a_window_from_the_first_point_is_the_same_as_a_freeze() -> None:
    frozen = analyse(VALUES, options=ChartOptions(chart=ChartType.i, freeze=6))
    windowed = analyse(VALUES, options=ChartOptions(chart=ChartType.i, baselines=[(0, 5)]))
    for name in ("centre", "lower", "upper", "baseline"):
        assert np.array_equal(getattr(frozen.points, name), getattr(windowed.points, name))
    assert frozen.phases == windowed.phases


def test_a_window_inside_the_series_fixes_the_centre_from_its_points_only() -> None:
    analysis = analyse(VALUES, options=ChartOptions(chart=ChartType.run, baselines=[(2, 6)]))
    assert analysis.points.baseline.tolist() == [False, False] + [True] * 5 + [False] * 7
    assert analysis.phases[0].centre == 5.0  # median of 5, 5, 7, 3, 5
    assert analysis.phases[0].n_baseline == 5


def test_each_phase_takes_its_own_window_and_the_others_their_freeze() -> None:
    options = ChartOptions(chart=ChartType.i, parts=[7], freeze=3, baselines=[(9, 12)])
    analysis = analyse(VALUES, options=options)
    first, second = analysis.phases
    assert first.centre == 5.0 and first.n_baseline == 3  # 4, 6, 5
    assert math.isclose(second.centre or 0, (11 + 12 + 14 + 12) / 4)
    assert analysis.points.baseline.tolist() == (
        [True] * 3 + [False] * 4 + [False, False] + [True] * 4 + [False]
    )


def test_a_window_with_gaps_and_exclusions_counts_periods_not_points() -> None:
    values: list[float | None] = [1.0, None, 3, 100, 5, 6]
    analysis = analyse(
        values, options=ChartOptions(chart=ChartType.i, baselines=[(0, 3)], exclude=frozenset({3}))
    )
    assert analysis.phases[0].n_baseline == 2  # 1 and 3
    assert analysis.phases[0].centre == 2.0


@pytest.mark.parametrize(
    ("windows", "parts", "message"),
    [
        ([(3, 2)], (), "before its first"),
        ([(0, 2), (2, 4)], (), "overlap"),
        ([(0, 20)], (), "below the number"),
        ([(5, 8)], (7,), "crosses the phase"),
        ([(0, 1), (3, 4)], (), "more than one"),
        ([(1,)], (), "pair"),
        ([(-1, 2)], (), "negative"),
    ],
)
def test_windows_that_cannot_be_used_are_refused(
    windows: list[tuple[int, ...]], parts: tuple[int, ...], message: str
) -> None:
    with pytest.raises(AnalysisInputError) as raised:
        analyse(VALUES, options=ChartOptions(baselines=windows, parts=parts))  # type: ignore[arg-type]
    assert raised.value.field == "baselines"
    assert message in raised.value.reason
