"""Time ``analyse()`` on 10,000 points against a plain NumPy computation of its figures.

Run: ``.venv/bin/python -m tests.analytics.timings`` (a script, not a test). The issue's
budget: the analysis step at most 2x a plain NumPy computation of the same figures, in the
same process. Both sides start from the same Python lists (as a request body delivers them),
so the list-to-array conversion is in both.

The baselines compute only the chart's headline figures (centre and limits; for the run chart
the median, the longest run and the crossings), without signals, classifications, phases,
gaps or validation, so they are a lower bound of "the same figures".
"""

from __future__ import annotations

import random
import statistics
import timeit
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from app.analytics.spc import ChartOptions, ChartType, analyse

N = 10_000
REPEAT = 7


def _baseline_run(values: list[float | None]) -> tuple[float, int, int]:
    y = np.array(values, dtype=np.float64)
    y = y[~np.isnan(y)]
    centre = float(np.median(y))
    side = np.sign(y - centre)
    side = side[side != 0]
    change = np.flatnonzero(side[1:] != side[:-1])
    bounds = np.concatenate(([0], change + 1, [side.size]))
    return centre, int(np.diff(bounds).max()), int(change.size)


def _baseline_i(values: list[float | None]) -> tuple[float, float, float]:
    y = np.array(values, dtype=np.float64)
    present = ~np.isnan(y)
    centre = float(y[present].mean())
    mr = np.abs(np.diff(y))
    mr = mr[~np.isnan(mr)]
    average = mr.mean()
    average = mr[mr < 3.267 * average].mean()
    sigma = average / 1.128
    return centre, centre - 3 * sigma, centre + 3 * sigma


def _baseline_p(
    numerators: list[float | None], denominators: list[float | None]
) -> tuple[float, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    num = np.array(numerators, dtype=np.float64)
    den = np.array(denominators, dtype=np.float64)
    y = num / den
    centre = float(num.sum() / den.sum())
    sigma = np.sqrt(centre * (1 - centre) / den)
    return float(y.mean()), np.clip(centre - 3 * sigma, 0, 1), np.clip(centre + 3 * sigma, 0, 1)


def _best(fn: Callable[[], object]) -> float:
    timer = timeit.Timer(fn)
    loops, _ = timer.autorange()
    return min(timer.repeat(REPEAT, loops)) / loops


def main() -> None:
    rng = random.Random(9)
    values: list[float | None] = [rng.gauss(300, 10) for _ in range(N)]
    # An in-control proportion (p = 0.2, samples of 50..120): what a P chart is for.
    generator = np.random.default_rng(9)
    size_array = generator.integers(50, 121, N)
    sizes: list[float | None] = size_array.astype(float).tolist()
    counts: list[float | None] = generator.binomial(size_array, 0.2).astype(float).tolist()

    cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        (
            "run",
            lambda: analyse(values, options=ChartOptions(chart=ChartType.run)),
            lambda: _baseline_run(values),
        ),
        (
            "i",
            lambda: analyse(values, options=ChartOptions(chart=ChartType.i)),
            lambda: _baseline_i(values),
        ),
        (
            "p",
            lambda: analyse(
                [], numerators=counts, denominators=sizes, options=ChartOptions(chart=ChartType.p)
            ),
            lambda: _baseline_p(counts, sizes),
        ),
    ]
    print(f"{N} points, best of {REPEAT} rounds")
    print(f"{'chart':<6}{'analyse() ms':>14}{'numpy ms':>12}{'ratio':>8}")
    ratios = []
    for name, ours, baseline in cases:
        # Interleave to share any drift in machine load between the two.
        ours_t = _best(ours)
        base_t = _best(baseline)
        ours_t = min(ours_t, _best(ours))
        base_t = min(base_t, _best(baseline))
        ratios.append(ours_t / base_t)
        print(f"{name:<6}{ours_t * 1e3:>14.3f}{base_t * 1e3:>12.3f}{ours_t / base_t:>8.2f}")
    print(f"median ratio {statistics.median(ratios):.2f} (budget 2.00)")


if __name__ == "__main__":
    main()
