"""Measures (mått, indikatorer) and their measurements (mätningar).

A measure belongs to an initiative (the team's own) or to a unit as a shared indicator that
every unit below it reports. Its ``org_unit_id`` is the owner unit either way (for an
initiative's measure, the team's unit when the measure was made), so scope checks are one path
comparison. A measurement is one value for a measure, a reporting unit and a period; periods are
stored as an ordinal (consecutive and chronological per kind) beside their readable key.
"""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, FiniteFloat, Strict, model_validator
from sqlalchemy import CheckConstraint, Column, Float, Index, String, UniqueConstraint
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel, col

from app.analytics.types import BetterDirection
from app.db import InputModel, IsoDate, TenantRow, UTCDateTime, input_example, with_example
from app.org_units.models import OrgUnitKind
from app.pagination import Page
from app.periods import PeriodKind


class MeasureType(StrEnum):
    """Outcome (resultatmått), process (processmått) or balancing (balanserande mått)."""

    outcome = "outcome"
    process = "process"
    balancing = "balancing"


class ValueKind(StrEnum):
    count = "count"  # type: ignore[assignment]  # shadows str.count, on purpose
    proportion = "proportion"
    rate = "rate"
    continuous = "continuous"
    rating = "rating"


class MeasurementSource(StrEnum):
    api = "api"
    csv = "csv"
    xlsx = "xlsx"
    ods = "ods"
    form = "form"
    import_ = "import"


class MeasurementOutcome(StrEnum):
    created = "created"
    replaced = "replaced"
    unchanged = "unchanged"


_VALUE_KIND_DESCRIPTION = (
    "What a measurement holds. `count`: a whole number ≥ 0 in `value`. `proportion`: `numerator` "
    "of `denominator` (0 ≤ numerator ≤ denominator); `value` is the percentage. `rate`: "
    "`numerator` events per `denominator` of exposure (e.g. absences per 100 pupil-days given "
    "as numerator and exposure); `value` is their ratio. `continuous`: any number in `value`. "
    "`rating`: a value on the declared ordinal scale `scale_min`..`scale_max` (an average of "
    "ratings may have decimals)."
)


class MeasureBase(SQLModel):
    name: str = Field(
        min_length=1, max_length=200, description="E.g. `Andel elever som upplever delaktighet`."
    )
    description: str | None = Field(default=None, max_length=4000)
    operational_definition: str | None = Field(
        default=None,
        max_length=8000,
        description="What is counted, how, by whom and how often (operationell definition).",
    )
    measure_type: MeasureType = Field(
        sa_type=String(16), description="outcome, process or balancing."
    )
    value_kind: ValueKind = Field(sa_type=String(16), description=_VALUE_KIND_DESCRIPTION)
    unit_label: str | None = Field(
        default=None, max_length=50, description="Unit of measure as people read it, e.g. `%`."
    )
    scale_min: int | None = Field(
        default=None, ge=-1000, le=1000, description="Rating only: lowest step, e.g. 1."
    )
    scale_max: int | None = Field(
        default=None, ge=-1000, le=1000, description="Rating only: highest step, e.g. 4."
    )
    direction: BetterDirection = Field(
        default=BetterDirection.up,
        sa_type=String(16),
        description="Which way is an improvement: up, down or neutral.",
    )
    target_value: FiniteFloat | None = Field(
        default=None,
        ge=-1e12,
        le=1e12,
        description="The value aimed for (a percentage for proportions).",
    )
    target_on: IsoDate | None = Field(default=None, description="When the target should be met.")
    period_kind: PeriodKind = Field(
        sa_type=String(16),
        description="Reporting period: day, week (ISO), month, term (HT/VT) or school_year (läsår).",
    )
    external_code: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="The measure's code in another system (e.g. a Kolada KPI `N15419`), unique "
        "in the organisation; files may name the measure by it.",
    )
    min_denominator: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description="Small-number protection: values whose denominator is below this are "
        "withheld from readers outside the reporting unit. Empty: the organisation's default.",
    )
    reporting_unit_kind: OrgUnitKind | None = Field(
        default=None,
        sa_type=String(32),
        description="Shared indicators: the kind of unit expected to report it (e.g. `school`), "
        "for the reporting status. Empty: the units with no units below them.",
    )


class Measure(MeasureBase, TenantRow, table=True):
    __tablename__ = "measure"
    __table_args__ = (
        UniqueConstraint("organisation_id", "external_code"),
        CheckConstraint(
            "scale_min IS NULL OR scale_max IS NULL OR scale_min < scale_max", name="scale"
        ),
    )

    initiative_id: uuid.UUID | None = Field(default=None, foreign_key="initiative.id", index=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)

    def audit_org_unit_id(self, _session: Session) -> uuid.UUID:
        return self.org_unit_id

    @property
    def shared(self) -> bool:
        return self.initiative_id is None


def _check_scale(model: Any) -> Any:
    kind, low, high = model.value_kind, model.scale_min, model.scale_max
    if kind == ValueKind.rating:
        if low is None or high is None:
            raise ValueError("a rating needs its scale: scale_min and scale_max")
        if low >= high:
            raise ValueError("scale_min must be below scale_max")
    elif low is not None or high is not None:
        raise ValueError("scale_min and scale_max belong to ratings only")
    return model


_EXAMPLE = {
    "name": "Andel elever som upplever delaktighet",
    "description": "Elevenkätens fråga 7, klass 5B.",
    "operational_definition": "Varje fredag svarar eleverna i 5B på exit ticket-frågan "
    "'Fick du vara med och påverka idag?'. Täljare: antal ja; nämnare: antal svar. "
    "Mentorn räknar och rapporterar samma dag.",
    "measure_type": "outcome",
    "value_kind": "proportion",
    "unit_label": "%",
    "scale_min": None,
    "scale_max": None,
    "direction": "up",
    "target_value": 70.0,
    "target_on": "2027-06-15",
    "period_kind": "week",
    "external_code": "DELAKTIGHET-5B",
    "min_denominator": None,
    "reporting_unit_kind": None,
}
_INITIATIVE_ID = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"


class MeasureCreate(MeasureBase, InputModel):
    """A measure of an initiative (give `initiative_id`) or a shared indicator of a unit (give
    `org_unit_id`): exactly one of the two."""

    model_config = input_example({**_EXAMPLE, "initiative_id": _INITIATIVE_ID})

    initiative_id: uuid.UUID | None = Field(
        default=None, description="The initiative whose team measures it."
    )
    org_unit_id: uuid.UUID | None = Field(
        default=None,
        description="For a shared indicator: the unit whose subtree reports it (every unit "
        "below it and the unit itself).",
    )

    @model_validator(mode="after")
    def _owner_and_scale(self) -> "MeasureCreate":
        if (self.initiative_id is None) == (self.org_unit_id is None):
            raise ValueError("give exactly one of initiative_id and org_unit_id")
        return _check_scale(self)  # type: ignore[no-any-return]  # _check_scale is shared by two models, so typed Any


class MeasureUpdate(InputModel):
    """Change a measure. Its value kind, scale and period kind are fixed once it has
    measurements (they decide what the stored values mean)."""

    model_config = input_example({"target_value": 75.0, "target_on": "2027-12-20"})

    name: str = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    operational_definition: str | None = Field(default=None, max_length=8000)
    measure_type: MeasureType = Field(default=None)
    value_kind: ValueKind = Field(default=None)
    unit_label: str | None = Field(default=None, max_length=50)
    scale_min: int | None = Field(default=None, ge=-1000, le=1000)
    scale_max: int | None = Field(default=None, ge=-1000, le=1000)
    direction: BetterDirection = Field(default=None)
    target_value: FiniteFloat | None = Field(default=None, ge=-1e12, le=1e12)
    target_on: IsoDate | None = None
    period_kind: PeriodKind = Field(default=None)
    external_code: str | None = Field(default=None, min_length=1, max_length=100)
    min_denominator: int | None = Field(default=None, ge=1, le=1_000_000)
    reporting_unit_kind: OrgUnitKind | None = None


class MeasurePublic(MeasureBase):
    model_config = with_example(
        {
            "id": "3b9f1c2e-7d4a-4e5b-9c8d-1a2b3c4d5e6f",
            **_EXAMPLE,
            "initiative_id": _INITIATIVE_ID,
            "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
            "shared": False,
            "created_at": "2026-08-20T07:30:00Z",
            "updated_at": "2026-08-20T07:30:00Z",
        }
    )

    id: uuid.UUID
    initiative_id: uuid.UUID | None = Field(description="Set for an initiative's own measure.")
    org_unit_id: uuid.UUID = Field(
        description="The owner unit: the indicator's unit, or the initiative's team's unit."
    )
    shared: bool = Field(description="A shared indicator that the units below report.")
    created_at: datetime
    updated_at: datetime
    version: int = Field(exclude=True)


class MeasurePage(Page[MeasurePublic]):
    """One page of measures."""


class Measurement(TenantRow, table=True):
    """One value of a measure for a reporting unit and a period (written with Core)."""

    __tablename__ = "measurement"
    __table_args__ = (
        UniqueConstraint("measure_id", "org_unit_id", "period_ordinal"),
        # Per reporting unit: a writer covers the unit it writes for, so a clash only ever
        # names a measurement the writer may read (issue 13).
        UniqueConstraint("organisation_id", "org_unit_id", "external_id"),
        CheckConstraint("denominator IS NULL OR denominator > 0", name="denominator"),
    )

    measure_id: uuid.UUID = Field(foreign_key="measure.id")
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    period_ordinal: int
    period_key: str = Field(max_length=16)
    period_first_on: date
    value: float = Field(sa_column=Column(Float(53), nullable=False))
    numerator: float | None = Field(default=None, sa_column=Column(Float(53)))
    denominator: float | None = Field(default=None, sa_column=Column(Float(53)))
    comment: str | None = Field(default=None, max_length=2000)
    source: str = Field(max_length=16)
    external_id: str | None = Field(default=None, max_length=200)
    recorded_by_token_id: uuid.UUID | None = None
    recorded_at: datetime = Field(sa_type=UTCDateTime, nullable=False)

    def audit_org_unit_id(self, _session: Session) -> uuid.UUID:
        return self.org_unit_id


_MEASURE_ID = "3b9f1c2e-7d4a-4e5b-9c8d-1a2b3c4d5e6f"
_UNIT_ID = "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44"


JsonNumber = Annotated[FiniteFloat, Strict()]
"""A figure of a measurement: a JSON number only (``true`` or ``"12"`` are refused, not read as
numbers), finite."""


class MeasurementIn(InputModel):
    """One measurement as a client sends it. The measure is named by `measure_id` or
    `measure_code`, the reporting unit (shared indicators only) by `org_unit_id` or
    `org_unit_code` — or by the request when it names them for every row."""

    model_config = input_example(
        {
            "measure_id": _MEASURE_ID,
            "period": "2026-W37",
            "numerator": 17,
            "denominator": 24,
            "comment": "Två elever frånvarande.",
            "external_id": "exit-ticket-5b-2026-W37",
        }
    )

    measure_id: uuid.UUID | None = Field(default=None, description="The measure's id.")
    measure_code: str | None = Field(
        default=None, min_length=1, max_length=100, description="Or its `external_code`."
    )
    org_unit_id: uuid.UUID | None = Field(
        default=None, description="Shared indicators: the reporting unit's id."
    )
    org_unit_code: str | None = Field(
        default=None, min_length=1, max_length=100, description="Or its `external_code`."
    )
    period: str = Field(
        min_length=1,
        max_length=40,
        description="The period in the measure's granularity: `2026-09-14`, `2026-W37`, "
        "`2026-09`, `HT2026`/`VT2027` or `2026/27`; for weeks and months a date inside the "
        "period is accepted too.",
    )
    value: JsonNumber | None = Field(
        default=None,
        ge=-1e12,
        le=1e12,
        description="The value (counts, continuous values, ratings; a percentage for a "
        "proportion without numerator and denominator is refused: send both). A JSON number "
        "(not text, not true/false), finite, between -1e12 and 1e12.",
    )
    numerator: JsonNumber | None = Field(
        default=None,
        ge=0,
        le=1e12,
        description="Proportions and rates: the count (a JSON number, 0..1e12).",
    )
    denominator: JsonNumber | None = Field(
        default=None,
        ge=0,
        le=1e12,
        description="Proportions: the whole; rates: the exposure (a JSON number above 0, at "
        "most 1e12). The derived value (a percentage, or numerator/denominator for a rate) "
        "must be at most 1e12 too, so a rate's exposure cannot be tiny: the row is refused "
        "(422 naming `denominator`) otherwise.",
    )
    comment: str | None = Field(default=None, max_length=2000)
    external_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The client's own id for this measurement, unique per reporting unit: "
        "sending it again for the same measure, unit and period replaces that measurement; "
        "for another measure or period of the same unit the row is refused (422 naming the "
        "measurement that has it). Ids used by other units are never looked at, so an id "
        "reveals nothing about units outside the token's scope.",
    )


class MeasurementPublic(SQLModel):
    model_config = with_example(
        {
            "id": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d",
            "measure_id": _MEASURE_ID,
            "org_unit_id": _UNIT_ID,
            "period": "2026-W37",
            "period_first_on": "2026-09-07",
            "value": 70.83333333333333,
            "numerator": 17.0,
            "denominator": 24.0,
            "withheld": False,
            "comment": "Två elever frånvarande.",
            "source": "api",
            "external_id": "exit-ticket-5b-2026-W37",
            "recorded_by_token_id": "0f1e2d3c-4b5a-4697-8877-665544332211",
            "recorded_at": "2026-09-11T13:05:00Z",
        }
    )

    id: uuid.UUID
    measure_id: uuid.UUID
    org_unit_id: uuid.UUID
    period: str = Field(description="The period's canonical key.")
    period_first_on: date = Field(description="The period's first day.")
    value: float | None = Field(description="Null when withheld (see `withheld`).")
    numerator: float | None
    denominator: float | None
    withheld: bool = Field(
        default=False,
        description="True when small-number protection withholds the figures from this token: "
        "the denominator is below the measure's minimum and the token's scope does not include "
        "the reporting unit.",
    )
    comment: str | None
    source: MeasurementSource
    external_id: str | None
    recorded_by_token_id: uuid.UUID | None
    recorded_at: datetime


class MeasurementWritten(MeasurementPublic):
    outcome: MeasurementOutcome = Field(
        description="`created`, `replaced` (the earlier value is kept in the history) or "
        "`unchanged` (the same value again: nothing was written)."
    )


class MeasurementPage(Page[MeasurementPublic]):
    """One page of measurements."""


class CycleMeasure(TenantRow, table=True):
    """Link: the cycle follows the measure (its follow-up knows its data). A cycle without
    links follows every measure of its initiative."""

    __tablename__ = "cycle_measure"
    __table_args__ = (UniqueConstraint("cycle_id", "measure_id"),)

    cycle_id: uuid.UUID = Field(foreign_key="cycle.id", index=True)
    measure_id: uuid.UUID = Field(foreign_key="measure.id", index=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")

    def audit_org_unit_id(self, _session: Session) -> uuid.UUID:
        return self.org_unit_id


# --- request and response models of the routes ------------------------------------------------

#: Measurements one request (a batch or an upload) writes at most.
MAX_ROWS = 10_000


class SeriesPointPublic(BaseModel):
    period: str = Field(description="The period's key, e.g. `2026-W37`.")
    period_first_on: str = Field(description="The period's first day.")
    value: float | None = Field(description="The value; null when withheld.")
    numerator: float | None
    denominator: float | None
    units: int = Field(description="Reporting units behind the point (1 for one unit's own).")
    withheld: bool = Field(description="Withheld by small-number protection.")


class SeriesPublic(BaseModel):
    model_config = {
        "json_schema_extra": {
            "example": {
                "measure_id": "3b9f1c2e-7d4a-4e5b-9c8d-1a2b3c4d5e6f",
                "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
                "period_kind": "week",
                "value_kind": "proportion",
                "aggregated": False,
                "points": [
                    {
                        "period": "2026-W37",
                        "period_first_on": "2026-09-07",
                        "value": 70.8,
                        "numerator": 17,
                        "denominator": 24,
                        "units": 1,
                        "withheld": False,
                    }
                ],
            }
        }
    }

    measure_id: uuid.UUID
    org_unit_id: uuid.UUID
    period_kind: PeriodKind
    value_kind: ValueKind
    aggregated: bool = Field(description="Summed over the unit's subtree.")
    points: list[SeriesPointPublic] = Field(
        description="Reported periods in order; a period nobody reported is absent (a gap)."
    )


class ReportingUnit(BaseModel):
    org_unit_id: uuid.UUID
    name: str
    kind: str
    reported: bool
    measurement_id: uuid.UUID | None
    recorded_at: datetime | None = None


class ReportingStatus(BaseModel):
    model_config = {
        "json_schema_extra": {
            "example": {
                "measure_id": "3b9f1c2e-7d4a-4e5b-9c8d-1a2b3c4d5e6f",
                "period": "HT2026",
                "expected": 3,
                "reported": 2,
                "missing": 1,
                "units": [
                    {
                        "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
                        "name": "Norrskolan",
                        "kind": "school",
                        "reported": True,
                        "measurement_id": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d",
                        "recorded_at": "2026-12-01T09:00:00Z",
                    }
                ],
            }
        }
    }

    measure_id: uuid.UUID
    period: str
    expected: int = Field(description="Units expected to report.")
    reported: int
    missing: int
    units: list[ReportingUnit]


class ClientSource(StrEnum):
    api = "api"
    form = "form"
    import_ = "import"


class MeasurementBatch(InputModel):
    model_config = input_example(
        {
            "measure_code": "DELAKTIGHET-5B",
            "rows": [
                {"period": "2026-W37", "numerator": 17, "denominator": 24},
                {"period": "2026-W38", "numerator": 19, "denominator": 25},
            ],
        }
    )

    measure_id: uuid.UUID | None = Field(
        default=None, description="The measure of every row that names none."
    )
    measure_code: str | None = Field(default=None, min_length=1, max_length=100)
    org_unit_id: uuid.UUID | None = Field(
        default=None, description="The reporting unit of every row that names none."
    )
    org_unit_code: str | None = Field(default=None, min_length=1, max_length=100)
    rows: list[MeasurementIn] = Field(min_length=1, max_length=MAX_ROWS)


class IngestResult(BaseModel):
    model_config = {
        "json_schema_extra": {
            "example": {
                "rows": 2,
                "created": 1,
                "replaced": 1,
                "unchanged": 0,
                "dry_run": False,
            }
        }
    }

    rows: int = Field(description="Rows received.")
    created: int
    replaced: int = Field(description="Rows whose earlier value went to the history.")
    unchanged: int = Field(description="Rows equal to what was stored: nothing written.")
    dry_run: bool = Field(description="True: everything was checked, nothing written.")
    format: str | None = Field(default=None, description="Uploads: `csv`, `xlsx` or `ods`.")
    skipped: int | None = Field(
        default=None, description="Uploads: rows left out on purpose (e.g. Kolada's K/M rows)."
    )


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


class HistoryEntry(BaseModel):
    occurred_at: datetime
    action: str = Field(description="create, update (replaced) or delete.")
    actor_name: str
    actor_token_id: uuid.UUID | None
    request_id: str | None
    changes: dict[str, Any] = Field(
        description="`{field: {before, after}}`. A side withheld by small-number protection "
        "is left out of `value`, `numerator`, `denominator` and `comment`; when only one side "
        "is withheld those four fields show their other side, changed or not."
    )
    withheld: bool = Field(
        description="Small-number protection withheld the figures before or after this write "
        "(each entry is judged on its own figures, not on the current ones)."
    )


class CycleMeasures(BaseModel):
    model_config = {
        "json_schema_extra": {
            "example": {
                "cycle_id": "4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a",
                "default": True,
                "measures": [MeasurePublic.model_config["json_schema_extra"]["example"]],  # type: ignore[index]  # json_schema_extra is a dict here, typed as a union by pydantic
            }
        }
    }

    cycle_id: uuid.UUID
    default: bool = Field(
        description="True: the cycle names no measures of its own and follows every measure "
        "of its initiative."
    )
    measures: list[MeasurePublic]


class CycleMeasuresUpdate(InputModel):
    model_config = input_example({"measure_ids": ["3b9f1c2e-7d4a-4e5b-9c8d-1a2b3c4d5e6f"]})

    measure_ids: list[uuid.UUID] = Field(
        max_length=50,
        description="The initiative's own measures or shared indicators the cycle's unit "
        "reports; an empty list goes back to the initiative's measures.",
    )


class ImportedMeasureRow(SQLModel):
    row: int = Field(description="The spreadsheet row (row 1 is the header).")
    external_code: str | None
    id: uuid.UUID | None = Field(description="The measure's id (null for a new one in a dry run).")
    status: str = Field(description="created, updated or unchanged.")


class MeasureImportResult(SQLModel):
    model_config = with_example(
        {
            "rows": 1,
            "created": 1,
            "updated": 0,
            "unchanged": 0,
            "dry_run": True,
            "format": "csv",
            "measures": [{"row": 2, "external_code": "TRYGG", "id": None, "status": "created"}],
        }
    )

    rows: int = Field(description="Rows read.")
    created: int
    updated: int = Field(description="Existing indicators whose fields the file changed.")
    unchanged: int
    dry_run: bool = Field(description="True: everything was checked, nothing written.")
    format: str = Field(description="`csv` or `xlsx`.")
    measures: list[ImportedMeasureRow]


# The orders lists page in within an organisation (issue 18): index scans, not sorts.
Index(
    "ix_measurement_organisation_id_period_first_on_id",
    col(Measurement.organisation_id),
    col(Measurement.period_first_on),
    col(Measurement.id),
)
Index(
    "ix_measurement_organisation_id_recorded_at_id",
    col(Measurement.organisation_id),
    col(Measurement.recorded_at),
    col(Measurement.id),
)
Index(
    "ix_measurement_organisation_id_org_unit_id_period_first_on_id",
    col(Measurement.organisation_id),
    col(Measurement.org_unit_id),
    col(Measurement.period_first_on),
    col(Measurement.id),
)
Index(
    "ix_measurement_measure_id_period_first_on_id",
    col(Measurement.measure_id),
    col(Measurement.period_first_on),
    col(Measurement.id),
)
Index(
    "ix_measure_organisation_id_name_id",
    col(Measure.organisation_id),
    col(Measure.name),
    col(Measure.id),
)
Index(
    "ix_measure_organisation_id_created_at_id",
    col(Measure.organisation_id),
    col(Measure.created_at),
    col(Measure.id),
)
