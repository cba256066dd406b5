"""A series sent in the request (``POST /analytics/series``): analysed, never stored."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import structlog

from app.analytics.spc import (
    Analysis,
    ChartOptions,
    analyse,
)
from app.analytics.summary import plain_sentence, summary_sentence
from app.analytics.types import (
    AnalysisInputError,
    ChartType,
)
from app.charts.bounds import computable, input_problem
from app.charts.documents import analysis_document, chart_drawing, render_chart
from app.charts.kinds import chosen_rules
from app.charts.models import (
    SeriesAnalysisRequest,
)
from app.i18n import CHART_WORDS, Language
from app.problems import InvalidInput

FloatArray = npt.NDArray[np.float64]
log = structlog.get_logger(__name__)


_SERIES_FIELDS = {
    "values": "body.values",
    "subgroups": "body.subgroups",
    "numerators": "body.numerators",
    "denominators": "body.denominators",
    "chart": "body.chart",
    "direction": "body.direction",
    "rules": "body.rules",
    "parts": "body.phase_starts",
    "exclude": "body.excluded",
    "freeze": "body.baseline_points",
    "baselines": "body.baseline_window",
    "target": "body.target",
    "trend_length": "body.trend_length",
    "shift_length": "body.shift_length",
    "min_points_for_limits": "body.min_points",
}


def _times_between(dates: Sequence[date]) -> list[float | None]:
    """Days between consecutive event dates (a T chart's values), strictly increasing dates."""
    if len(dates) < 2:
        raise InvalidInput(
            "body.event_dates", "give at least two event dates", type_="invalid_series"
        )
    days = [(b - a).days for a, b in itertools.pairwise(dates)]
    if min(days) <= 0:
        at = next(i for i, d in enumerate(days) if d <= 0) + 1
        raise InvalidInput(
            "body.event_dates",
            f"event dates must be strictly increasing (index {at}): the time between events "
            "must be greater than zero",
            type_="invalid_series",
        )
    return [float(d) for d in days]


def series_labels(data: SeriesAnalysisRequest) -> list[str | None] | None:
    """The labels sent, or, for a T chart from event dates, the date of each later event."""
    if data.labels is None and data.event_dates is not None:
        return [d.isoformat() for d in data.event_dates[1:]]
    return None if data.labels is None else list(data.labels)


@computable("body.values")
def analyse_request(data: SeriesAnalysisRequest) -> Analysis:
    """The analysis of a series sent in the request (nothing is stored or read)."""
    values: Sequence[float | None] = data.values
    if data.event_dates is not None:
        if data.chart != ChartType.t:
            raise InvalidInput(
                "body.event_dates", "event dates make a T chart", type_="invalid_series"
            )
        if data.values:
            raise InvalidInput(
                "body.values",
                "give event dates or times between events, not both",
                type_="invalid_series",
            )
        values = _times_between(data.event_dates)
    if data.numerators is not None:
        n = len(data.numerators)
    elif data.subgroups is not None:
        n = len(data.subgroups)
    else:
        n = len(values)
    if data.labels is not None and len(data.labels) != n:
        raise InvalidInput(
            "body.labels", f"give one label per period ({n}), or none", type_="invalid_series"
        )
    window = data.baseline_window
    try:
        options = ChartOptions(
            chart=ChartType(data.chart),
            freeze=data.baseline_points,
            baselines=[(window.first_index, window.last_index)] if window else (),
            parts=data.phase_starts,
            exclude=frozenset(data.excluded),
            direction=data.direction,
            target=data.target,
            screen_moving_ranges=data.screening,
            trend_length=data.trend_length,
            shift_length=data.shift_length,
            min_points_for_limits=data.min_points,
            rules=chosen_rules(data.rules),
        )
        return analyse(
            values,
            numerators=data.numerators,
            denominators=data.denominators,
            subgroups=data.subgroups,
            options=options,
        )
    except AnalysisInputError as error:
        raise input_problem(error, _SERIES_FIELDS, "body") from None


@computable("body.values")
def series_document(
    analysis: Analysis, data: SeriesAnalysisRequest, language: Language
) -> dict[str, Any]:
    return analysis_document(analysis, language=language, labels=series_labels(data))


_CHART_NAMES = {
    "run": "",
    "i": "I",
    "mr": "MR",
    "xbar": "X̄",
    "s": "S",
    "t": "T",
    "g": "G",
    "p": "P",
    "pp": "P′",
    "u": "U",
    "up": "U′",
    "c": "C",
}


def default_title(chart: ChartType, language: Language) -> str:
    """What an untitled chart is called: "Styrdiagram (P′)", "Run chart"."""
    run, control = CHART_WORDS[language]
    return run if chart is ChartType.run else f"{control} ({_CHART_NAMES[chart.value]})"


@computable("body.values")
def series_chart(
    analysis: Analysis, data: SeriesAnalysisRequest, language: Language, *, width: int, height: int
) -> str:
    labels = series_labels(data)
    plain = plain_sentence(analysis, language, labels=labels)
    drawing = chart_drawing(
        analysis,
        title=data.title or default_title(analysis.chart, language),
        description=f"{plain} {summary_sentence(analysis, language)}",
        caption=plain,
        labels=labels,
        language=language,
        percent=data.percent,
        width=width,
        height=height,
    )
    return render_chart(drawing, field_prefix="query")


def series_analysis(data: SeriesAnalysisRequest, language: Language) -> dict[str, Any]:
    """``POST /analytics/series``: the sent series analysed, as the API answers it."""
    return series_document(analyse_request(data), data, language)


def series_drawing(
    data: SeriesAnalysisRequest, language: Language, *, width: int, height: int
) -> str:
    """``POST /analytics/series/chart.svg``: the sent series analysed and drawn."""
    return series_chart(analyse_request(data), data, language, width=width, height=height)
