"""Stored chart settings of a measure (phases, exclusions, annotations) and the API models of
the analysis.

A **phase** (a rebase) starts the calculation again at a period: the centre and the limits of
the periods from there on come from that phase alone. It names the adopted cycle that changed
the process (``cycle_id``) or a written ``reason``, and may fix its baseline to its first
``baseline_periods`` periods (a freeze). An **exclusion** leaves one period of one unit's
series out of every calculation, with a reason. An **annotation** is a free note on a period;
the stage changes of the cycles that follow the measure are added to them when read. Every
write is audited (ORM rows, see :mod:`app.audit.service`).
"""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as PydanticField
from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel
from sqlmodel._compat import SQLModelConfig

from app.analytics.types import (
    AssurancePosition,
    AssuranceVerdict,
    BetterDirection,
    Classification,
    NoAssurance,
    Rule,
    Side,
    SignalDirection,
    Variation,
)
from app.db import InputModel, TenantRow, input_example, with_example
from app.measures.models import ValueKind
from app.pagination import Page
from app.periods import PeriodKind

# --- tables -----------------------------------------------------------------------------------


class MeasurePhase(TenantRow, table=True):
    """A new phase of a measure's charts from a period on (a rebase)."""

    __tablename__ = "measure_phase"
    __table_args__ = (
        UniqueConstraint("measure_id", "period_ordinal"),
        CheckConstraint("cycle_id IS NOT NULL OR reason IS NOT NULL", name="cycle_or_reason"),
        CheckConstraint(
            "baseline_periods IS NULL OR baseline_periods >= 1", name="baseline_periods"
        ),
    )

    measure_id: uuid.UUID = Field(foreign_key="measure.id", index=True)
    #: The measure's owner unit: who may read the audit entry.
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    period_ordinal: int
    period_key: str = Field(max_length=16)
    period_first_on: date
    cycle_id: uuid.UUID | None = Field(default=None, foreign_key="cycle.id", index=True)
    reason: str | None = Field(default=None, max_length=2000)
    baseline_periods: int | None = None

    def audit_org_unit_id(self, _session: Session) -> uuid.UUID:
        return self.org_unit_id


class MeasureExclusion(TenantRow, table=True):
    """One period of one unit's series left out of the calculations."""

    __tablename__ = "measure_exclusion"
    __table_args__ = (UniqueConstraint("measure_id", "org_unit_id", "period_ordinal"),)

    measure_id: uuid.UUID = Field(foreign_key="measure.id", index=True)
    #: The unit whose point is excluded (its own figures, or its subtree's sum).
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    period_ordinal: int
    period_key: str = Field(max_length=16)
    period_first_on: date
    reason: str = Field(max_length=2000)

    def audit_org_unit_id(self, _session: Session) -> uuid.UUID:
        return self.org_unit_id


class MeasureAnnotation(TenantRow, table=True):
    """A note on a period of a measure's timeline."""

    __tablename__ = "measure_annotation"

    measure_id: uuid.UUID = Field(foreign_key="measure.id", index=True)
    #: The measure's owner unit: who may read the audit entry.
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    period_ordinal: int
    period_key: str = Field(max_length=16)
    period_first_on: date
    text: str = Field(max_length=500)

    def audit_org_unit_id(self, _session: Session) -> uuid.UUID:
        return self.org_unit_id


#: At most this many phases, exclusions and annotations per measure: their lists are whole.
MAX_SETTINGS_PER_MEASURE = 1000

_MEASURE_ID = "3b9f1c2e-7d4a-4e5b-9c8d-1a2b3c4d5e6f"
_CYCLE_ID = "4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a"
_UNIT_ID = "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44"
_PERIOD = PydanticField(
    min_length=1,
    max_length=40,
    description="A period of the measure's kind, e.g. `2026-W40`, `2026-10`, `HT2026` (a date "
    "inside the period is accepted for weeks and months).",
)


class PhaseCreate(InputModel):
    """A rebase: from `period` on, centre and limits come from the new phase alone. It names
    the adopted cycle that changed the process (`cycle_id`: a cycle that follows the measure and
    decided `adopt`) or a written `reason`, or both; charts are never redrawn silently."""

    model_config = input_example(
        {
            "period": "2026-W41",
            "reason": "Exit tickets införda i alla SO-lektioner.",
            "baseline_periods": 6,
        }
    )

    period: str = Field(
        min_length=1,
        max_length=40,
        description="The first period of the new phase, of the measure's kind (e.g. `2026-W41`).",
    )
    cycle_id: uuid.UUID | None = Field(
        default=None, description="The adopted cycle whose change starts the phase."
    )
    reason: str | None = Field(
        default=None, min_length=1, max_length=2000, description="Why the process changed."
    )
    baseline_periods: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="Freeze: the phase's centre and limits come from its first N periods "
        "(missing and excluded ones count as periods, not as points). Empty: every period of "
        "the phase.",
    )


class PhasePublic(SQLModel):
    model_config = with_example(
        {
            "id": "5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b",
            "measure_id": _MEASURE_ID,
            "period": "2026-W41",
            "period_first_on": "2026-10-05",
            "cycle_id": _CYCLE_ID,
            "reason": "Exit tickets införda i alla SO-lektioner.",
            "baseline_periods": 6,
            "created_at": "2026-10-20T09:00:00Z",
        }
    )

    id: uuid.UUID
    measure_id: uuid.UUID
    period: str = Field(description="The phase's first period.")
    period_first_on: date
    cycle_id: uuid.UUID | None
    reason: str | None
    baseline_periods: int | None
    created_at: datetime


class ExclusionCreate(InputModel):
    """Leave one period of one unit's series out of every calculation (centre, limits, runs
    and signal rules). The point is still shown, marked excluded, and still tested against the
    limits."""

    model_config = input_example(
        {"period": "2026-W44", "reason": "Höstlov: bara fyra elever svarade."}
    )

    period: str = Field(
        min_length=1, max_length=40, description="The period, of the measure's kind."
    )
    org_unit_id: uuid.UUID | None = Field(
        default=None,
        description="The unit whose point is excluded (its own figures, or the sum over its "
        "subtree when analysed with `include_descendants`); default: the measure's own unit.",
    )
    reason: str = Field(min_length=1, max_length=2000, description="Why the point is left out.")


class ExclusionPublic(SQLModel):
    model_config = with_example(
        {
            "id": "7a6b5c4d-3e2f-4a1b-9c0d-8e7f6a5b4c3d",
            "measure_id": _MEASURE_ID,
            "org_unit_id": _UNIT_ID,
            "period": "2026-W44",
            "period_first_on": "2026-10-26",
            "reason": "Höstlov: bara fyra elever svarade.",
            "created_at": "2026-11-02T09:00:00Z",
        }
    )

    id: uuid.UUID
    measure_id: uuid.UUID
    org_unit_id: uuid.UUID
    period: str
    period_first_on: date
    reason: str
    created_at: datetime


class AnnotationCreate(InputModel):
    """A note on the measure's timeline, shown with its analysis and on its charts."""

    model_config = input_example({"period": "2026-W40", "text": "Föräldramöte om delaktighet"})

    period: str = Field(
        min_length=1, max_length=40, description="The period, of the measure's kind."
    )
    text: str = Field(min_length=1, max_length=500)


class AnnotationPublic(BaseModel):
    """A note, or a stage change of a cycle that follows the measure (added when read)."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": None,
                "kind": "cycle_stage",
                "period": "2026-W41",
                "period_first_on": "2026-10-05",
                "text": "Exit tickets i 5B: analys → åtgärd",
                "cycle_id": _CYCLE_ID,
                "from_stage": "analysis",
                "to_stage": "action",
                "occurred_at": "2026-10-05T07:40:00Z",
            }
        }
    )

    id: uuid.UUID | None = PydanticField(
        description="The note's id (delete it with it); null for a cycle's stage change."
    )
    kind: Literal["note", "cycle_stage"]
    period: str
    period_first_on: date
    text: str = PydanticField(
        description="The note, or `<cycle title>: <stage>` in the response's language."
    )
    cycle_id: uuid.UUID | None = None
    from_stage: str | None = None
    to_stage: str | None = None
    occurred_at: datetime = PydanticField(
        description="When the note was written or the cycle changed stage."
    )
    index: int | None = PydanticField(
        default=None, description="In an analysis: the 0-based index of its period."
    )


# --- analysis documents (the contract; answers are built from arrays, see service.py) ----------

#: The charts of a stored measure.
ChartName = Literal["run", "i", "p", "pp", "u", "up", "c"]


class MeasureChart(StrEnum):
    """The charts a stored measure's series can be analysed on (its query parameter)."""

    run = "run"
    i = "i"
    p = "p"
    pp = "pp"
    u = "u"
    up = "up"
    c = "c"


class MeasureAnalysisChart(StrEnum):
    """The charts a stored measure's own analysis can be drawn on: those of
    :class:`MeasureChart`, and the charts it derives from more than its one series: `xbar`
    and `s` (each reporting unit's value a member of its period's subgroup, over a subtree)
    and `t` and `g` (from the days with events of a count measure by day)."""

    run = "run"
    i = "i"
    xbar = "xbar"
    s = "s"
    t = "t"
    g = "g"
    p = "p"
    pp = "pp"
    u = "u"
    up = "up"
    c = "c"


#: Every chart qicharts2 offers, for a series sent in the request.
SeriesChartName = Literal["run", "i", "mr", "xbar", "s", "t", "g", "p", "pp", "u", "up", "c"]

_LIMITS = {"lower": 9.0106, "upper": 16.9894, "lower_2s": 10.3404, "upper_2s": 15.6596}
ANALYSIS_EXAMPLE: dict[str, Any] = {
    "chart": "i",
    "n": 3,
    "options": {
        "chart": "i",
        "direction": "up",
        "target": None,
        "screening": True,
        "trend_length": 7,
        "shift_length": 7,
        "min_points": 15,
        "rules": ["outside_limits", "trend", "two_of_three", "shift", "longest_run", "crossings"],
        "baseline_points": None,
        "baseline_window": None,
        "phase_starts": [],
        "excluded": [],
    },
    "points": {
        "label": ["2026-W37", "2026-W38", "2026-W39"],
        "value": [12.0, 14.0, 13.0],
        "centre": [13.0, 13.0, 13.0],
        **{name: [value] * 3 for name, value in _LIMITS.items()},
        "phase": [0, 0, 0],
        "baseline": [True, True, True],
        "excluded": [False, False, False],
        "classification": ["common", "common", "common"],
        "rules": [[], [], []],
    },
    "phases": [
        {
            "index": 0,
            "first_index": 0,
            "last_index": 2,
            "n_obs": 3,
            "n_included": 3,
            "n_useful": 2,
            "n_baseline": 3,
            "baseline_first_index": 0,
            "baseline_last_index": 2,
            "centre": 13.0,
            "mean_lower": 9.0106,
            "mean_upper": 16.9894,
            "longest_run": 1,
            "longest_run_max": 4,
            "n_crossings": 1,
            "n_crossings_min": 0,
            "runs_signal": False,
            "sigma_signal_count": 0,
            "trial_limits": True,
        }
    ],
    "signals": [],
    "summary": {
        "variation": "common_cause",
        "variation_signal": None,
        "assurance": None,
        "assurance_verdict": None,
        "no_assurance": "no_target",
        "rebase_suggested": False,
        "rebase_reason": None,
        "rebase_from": None,
        "rebase_from_period": None,
        "rebase_cycle_id": None,
        "trial_limits": True,
        "sentence": "Inga tecken på en verklig förändring: bara vanlig variation. Gränserna är "
        "preliminära: för få mätningar i baslinjen.",
        "plain_sentence": "Värdena varierar bara som de brukar: inget tyder på en verklig "
        "förändring. Bedömningen är preliminär: det finns ännu få mätningar.",
        "language": "sv",
    },
}
MEASURE_ANALYSIS_EXAMPLE: dict[str, Any] = {
    "measure_id": "3b9f1c2e-7d4a-4e5b-9c8d-1a2b3c4d5e6f",
    "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
    "aggregated": False,
    "period_kind": "week",
    "value_kind": "continuous",
    "unit_label": "minuter",
    "scale": "value",
    "chart_suggestion": None,
    **ANALYSIS_EXAMPLE,
    "points": {
        **ANALYSIS_EXAMPLE["points"],
        "period_first_on": ["2026-09-07", "2026-09-14", "2026-09-21"],
        "numerator": [None, None, None],
        "denominator": [None, None, None],
        "units": [1, 1, 1],
        "withheld": [False, False, False],
    },
    "phases": [
        {
            **ANALYSIS_EXAMPLE["phases"][0],
            "period_from": "2026-W37",
            "period_to": "2026-W39",
            "phase_id": None,
            "cycle_id": None,
            "reason": None,
        }
    ],
    "annotations": [
        {
            "id": None,
            "kind": "cycle_stage",
            "period": "2026-W38",
            "period_first_on": "2026-09-14",
            "text": "Exit tickets i 5B: analys → åtgärd",
            "cycle_id": "4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a",
            "from_stage": "analysis",
            "to_stage": "action",
            "occurred_at": "2026-09-14T07:40:00Z",
            "index": 1,
        }
    ],
}


class SignalPublic(BaseModel):
    rule: Rule = PydanticField(description="The rule that raised it (see the analytics tag).")
    points: list[int] = PydanticField(description="0-based indexes of the points that raised it.")
    periods: list[str] | None = PydanticField(
        default=None, description="Their period labels (stored measures, or labels sent)."
    )
    side: Side = PydanticField(
        description="`above`/`below` the centre (shift, longest run, outside limits, "
        "two-of-three), `increasing`/`decreasing` (trend), `none` (crossings)."
    )
    direction: SignalDirection = PydanticField(
        description="`improvement` or `concern` by the measure's direction; `neutral` for a "
        "neutral direction and for crossings."
    )
    phase: int


class PhaseFigures(BaseModel):
    """One phase's figures, as qicharts2's summary names them."""

    index: int
    first_index: int
    last_index: int
    n_obs: int = PydanticField(
        description="qicharts2's n.obs: the phase's points that are not excluded, missing ones "
        "included."
    )
    n_included: int = PydanticField(
        description="Points neither missing nor excluded: the points the rules look at (called "
        "`n_obs` before issue 15)."
    )
    n_useful: int = PydanticField(
        description="Of the included points, those not on the centre (Anhøj's n)."
    )
    n_baseline: int = PydanticField(description="Points that fixed the centre and limits.")
    baseline_first_index: int = PydanticField(description="The baseline window's first index.")
    baseline_last_index: int = PydanticField(description="The baseline window's last index.")
    centre: float | None
    mean_lower: float | None = PydanticField(description="Mean lower limit (they vary on P/U).")
    mean_upper: float | None
    longest_run: int | None
    longest_run_max: int | None = PydanticField(
        description="Anhøj's limit: a longer run signals (round(log2(n)) + 3)."
    )
    n_crossings: int | None
    n_crossings_min: int | None = PydanticField(
        description="Anhøj's limit: fewer crossings signal (qbinom(0.05, n - 1, 0.5))."
    )
    runs_signal: bool = PydanticField(description="Longest run or crossings signal.")
    sigma_signal_count: int = PydanticField(description="Points strictly outside the limits.")
    trial_limits: bool = PydanticField(
        description="The baseline has fewer points than `min_points`: limits are provisional."
    )
    period_from: str | None = PydanticField(default=None, description="Stored measures.")
    period_to: str | None = None
    phase_id: uuid.UUID | None = PydanticField(
        default=None, description="The stored phase that starts it (stored measures)."
    )
    cycle_id: uuid.UUID | None = None
    reason: str | None = None


class SummaryPublic(BaseModel):
    variation: Variation = PydanticField(
        description="The current (last) phase at a glance: `common_cause`, "
        "`special_cause_improvement`, `special_cause_concern`, `special_cause_neutral` or "
        "`no_data`."
    )
    variation_signal: SignalPublic | None = PydanticField(
        description="The signal that decided it (null for common cause)."
    )
    assurance: AssurancePosition | None = PydanticField(
        description="Where the target lies against the current limits (control charts with a "
        "target): `target_within_limits`, `target_above_limits`, `target_below_limits`."
    )
    assurance_verdict: AssuranceVerdict | None = PydanticField(
        description="`pass` (met every time), `fail` (not met without a change) or "
        "`hit_or_miss`; null when there is no verdict (see `no_assurance`)."
    )
    no_assurance: NoAssurance | None = PydanticField(
        default=None,
        description="Why there is no assurance verdict: `no_target`, `no_limits` (a run chart, "
        "or limits the baseline cannot give) or `neutral_direction` (Making Data Count gives "
        "no assurance for a measure without a better direction, not even `hit_or_miss`; "
        "`assurance` still says where the target lies); null when there is a verdict.",
    )
    rebase_suggested: bool = PydanticField(
        description="A sustained shift runs up to the latest point: a new phase may be due "
        "(the analysis never rebases itself)."
    )
    rebase_reason: str | None
    rebase_from: int | None = PydanticField(description="Where a new phase would start.")
    rebase_from_period: str | None = PydanticField(default=None)
    rebase_cycle_id: uuid.UUID | None = PydanticField(
        default=None,
        description="Stored measures: the adopted cycle (one that follows the measure, its test "
        "started by the period the shift began, not yet named by a phase) that the new phase "
        "could name.",
    )
    trial_limits: bool
    sentence: str = PydanticField(
        description="The verdict for the analyst, in one or two sentences in the response's "
        "language (`Content-Language`): the rule that decided it, the median or average, the "
        "limits, the baseline and a suggested new phase."
    )
    plain_sentence: str = PydanticField(
        description="The same verdict for a rektor, in the response's language: what happened "
        "and since when, with periods as people write them (`v. 41`, `uke 41`, `W41`, "
        "`HT 2026`), and whether it is more than chance explains; it never speaks of limits, "
        "a baseline, a phase or a shift. The charts show it as their caption."
    )
    language: Literal["sv", "nb", "nn", "en"]


class PointColumns(BaseModel):
    """The series as columns of equal length: index i of every column is the i-th period."""

    label: list[str | None] | None = PydanticField(
        default=None, description="Period labels (as sent; the period keys for stored measures)."
    )
    value: list[float | None] = PydanticField(
        description="y as plotted (numerator / denominator on P and U charts); null for a gap."
    )
    centre: list[float | None]
    lower: list[float | None] = PydanticField(description="Lower control limit (3 sigma).")
    upper: list[float | None] = PydanticField(description="Upper control limit (3 sigma).")
    lower_2s: list[float | None] = PydanticField(description="Lower two-sigma line.")
    upper_2s: list[float | None] = PydanticField(description="Upper two-sigma line.")
    phase: list[int]
    baseline: list[bool] = PydanticField(description="Inside its phase's baseline window.")
    excluded: list[bool]
    classification: list[Classification] = PydanticField(
        description="`common`, `special_improvement`, `special_concern` or `special_neutral`: "
        "the highest-ranked rule that marked the point decides."
    )
    rules: list[list[Rule]] = PydanticField(description="Every rule that marked the point.")


class StoredPointColumns(PointColumns):
    period_first_on: list[date]
    numerator: list[float | None] = PydanticField(description="Null for a gap or withheld.")
    denominator: list[float | None]
    units: list[int] = PydanticField(description="Reporting units behind the point (0: a gap).")
    withheld: list[bool] = PydanticField(
        description="Small-number protection: the figures are withheld from this token; the "
        "point is a gap in every calculation."
    )


class EffectiveOptions(BaseModel):
    chart: SeriesChartName
    direction: BetterDirection
    target: float | None
    screening: bool
    trend_length: int
    shift_length: int
    min_points: int
    rules: list[Rule]
    baseline_points: int | None
    baseline_window: list[int] | None = PydanticField(description="First and last index.")
    phase_starts: list[int]
    excluded: list[int]


class AnalysisPublic(BaseModel):
    """An analysed series: every point with the chart's lines and verdict, every phase's
    figures, every signal and the summary."""

    model_config = ConfigDict(json_schema_extra={"example": ANALYSIS_EXAMPLE})

    chart: SeriesChartName
    n: int = PydanticField(description="Number of periods (gaps included).")
    options: EffectiveOptions = PydanticField(description="The options as applied.")
    points: PointColumns
    phases: list[PhaseFigures]
    signals: list[SignalPublic] = PydanticField(
        description="Every signal in order of its first point, then of rule precedence."
    )
    summary: SummaryPublic


class MeasureAnalysisPublic(AnalysisPublic):
    """A measure's stored series analysed with its stored phases and exclusions."""

    model_config = ConfigDict(json_schema_extra={"example": MEASURE_ANALYSIS_EXAMPLE})

    measure_id: uuid.UUID
    org_unit_id: uuid.UUID
    aggregated: bool
    period_kind: PeriodKind
    value_kind: ValueKind
    unit_label: str | None
    scale: Literal["percent", "value"] = PydanticField(
        description="`percent`: values, centre, limits and target are percentages (proportions, "
        "as measurements show them); `value`: the measure's own unit."
    )
    chart_suggestion: ChartName | None = PydanticField(
        description="A better chart for these data, when there is one: `pp`/`up` (Laney) for "
        "a P/U chart with large denominators (see the analytics tag)."
    )
    points: StoredPointColumns
    annotations: list[AnnotationPublic]


class MeasureGlance(BaseModel):
    """One measure at a glance: its latest value and the verdict of its current phase."""

    id: uuid.UUID = PydanticField(description="The measure's id.")
    name: str
    initiative_id: uuid.UUID | None
    org_unit_id: uuid.UUID = PydanticField(description="The unit whose series is analysed.")
    aggregated: bool
    value_kind: ValueKind
    period_kind: PeriodKind
    unit_label: str | None
    direction: BetterDirection
    target_value: float | None
    chart: ChartName
    points: int = PydanticField(description="Reported periods (withheld ones included).")
    latest_period: str | None
    latest_value: float | None = PydanticField(
        description="The latest reported value (a percentage for proportions); null when "
        "withheld or none."
    )
    latest_withheld: bool
    variation: Variation
    assurance: AssurancePosition | None
    assurance_verdict: AssuranceVerdict | None
    rebase_suggested: bool
    trial_limits: bool
    sentence: str = PydanticField(description="The verdict for the analyst (rules, limits).")
    plain_sentence: str = PydanticField(
        description="The same verdict for a rektor: what happened since when and whether it "
        "is more than chance, with periods as people write them (`v. 41`), without the "
        "analyst's words."
    )


class MeasureGlancePage(Page[MeasureGlance]):
    """One page of measures at a glance."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "items": [
                    {
                        "id": _MEASURE_ID,
                        "name": "Andel elever som upplever delaktighet",
                        "initiative_id": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
                        "org_unit_id": _UNIT_ID,
                        "aggregated": False,
                        "value_kind": "proportion",
                        "period_kind": "week",
                        "unit_label": "%",
                        "direction": "up",
                        "target_value": 70.0,
                        "chart": "p",
                        "points": 20,
                        "latest_period": "2026-W50",
                        "latest_value": 72.0,
                        "latest_withheld": False,
                        "variation": "special_cause_improvement",
                        "assurance": "target_within_limits",
                        "assurance_verdict": "hit_or_miss",
                        "rebase_suggested": True,
                        "trial_limits": False,
                        "sentence": "8 veckor i rad över medelvärdet: troligen en verklig "
                        "förbättring. Målet nås ibland, men inte säkert. Överväg en ny fas "
                        "från där skiftet började.",
                        "plain_sentence": "Värdena har ökat tydligt sedan v. 43, mer än vad "
                        "slumpen förklarar. Det är en förbättring. Målet nås ibland, men inte "
                        "säkert. Räkna gärna om från v. 43, där förändringen började.",
                    }
                ],
                "total": 1,
                "limit": 50,
                "offset": 0,
                "next_cursor": None,
            }
        }
    )


# --- a series sent in the request -------------------------------------------------------------

#: Points a request may send.
MAX_POINTS = 100_000

Number = Annotated[float, PydanticField(allow_inf_nan=False, ge=-1e12, le=1e12)]
Count = Annotated[float, PydanticField(allow_inf_nan=False, ge=0, le=1e12)]
Label = Annotated[str, PydanticField(max_length=40)]


class BaselineWindow(InputModel):
    """A baseline window: the first and last index (0-based, both included) of the points
    that fix their phase's centre and limits."""

    model_config = SQLModelConfig(extra="forbid")

    first_index: int = PydanticField(ge=0, le=MAX_POINTS)
    last_index: int = PydanticField(ge=0, le=MAX_POINTS)


class RuleChoice(StrEnum):
    """A rule, or a named set: `all` (the default), `mdc` (outside limits, trend,
    two-of-three, shift) or `anhoej` (longest run, crossings)."""

    outside_limits = "outside_limits"
    trend = "trend"
    two_of_three = "two_of_three"
    shift = "shift"
    longest_run = "longest_run"
    crossings = "crossings"
    all = "all"
    mdc = "mdc"
    anhoej = "anhoej"


class SeriesAnalysisRequest(InputModel):
    """A series to analyse: `values`, or `numerators` and `denominators` (P, P′, U, U′ charts;
    run and I charts take either), or `subgroups` (Xbar and S charts), or `event_dates` (a T
    chart). `null` is a missing period: a gap, never a zero."""

    model_config = SQLModelConfig(
        extra="forbid",
        json_schema_extra={
            "example": {
                "values": [12, 14, 13, 15, 11, None, 13, 14, 18, 19, 20, 19, 21, 20, 22],
                "labels": [f"2026-W{week}" for week in range(34, 49)],
                "chart": "i",
                "direction": "up",
                "target": 20,
                "phase_starts": [8],
                "excluded": [4],
            }
        },
    )

    values: list[Number | None] = PydanticField(
        default_factory=list,
        max_length=MAX_POINTS,
        description="y per period; an MR chart's individual values (it plots their moving "
        "ranges); a T chart's times between events (> 0, e.g. days); a G chart's opportunities "
        "between events (counts >= 0, e.g. admissions between two falls).",
    )
    subgroups: list[Annotated[list[Number], PydanticField(max_length=1000)] | None] | None = (
        PydanticField(
            default=None,
            max_length=MAX_POINTS,
            description="Xbar and S charts: the values measured in each period (a subgroup); "
            "an empty list or null is a missing period. Subgroups may differ in size (see the "
            "analytics tag); an S chart needs two values in a subgroup, and a subgroup of one "
            "has no limits. At most 100,000 values in all.",
        )
    )
    event_dates: list[date] | None = PydanticField(
        default=None,
        max_length=MAX_POINTS,
        description="T chart: the dates of the events, strictly increasing; each point is the "
        "days since the event before (labelled with its date unless `labels` are given), so "
        "there is one point fewer than dates.",
    )
    numerators: list[Count | None] | None = PydanticField(
        default=None, max_length=MAX_POINTS, description="Events or 'yes' answers per period."
    )
    denominators: list[Count | None] | None = PydanticField(
        default=None,
        max_length=MAX_POINTS,
        description="Answers or exposure per period; 0 or null makes the period missing.",
    )
    labels: list[Label | None] | None = PydanticField(
        default=None,
        max_length=MAX_POINTS,
        description="A label per period (e.g. `2026-W37`), returned with the points and "
        "signals and drawn on the chart.",
    )
    chart: SeriesChartName = PydanticField(
        default="run",
        description="`run` (median), `i` (XmR), `mr` (moving ranges), `xbar` and `s` "
        "(subgroups), `t` (time between events), `g` (opportunities between events), `p`, "
        "`pp` (Laney P′), `u`, `up` (Laney U′) or `c`.",
    )
    direction: BetterDirection = PydanticField(
        default=BetterDirection.neutral,
        description="Which way is an improvement: up, down, neutral.",
    )
    target: Number | None = PydanticField(
        default=None, description="The target, on the plotted scale (a ratio on P/U charts)."
    )
    baseline_points: int | None = PydanticField(
        default=None,
        ge=1,
        le=MAX_POINTS,
        description="Freeze: each phase's centre and limits come from its first N periods.",
    )
    baseline_window: BaselineWindow | None = PydanticField(
        default=None,
        description="Or a window inside one phase that fixes that phase's centre and limits.",
    )
    phase_starts: list[Annotated[int, PydanticField(ge=1, le=MAX_POINTS)]] = PydanticField(
        default_factory=list,
        max_length=1000,
        description="Indexes where a new phase starts (a rebase), strictly increasing.",
    )
    excluded: list[Annotated[int, PydanticField(ge=0, le=MAX_POINTS)]] = PydanticField(
        default_factory=list,
        max_length=MAX_POINTS,
        description="Indexes left out of every calculation (still shown and tested against "
        "the limits).",
    )
    screening: bool = PydanticField(
        default=True,
        description="I and Laney charts: screen out moving ranges of 3.267 x their average "
        "or more before re-averaging.",
    )
    trend_length: Literal[6, 7] = PydanticField(
        default=7, description="Points in a trend: 7 (MDC) or 6."
    )
    shift_length: int = PydanticField(
        default=7, ge=2, le=100, description="Points in a shift: 7 (MDC)."
    )
    min_points: int = PydanticField(
        default=15,
        ge=1,
        le=MAX_POINTS,
        description="A baseline with fewer points gives trial limits (`trial_limits`).",
    )
    rules: list[RuleChoice] | None = PydanticField(
        default=None,
        max_length=20,
        description="Rules that raise signals (default: all); names or the sets `all`, "
        "`mdc`, `anhoej`. The phase figures are reported whatever the choice.",
    )
    title: str | None = PydanticField(
        default=None, max_length=200, description="The chart's title (`chart.svg` only)."
    )

    @field_validator("subgroups")
    @classmethod
    def _subgroups_fit(cls, groups: list[list[float] | None] | None) -> Any:
        if groups is not None and sum(len(g) for g in groups if g) > MAX_POINTS:
            raise ValueError(f"at most {MAX_POINTS} values in all the subgroups")
        return groups

    percent: bool = PydanticField(
        default=False,
        description="`chart.svg` only: the values are proportions (0..1), labelled as percentages.",
    )
