"""Centre lines and sigma for the control charts, from a phase's baseline points.

Pure functions over NumPy arrays of one phase (missing periods are NaN). ``base`` marks the
points that form the baseline: inside the baseline window, not missing, not excluded (and,
for ratio charts, with a positive denominator). Each function returns the centre and the
sigma of every point of the phase (NaN where it has none); the caller draws the limits at
centre +/- 3 sigma and the two-sigma lines at centre +/- 2 sigma, clipped to the chart's range.

- I (XmR): centre = mean; sigma = average moving range / 1.128 (so the limits are the
  textbook mean +/- 2.66 x the average moving range, 2.66 being 3 / 1.128 rounded). Moving
  ranges are taken between adjacent periods that are both baseline points (a gap or an
  excluded point has no moving range on either side). With screening (the default) moving
  ranges of 3.267 x the average or more are dropped and the rest re-averaged, once.
- P: p = sum of numerators / sum of denominators; sigma_i = sqrt(p (1 - p) / n_i).
- U: u = sum of numerators / sum of exposures; sigma_i = sqrt(u / n_i).
- C: c = mean count; sigma = sqrt(c).
- Laney P′ and U′: z_i = (y_i - centre) / sigma_i on the baseline; sigma_z = the average
  moving range of z (screened like the I chart) / 1.128; sigma′_i = sigma_i x sigma_z.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: d2 for moving ranges of two: sigma = average moving range / d2.
D2 = 1.128
#: Moving ranges at or above this multiple of the average are screened out (D4 for n = 2).
MR_SCREEN_FACTOR = 3.267


@dataclass(frozen=True, slots=True)
class Spread:
    """A phase's centre and sigma (one for the phase, or one per point); ``None`` when the
    baseline cannot give them."""

    centre: float | None
    sigma: float | FloatArray | None


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


def adjacent_moving_ranges(values: FloatArray, base: BoolArray, all_base: bool) -> FloatArray:
    """Absolute differences between adjacent periods that are both baseline points
    (``all_base``: every point is one, the common case, taken without masks)."""
    if all_base:
        ranges = np.diff(values)
    else:
        pair = base[1:] & base[:-1]
        ranges = values[1:][pair] - values[:-1][pair]
    return np.abs(ranges, out=ranges)


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
    moving_ranges: FloatArray | None = None,
) -> Spread:
    """I (XmR) chart: mean and sigma from the average moving range (``moving_ranges``: the
    baseline's, when the caller has them already)."""
    chosen = values if all_base else values[base]
    if chosen.size == 0:
        return Spread(None, None)
    centre = float(chosen.mean())
    if moving_ranges is None:
        moving_ranges = adjacent_moving_ranges(values, base, all_base)
    average = average_moving_range(moving_ranges, screen=screen)
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


def laney(values: FloatArray, spread: Spread, base: BoolArray, *, screen: bool) -> Spread:
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
    moving_ranges = adjacent_moving_ranges(z, base & (sigma > 0), all_base=False)
    average = average_moving_range(moving_ranges, screen=screen)
    if average is None:
        return Spread(spread.centre, None)
    return Spread(spread.centre, sigma * (average / D2))
