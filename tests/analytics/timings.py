"""Time ``analyse()`` on 10,000 points against plain NumPy computations of its figures.

Run: ``.venv/bin/python -m tests.analytics.timings`` (a script, not a test). The issue's
budget: the analysis step at most 2x a plain NumPy computation of the same figures, in the
same process. Every side starts from the same Python lists (as a request body delivers
them), so the list-to-array conversion is in all of them. CPU time (``process_time``), best
of interleaved rounds, so other load on the machine disturbs the figures less.

Two baselines:

- ``minimal``: centre, limits and moving ranges only (the brief's baseline: for the run
  chart the median, the longest run and the crossings; for P the per-point limits);
- ``same``: what a plain NumPy script needs for the same verdict: also the runs analysis,
  the outside-limits, shift, trend and two-of-three masks and the point classification (no
  gaps, phases, exclusions, validation, summary or signal lists).
"""

from __future__ import annotations

import random
import time
import timeit
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from app.analytics.spc import (
    ChartOptions,
    analyse,
)
from app.analytics.types import (
    ChartType,
)

N = 10_000
ROUNDS = 7
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _runs(side: npt.NDArray[np.int8]) -> tuple[int, int]:
    change = np.flatnonzero(side[1:] != side[:-1])
    bounds = np.concatenate(([0], change + 1, [side.size]))
    return int(np.diff(bounds).max()), int(change.size)


def minimal_run(values: list[float | None]) -> tuple[float, int, int]:
    y = np.array(values, dtype=np.float64)
    y = y[~np.isnan(y)]
    centre = float(np.median(y))
    side = np.sign(y - centre).astype(np.int8)
    return (centre, *_runs(side[side != 0]))


def minimal_i(values: list[float | None]) -> tuple[float, float, float]:
    y = np.array(values, dtype=np.float64)
    centre = float(np.nanmean(y))
    mr = np.abs(np.diff(y))
    mr = mr[~np.isnan(mr)]
    average = mr.mean()
    average = mr[mr < 3.267 * average].mean()
    sigma = average / 1.128
    return centre, centre - 3 * sigma, centre + 3 * sigma


def minimal_p(
    numerators: list[float | None], denominators: list[float | None]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    num = np.array(numerators, dtype=np.float64)
    den = np.array(denominators, dtype=np.float64)
    y = num / den
    centre = float(num.sum() / den.sum())
    sigma = np.sqrt(centre * (1 - centre) / den)
    return y, np.clip(centre - 3 * sigma, 0, 1), np.clip(centre + 3 * sigma, 0, 1)


def _long_runs(side: npt.NDArray[np.int8], length: int) -> BoolArray:
    change = np.flatnonzero(side[1:] != side[:-1]) + 1
    starts = np.concatenate(([0], change))
    lengths = np.diff(np.concatenate((starts, [side.size])))
    keep = (side[starts] != 0) & (lengths >= length)
    return np.repeat(keep, lengths)


def _same_verdict(
    y: FloatArray,
    centre: float,
    limits: tuple[FloatArray | float, FloatArray | float, FloatArray | float, FloatArray | float]
    | None,
) -> tuple[int, int, npt.NDArray[np.int8]]:
    """Runs analysis, the four MDC rules and the classification, in plain NumPy."""
    side = np.sign(y - centre).astype(np.int8)
    longest, crossings = _runs(side[side != 0])
    shift = _long_runs(side, 7)
    step = np.sign(np.diff(y)).astype(np.int8)
    trend_steps = _long_runs(step, 6)
    trend = np.zeros(y.size, dtype=np.bool_)
    trend[:-1] |= trend_steps
    trend[1:] |= trend_steps
    special = trend | shift
    if limits is not None:
        lower, upper, lower2, upper2 = limits
        special |= (y > upper) | (y < lower)
        near_up = (y > upper2) & (y <= upper)
        near_down = (y < lower2) & (y >= lower)
        for near, same in ((near_up, side > 0), (near_down, side < 0)):
            windows = (near[:-2].astype(np.int8) + near[1:-1] + near[2:] >= 2) & (
                same[:-2] & same[1:-1] & same[2:]
            )
            for k in range(3):
                special[k : y.size - 2 + k] |= windows & near[k : y.size - 2 + k]
    improvement = special & (side > 0)
    classification = np.where(improvement, 1, np.where(special, 2, 0)).astype(np.int8)
    return longest, crossings, classification


def same_run(values: list[float | None]) -> object:
    y = np.array(values, dtype=np.float64)
    y = y[~np.isnan(y)]
    centre = float(np.median(y))
    return centre, _same_verdict(y, centre, None)


def same_i(
    values: list[float | None],
) -> tuple[float, tuple[float, float, float, float], tuple[int, int, npt.NDArray[np.int8]]]:
    y = np.array(values, dtype=np.float64)
    centre = float(y.mean())
    mr = np.abs(np.diff(y))
    average = mr.mean()
    sigma = float(mr[mr < 3.267 * average].mean()) / 1.128
    limits = (centre - 3 * sigma, centre + 3 * sigma, centre - 2 * sigma, centre + 2 * sigma)
    return centre, limits, _same_verdict(y, centre, limits)


def same_p(numerators: list[float | None], denominators: list[float | None]) -> object:
    num = np.array(numerators, dtype=np.float64)
    den = np.array(denominators, dtype=np.float64)
    y = num / den
    centre = float(num.sum() / den.sum())
    sigma = np.sqrt(centre * (1 - centre) / den)
    lower, upper, lower2, upper2 = (np.clip(centre + k * sigma, 0, 1) for k in (-3, 3, -2, 2))
    return centre, _same_verdict(y, centre, (lower, upper, lower2, upper2))


def _cpu_best(fn: Callable[[], object]) -> float:
    timer = timeit.Timer(fn, timer=time.process_time)
    loops = max(1, int(0.05 / max(timer.timeit(1), 1e-6)))
    return min(timer.repeat(3, loops)) / loops


def main() -> None:
    rng = random.Random(9)
    values: list[float | None] = [rng.gauss(300, 10) for _ in range(N)]
    # An in-control proportion (p = 0.2, samples of 50..120): what a P chart is for.
    generator = np.random.default_rng(9)
    size_array = generator.integers(50, 121, N)
    sizes: list[float | None] = size_array.astype(float).tolist()
    counts: list[float | None] = generator.binomial(size_array, 0.2).astype(float).tolist()

    run = ChartOptions(chart=ChartType.run)
    i_chart = ChartOptions(chart=ChartType.i)
    p_chart = ChartOptions(chart=ChartType.p)
    cases: dict[str, Callable[[], object]] = {
        "run analyse()": lambda: analyse(values, options=run),
        "run analyse().signals": lambda: analyse(values, options=run).signals,
        "run minimal": lambda: minimal_run(values),
        "run same": lambda: same_run(values),
        "i analyse()": lambda: analyse(values, options=i_chart),
        "i analyse().signals": lambda: analyse(values, options=i_chart).signals,
        "i minimal": lambda: minimal_i(values),
        "i same": lambda: same_i(values),
        "p analyse()": lambda: analyse([], numerators=counts, denominators=sizes, options=p_chart),
        "p analyse().signals": lambda: (
            analyse([], numerators=counts, denominators=sizes, options=p_chart).signals
        ),
        "p minimal": lambda: minimal_p(counts, sizes),
        "p same": lambda: same_p(counts, sizes),
    }
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(ROUNDS):  # interleaved, so drifting machine load hits every case alike
        for name, fn in cases.items():
            best[name] = min(best[name], _cpu_best(fn))

    print(f"{N} points, CPU time, best of {ROUNDS} interleaved rounds")
    for name, seconds in best.items():
        print(f"  {name:<24}{seconds * 1e3:>9.3f} ms")
    print("ratios (budget 2.00):")
    for chart in ("run", "i", "p"):
        for variant in ("analyse()", "analyse().signals"):
            ours = best[f"{chart} {variant}"]
            line = f"  {chart} {variant:<19} / minimal {ours / best[f'{chart} minimal']:.2f}"
            if f"{chart} same" in best:
                line += f"   / same figures {ours / best[f'{chart} same']:.2f}"
            print(line)


if __name__ == "__main__":
    main()
