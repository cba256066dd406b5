"""Expected figures of the reference cases for the MR, Xbar, S, T and G charts, computed by
hand: plain Python (statistics, math.lgamma), the textbook formulas and constants, nothing
of the app. Run `python tests/analytics/reference/make_expected.py` to rewrite the JSON
files beside it; each states its data's source and how its figures were obtained."""

from __future__ import annotations

import itertools
import json
import math
import statistics
from pathlib import Path

HERE = Path(__file__).parent


def c4(n: int) -> float:
    """Montgomery (6.24): c4 = sqrt(2 / (n - 1)) Gamma(n / 2) / Gamma((n - 1) / 2)."""
    return math.sqrt(2 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))


# Montgomery, Appendix VI, n = 5: the rounded table values the exact ones must round to.
assert round(c4(5), 4) == 0.9400
assert round(3 / (c4(5) * math.sqrt(5)), 3) == 1.427  # A3
assert round(1 + 3 * math.sqrt(1 - c4(5) ** 2) / c4(5), 3) == 2.089  # B4
assert 1 - 3 * math.sqrt(1 - c4(5) ** 2) / c4(5) < 0  # B3 = 0


def write(name: str, case: dict[str, object]) -> None:
    (HERE / f"{name}.json").write_text(json.dumps(case, indent=1) + "\n", encoding="utf-8")


# --- Montgomery example 6.5 (table 6.7): the MR chart of the I chart's series -------------
EX65 = [
    310,
    288,
    297,
    298,
    307,
    303,
    294,
    297,
    308,
    306,
    294,
    299,
    297,
    299,
    314,
    295,
    293,
    306,
    301,
    304,
    305,
    282,
    305,
    296,
    314,
    295,
    287,
    301,
    298,
    311,
    310,
    292,
    305,
    299,
    304,
    310,
    304,
    305,
    333,
    328,
]
mr = [None] + [abs(b - a) for a, b in itertools.pairwise(EX65)]
mr_bar = statistics.fmean(m for m in mr[1:20] if m is not None)  # freeze = 20: MR 2..20
write(
    "montgomery_ex6.5_mr_freeze20",
    {
        "id": "montgomery_ex6.5_mr_freeze20",
        "source": "Montgomery, Introduction to Statistical Quality Control, example 6.5 / table "
        "6.7 (the data of qicharts2's test reference ex_6.5_3, fixtures/"
        "qic_ref_montgomery_ex6.5_i_freeze20.json): the moving-range chart of that I chart",
        "obtained_by": "tests/analytics/reference/make_expected.py: MR_i = |x_i - x_(i-1)|, "
        "centre = mean of MR_2..MR_20 (freeze 20), UCL = D4 x centre with D4 = 3.267 "
        "(Montgomery table VI, n = 2), LCL = 0, as qicharts2's qic.mr",
        "chart": "mr",
        "values": EX65,
        "freeze": 20,
        "expected": {
            "centre": mr_bar,
            "value": mr,
            # The first period has no moving range: a gap without limits (our convention
            # for a missing point; qicharts2 draws the lines through it).
            "lower": [None] + [0.0] * 39,
            "upper": [None] + [3.267 * mr_bar] * 39,
            "upper_2s": [None] + [3.267 / 3 * 2 * mr_bar] * 39,
        },
    },
)

# --- Montgomery example 6.3 (table 6.3): piston-ring inside diameters, 25 samples of 5 -----
RINGS = [
    74.030,
    74.002,
    74.019,
    73.992,
    74.008,
    73.995,
    73.992,
    74.001,
    74.011,
    74.004,
    73.998,
    74.024,
    74.021,
    74.005,
    74.002,
    74.002,
    73.996,
    73.993,
    74.015,
    74.009,
    73.992,
    74.007,
    74.015,
    73.989,
    74.014,
    74.009,
    73.994,
    73.997,
    73.985,
    73.993,
    73.995,
    74.006,
    73.994,
    74.000,
    74.005,
    73.985,
    74.003,
    73.993,
    74.015,
    73.988,
    74.008,
    73.995,
    74.009,
    74.005,
    74.004,
    73.998,
    74.000,
    73.990,
    74.007,
    73.995,
    73.994,
    73.998,
    73.994,
    73.995,
    73.990,
    74.004,
    74.000,
    74.007,
    74.000,
    73.996,
    73.983,
    74.002,
    73.998,
    73.997,
    74.012,
    74.006,
    73.967,
    73.994,
    74.000,
    73.984,
    74.012,
    74.014,
    73.998,
    73.999,
    74.007,
    74.000,
    73.984,
    74.005,
    73.998,
    73.996,
    73.994,
    74.012,
    73.986,
    74.005,
    74.007,
    74.006,
    74.010,
    74.018,
    74.003,
    74.000,
    73.984,
    74.002,
    74.003,
    74.005,
    73.997,
    74.000,
    74.010,
    74.013,
    74.020,
    74.003,
    73.982,
    74.001,
    74.015,
    74.005,
    73.996,
    74.004,
    73.999,
    73.990,
    74.006,
    74.009,
    74.010,
    73.989,
    73.990,
    74.009,
    74.014,
    74.015,
    74.008,
    73.993,
    74.000,
    74.010,
    73.982,
    73.984,
    73.995,
    74.017,
    74.013,
]
groups = [RINGS[i : i + 5] for i in range(0, 125, 5)]
means = [statistics.fmean(g) for g in groups]
sds = [statistics.stdev(g) for g in groups]
x_bar = statistics.fmean(means)
s_bar = statistics.fmean(sds)
A3 = 3 / (c4(5) * math.sqrt(5))
ratio = math.sqrt(1 - c4(5) ** 2) / c4(5)
RINGS_SOURCE = (
    "Montgomery, Introduction to Statistical Quality Control, example 6.3 / table 6.3 "
    "(piston-ring inside diameters, 25 samples of 5, the data of R qcc's pistonrings), as "
    "transcribed in a public R script; this transcription gives s-bar = 0.00928 and R-bar = "
    "0.0228 where the book prints 0.0094 and 0.023, so the figures are computed from these "
    "data rather than copied from the book"
)
write(
    "montgomery_ex6.3_xbar_pistonrings",
    {
        "id": "montgomery_ex6.3_xbar_pistonrings",
        "source": RINGS_SOURCE,
        "obtained_by": "tests/analytics/reference/make_expected.py: centre = grand mean, limits "
        "centre +/- A3 s-bar with A3 = 3 / (c4(5) sqrt(5)) (= 1.427, Montgomery appendix VI), "
        "c4 from the gamma function (Montgomery 6.24)",
        "chart": "xbar",
        "subgroups": groups,
        "expected": {
            "centre": x_bar,
            "value": means,
            "lower": [x_bar - A3 * s_bar] * 25,
            "upper": [x_bar + A3 * s_bar] * 25,
            "upper_2s": [x_bar + 2 / 3 * A3 * s_bar] * 25,
        },
    },
)
write(
    "montgomery_ex6.3_s_pistonrings",
    {
        "id": "montgomery_ex6.3_s_pistonrings",
        "source": RINGS_SOURCE,
        "obtained_by": "tests/analytics/reference/make_expected.py: centre = s-bar, UCL = B4 "
        "s-bar with B4 = 1 + 3 c5 / c4 (= 2.089, Montgomery appendix VI), LCL = B3 s-bar = 0",
        "chart": "s",
        "subgroups": groups,
        "expected": {
            "centre": s_bar,
            "value": sds,
            "lower": [0.0] * 25,
            "upper": [(1 + 3 * ratio) * s_bar] * 25,
            "upper_2s": [(1 + 2 * ratio) * s_bar] * 25,
        },
    },
)

# --- Unequal subgroups: the first ten piston-ring samples cut to sizes 5, 3 and 4 ---------
sizes = [5, 3, 4, 5, 5, 3, 4, 5, 4, 5]
cut = [g[:k] for g, k in zip(groups[:10], sizes, strict=False)]
n_total = sum(sizes)
centre = sum(len(g) * statistics.fmean(g) for g in cut) / n_total
pooled = math.sqrt(sum((len(g) - 1) * statistics.variance(g) for g in cut) / (n_total - 10))
write(
    "montgomery_ex6.4_xbar_unequal",
    {
        "id": "montgomery_ex6.4_xbar_unequal",
        "source": "After Montgomery example 6.4 (Xbar and s charts with variable sample size, "
        "s-bar pooled by equation 6.31): the first ten piston-ring samples above, cut to sizes "
        "5, 3, 4, 5, 5, 3, 4, 5, 4, 5 (not the book's own table 6.4)",
        "obtained_by": "tests/analytics/reference/make_expected.py: centre = size-weighted mean "
        "(6.30), s pooled (6.31), limits centre +/- 3 s / (c4(n_i) sqrt(n_i)), as qicharts2's "
        "qic.xbar",
        "chart": "xbar",
        "subgroups": cut,
        "expected": {
            "centre": centre,
            "value": [statistics.fmean(g) for g in cut],
            "lower": [centre - 3 * pooled / (c4(len(g)) * math.sqrt(len(g))) for g in cut],
            "upper": [centre + 3 * pooled / (c4(len(g)) * math.sqrt(len(g))) for g in cut],
            "upper_2s": [centre + 2 * pooled / (c4(len(g)) * math.sqrt(len(g))) for g in cut],
        },
    },
)

# --- T and G: days and opportunities between rare events ---------------------------------
DAYS = [34, 12, 63, 5, 41, 27, 88, 19, 52, 9, 30, 71, 15, 46, 23, 58, 7, 39, 95, 26]
t = [d ** (1 / 3.6) for d in DAYS]
t_bar = statistics.fmean(t)
mr_t = [abs(b - a) for a, b in itertools.pairwise(t)]
amr = statistics.fmean(mr_t)
kept = [m for m in mr_t if m < 3.267 * amr]  # screened once, as the I chart
sigma = statistics.fmean(kept) / 1.128


def back(x: float) -> float:
    return x**3.6 if x > 0 else 0.0


write(
    "t_chart_days_between",
    {
        "id": "t_chart_days_between",
        "source": "Constructed: 20 days between rare events; formulas of qicharts2's qic.t "
        "(github anhoej/qicharts2 R/helper.functions.R) after Montgomery section 7.3.5 (the "
        "Nelson transform t^(1/3.6)); no published data set with published figures was found",
        "obtained_by": "tests/analytics/reference/make_expected.py: y = t^(1/3.6), the I chart "
        "of y (mean, average moving range screened once at 3.267 x, / 1.128), centre and "
        "limits raised to 3.6",
        "chart": "t",
        "values": DAYS,
        "expected": {
            "centre": t_bar**3.6,
            "value": [float(d) for d in DAYS],
            "lower": [back(t_bar - 3 * sigma)] * 20,
            "upper": [back(t_bar + 3 * sigma)] * 20,
            "upper_2s": [back(t_bar + 2 * sigma)] * 20,
        },
    },
)
BETWEEN = [120, 45, 310, 88, 17, 205, 66, 140, 9, 275, 98, 51, 180, 33, 260, 72, 150, 24]
m = statistics.fmean(BETWEEN)
sd = math.sqrt(m * (m + 1))
write(
    "g_chart_opportunities_between",
    {
        "id": "g_chart_opportunities_between",
        "source": "Constructed: 18 counts of admissions between falls; formulas of qicharts2's "
        "qic.g (github anhoej/qicharts2 R/helper.functions.R: limits from the geometric "
        "distribution, Montgomery p. 319; centre line the median); Provost & Murray, The "
        "Health Care Data Guide, ch. 7 (G chart); no published data set with published figures "
        "was found",
        "obtained_by": "tests/analytics/reference/make_expected.py: m = mean, limits m +/- 3 "
        "sqrt(m (m + 1)) (lower clipped at 0), centre = median",
        "chart": "g",
        "values": BETWEEN,
        "expected": {
            "centre": statistics.median(BETWEEN),
            "value": [float(v) for v in BETWEEN],
            "lower": [0.0] * 18,
            "upper": [m + 3 * sd] * 18,
            "upper_2s": [m + 2 * sd] * 18,
        },
    },
)

# --- Montgomery example 7.6 (table 7.14): hours between failures of a valve, a T chart -----
# The published example for time between events, kept by qicharts2 as a test reference of
# its T chart (tests/testthat/test_montgomery.R, `qic(failure, hours, data = tbl_07.14,
# chart = 't')`, reference ex_7.6_1.rds). No moving range reaches 3.267 x their average, so
# the screened (this app's default) and unscreened (qicharts2's default) limits agree.
VALVE = [286, 948, 536, 124, 816, 729, 4, 143, 431, 8, 2837, 596, 81, 227, 603, 492, 1199]
VALVE += [1214, 2831, 96]
y = [h ** (1 / 3.6) for h in VALVE]
y_bar = statistics.fmean(y)
mr_y = [abs(b - a) for a, b in itertools.pairwise(y)]
assert max(mr_y) < 3.267 * statistics.fmean(mr_y)  # nothing screened
sigma_y = statistics.fmean(mr_y) / 1.128
write(
    "montgomery_ex7.6_t_valve",
    {
        "id": "montgomery_ex7.6_t_valve",
        "source": "Montgomery, Introduction to Statistical Quality Control, example 7.6 / "
        "table 7.14 (hours between failures of a valve, 20 failures; the transform "
        "y = x^(1/3.6) of Nelson); the same data are qicharts2's own T chart reference "
        "(github anhoej/qicharts2 tests/testthat/test_montgomery.R, ex_7.6_1). The book's "
        "printed figures could not be consulted here, so the figures are computed from the "
        "data with qicharts2's qic.t",
        "obtained_by": "tests/analytics/reference/make_expected.py: y = x^(1/3.6), the I chart "
        "of y (mean, average moving range / 1.128), centre and limits raised to 3.6, a "
        "negative lower limit 0 (qic.t)",
        "chart": "t",
        "values": VALVE,
        "expected": {
            "centre": y_bar**3.6,
            "value": [float(h) for h in VALVE],
            "lower": [back(y_bar - 3 * sigma_y)] * 20,
            "upper": [back(y_bar + 3 * sigma_y)] * 20,
            "upper_2s": [back(y_bar + 2 * sigma_y)] * 20,
        },
    },
)
