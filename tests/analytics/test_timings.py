"""The NumPy baselines of ``timings.py`` compute the same figures as ``analyse()``, so the
comparison it prints is a fair one."""

from __future__ import annotations

import random

import numpy as np

from app.analytics.spc import (
    ChartOptions,
    analyse,
)
from app.analytics.types import (
    ChartType,
)
from tests.analytics import timings


def test_same_figures_baseline_agrees_with_analyse() -> None:
    rng = random.Random(9)
    values: list[float | None] = [rng.gauss(300, 10) for _ in range(3000)]
    analysis = analyse(values, options=ChartOptions(chart=ChartType.i))
    (phase,) = analysis.phases
    centre, limits, (longest, crossings, classification) = timings.same_i(values)
    assert phase.centre is not None
    assert np.isclose(centre, phase.centre)
    assert np.isclose(limits[1], analysis.points.upper[0])
    assert (longest, crossings) == (phase.longest_run, phase.n_crossings)
    ours = analysis.points.classification != "common"
    assert (ours == (classification != 0)).all()
    assert ours.any()


def test_minimal_baselines_agree_with_analyse() -> None:
    rng = random.Random(3)
    values: list[float | None] = [float(rng.randint(0, 30)) for _ in range(500)]
    run = analyse(values).phases[0]
    assert timings.minimal_run(values) == (run.centre, run.longest_run, run.n_crossings)
    _, i_lower, i_upper = timings.minimal_i(values)
    i_analysis = analyse(values, options=ChartOptions(chart=ChartType.i))
    assert np.isclose(i_upper, i_analysis.points.upper[0])
    assert np.isclose(i_lower, i_analysis.points.lower[0])
