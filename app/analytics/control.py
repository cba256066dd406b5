"""Centre lines and sigma for the control charts, from a phase's baseline points.

Pure functions over NumPy arrays of one phase (missing periods are NaN). ``base`` marks the
points that form the baseline: inside the baseline window, not missing, not excluded (and,
for ratio charts, with a positive denominator). Each function returns the centre and the
sigma of every point of the phase (NaN where it has none); the caller draws the limits at
centre +/- 3 sigma and the two-sigma lines at centre +/- 2 sigma, clipped to the chart's range.

- I (XmR): centre = mean; sigma = average moving range / 1.128 (so the limits are the
  textbook mean +/- 2.66 x the average moving range, 2.66 being 3 / 1.128 rounded). As in
  qicharts2, excluded points are left out of the baseline *before* the moving ranges are
  taken, so an excluded point's two neighbours form one moving range; a missing period
  stays a gap and breaks the moving range on both sides. With screening (the default) moving
  ranges of 3.267 x the average or more are dropped and the rest re-averaged, once.
- MR: the moving ranges themselves; centre = their mean over the baseline (never screened),
  upper limit D4 x centre (3.267), lower limit 0; two-sigma line at 2/3 of the way.
- Xbar (subgroup means): centre = the size-weighted mean of the baseline's means; sigma-hat =
  the mean subgroup standard deviation (s-bar) when every subgroup of the phase has the
  same size, else the pooled standard deviation sqrt(sum((n_i - 1) s_i^2) / sum(n_i - 1));
  the limits at centre +/- 3 sigma-hat / (c4(n_i) sqrt(n_i)) (A3(n_i) x s-bar).
- S (subgroup standard deviations): centre = s-bar (or the pooled one, as above); limits
  B3(n_i) x centre and B4(n_i) x centre with B3/B4 = 1 -/+ 3 c5 / c4 (B3 at least 0).
- T (time between events): the I chart of t^(1/3.6), its centre and lines transformed back
  by ^3.6 (a lower line below zero before the back-transform is 0).
- G (opportunities between events): the geometric distribution's limits from the mean m,
  m +/- 3 sqrt(m (m + 1)) (lower clipped at 0); the centre line is the baseline's median.
- P: p = sum of numerators / sum of denominators; sigma_i = sqrt(p (1 - p) / n_i).
- U: u = sum of numerators / sum of exposures; sigma_i = sqrt(u / n_i).
- C: c = mean count; sigma = sqrt(c).
- Laney P′ and U′: z_i = (y_i - centre) / sigma_i on the baseline; sigma_z = the average
  moving range of z (screened like the I chart) / 1.128; sigma′_i = sigma_i x sigma_z.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: d2 for moving ranges of two: sigma = average moving range / d2.
D2 = 1.128
#: Moving ranges at or above this multiple of the average are screened out (D4 for n = 2).
MR_SCREEN_FACTOR = 3.267


#: Exponent of the T chart's transform (Nelson): t^(1/3.6) is close to normal for
#: exponentially distributed times.
T_POWER = 3.6

Lines = dict[str, float | FloatArray]


@dataclass(frozen=True, slots=True)
class Spread:
    """A phase's centre and sigma (one for the phase, or one per point); ``None`` when the
    baseline cannot give them. ``lines``: charts whose limits are not centre +/- k sigma
    (MR, S, T, G) give their four lines (``lower``, ``upper``, ``lower_2s``, ``upper_2s``)
    here instead."""

    centre: float | None
    sigma: float | FloatArray | None
    lines: Lines | None = None


@dataclass(frozen=True, slots=True)
class Subgroups:
    """Per-period subgroup figures (Xbar and S charts): size (values present), mean and
    sample standard deviation (NaN where the subgroup has too few values)."""

    size: FloatArray
    mean: FloatArray
    sd: FloatArray

    def phase(self, where: slice) -> Subgroups:
        return Subgroups(self.size[where], self.mean[where], self.sd[where])


def subgroup_statistics(groups: list[FloatArray]) -> Subgroups:
    """Size, mean and standard deviation (n - 1) of each period's values."""
    n = len(groups)
    size = np.zeros(n)
    mean = np.full(n, np.nan)
    sd = np.full(n, np.nan)
    for i, values in enumerate(groups):
        k = values.size
        size[i] = k
        if k:
            mean[i] = float(values.mean())
        if k > 1:
            sd[i] = float(values.std(ddof=1))
    return Subgroups(size, mean, sd)


@lru_cache(maxsize=4096)
def _c4(n: int) -> float:
    if n <= 1:
        return math.nan
    return math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2.0) - math.lgamma((n - 1) / 2.0))


def c4(sizes: FloatArray) -> FloatArray:
    """The bias constant c4(n) of the sample standard deviation, per size (NaN for n <= 1)."""
    return np.array([_c4(int(k)) for k in sizes.tolist()], dtype=np.float64)


def moving_ranges(values: FloatArray, kept: BoolArray) -> FloatArray:
    """Absolute differences between consecutive kept periods (``kept``: inside the baseline
    window and not excluded); a missing period (NaN) among them breaks the moving range."""
    chosen = values[kept]
    ranges = np.abs(np.diff(chosen))
    ranges = ranges[~np.isnan(ranges)]
    return ranges


def average_moving_range(moving_ranges: FloatArray, *, screen: bool) -> float | None:
    """The average moving range, optionally screened; ``None`` without any moving range."""
    if moving_ranges.size == 0:
        return None
    average = float(moving_ranges.mean())
    if screen and 0 < average < math.inf:
        kept = moving_ranges < MR_SCREEN_FACTOR * average
        count = int(np.count_nonzero(kept))
        # None kept happens only where the figures are near the float's limits (3.267 times
        # a subnormal average rounds to it): the unscreened average stands.
        if count:
            average = float(moving_ranges.sum(where=kept)) / count
    return average


def adjacent_moving_ranges(values: FloatArray, kept: BoolArray, all_base: bool) -> FloatArray:
    """The baseline's moving ranges (see ``moving_ranges``; ``all_base``: every point is a
    baseline point, the common case, taken without masks)."""
    if all_base:
        ranges = np.diff(values)
        return np.abs(ranges, out=ranges)
    return moving_ranges(values, kept)


def median_centre(values: FloatArray, base: BoolArray, all_base: bool) -> float | None:
    """The run chart's centre: the median of the baseline points."""
    chosen = values if all_base else values[base]
    return float(np.median(chosen)) if chosen.size else None


def individuals(
    values: FloatArray,
    base: BoolArray,
    all_base: bool,
    *,
    screen: bool,
    kept: BoolArray | None = None,
    ranges: FloatArray | None = None,
) -> Spread:
    """I (XmR) chart: mean and sigma from the average moving range (``ranges``: the
    baseline's, when the caller has them already; ``kept``: the baseline window without the
    excluded points, missing ones kept as gaps; ``base`` when not given)."""
    chosen = values if all_base else values[base]
    if chosen.size == 0:
        return Spread(None, None)
    centre = float(chosen.mean())
    if ranges is None:
        ranges = adjacent_moving_ranges(values, base if kept is None else kept, all_base)
    average = average_moving_range(ranges, screen=screen)
    if average is None:
        return Spread(centre, None)
    return Spread(centre, average / D2)


def counts(values: FloatArray, base: BoolArray, all_base: bool) -> Spread:
    """C chart: mean count, sigma = sqrt(mean)."""
    chosen = values if all_base else values[base]
    if chosen.size == 0:
        return Spread(None, None)
    centre = float(chosen.mean())
    return Spread(centre, float(np.sqrt(centre)))


def _ratio_centre(
    numerators: FloatArray, denominators: FloatArray, base: BoolArray, all_base: bool
) -> float | None:
    if all_base:
        total, count = float(denominators.sum()), float(numerators.sum())
    else:
        total, count = float(denominators[base].sum()), float(numerators[base].sum())
    if total <= 0:
        return None
    return count / total


def _per_point_sigma(
    variance_numerator: float, denominators: FloatArray, all_base: bool
) -> FloatArray:
    sigma: FloatArray
    if all_base:  # every denominator is positive
        sigma = np.divide(variance_numerator, denominators)
        return np.sqrt(sigma, out=sigma)
    positive = denominators > 0
    sigma = np.divide(
        variance_numerator, denominators, out=np.full(denominators.size, np.nan), where=positive
    )
    np.sqrt(sigma, out=sigma, where=positive)
    return sigma


def proportions(
    numerators: FloatArray, denominators: FloatArray, base: BoolArray, all_base: bool
) -> Spread:
    """P chart: pooled proportion; sigma_i from each point's denominator (``all_base``: every
    point is a baseline point with a positive denominator)."""
    centre = _ratio_centre(numerators, denominators, base, all_base)
    if centre is None:
        return Spread(None, None)
    return Spread(centre, _per_point_sigma(centre * (1.0 - centre), denominators, all_base))


def rates(
    numerators: FloatArray, denominators: FloatArray, base: BoolArray, all_base: bool
) -> Spread:
    """U chart: pooled rate; sigma_i from each point's exposure."""
    centre = _ratio_centre(numerators, denominators, base, all_base)
    if centre is None:
        return Spread(None, None)
    return Spread(centre, _per_point_sigma(centre, denominators, all_base))


def laney(
    values: FloatArray,
    spread: Spread,
    base: BoolArray,
    *,
    screen: bool,
    kept: BoolArray | None = None,
) -> Spread:
    """Laney's P′ / U′: widen the P / U sigma by the spread of the baseline's z-scores."""
    if spread.centre is None or spread.sigma is None:
        return spread
    sigma = np.asarray(spread.sigma, dtype=np.float64)
    base_sigma = sigma[base]
    if base_sigma.size and not base_sigma.any():
        # p = 0 or 1 (or u = 0): the limits collapse onto the centre whatever sigma_z is.
        return spread
    z = np.full(values.size, np.nan)
    np.divide(values - spread.centre, sigma, out=z, where=base & (sigma > 0))
    ranges = moving_ranges(z, base & (sigma > 0) if kept is None else kept)
    average = average_moving_range(ranges, screen=screen)
    if average is None:
        return Spread(spread.centre, None)
    return Spread(spread.centre, sigma * (average / D2))


def moving_range_chart(values: FloatArray, base: BoolArray) -> Spread:
    """MR chart (``values`` are the moving ranges): centre = their mean over the baseline,
    upper limit 3.267 x centre, lower limit 0."""
    chosen = values[base]
    if chosen.size == 0:
        return Spread(None, None)
    centre = float(chosen.mean())
    lines: Lines = {
        "lower": 0.0,
        "upper": MR_SCREEN_FACTOR * centre,
        "lower_2s": 0.0,
        "upper_2s": MR_SCREEN_FACTOR / 3.0 * 2.0 * centre,
    }
    return Spread(centre, None, lines)


def _subgroup_sigma(sub: Subgroups, base: BoolArray) -> float | None:
    """s-bar when the phase's subgroups have one size, else the pooled standard deviation."""
    sizes = np.unique(sub.size[sub.size > 0])
    sd = sub.sd[base]
    size = sub.size[base]
    present = ~np.isnan(sd)
    if not present.any():
        return None
    if sizes.size > 1:
        weights = size[present] - 1.0
        return float(np.sqrt(np.sum(weights * sd[present] ** 2) / np.sum(weights)))
    return float(sd[present].mean())


def subgroup_means(sub: Subgroups, base: BoolArray) -> Spread:
    """Xbar chart: size-weighted mean of the baseline's means; sigma_i = sigma-hat /
    (c4(n_i) sqrt(n_i)), NaN for a subgroup of one."""
    size = sub.size[base]
    if size.sum() <= 0:
        return Spread(None, None)
    centre = float(np.sum(size * sub.mean[base]) / size.sum())
    stdev = _subgroup_sigma(sub, base)
    if stdev is None:
        return Spread(centre, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = stdev / (c4(sub.size) * np.sqrt(sub.size))
    return Spread(centre, sigma)


def subgroup_deviations(sub: Subgroups, base: BoolArray) -> Spread:
    """S chart: centre s-bar (or pooled); lines B3/B4 x centre from each subgroup's size."""
    centre = _subgroup_sigma(sub, base)
    if centre is None:
        return Spread(None, None)
    k4 = c4(sub.size)
    with np.errstate(invalid="ignore"):
        ratio = np.sqrt(1.0 - k4**2) / k4  # c5 / c4
    lines: Lines = {}
    for name, k in (("lower", -3.0), ("upper", 3.0), ("lower_2s", -2.0), ("upper_2s", 2.0)):
        factor = 1.0 + k * ratio
        if k < 0:
            factor = np.maximum(factor, 0.0, where=~np.isnan(factor), out=factor)
        lines[name] = factor * centre
    return Spread(centre, None, lines)


def times_between(
    values: FloatArray, base: BoolArray, all_base: bool, *, screen: bool, kept: BoolArray
) -> Spread:
    """T chart: the I chart of t^(1/3.6), transformed back."""
    transformed = np.power(values, 1.0 / T_POWER)
    spread = individuals(transformed, base, all_base, screen=screen, kept=kept)
    if spread.centre is None:
        return spread
    centre = _back(spread.centre)
    if spread.sigma is None:
        return Spread(centre, None)
    assert isinstance(spread.sigma, float)
    lines: Lines = {}
    for name, k in (("lower", -3.0), ("upper", 3.0), ("lower_2s", -2.0), ("upper_2s", 2.0)):
        line = spread.centre + k * spread.sigma
        lines[name] = _back(line) if line > 0 else 0.0
    return Spread(centre, None, lines)


def _back(transformed: float) -> float:
    """A T chart figure transformed back (t = x^3.6); infinite rather than an error where the
    result passes the float's range."""
    with np.errstate(over="ignore"):
        return float(np.power(np.float64(transformed), T_POWER))


def opportunities_between(values: FloatArray, base: BoolArray, all_base: bool) -> Spread:
    """G chart: limits from the mean m, m +/- k sqrt(m (m + 1)) (lower clipped at 0); the
    centre line is the baseline's median."""
    chosen = values if all_base else values[base]
    if chosen.size == 0:
        return Spread(None, None)
    mean = float(chosen.mean())
    sd = math.sqrt(mean * (mean + 1.0))
    lines: Lines = {}
    for name, k in (("lower", -3.0), ("upper", 3.0), ("lower_2s", -2.0), ("upper_2s", 2.0)):
        lines[name] = max(mean + k * sd, 0.0)
    return Spread(float(np.median(chosen)), None, lines)
