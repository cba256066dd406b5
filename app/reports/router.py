"""The cycle evidence (under /cycles) and the roll-up report (under /measures)."""

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Header, Query
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from app.access_tokens.auth import CurrentUser
from app.analytics.types import (
    ChartType,
)
from app.charts.models import MeasureChart
from app.db import SessionDep
from app.http import FastJSONResponse
from app.i18n import Language, negotiate_language
from app.measures import sheet_writer
from app.measures.models import ValueKind
from app.problems import problem_responses
from app.reports import evidence, rollup
from app.routing import service_router

evidence_router = service_router("cycles")
"""The evidence of a cycle: under /cycles, tagged with the cycles."""
report_router = service_router("measures")
"""The roll-up report of a measure: under /measures, tagged with the measures."""

AcceptLanguage = Annotated[
    str | None,
    Header(
        alias="Accept-Language",
        max_length=1000,
        description="Language of the sentences: `sv`, `nb` (or `no`), `nn` or `en`, with "
        "q-values; default the organisation's `default_language`, else `en`. The answer's Content-Language names the choice.",
        examples=["sv-SE, sv;q=0.9, en;q=0.5"],
    ),
]

_LANGUAGE_HEADERS = {
    "Content-Language": {
        "description": "The language of the sentences (`sv`, `nb`, `nn` or `en`).",
        "schema": {"type": "string"},
    },
    "Vary": {
        "description": "`Accept-Language`: the sentences follow it.",
        "schema": {"type": "string"},
    },
}


def _language_headers(language: Language) -> dict[str, str]:
    return {"Content-Language": language, "Vary": "Accept-Language"}


# --------------------------------------------------------------------------------------------
# Cycle evidence


class EvidenceWindow(BaseModel):
    first_period: str | None = Field(description="The window's first period; null if empty.")
    last_period: str | None = Field(description="Its last period.")
    periods: int = Field(description="Periods in the window, missing ones included.")
    points: int = Field(description="Periods with a usable value (not missing, not withheld).")
    withheld: int = Field(description="Periods withheld by small-number protection (gaps).")
    centre: float | None = Field(
        description="The window's centre in the measure's figures (a percentage for "
        "proportions): the median on a run chart, the mean on I and C charts, the sum of "
        "numerators over the sum of denominators on P and U charts."
    )
    source: str | None = Field(
        default=None,
        description="Baseline only: `cycle` (the cycle's nuläge window) or `before_test` "
        "(no window set: every period before the test started).",
    )
    ongoing: bool | None = Field(
        default=None,
        description="Follow-up only: the test has not ended, the window runs to today.",
    )


class EvidenceSignal(BaseModel):
    rule: str = Field(
        description="outside_limits, trend, two_of_three, shift, longest_run or crossings "
        "(see the analysis rules)."
    )
    side: str = Field(description="above, below, increasing, decreasing or none.")
    direction: str = Field(
        description="improvement, concern or neutral, by the measure's improvement direction."
    )
    periods: list[str] = Field(description="The periods that raised the signal.")
    started_before_change: bool = Field(
        description="The signal began before the test started and reaches into the follow-up."
    )


class EvidencePoint(BaseModel):
    period: str
    period_first_on: date
    window: str = Field(description="baseline, between (neither window) or follow_up.")
    value: float | None = Field(
        description="The value as charted; null for a missing or withheld period (a gap)."
    )
    numerator: float | None
    denominator: float | None
    missing: bool = Field(description="Nothing was reported for the period.")
    withheld: bool = Field(description="Withheld by small-number protection.")
    classification: str = Field(
        description="common, special_improvement, special_concern or special_neutral."
    )


class MeasureEvidence(BaseModel):
    measure_id: uuid.UUID
    name: str
    org_unit_id: uuid.UUID = Field(
        description="The unit whose series this is: the measure's own unit for an "
        "initiative's measure, the cycle's team's unit for a shared indicator."
    )
    value_kind: str
    period_kind: str
    unit_label: str | None
    direction: str = Field(description="The measure's improvement direction: up, down, neutral.")
    target_value: float | None
    chart: str = Field(description="The chart the series was analysed on: run, i, p, u or c.")
    centre_kind: str = Field(description="median, mean or ratio_of_sums.")
    baseline: EvidenceWindow = Field(description="The nuläge window.")
    follow_up: EvidenceWindow = Field(description="From åtgärd's start.")
    change: float | None = Field(description="Follow-up centre minus baseline centre.")
    verdict: str = Field(
        description="improvement or concern (signals after the change all one way), mixed, "
        "change (signals without a better side), no_signal (common-cause variation only), "
        "no_baseline, no_follow_up or no_data."
    )
    signals: list[EvidenceSignal] = Field(
        description="Signals reaching into the follow-up, against the frozen baseline."
    )
    variation: str = Field(description="The analysis' verdict at the latest point.")
    assurance: str | None = Field(
        description="Where the target lies against the limits (control charts with a target)."
    )
    assurance_verdict: str | None
    trial_limits: bool = Field(description="The baseline is short: the limits are provisional.")
    sentence: str = Field(description="The evidence in words, in the Content-Language.")
    plain_sentence: str = Field(
        description="The same for a rektor: before and after in figures, then what happened "
        "since when (`v. 41`), without the analyst's words (limits, baseline, phase, shift)."
    )
    points: list[EvidencePoint] = Field(description="Every period from the baseline on.")


class PredictionCheck(BaseModel):
    measure_id: uuid.UUID | None = Field(description="The measure the prediction is about.")
    comparison: str = Field(description="at_least, at_most or between (bounds included).")
    value: float = Field(description="The predicted figure (the lower one for between).")
    upper_value: float | None = Field(description="between: the upper figure.")
    by_on: date | None = Field(description="The day by which it should hold, if given.")
    compared: str = Field(
        description="What is compared: `follow_up_centre`, the follow-up window's centre "
        "(as `follow_up.centre`) over its periods up to the one containing `by_on`."
    )
    centre_kind: str | None = Field(description="median, mean or ratio_of_sums.")
    first_period: str | None = Field(description="The first period compared.")
    last_period: str | None = Field(description="The last period compared.")
    points: int = Field(description="Periods with a usable value among them.")
    observed: float | None = Field(description="The compared figure, in the measure's figures.")
    outcome: str = Field(
        description="met, not_met, no_data (nothing measured after the change up to `by_on`) "
        "or not_followed (the cycle no longer follows the measure, or the token cannot read "
        "it)."
    )
    provisional: bool = Field(
        description="The test is still running and `by_on` has not passed: the outcome may "
        "still change."
    )
    sentence: str = Field(description="The outcome in words, in the Content-Language.")


_EVIDENCE_EXAMPLE: dict[str, Any] = {
    "cycle_id": "4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a",
    "title": "Exit tickets i 5B",
    "stage": "follow_up",
    "prediction": "Andelen som instämmer ökar från 45 % till minst 55 % på två veckor.",
    "prediction_check": {
        "measure_id": "3b9f1c2e-7d4a-4e5b-9c8d-1a2b3c4d5e6f",
        "comparison": "at_least",
        "value": 55.0,
        "upper_value": None,
        "by_on": "2026-11-06",
        "compared": "follow_up_centre",
        "centre_kind": "ratio_of_sums",
        "first_period": "2026-W40",
        "last_period": "2026-W45",
        "points": 6,
        "observed": 61.9,
        "outcome": "met",
        "provisional": False,
        "sentence": "Förutsägelsen slog in: Andel elever som upplever delaktighet blev 61,9 % "
        "efter förändringen (v. 40–v. 45), förutsagt minst 55 %.",
    },
    "decision": None,
    "baseline_start_on": "2026-08-31",
    "baseline_end_on": "2026-09-25",
    "test_started_on": "2026-09-28",
    "test_ended_on": "2026-11-06",
    "chart": "control",
    "default_measures": True,
    "sentence": "Efter förändringen visar 1 av 1 mått troligen en verklig förbättring och 0 en "
    "försämring.",
    "plain_sentence": "Efter förändringen visar 1 av 1 mått troligen en verklig förbättring "
    "och 0 en försämring.",
    "measures": [
        {
            "measure_id": "3b9f1c2e-7d4a-4e5b-9c8d-1a2b3c4d5e6f",
            "name": "Andel elever som upplever delaktighet",
            "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
            "value_kind": "proportion",
            "period_kind": "week",
            "unit_label": "%",
            "direction": "up",
            "target_value": 70.0,
            "chart": "p",
            "centre_kind": "ratio_of_sums",
            "baseline": {
                "first_period": "2026-W36",
                "last_period": "2026-W39",
                "periods": 4,
                "points": 4,
                "withheld": 0,
                "centre": 45.2,
                "source": "cycle",
                "ongoing": None,
            },
            "follow_up": {
                "first_period": "2026-W40",
                "last_period": "2026-W45",
                "periods": 6,
                "points": 6,
                "withheld": 0,
                "centre": 61.9,
                "source": None,
                "ongoing": False,
            },
            "change": 16.7,
            "verdict": "improvement",
            "signals": [
                {
                    "rule": "outside_limits",
                    "side": "above",
                    "direction": "improvement",
                    "periods": ["2026-W42"],
                    "started_before_change": False,
                }
            ],
            "variation": "special_cause_improvement",
            "assurance": "target_above_limits",
            "assurance_verdict": "fail",
            "trial_limits": True,
            "sentence": "Andel elever som upplever delaktighet: 45,2 % före förändringen, "
            "61,9 % efter. Den senaste mätningen ligger över den övre gränsen för vanlig "
            "variation: troligen en verklig förbättring.",
            "plain_sentence": "Andel elever som upplever delaktighet: 45,2 % före "
            "förändringen, 61,9 % efter. Värdet för v. 42 är ovanligt högt, mer än vad slumpen "
            "förklarar. Det är en förbättring.",
            "points": [
                {
                    "period": "2026-W36",
                    "period_first_on": "2026-08-31",
                    "window": "baseline",
                    "value": 45.8,
                    "numerator": 11.0,
                    "denominator": 24.0,
                    "missing": False,
                    "withheld": False,
                    "classification": "common",
                }
            ],
        }
    ],
}


class CycleEvidence(BaseModel):
    model_config = {"json_schema_extra": {"example": _EVIDENCE_EXAMPLE}}

    cycle_id: uuid.UUID
    title: str
    stage: str
    prediction: str | None = Field(description="What the team expected: set beside the data.")
    prediction_check: PredictionCheck | None = Field(
        description="The cycle's checkable prediction (`prediction_measure_id`, "
        "`prediction_comparison`, `prediction_value`...) against the follow-up: whether it "
        "came true, in figures and in words; null when the cycle has none."
    )
    decision: str | None = Field(description="adopt, adapt or abandon, once decided.")
    baseline_start_on: date | None
    baseline_end_on: date | None
    test_started_on: date | None
    test_ended_on: date | None
    chart: evidence.EvidenceChart
    default_measures: bool = Field(
        description="True: the cycle names no measures and follows its initiative's."
    )
    sentence: str = Field(description="The whole cycle in one sentence (Content-Language).")
    plain_sentence: str = Field(
        description="The same for a rektor, without the analyst's words (limits, baseline, "
        "phase, shift)."
    )
    measures: list[MeasureEvidence]


@evidence_router.get(
    "/{cycle_id}/evidence",
    response_model=CycleEvidence,
    responses={
        200: {"description": "The evidence.", "headers": _LANGUAGE_HEADERS},
        **problem_responses(401, 404, 422),
    },
)
async def get_cycle_evidence(
    session: SessionDep,
    principal: CurrentUser,
    cycle_id: uuid.UUID,
    accept_language: AcceptLanguage = None,
    chart: Annotated[
        evidence.EvidenceChart,
        Query(
            description="`control` (default): the control chart of each measure's value kind "
            "(P for proportions, U for rates, C for counts, I otherwise); `run`: run charts."
        ),
    ] = evidence.EvidenceChart.control,
) -> object:
    """What the follow-up (uppföljning) shows before the team decides to adopt, adapt or
    abandon: for each measure the cycle follows, the baseline window (nuläge:
    `baseline_start_on`..`baseline_end_on`, else every period before the test started)
    against the follow-up window (from `test_started_on` to `test_ended_on`, or today), their
    centres and the change, and the signals after the change against the frozen baseline, with
    the cycle's prediction beside them; a checkable prediction is checked (`prediction_check`:
    the follow-up centre up to `prediction_by_on` against the predicted figure, and whether it
    came true), so the team sees it in follow_up before it records its decision. Missing periods are gaps; values withheld by
    small-number protection are gaps too, and flagged. One request analyses at most 100,000
    periods over all the cycle's measures (422 `too_long` naming `cycle.baseline_start_on`
    beyond: narrow the windows)."""
    language = negotiate_language(accept_language, default=Language(principal.language))
    document = await evidence.cycle_evidence(
        session, principal, cycle_id, language=language, chart=chart
    )
    # Up to 100,000 points, written off the event loop by orjson (validating them with
    # pydantic would hold the interpreter for half a second: the document is built to match
    # CycleEvidence, as tests/analytics/test_evidence_bounds.py checks).
    return await anyio.to_thread.run_sync(
        lambda: FastJSONResponse(document, headers=_language_headers(language))
    )


# --------------------------------------------------------------------------------------------
# Roll-up report


class ReportMissingUnit(BaseModel):
    org_unit_id: uuid.UUID
    name: str


class ReportCoverage(BaseModel):
    reported: int = Field(description="Units that reported the period (of `expected`).")
    expected: int = Field(
        description="Units of the level's subtree expected to report: those that have "
        "reported this measure at some period of the report's window (at most 1,000 periods "
        "up to the reported one), archived units only when they reported the period. A unit "
        "that has never reported the measure is not counted."
    )
    complete: bool = Field(description="Every expected unit reported: the figure is whole.")
    missing: list[ReportMissingUnit] = Field(
        description="The expected units that have not reported the period, by name."
    )


class ReportRow(BaseModel):
    org_unit_id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    kind: str
    external_code: str | None
    depth: int = Field(description="0 for the report's top, 1 for the units right below, ...")
    context: bool = Field(
        description="A level above the token's scope: only its protected aggregate is shown."
    )
    reported: bool | None = Field(
        description="The unit itself reported the period (null for a level above the scope)."
    )
    reporting_units: int | None = Field(
        description="Units of the subtree behind the figure (null above the scope)."
    )
    status: str = Field(
        description="reported (a figure for the period), not_reported (ej rapporterat: nothing "
        "reported for the period in the subtree; no variation or assurance verdict) or "
        "withheld (small-number protection; no verdict either)."
    )
    coverage: ReportCoverage | None = Field(
        description="Who of the level's subtree reported the period (null above the scope): "
        "a total that leaves a unit out says so."
    )
    value: float | None = Field(
        description="The level's figure for the period (a percentage for proportions); null "
        "when nothing was reported or it is withheld."
    )
    numerator: float | None = Field(description="Proportions and rates: the sum of numerators.")
    denominator: float | None = Field(description="The sum of denominators.")
    withheld: bool = Field(description="Withheld by small-number protection.")
    withheld_reason: str | None
    chart: str
    points: int = Field(description="Periods analysed (not missing, not withheld).")
    centre: float | None = Field(description="The centre line at the period.")
    lower: float | None = Field(description="The lower limit at the period (control charts).")
    upper: float | None = Field(description="The upper limit at the period.")
    variation: str | None = Field(
        description="common_cause, special_cause_improvement, special_cause_concern, "
        "special_cause_neutral or no_data: the series up to the period; null when the period "
        "has no figure (`status` not_reported or withheld)."
    )
    assurance: str | None = Field(
        description="target_within_limits, target_above_limits or target_below_limits."
    )
    assurance_verdict: str | None = Field(
        description="pass, fail or hit_or_miss; null without a figure for the period."
    )
    trial_limits: bool
    sentence: str = Field(
        description="The verdict in words, in the Content-Language, with the coverage when "
        "units are missing; without a figure only its status (`Ej rapporterat för perioden.`)."
    )
    plain_sentence: str = Field(
        description="The same verdict for a rektor, without the analyst's words (limits, "
        "baseline, phase, shift), periods as people write them (`v. 41`, `HT 2026`), with the "
        "coverage; without a figure only its status."
    )


_REPORT_ROW: dict[str, Any] = {
    "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
    "parent_id": None,
    "name": "Mittköping kommun",
    "kind": "municipality",
    "external_code": None,
    "depth": 0,
    "context": False,
    "reported": False,
    "reporting_units": 3,
    "status": "reported",
    "coverage": {
        "reported": 3,
        "expected": 4,
        "complete": False,
        "missing": [{"org_unit_id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "name": "Västskolan"}],
    },
    "value": 78.4,
    "numerator": 588.0,
    "denominator": 750.0,
    "withheld": False,
    "withheld_reason": None,
    "chart": "p",
    "points": 6,
    "centre": 77.1,
    "lower": 72.5,
    "upper": 81.7,
    "variation": "common_cause",
    "assurance": "target_within_limits",
    "assurance_verdict": "hit_or_miss",
    "trial_limits": True,
    "sentence": "Inga tecken på en verklig förändring: bara vanlig variation. Målet nås ibland, "
    "men inte säkert. Gränserna är preliminära: för få mätningar i baslinjen. 3 av 4 enheter "
    "har rapporterat; saknas: Västskolan.",
    "plain_sentence": "Värdena varierar bara som de brukar: inget tyder på en verklig "
    "förändring. Målet nås ibland, men inte säkert. Bedömningen är preliminär: det finns ännu "
    "få mätningar. 3 av 4 enheter har rapporterat; saknas: Västskolan.",
}


class RollupReport(BaseModel):
    model_config = {
        "json_schema_extra": {
            "example": {
                "measure_id": "3b9f1c2e-7d4a-4e5b-9c8d-1a2b3c4d5e6f",
                "measure_name": "Trygghet (elevenkät)",
                "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
                "period": "HT2026",
                "period_first_on": "2026-07-01",
                "period_last_on": "2026-12-31",
                "period_kind": "term",
                "value_kind": "proportion",
                "unit_label": "%",
                "direction": "up",
                "target_value": 80.0,
                "chart": "p",
                "aggregation": "ratio_of_sums",
                "aggregation_note": rollup.AGGREGATION[ValueKind.proportion][1],
                "min_denominator": 10,
                "units": [_REPORT_ROW],
            }
        }
    }

    measure_id: uuid.UUID
    measure_name: str
    org_unit_id: uuid.UUID = Field(description="The report's top unit.")
    period: str
    period_first_on: date
    period_last_on: date
    period_kind: str
    value_kind: str
    unit_label: str | None
    direction: str
    target_value: float | None
    chart: str = Field(description="The chart every level's series was analysed on.")
    aggregation: str = Field(
        description="How a level is made of its units: ratio_of_sums (proportions and rates: "
        "sum of numerators over sum of denominators, never an average of percentages), sum "
        "(counts) or mean_of_units (continuous values and ratings)."
    )
    aggregation_note: str
    min_denominator: int | None = Field(
        description="The small-number minimum in force (proportions and rates)."
    )
    units: list[ReportRow] = Field(
        description="Every unit of the report in tree order (depth first, by name)."
    )


class ReportFormat(StrEnum):
    json = "json"
    csv = "csv"


@report_router.get(
    "/{measure_id}/report",
    response_model=RollupReport,
    response_class=JSONResponse,
    responses={
        200: {
            "description": "The report as JSON, or with `format=csv` as CSV in Swedish Excel's "
            "dialect (UTF-8 with BOM, `;`, decimal comma, in every language): one row per unit "
            "in tree order. The CSV's headers and yes/no cells follow the response's language "
            "(`ja`/`nej` in Swedish, `ja`/`nei` in Norwegian, `yes`/`no` in English, whose "
            "headers are the JSON's names); percentages have one decimal, other figures at most "
            "three (a figure below 0.001 keeps three significant digits), counts none.",
            "headers": _LANGUAGE_HEADERS,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **problem_responses(401, 404, 422),
    },
)
async def get_measure_report(
    session: SessionDep,
    principal: CurrentUser,
    measure_id: uuid.UUID,
    period: Annotated[
        str | None,
        Query(
            max_length=40,
            description="The period, e.g. `HT2026`, `2026-W37`, `2026/27`. Default: the latest "
            "period the report's subtree has reported (the current one when it has none).",
            examples=["HT2026"],
        ),
    ] = None,
    org_unit_id: Annotated[
        uuid.UUID | None,
        Query(
            description="The report's top unit: the measure's unit or one below it. Default: "
            "the measure's unit, or the token's scope root when that lies below it. A unit on "
            "the path above the token's scope adds the levels between as aggregates only, "
            "with small-number protection."
        ),
    ] = None,
    chart: Annotated[
        MeasureChart | None,
        Query(
            description="The chart for every level: default by value kind (p for proportions, "
            "u for rates, c for counts, i otherwise); `run`, `i`, `pp`, `up` as they fit."
        ),
    ] = None,
    format: Annotated[ReportFormat, Query(description="json or csv.")] = ReportFormat.json,
    accept_language: AcceptLanguage = None,
) -> Any:
    """The roll-up report (kvalitetsredovisning) of a shared indicator for one period: every
    unit of the subtree the token may read with its figure, its variation and its target's
    assurance (each level's own series analysed up to the period), and every level aggregated
    correctly: proportions and rates as the sum of numerators over the sum of denominators
    (never an average of percentages), counts summed, continuous values and ratings averaged
    over the units (`aggregation` says which). Small-number protection applies at every level:
    a level above the token's scope is withheld when its denominator, or the part of it the
    token cannot see (the level minus every figure the token can read anywhere: its scope's
    rows, the shown own rows of the units above it, the shown level below it), is below the
    minimum. Each level's series is analysed over at most the 1,000 periods that end with the
    reported one (earlier rows are left out), so a report's work is bounded whatever the
    spread of the stored periods."""
    language = negotiate_language(accept_language, default=Language(principal.language))
    report = await rollup.rollup_report(
        session,
        principal,
        measure_id,
        period=period,
        org_unit_id=org_unit_id,
        chart=None if chart is None else ChartType(chart.value),
        language=language,
    )
    headers = _language_headers(language)
    if format is ReportFormat.csv:
        name = report["period"].replace("/", "-")
        return StreamingResponse(
            sheet_writer.write_csv(rollup.csv_header(language), rollup.csv_rows(report, language)),
            media_type="text/csv; charset=utf-8",
            headers={
                **headers,
                "Content-Disposition": f'attachment; filename="rapport-{name}.csv"',
            },
        )
    # Already shaped: serialised once, without a validation pass.
    return JSONResponse(_jsonable(report), headers=headers)


def _jsonable(report: dict[str, Any]) -> dict[str, Any]:
    out = dict(report)
    for key in ("measure_id", "org_unit_id"):
        out[key] = str(out[key])
    for key in ("period_first_on", "period_last_on"):
        out[key] = out[key].isoformat()
    out["units"] = [
        {
            **row,
            "org_unit_id": str(row["org_unit_id"]),
            "parent_id": None if row["parent_id"] is None else str(row["parent_id"]),
            "coverage": None
            if row["coverage"] is None
            else {
                **row["coverage"],
                "missing": [
                    {**item, "org_unit_id": str(item["org_unit_id"])}
                    for item in row["coverage"]["missing"]
                ],
            },
        }
        for row in report["units"]
    ]
    return out
