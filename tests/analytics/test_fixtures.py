"""The analysis reproduces every figure of the published qicharts2 reference cases."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from app.analytics.spc import (
    Analysis,
    ChartOptions,
    analyse,
)
from app.analytics.types import (
    ChartType,
)

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.json"))

PHASE_FIGURES = (
    "n_obs",
    "n_useful",
    "longest_run",
    "longest_run_max",
    "n_crossings",
    "n_crossings_min",
    "runs_signal",
    "sigma_signal_count",
)


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _run(case: dict[str, Any]) -> Analysis:
    assert case["index_base"] == 1
    options = ChartOptions(
        chart=ChartType(case["chart"]),
        freeze=case.get("freeze"),
        parts=case.get("parts", ()),  # "a new part after point k" = 0-based start k
        exclude=frozenset(k - 1 for k in case.get("exclude", ())),
        screen_moving_ranges=case["options"]["screened_moving_ranges"],
    )
    if "series" in case:
        return analyse(case["series"], options=options)
    return analyse(
        [], numerators=case["numerators"], denominators=case["denominators"], options=options
    )


def _close(actual: float | None, expected: float | None, tolerance: float) -> bool:
    if expected is None:
        return actual is None or math.isnan(actual)
    if actual is None or math.isnan(actual):
        return False
    return math.isclose(actual, expected, rel_tol=tolerance, abs_tol=1e-12)


def test_every_fixture_is_checked() -> None:
    assert len(FIXTURES) >= 5


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_analysis_reproduces_reference_figures(path: Path) -> None:
    case = _load(path)
    tolerance = float(case.get("tolerance", 1e-9))
    analysis = _run(case)
    expected = case["expected"]

    assert len(analysis.phases) == len(expected["parts"])
    for phase, part in zip(analysis.phases, expected["parts"], strict=True):
        assert phase.index + 1 == part["part"]
        assert phase.first_index + 1 == part["first_index"]
        assert phase.last_index + 1 == part["last_index"]
        for name in PHASE_FIGURES:
            assert getattr(phase, name) == part[name], (name, phase)
        assert _close(phase.centre, part["center"], tolerance)

    # The top-level figures describe a single-part chart.
    if "center" in expected:
        (phase,) = analysis.phases
        assert _close(phase.centre, expected["center"], tolerance)
        for name in PHASE_FIGURES:
            assert getattr(phase, name) == expected[name], name

    for row in expected.get("summary_qic", ()):
        phase = analysis.phases[row["part"] - 1]
        assert _close(phase.centre, row["CL"], tolerance)
        assert _close(phase.mean_lower, row["aLCL"], tolerance)
        assert _close(phase.mean_upper, row["aUCL"], tolerance)
        assert phase.runs_signal == bool(row["runs.signal"])
        assert phase.sigma_signal_count == row["sigma.signal"]

    points = expected["points"]
    ours = analysis.points
    assert len(ours) == len(points["index"])
    for i in range(len(ours)):
        assert _close(float(ours.value[i]), points["y"][i], tolerance), i
        assert int(ours.phase[i]) + 1 == points["part"][i], i
        assert bool(ours.baseline[i]) == points["baseline"][i], i
        assert (not ours.excluded[i]) == points["include"][i], i
        assert _close(float(ours.centre[i]), points["cl"][i], tolerance), i
        assert _close(float(ours.lower[i]), points["lcl"][i], tolerance), i
        assert _close(float(ours.upper[i]), points["ucl"][i], tolerance), i
        if "lcl_95" in points:
            assert _close(float(ours.lower_2s[i]), points["lcl_95"][i], tolerance), i
            assert _close(float(ours.upper_2s[i]), points["ucl_95"][i], tolerance), i
        outside = bool(ours.value[i] > ours.upper[i] or ours.value[i] < ours.lower[i])
        assert outside == points["sigma_signal"][i], i
        assert analysis.phases[int(ours.phase[i])].runs_signal == points["runs_signal"][i], i
