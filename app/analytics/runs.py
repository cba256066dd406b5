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


def segments(signs: SignArray) -> Segments:
    """Split ``signs`` into maximal runs of equal values."""
    size = signs.size
    if size == 0:
        empty = np.empty(0, dtype=np.intp)
        return Segments(empty, empty, np.empty(0, dtype=np.int8))
    change = np.flatnonzero(signs[1:] != signs[:-1]) + 1
    starts = np.empty(change.size + 1, dtype=np.intp)
    starts[0] = 0
    starts[1:] = change
    lengths = np.diff(starts, append=size)
    return Segments(starts, lengths, signs[starts])


@dataclass(frozen=True, slots=True)
class RunsFigures:
    """Anhøj's figures for one phase; ``None`` figures when there are no useful points."""

    n_useful: int
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None
    #: Offsets (into the included points) of the useful points, in time order.
    useful: IntArray
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
    useful = np.flatnonzero(sides)
    n = int(useful.size)
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


def shifts(sides: SignArray, length: int) -> list[tuple[int, int, int]]:
    """MDC shifts: ``(start, stop, side)`` of each maximal run of at least ``length`` points
    strictly on one side of the centre (a point on the centre breaks a run)."""
    seg = segments(sides)
    hits = np.flatnonzero((seg.values != 0) & (seg.lengths >= length))
    return [
        (int(seg.starts[h]), int(seg.starts[h] + seg.lengths[h]), int(seg.values[h])) for h in hits
    ]


def trends(values: FloatArray, length: int) -> list[tuple[int, int, int]]:
    """MDC trends: ``(start, stop, +1 | -1)`` of each maximal sequence of at least ``length``
    points each strictly above (+1) or below (-1) the one before (a tie breaks it).

    Two trends in opposite directions may share their turning point.
    """
    if values.size < 2:
        return []
    steps = np.sign(np.diff(values)).astype(np.int8)
    seg = segments(steps)
    # k equal steps join k + 1 points.
    hits = np.flatnonzero((seg.values != 0) & (seg.lengths >= length - 1))
    return [
        (int(seg.starts[h]), int(seg.starts[h] + seg.lengths[h] + 1), int(seg.values[h]))
        for h in hits
    ]
