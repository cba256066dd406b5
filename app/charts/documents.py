"""A measure's analysis as documents: JSON (NumPy columns, written once by orjson), CSV rows
and the SVG chart.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import structlog

from app.analytics import svg
from app.analytics.spc import (
    Analysis,
    rules_of,
)
from app.analytics.summary import plain_sentence, summary_sentence
from app.analytics.types import (
    CLASSIFICATIONS,
    ChartType,
    Classification,
    Rule,
    Signal,
)
from app.charts.bounds import STORED_VALUES, computable
from app.charts.kinds import PERIOD_WORD
from app.charts.settings import PhasePlan
from app.i18n import Language
from app.measures import readings
from app.measures.models import Measure
from app.problems import InvalidInput

FloatArray = npt.NDArray[np.float64]
log = structlog.get_logger(__name__)


_CLASS_NAMES = [c.value for c in CLASSIFICATIONS]
_SPECIAL = {
    Classification.special_improvement.value: "improvement",
    Classification.special_concern.value: "concern",
    Classification.special_neutral.value: "neutral",
}


def _contiguous(column: npt.NDArray[Any], scale: float = 1.0) -> npt.NDArray[Any]:
    """A column orjson can write (constant lines are zero-stride views), scaled."""
    out: npt.NDArray[Any] = (
        np.multiply(column, scale) if scale != 1.0 else np.ascontiguousarray(column)
    )
    return out


def _scaled(value: float | None, scale: float) -> float | None:
    return None if value is None else value * scale


def _rule_lists(mask: npt.NDArray[np.uint8]) -> list[list[str]]:
    table: dict[int, list[str]] = {}
    out = []
    for m in mask.tolist():
        names = table.get(m)
        if names is None:
            names = table[m] = [rule.value for rule in rules_of(m)]
        out.append(names)
    return out


def _signal(signal: Signal, labels: Sequence[str | None] | None) -> dict[str, Any]:
    return {
        "rule": signal.rule.value,
        "points": list(signal.points),
        "periods": None if labels is None else [labels[i] for i in signal.points],
        "side": signal.side.value,
        "direction": signal.direction.value,
        "phase": signal.phase,
    }


def analysis_document(
    analysis: Analysis,
    *,
    language: Language,
    period_word: str = "period",
    labels: Sequence[str | None] | None = None,
    scale: float = 1.0,
    sentence: str | None = None,
) -> dict[str, Any]:
    """The analysis as the API answers it (columns stay NumPy arrays)."""
    points = analysis.points
    options = analysis.options
    columns: dict[str, Any] = {"label": labels}
    for name in ("value", "centre", "lower", "upper", "lower_2s", "upper_2s"):
        columns[name] = _contiguous(getattr(points, name), scale)
    columns["phase"] = _contiguous(points.phase)
    columns["baseline"] = _contiguous(points.baseline)
    columns["excluded"] = _contiguous(points.excluded)
    columns["classification"] = points.classification.tolist()
    columns["rules"] = _rule_lists(points.rule_mask)
    baseline = points.baseline
    phases = []
    for phase in analysis.phases:
        window = np.flatnonzero(baseline[phase.first_index : phase.last_index + 1])
        phases.append(
            {
                "index": phase.index,
                "first_index": phase.first_index,
                "last_index": phase.last_index,
                "n_obs": phase.n_obs,
                "n_included": phase.n_included,
                "n_useful": phase.n_useful,
                "n_baseline": phase.n_baseline,
                "baseline_first_index": phase.first_index + int(window[0]) if window.size else None,
                "baseline_last_index": phase.first_index + int(window[-1]) if window.size else None,
                "centre": _scaled(phase.centre, scale),
                "mean_lower": _scaled(phase.mean_lower, scale),
                "mean_upper": _scaled(phase.mean_upper, scale),
                "longest_run": phase.longest_run,
                "longest_run_max": phase.longest_run_max,
                "n_crossings": phase.n_crossings,
                "n_crossings_min": phase.n_crossings_min,
                "runs_signal": phase.runs_signal,
                "sigma_signal_count": phase.sigma_signal_count,
                "trial_limits": phase.trial_limits,
            }
        )
    summary = analysis.summary
    deciding = summary.variation_signal
    window_option = next(iter(options.baselines), None)
    return {
        "chart": analysis.chart.value,
        "n": len(points),
        "options": {
            "chart": options.chart.value,
            "direction": options.direction.value,
            "target": _scaled(options.target, scale),
            "screening": options.screen_moving_ranges,
            "trend_length": options.trend_length,
            "shift_length": options.shift_length,
            "min_points": options.min_points_for_limits,
            "rules": [rule.value for rule in Rule if rule in options.rules],
            "baseline_points": options.freeze,
            "baseline_window": list(window_option) if window_option else None,
            "phase_starts": list(options.parts),
            "excluded": sorted(options.exclude),
        },
        "points": columns,
        "phases": phases,
        "signals": [_signal(s, labels) for s in analysis.signals],
        "summary": {
            "variation": summary.variation.value,
            "variation_signal": None if deciding is None else _signal(deciding, labels),
            "assurance": None if summary.assurance is None else summary.assurance.value,
            "assurance_verdict": None
            if summary.assurance_verdict is None
            else summary.assurance_verdict.value,
            "no_assurance": None if summary.no_assurance is None else summary.no_assurance.value,
            "rebase_suggested": summary.rebase_suggested,
            "rebase_reason": summary.rebase_reason,
            "rebase_from": summary.rebase_from,
            "rebase_from_period": None
            if labels is None or summary.rebase_from is None
            else labels[summary.rebase_from],
            "trial_limits": summary.trial_limits,
            "sentence": sentence
            if sentence is not None
            else summary_sentence(analysis, language, period_word=period_word),
            "plain_sentence": plain_sentence(
                analysis, language, labels=labels, period_word=period_word
            ),
            "language": language,
        },
    }


def chart_drawing(
    analysis: Analysis,
    *,
    title: str,
    description: str,
    labels: Sequence[str | None] | None,
    language: Language,
    percent: bool = False,
    y_label: str = "",
    annotations: Sequence[svg.ChartAnnotation] = (),
    width: int = 800,
    height: int = 400,
    caption: str = "",
) -> svg.ChartDrawing:
    """What the SVG draws: the points as plotted, their lines and signals."""
    p = analysis.points
    names = p.classification.tolist()
    columns = [
        [None if math.isnan(x) else x for x in column.tolist()]
        for column in (p.value, p.centre, p.lower, p.upper)
    ]
    excluded = p.excluded.tolist()
    phases = p.phase.tolist()
    chart_points = [
        svg.ChartPoint(
            label=(labels[i] if labels is not None else None) or str(i + 1),
            value=columns[0][i],
            centre=columns[1][i],
            lower=columns[2][i],
            upper=columns[3][i],
            excluded=excluded[i],
            signal=_SPECIAL.get(names[i]),  # type: ignore[arg-type]  # the classification names map to svg.Signal's literals
            phase=phases[i],
        )
        for i in range(len(p))
    ]
    return svg.ChartDrawing(
        title=title,
        description=description,
        points=chart_points,
        target=analysis.options.target,
        y_label=y_label,
        annotations=annotations,
        percent=percent,
        width=width,
        height=height,
        language=language,
        caption=caption,
        centre_kind="median" if analysis.chart is ChartType.run else "mean",
    )


def render_chart(drawing: svg.ChartDrawing, *, field_prefix: str) -> str:
    try:
        with computable(f"{field_prefix}.values"):
            return svg.render_svg(drawing)
    except svg.NotDrawable as error:
        raise InvalidInput(f"{field_prefix}.width", str(error), type_="not_drawable") from None


@dataclass
class StoredAnalysis:
    measure: Measure
    series: readings.Series
    analysis: Analysis
    language: Language
    labels: list[str | None]
    first_days: list[date | None]
    numerators: FloatArray
    denominators: FloatArray
    units: npt.NDArray[np.int64]
    withheld: npt.NDArray[np.bool_]
    plan: PhasePlan
    scale: float
    chart_suggestion: ChartType | None
    sentence: str
    annotations: list[dict[str, Any]]
    first_ordinal: int
    rebase_cycle_id: uuid.UUID | None = None
    #: What a point stands for in sentences ("week"; "period" for a T or G chart's events).
    period_word: str | None = None

    @property
    def word(self) -> str:
        return self.period_word or PERIOD_WORD[self.measure.period_kind]


@computable(STORED_VALUES)
def stored_document(stored: StoredAnalysis) -> dict[str, Any]:
    measure = stored.measure
    document = analysis_document(
        stored.analysis,
        language=stored.language,
        labels=stored.labels,
        scale=stored.scale,
        sentence=stored.sentence,
        period_word=stored.word,
    )
    columns = document["points"]
    columns["period_first_on"] = [d.isoformat() if d else None for d in stored.first_days]
    columns["numerator"] = stored.numerators
    columns["denominator"] = stored.denominators
    columns["units"] = stored.units
    columns["withheld"] = stored.withheld
    for phase in document["phases"]:
        phase["period_from"] = stored.labels[phase["first_index"]]
        phase["period_to"] = stored.labels[phase["last_index"]]
        row = stored.plan.rows.get(phase["index"])
        phase["phase_id"] = row.id if row else None
        phase["cycle_id"] = row.cycle_id if row else None
        phase["reason"] = row.reason if row else None
    document["summary"]["rebase_cycle_id"] = stored.rebase_cycle_id
    return {
        "measure_id": measure.id,
        "org_unit_id": stored.series.org_unit_id,
        "aggregated": stored.series.aggregated,
        "period_kind": measure.period_kind,
        "value_kind": measure.value_kind,
        "unit_label": measure.unit_label,
        "scale": "percent" if stored.scale == 100.0 else "value",
        "chart_suggestion": None
        if stored.chart_suggestion is None
        else stored.chart_suggestion.value,
        **document,
        "annotations": stored.annotations,
    }


CSV_HEADER = (
    "period",
    "period_first_on",
    "value",
    "numerator",
    "denominator",
    "withheld",
    "phase",
    "baseline",
    "excluded",
    "centre",
    "lower_limit",
    "upper_limit",
    "lower_2_sigma",
    "upper_2_sigma",
    "classification",
    "rules",
)


def csv_rows(stored: StoredAnalysis) -> Iterator[tuple[Any, ...]]:
    """One row per period: the point, its lines and its classification (gaps included)."""
    p = stored.analysis.points
    scale = stored.scale

    def listed(column: FloatArray, factor: float = 1.0) -> list[float | None]:
        return [None if math.isnan(x) else x * factor for x in column.tolist()]

    value, centre, lower, upper, lower_2s, upper_2s = (
        listed(getattr(p, name), scale)
        for name in ("value", "centre", "lower", "upper", "lower_2s", "upper_2s")
    )
    numerators, denominators = listed(stored.numerators), listed(stored.denominators)
    withheld = stored.withheld.tolist()
    phase, baseline, excluded = p.phase.tolist(), p.baseline.tolist(), p.excluded.tolist()
    names = p.classification.tolist()
    rules = [",".join(r) for r in _rule_lists(p.rule_mask)]
    for i in range(len(p)):
        yield (
            stored.labels[i],
            stored.first_days[i],
            value[i],
            numerators[i],
            denominators[i],
            "ja" if withheld[i] else "nej",
            phase[i] + 1,
            "ja" if baseline[i] else "nej",
            "ja" if excluded[i] else "nej",
            centre[i],
            lower[i],
            upper[i],
            lower_2s[i],
            upper_2s[i],
            names[i],
            rules[i],
        )


@computable(STORED_VALUES)
def stored_chart(stored: StoredAnalysis, *, width: int, height: int) -> str:
    measure = stored.measure
    percent = stored.scale == 100.0
    notes = [svg.ChartAnnotation(index=a["index"], text=a["text"]) for a in stored.annotations]
    plain = plain_sentence(
        stored.analysis,
        stored.language,
        labels=stored.labels,
        period_word=stored.word,
    )
    drawing = chart_drawing(
        stored.analysis,
        title=measure.name,
        description=f"{plain} {stored.sentence}",
        caption=plain,
        labels=stored.labels,
        language=stored.language,
        percent=percent,
        y_label="" if percent else (measure.unit_label or ""),
        annotations=notes,
        width=width,
        height=height,
    )
    return render_chart(drawing, field_prefix="query")
