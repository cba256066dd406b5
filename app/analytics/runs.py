"""Run-based rules: Anhøj's runs analysis and the MDC shift and trend rules.

Pure functions over NumPy arrays of one phase's *included* points in time order (missing and
excluded periods already dropped, so a gap neither breaks nor ends a run: the next included
point continues it).

Anhøj's runs analysis (as qicharts2 reports it):

- useful points are the included points not exactly on the centre line; ``n`` counts them;
- a run is a maximal sequence of useful points on the same side of the centre (points on the
  centre are skipped: they neither break a run nor count in it);
- crossings = runs - 1;
- signal when the longest run > ``round(log2(n)) + 3`` or when crossings <
  ``qbinom(0.05, n - 1, 0.5)`` (R's quantile definition: the smallest x with P(X <= x) >= 0.05).

The MDC ("Making Data Count") rules differ on purpose: a point on the centre line *breaks* a
shift, and a trend is a sequence of points each strictly above (or below) the one before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
SignArray = npt.NDArray[np.int8]

#: Probability that defines the crossings limit (Anhøj: the 5th percentile).
CROSSINGS_QUANTILE = 0.05


def _binomial_half_cdf_exact_reaches(m: int, x: int) -> bool:
    """True when P(X <= x) >= 0.05 for X ~ Binomial(m, 1/2), in exact integer arithmetic."""
    total = 0
    term = 1  # C(m, 0)
    for k in range(x + 1):
        total += term
        term = term * (m - k) // (k + 1)
    # P(X <= x) = total / 2**m >= 1/20  <=>  20 * total >= 2**m
    return 20 * total >= 1 << m


@lru_cache(maxsize=4096)
def crossings_min(n: int) -> int:
    """The fewest crossings expected among ``n`` useful points: R's ``qbinom(0.05, n - 1, 0.5)``.

    The quantile is the smallest x with P(X <= x) >= 0.05, X ~ Binomial(n - 1, 1/2). The
    cumulative probabilities are summed in floating point (log-space terms) and any candidate
    that lies within 1e-9 of the 5 % boundary is settled in exact integer arithmetic, so the
    answer is exact for every n.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    m = n - 1
    if m == 0:
        return 0
    half = m // 2 + 1
    k = np.arange(half, dtype=np.float64)
    # log C(m, k) as a running sum of log((m - j) / (j + 1)), then minus m log 2.
    steps = np.log((m - k[:-1]) / (k[:-1] + 1.0))
    log_terms = np.concatenate(([0.0], np.cumsum(steps))) - m * math.log(2.0)
    cdf = np.cumsum(np.exp(log_terms))
    x = int(np.searchsorted(cdf, CROSSINGS_QUANTILE, side="left"))
    x = min(x, half - 1)
    # Settle candidates close to the boundary exactly (never seen in practice, but cheap).
    near = abs(cdf[x] - CROSSINGS_QUANTILE) < 1e-9 or (
        x > 0 and abs(cdf[x - 1] - CROSSINGS_QUANTILE) < 1e-9
    )
    if near:
        x = max(x - 1, 0)
        while not _binomial_half_cdf_exact_reaches(m, x):
            x += 1
    return x


def longest_run_max(n: int) -> int:
    """The longest run expected among ``n`` useful points: ``round(log2(n)) + 3``.

    R rounds half to even, as Python's ``round`` does; log2 of an integer is never exactly
    k + 0.5, so the two agree for every n anyway.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    return round(math.log2(n)) + 3


@dataclass(frozen=True, slots=True)
class Segments:
    """Maximal runs of equal values in a sequence: start offsets, lengths and the value."""

    starts: IntArray
    lengths: IntArray
    values: SignArray

    def select(self, keep: npt.NDArray[np.bool_]) -> Segments:
        return Segments(self.starts[keep], self.lengths[keep], self.values[keep])


def segments(sides: SignArray) -> Segments:
    """Split ``sides`` into maximal runs of equal values."""
    size = sides.size
    if size == 0:
        empty = np.empty(0, dtype=np.intp)
        return Segments(empty, empty, np.empty(0, dtype=np.int8))
    change = np.flatnonzero(sides[1:] != sides[:-1])
    bounds = np.empty(change.size + 2, dtype=np.intp)
    bounds[0] = 0
    np.add(change, 1, out=bounds[1:-1])
    bounds[-1] = size
    starts = bounds[:-1]
    return Segments(starts, np.diff(bounds), sides[starts])


@dataclass(frozen=True, slots=True)
class RunsFigures:
    """Anhøj's figures for one phase; ``None`` figures when there are no useful points."""

    n_useful: int
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None
    #: Offsets (into the included points) of the useful points, in time order; ``None`` when
    #: every included point is useful (none on the centre).
    useful: IntArray | None
    #: Runs among the useful points (offsets into ``useful``).
    runs: Segments

    @property
    def longest_run_signal(self) -> bool:
        return (
            self.longest_run is not None
            and self.longest_run_max is not None
            and self.longest_run > self.longest_run_max
        )

    @property
    def crossings_signal(self) -> bool:
        return (
            self.n_crossings is not None
            and self.n_crossings_min is not None
            and self.n_crossings < self.n_crossings_min
        )

    @property
    def signal(self) -> bool:
        return self.longest_run_signal or self.crossings_signal


def anhoej(sides: SignArray) -> RunsFigures:
    """Anhøj's runs analysis of the included points' sides of the centre (-1, 0, +1)."""
    n = int(np.count_nonzero(sides))
    useful: IntArray | None = None
    if n == sides.size:
        runs = segments(sides)
    else:
        useful = np.flatnonzero(sides)
        runs = segments(sides[useful])
    if n == 0:
        return RunsFigures(0, None, None, None, None, useful, runs)
    return RunsFigures(
        n_useful=n,
        longest_run=int(runs.lengths.max()),
        longest_run_max=longest_run_max(n),
        n_crossings=int(runs.starts.size - 1),
        n_crossings_min=crossings_min(n),
        useful=useful,
        runs=runs,
    )


def signs(values: FloatArray, centre: float) -> SignArray:
    """-1, 0 or +1 per value: below, on or above ``centre`` (NaN gives 0)."""
    above = (values > centre).view(np.int8)
    return np.subtract(above, (values < centre).view(np.int8), out=above)


def shifts(sides: SignArray, length: int, figures: RunsFigures | None = None) -> Segments:
    """MDC shifts: the maximal runs of at least ``length`` points strictly on one side of the
    centre (a point on the centre breaks a run); ``values`` are the sides.

    ``figures``: the Anhøj analysis of the same sides, whose runs are the same segments when
    no point lies on the centre (saves recomputing them).
    """
    seg = figures.runs if figures is not None and figures.useful is None else segments(sides)
    return seg.select((seg.values != 0) & (seg.lengths >= length))


def trends(step_signs: SignArray, length: int) -> Segments:
    """MDC trends from the signs of the steps between consecutive included points: each
    maximal sequence of at least ``length`` points each strictly above (+1) or strictly below
    (-1) the one before (a tie breaks it); ``lengths`` count points.

    Two trends in opposite directions may share their turning point.
    """
    seg = segments(step_signs)
    # k equal steps join k + 1 points.
    keep = (seg.values != 0) & (seg.lengths >= length - 1)
    return Segments(seg.starts[keep], seg.lengths[keep] + 1, seg.values[keep])


def ranges(starts: IntArray, lengths: IntArray) -> IntArray:
    """``concatenate([arange(s, s + n) for s, n in zip(starts, lengths)])``, vectorised."""
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.intp)
    if starts.size == 1:
        return np.arange(int(starts[0]), int(starts[0]) + total, dtype=np.intp)
    ends = np.cumsum(lengths)
    steps = np.ones(total, dtype=np.intp)
    steps[0] = starts[0]
    # At each segment's first element jump from the previous segment's last element.
    steps[ends[:-1]] = starts[1:] - (starts[:-1] + lengths[:-1] - 1)
    return np.cumsum(steps, out=steps)
