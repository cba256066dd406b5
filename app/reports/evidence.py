"""Cycle evidence: what the follow-up (uppföljning) shows before the team decides to adopt,
adapt or abandon the change.

For every measure the cycle follows (``app.measures.service.cycle_measures``), the baseline
window (nuläge) is set against the follow-up window (from åtgärd's start):

- the **baseline** is the cycle's ``baseline_start_on``..``baseline_end_on``; without them, every
  period before the test started (from the measure's first measurement); it never reaches into
  the period the test started in;
- the **follow-up** runs from the period containing ``test_started_on`` to the period
  containing ``test_ended_on``, or today while the test runs (never beyond today);
- periods between the two (while the team analysed) are charted but belong to neither.

A period belongs to a window by its ordinal, so a week-based measure and a day-based cycle meet
cleanly. Each window's centre is the chart's own: the median on a run chart, the mean on I and
C charts, the sum of numerators over the sum of denominators on P and U charts (reported in the
measure's figures: percentages for proportions). The series from the baseline's first period to
the follow-up's last is analysed with the baseline frozen on the nuläge window (``freeze``), so
the follow-up is judged against limits it did not move; the signals that reach into the
follow-up are "after the change", each with its rule, its periods and whether it is an
improvement by the measure's direction. Missing periods are gaps; values withheld by
small-number protection are gaps too, and flagged.

Series unit: an initiative's measure is read at its own unit; a shared indicator at the
cycle's team's unit (the unit that reports it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import anyio.to_thread
import numpy as np
from sqlalchemy import and_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.analytics.spc import (
    Analysis,
)
from app.analytics.summary import plain_signal, signal_phrase, units_phrase
from app.analytics.types import (
    RATIO_CHARTS,
    AnalysisInputError,
    ChartType,
    Rule,
    Signal,
    SignalDirection,
)
from app.charts.bounds import check_periods, computable
from app.charts.kinds import (
    DEFAULT_CHART,
    PERIOD_WORD,
    FloatArray,
    analyse_dense,
    chart_options,
    display_scale,
)
from app.context import Principal
from app.cycles import service as cycle_service
from app.cycles.models import Cycle
from app.db import local_today
from app.goals import service as goal_service
from app.i18n import (
    EVIDENCE_PHRASES,
    EVIDENCE_PLAIN,
    PHRASES,
    PLAIN,
    PREDICTION_PHRASES,
    Language,
    format_number,
    period_in_text,
)
from app.measures import service as measure_service
from app.measures.models import Measure, Measurement, ValueKind
from app.measures.readings import Protection
from app.org_units.models import OrgUnit
from app.periods import (
    InvalidPeriod,
    PeriodKind,
    SchoolYearStart,
    period_from_ordinal,
    period_of,
)
from app.problem_texts import Text
from app.problems import InvalidInput

_M = Measurement.__table__.c  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker


class EvidenceChart(StrEnum):
    """``control``: the control chart of the measure's value kind (P for proportions, U for
    rates, C for counts, I otherwise); ``run``: a run chart (median, Anhøj's rules)."""

    control = "control"
    run = "run"


class Verdict(StrEnum):
    improvement = "improvement"  # signals after the change, all in the improvement direction
    concern = "concern"  # signals after the change, all the wrong way
    mixed = "mixed"  # both
    change = "change"  # signals without a better side (a neutral measure, too few crossings)
    no_signal = "no_signal"  # the follow-up stays within common-cause variation
    no_baseline = "no_baseline"  # nothing measured in the baseline window to compare with
    no_follow_up = "no_follow_up"  # nothing measured since the test started (or it has not)
    no_data = "no_data"


@dataclass(frozen=True, slots=True)
class Windows:
    """Period ordinals of the two windows (``None``: empty); ``baseline_first`` ``None``
    with a ``baseline_last`` means "from the first measurement"."""

    baseline_first: int | None
    baseline_last: int | None
    follow_up_first: int | None
    follow_up_last: int | None
    baseline_source: str
    follow_up_ongoing: bool

    @property
    def last(self) -> int | None:
        return self.follow_up_last if self.follow_up_first is not None else self.baseline_last


def plan_windows(
    cycle: Cycle, kind: PeriodKind, school_year: SchoolYearStart, today: date
) -> Windows:
    """The windows in ``kind``'s periods, before any data is read."""

    def ordinal(day: date) -> int:
        return period_of(kind, day, school_year_start=school_year).ordinal

    started = cycle.test_started_on
    follow_first = follow_last = None
    ongoing = False
    if started is not None and started <= today:
        end = cycle.test_ended_on
        ongoing = end is None or end > today
        follow_first = ordinal(started)
        follow_last = ordinal(today if ongoing or end is None else end)
    if cycle.baseline_end_on is not None:
        baseline_last = ordinal(cycle.baseline_end_on)
    elif started is not None:
        baseline_last = ordinal(started) - 1
    else:
        baseline_last = ordinal(today)
    if started is not None:
        baseline_last = min(baseline_last, ordinal(started) - 1)
    baseline_first = (
        ordinal(cycle.baseline_start_on) if cycle.baseline_start_on is not None else None
    )
    source = (
        "cycle"
        if cycle.baseline_start_on is not None or cycle.baseline_end_on is not None
        else "before_test"
    )
    return Windows(baseline_first, baseline_last, follow_first, follow_last, source, ongoing)


# --------------------------------------------------------------------------------------------
# Sentences


_MEANING = {
    SignalDirection.improvement: "improvement",
    SignalDirection.concern: "concern",
    SignalDirection.neutral: "neutral",
}


def format_figure(value: float, language: str, unit_label: str | None = None) -> str:
    """A figure in a sentence: one decimal (two below 1), trailing zeros dropped, the unit after
    it (``45,2 %``, ``45.2%``), written as ``app.i18n.format_number`` writes numbers."""
    digits = 1 if abs(value) >= 1 else 2
    return format_number(
        value, decimals=digits, language=language, trim=True, unit_label=unit_label
    )


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _signal_sentence(analysis: Analysis, signal: Signal, language: str, period_word: str) -> str:
    phrases = PHRASES[language]
    units = units_phrase(language, period_word, len(signal.points))
    phrase = signal_phrase(analysis, signal, phrases, units)
    return f"{_capitalise(phrase)}: {phrases[_MEANING[signal.direction]]}."


def _main(signals: list[Signal], direction: SignalDirection | None = None) -> Signal | None:
    chosen = [s for s in signals if direction is None or s.direction is direction]
    if not chosen:
        return None
    # The highest-ranked rule (the order of ``Rule``), then the longest.
    order = list(Rule)
    return min(chosen, key=lambda s: (order.index(s.rule), -len(s.points)))


# --------------------------------------------------------------------------------------------
# One measure (pure)


@dataclass(frozen=True, slots=True)
class Series:
    """A measure's dense series from ``first`` (ordinal) on; NaN = a gap."""

    first: int
    values: FloatArray
    numerators: FloatArray
    denominators: FloatArray
    present: np.ndarray[Any, np.dtype[np.bool_]]
    withheld: np.ndarray[Any, np.dtype[np.bool_]]


def _centre(chart: ChartType, series: Series, scale: float, window: slice) -> float | None:
    values = series.values[window]
    usable = ~np.isnan(values)
    if not usable.any():
        return None
    if chart is ChartType.run:
        return float(np.median(values[usable]))
    if chart in RATIO_CHARTS:
        num = series.numerators[window][usable].sum()
        den = series.denominators[window][usable].sum()
        return float(num / den * scale) if den > 0 else None
    return float(values[usable].mean())


_CENTRE_KIND = {
    ChartType.run: "median",
    ChartType.i: "mean",
    ChartType.c: "mean",
    ChartType.p: "ratio_of_sums",
    ChartType.pp: "ratio_of_sums",
    ChartType.u: "ratio_of_sums",
    ChartType.up: "ratio_of_sums",
}


def measure_evidence(
    measure: Measure,
    series: Series,
    windows: Windows,
    *,
    chart: ChartType,
    school_year: SchoolYearStart,
    language: Language,
) -> dict[str, Any]:
    """The evidence of one measure, from its dense series (which starts at the baseline's first
    period, or the follow-up's when the baseline is empty) and its windows."""
    kind = ValueKind(measure.value_kind)
    period_kind = PeriodKind(measure.period_kind)
    period_word = PERIOD_WORD[period_kind]
    scale = display_scale(kind, chart)
    phrases = EVIDENCE_PHRASES[language]
    first, n = series.first, int(series.values.size)

    def offsets(lo: int | None, hi: int | None) -> slice | None:
        if lo is None or hi is None or hi < lo or n == 0:
            return None
        start, stop = max(lo - first, 0), min(hi - first + 1, n)
        return slice(start, stop) if stop > start else None

    base = offsets(windows.baseline_first, windows.baseline_last)
    follow = offsets(windows.follow_up_first, windows.follow_up_last)

    def window_document(window: slice | None) -> dict[str, Any]:
        def key(ordinal: int | None) -> str | None:
            if ordinal is None:
                return None
            return period_from_ordinal(period_kind, ordinal, school_year_start=school_year).key

        if window is None:
            return {
                "first_period": None,
                "last_period": None,
                "periods": 0,
                "points": 0,
                "withheld": 0,
                "centre": None,
            }
        return {
            "first_period": key(first + window.start),
            "last_period": key(first + window.stop - 1),
            "periods": window.stop - window.start,
            "points": int(np.count_nonzero(~np.isnan(series.values[window]))),
            "withheld": int(np.count_nonzero(series.withheld[window])),
            "centre": _centre(chart, series, scale, window),
        }

    baseline_doc = window_document(base)
    follow_doc = window_document(follow)
    baseline_doc.update(source=windows.baseline_source, ongoing=None)
    follow_doc.update(source=None, ongoing=windows.follow_up_ongoing)

    analysis: Analysis | None = None
    after: list[Signal] = []
    if n:
        freeze = base.stop if base is not None and follow is not None else None
        try:
            analysis = analyse_dense(
                chart_options(measure, chart, freeze=freeze),
                series.values,
                series.numerators,
                series.denominators,
            )
        except AnalysisInputError as error:  # stored data this chart cannot take
            raise InvalidInput(f"query.{error.field}", error.reason) from None
        if follow is not None:
            after = [s for s in analysis.signals if s.points[-1] >= follow.start]

    def period_key(offset: int) -> str:
        return period_from_ordinal(period_kind, first + offset, school_year_start=school_year).key

    b_centre, f_centre = baseline_doc["centre"], follow_doc["centre"]
    if not baseline_doc["points"] and not follow_doc["points"]:
        verdict = Verdict.no_data
    elif not follow_doc["points"]:
        verdict = Verdict.no_follow_up
    elif not baseline_doc["points"]:
        verdict = Verdict.no_baseline
    else:
        directions = {s.direction for s in after}
        better = SignalDirection.improvement in directions
        worse = SignalDirection.concern in directions
        if better and worse:
            verdict = Verdict.mixed
        elif better:
            verdict = Verdict.improvement
        elif worse:
            verdict = Verdict.concern
        else:
            verdict = Verdict.change if after else Verdict.no_signal

    name = measure.name
    plain_phrases = {**phrases, **EVIDENCE_PLAIN[language]}
    if verdict in (Verdict.no_data, Verdict.no_follow_up, Verdict.no_baseline):
        sentence = _capitalise(phrases[verdict.value].format(name=name)) + "."
        plain = _capitalise(plain_phrases[verdict.value].format(name=name)) + "."
    else:
        assert b_centre is not None and f_centre is not None and analysis is not None
        sentence = (
            phrases["change"].format(
                name=name,
                before=format_figure(b_centre, language, measure.unit_label),
                after=format_figure(f_centre, language, measure.unit_label),
            )
            + "."
        )
        plain = sentence
        main = _main(after)
        if main is None:
            sentence += f" {_capitalise(PHRASES[language]['common_cause'])}."
            plain += f" {_capitalise(PLAIN[language]['common_cause'])}."
        else:
            labels = [period_key(offset) for offset in range(n)]
            shown = [main]
            if verdict is Verdict.mixed:
                other = _main(
                    after,
                    SignalDirection.concern
                    if main.direction is SignalDirection.improvement
                    else SignalDirection.improvement,
                )
                if other is not None:
                    shown.append(other)
            for signal in shown:
                sentence += " " + _signal_sentence(analysis, signal, language, period_word)
                plain += "".join(
                    f" {_capitalise(part)}."
                    for part in plain_signal(
                        signal, language, labels=labels, period_word=period_word
                    )
                )

    points: list[dict[str, Any]] = []
    if analysis is not None:
        classes = analysis.points.classification.tolist()
        for offset in range(n):
            ordinal = first + offset
            period = period_from_ordinal(period_kind, ordinal, school_year_start=school_year)
            if base is not None and base.start <= offset < base.stop:
                where = "baseline"
            elif follow is not None and follow.start <= offset < follow.stop:
                where = "follow_up"
            else:
                where = "between"
            value = series.values[offset]
            withheld = bool(series.withheld[offset])
            ratio = kind in (ValueKind.proportion, ValueKind.rate)
            points.append(
                {
                    "period": period.key,
                    "period_first_on": period.first_day,
                    "window": where,
                    "value": None if value != value else float(value),
                    "numerator": (
                        None
                        if withheld or not ratio or not series.present[offset]
                        else float(series.numerators[offset])
                    ),
                    "denominator": (
                        None
                        if withheld or not ratio or not series.present[offset]
                        else float(series.denominators[offset])
                    ),
                    "missing": not bool(series.present[offset]),
                    "withheld": withheld,
                    "classification": classes[offset],
                }
            )
    summary = analysis.summary if analysis is not None else None
    return {
        "measure_id": measure.id,
        "name": measure.name,
        "value_kind": kind.value,
        "period_kind": period_kind.value,
        "unit_label": measure.unit_label,
        "direction": measure.direction,
        "target_value": measure.target_value,
        "chart": chart.value,
        "centre_kind": _CENTRE_KIND[chart],
        "baseline": baseline_doc,
        "follow_up": follow_doc,
        "change": (f_centre - b_centre) if f_centre is not None and b_centre is not None else None,
        "verdict": verdict.value,
        "signals": [
            {
                "rule": s.rule.value,
                "side": s.side.value,
                "direction": s.direction.value,
                "periods": [period_key(p) for p in s.points],
                "started_before_change": follow is not None and s.points[0] < follow.start,
            }
            for s in after
        ],
        "variation": summary.variation.value if summary else "no_data",
        "assurance": summary.assurance.value if summary and summary.assurance else None,
        "assurance_verdict": (
            summary.assurance_verdict.value if summary and summary.assurance_verdict else None
        ),
        "trial_limits": bool(summary.trial_limits) if summary else False,
        "sentence": sentence,
        "plain_sentence": plain,
        "points": points,
    }


# --------------------------------------------------------------------------------------------
# A prediction that can be checked (pure)


def prediction_check(
    cycle: Cycle,
    measure: Measure | None,
    series: Series | None,
    windows: Windows | None,
    *,
    chart: ChartType,
    school_year: SchoolYearStart,
    language: Language,
) -> dict[str, Any]:
    """Whether the cycle's checkable prediction came true.

    The figure compared is the follow-up window's centre, as the evidence reports it (median on
    a run chart, mean on I and C charts, sum of numerators over sum of denominators on P and U
    charts, in the measure's own figures), over the follow-up periods up to the one containing
    ``prediction_by_on`` (the whole follow-up without it). Bounds are inclusive. While the test
    runs and the day by which has not passed, the outcome is ``provisional``.
    ``measure`` is None when the cycle no longer follows the measure (or the token cannot
    read it): the outcome is then ``not_followed``.
    """
    comparison = str(cycle.prediction_comparison)
    low = cycle.prediction_value
    high = cycle.prediction_upper_value
    assert low is not None
    phrases = PREDICTION_PHRASES[language]
    document: dict[str, Any] = {
        "measure_id": cycle.prediction_measure_id,
        "comparison": comparison,
        "value": low,
        "upper_value": high,
        "by_on": cycle.prediction_by_on,
        "compared": "follow_up_centre",
        "centre_kind": _CENTRE_KIND[chart],
        "first_period": None,
        "last_period": None,
        "points": 0,
        "observed": None,
        "outcome": "not_followed",
        "provisional": False,
        "sentence": phrases["not_followed"] + ".",
    }
    if measure is None or series is None or windows is None:
        document["centre_kind"] = None
        return document
    kind = PeriodKind(measure.period_kind)
    unit = measure.unit_label
    expected = phrases[comparison].format(
        v=format_figure(low, language, unit),
        w=format_figure(high, language, unit) if high is not None else "",
    )
    first_ordinal = windows.follow_up_first
    last_ordinal = windows.follow_up_last
    by_on = cycle.prediction_by_on
    if by_on is not None and last_ordinal is not None:
        try:
            by_ordinal = period_of(kind, by_on, school_year_start=school_year).ordinal
        except InvalidPeriod:  # a day outside the supported years: the whole follow-up
            by_ordinal = last_ordinal
        last_ordinal = min(last_ordinal, by_ordinal)
    provisional = windows.follow_up_ongoing and (by_on is None or by_on >= local_today())
    window: slice | None = None
    n = int(series.values.size)
    if first_ordinal is not None and last_ordinal is not None and last_ordinal >= first_ordinal:
        start = max(first_ordinal - series.first, 0)
        stop = min(last_ordinal - series.first + 1, n)
        window = slice(start, stop) if stop > start else None
    observed = (
        _centre(chart, series, display_scale(ValueKind(measure.value_kind), chart), window)
        if window is not None
        else None
    )
    if window is None or observed is None:
        document.update(
            outcome="no_data",
            provisional=provisional,
            sentence=phrases["no_data"].format(name=measure.name, expected=expected) + ".",
        )
        return document

    def key(offset: int) -> str:
        return period_from_ordinal(kind, series.first + offset, school_year_start=school_year).key

    tolerance = 1e-9 * max(abs(low), abs(high or 0.0), 1.0)
    if comparison == "at_least":
        met = observed >= low - tolerance
    elif comparison == "at_most":
        met = observed <= low + tolerance
    else:
        assert high is not None
        met = low - tolerance <= observed <= high + tolerance
    first_key, last_key = key(window.start), key(window.stop - 1)
    first_text, last_text = period_in_text(first_key, language), period_in_text(last_key, language)
    periods = first_text if first_key == last_key else f"{first_text}–{last_text}"
    sentence = phrases["met" if met else "not_met"].format(
        name=measure.name,
        observed=format_figure(observed, language, unit),
        periods=periods,
        expected=expected,
    )
    document.update(
        first_period=first_key,
        last_period=last_key,
        points=int(np.count_nonzero(~np.isnan(series.values[window]))),
        observed=observed,
        outcome="met" if met else "not_met",
        provisional=provisional,
        sentence=sentence + (phrases["provisional"] if provisional else "") + ".",
    )
    return document


# --------------------------------------------------------------------------------------------
# Reading the database


async def cycle_evidence(
    session: AsyncSession,
    principal: Principal,
    cycle_id: uuid.UUID,
    *,
    language: Language = Language.en,
    chart: EvidenceChart = EvidenceChart.control,
) -> dict[str, Any]:
    """The evidence of every measure the cycle follows (see the module docstring)."""
    cycle = await cycle_service.get_cycle(session, principal, cycle_id)
    default, measures = await measure_service.measures_of_cycle(session, cycle)
    cycle_unit = await cycle_service.unit_of_cycle(session, cycle)
    school_year, default_minimum = await measure_service.organisation_settings(
        session, principal.organisation_id
    )
    shield = Protection(principal, default_minimum)
    today = local_today()

    plans: dict[uuid.UUID, Windows] = {}
    units: dict[uuid.UUID, uuid.UUID] = {}
    conditions = []
    for measure in measures:
        try:
            plan = plan_windows(cycle, PeriodKind(measure.period_kind), school_year, today)
        except InvalidPeriod as error:  # a cycle date outside the supported years
            raise InvalidInput("cycle", Text.of(error.wording)) from None
        plans[measure.id] = plan
        units[measure.id] = cycle_unit if measure.shared else measure.org_unit_id
        if plan.last is None:
            continue
        conditions.append(
            and_(
                _M.measure_id == measure.id,
                _M.org_unit_id == units[measure.id],
                _M.period_ordinal <= plan.last,
                _M.period_ordinal >= plan.baseline_first
                if plan.baseline_first is not None
                else true(),
            )
        )
    found: dict[uuid.UUID, list[Any]] = {measure.id: [] for measure in measures}
    if conditions:
        # One statement for every measure's rows.
        result = await session.execute(
            select(
                _M.measure_id,
                _M.period_ordinal,
                _M.value,
                _M.numerator,
                _M.denominator,
                col(OrgUnit.path),
            )
            .join(OrgUnit, col(OrgUnit.id) == _M.org_unit_id)
            .where(
                _M.organisation_id == principal.organisation_id,
                # As every read of measurements: units in the scope or on the path above it.
                goal_service.readable_units(principal),
                or_(*conditions),
            )
            .order_by(_M.measure_id, _M.period_ordinal)
        )
        for row in result:
            found[row[0]].append(row)

    # Every measure's series is sized before anything is allocated: one bound for the request.
    planned: list[tuple[Measure, Windows, int | None, int]] = []
    for measure in measures:
        plan = plans[measure.id]
        rows = found[measure.id]
        baseline_first = plan.baseline_first
        if baseline_first is None and plan.baseline_last is not None:
            before = [row[1] for row in rows if row[1] <= plan.baseline_last]
            baseline_first = min(before) if before else None
        if (
            baseline_first is not None
            and plan.baseline_last is not None
            and baseline_first > plan.baseline_last
        ):
            baseline_first = None
        plan = Windows(
            baseline_first,
            plan.baseline_last if baseline_first is not None else None,
            plan.follow_up_first,
            plan.follow_up_last,
            plan.baseline_source,
            plan.follow_up_ongoing,
        )
        start = baseline_first if baseline_first is not None else plan.follow_up_first
        stop = plan.last
        size = 0 if start is None or stop is None else max(stop - start + 1, 0)
        planned.append((measure, plan, start, size))
    check_periods(
        sum(size for *_, size in planned),
        field="cycle.baseline_start_on",
        hint="narrow the cycle's baseline window (baseline_start_on), its test, or the "
        "measures it follows",
    )

    predicted = cycle.prediction_measure_id if cycle.prediction_comparison else None
    check: dict[str, Any] | None = None

    def build() -> list[dict[str, Any]]:
        nonlocal check
        documents = []
        for measure, plan, start, size in planned:
            kind = ValueKind(measure.value_kind)
            chosen = ChartType.run if chart is EvidenceChart.run else DEFAULT_CHART[kind]
            series = _dense(
                found[measure.id], start or 0, size, shield, measure.min_denominator, kind, chosen
            )
            with computable("measurements.value"):
                document = measure_evidence(
                    measure,
                    series,
                    plan,
                    chart=chosen,
                    school_year=school_year,
                    language=language,
                )
            documents.append({**document, "org_unit_id": units[measure.id]})
            if measure.id == predicted:
                check = prediction_check(
                    cycle,
                    measure,
                    series,
                    plan,
                    chart=chosen,
                    school_year=school_year,
                    language=language,
                )
        if predicted is not None and check is None:
            check = prediction_check(
                cycle,
                None,
                None,
                None,
                chart=ChartType.run,
                school_year=school_year,
                language=language,
            )
        return documents

    # The analysis and the documents are CPU work: off the event loop.
    documents = await anyio.to_thread.run_sync(build)

    phrases = EVIDENCE_PHRASES[language]
    judged = [
        d for d in documents if d["verdict"] not in ("no_data", "no_follow_up", "no_baseline")
    ]
    if not documents:
        sentence = phrases["no_measures"] + "."
    elif not judged:
        sentence = phrases["cycle_unjudged"].format(n=len(documents)) + "."
    elif all(d["verdict"] == "no_signal" for d in judged):
        sentence = phrases["cycle_no_signal"].format(n=len(documents)) + "."
    else:
        sentence = (
            phrases["cycle"].format(
                i=sum(1 for d in judged if d["verdict"] == "improvement"),
                n=len(documents),
                c=sum(1 for d in judged if d["verdict"] == "concern"),
            )
            + "."
        )
    plain = sentence
    if not documents or not judged:
        key = "no_measures" if not documents else "cycle_unjudged"
        plain_words = {**phrases, **EVIDENCE_PLAIN[language]}
        plain = plain_words[key].format(n=len(documents)) + "."
    if check is not None:
        sentence += " " + check["sentence"]
        plain += " " + check["sentence"]
    return {
        "cycle_id": cycle.id,
        "title": cycle.title,
        "stage": cycle.stage,
        "prediction": cycle.prediction,
        "prediction_check": check,
        "decision": cycle.decision,
        "baseline_start_on": cycle.baseline_start_on,
        "baseline_end_on": cycle.baseline_end_on,
        "test_started_on": cycle.test_started_on,
        "test_ended_on": cycle.test_ended_on,
        "chart": chart.value,
        "default_measures": default,
        "sentence": sentence,
        "plain_sentence": plain,
        "measures": documents,
    }


def _dense(
    rows: list[Any],
    first: int,
    size: int,
    shield: Protection,
    minimum: int | None,
    kind: ValueKind,
    chart: ChartType,
) -> Series:
    values = np.full(size, np.nan)
    numerators = np.full(size, np.nan)
    denominators = np.full(size, np.nan)
    present = np.zeros(size, dtype=np.bool_)
    withheld = np.zeros(size, dtype=np.bool_)
    for _measure_id, ordinal, value, numerator, denominator, path in rows:
        offset = ordinal - first
        if not 0 <= offset < size:
            continue
        present[offset] = True
        if shield.withholds(denominator, path, minimum):
            withheld[offset] = True
            continue
        if chart in RATIO_CHARTS and denominator:
            # What the chart plots, in the measure's own figures.
            values[offset] = numerator / denominator * display_scale(kind, chart)
        else:
            values[offset] = value
        numerators[offset] = np.nan if numerator is None else numerator
        denominators[offset] = np.nan if denominator is None else denominator
    return Series(first, values, numerators, denominators, present, withheld)
