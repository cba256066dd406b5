"""The export document: its kinds, their records (generated from the tables) and the schema.

Every kind is one table. A record holds the table's columns except the organisation (the
document's own) and the secrets and worker bookkeeping named in :attr:`Kind.omitted`, so the
document follows the schema as migrations change it, and ``openapi/export.schema.json``,
generated from these models, says exactly what a file holds.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlalchemy import JSON, Boolean, Column, Date, Float, Integer, String, Table, Uuid
from sqlalchemy.types import TypeDecorator

from app.access_tokens.models import AccessToken
from app.audit.models import AuditEvent
from app.chart_links.models import ChartLink
from app.charts.models import MeasureAnnotation, MeasureExclusion, MeasurePhase
from app.commitments.models import Commitment
from app.cycles.models import Cycle, CycleStageTransition
from app.db import UTCDateTime, UTCTimestamp
from app.goals.models import Goal
from app.initiatives.models import Initiative, InitiativeGoal
from app.measures.models import CycleMeasure, Measure, Measurement
from app.org_units.models import OrgUnit
from app.organisations.models import Organisation
from app.teams.models import Team, TeamMember
from app.webhooks.models import WebhookEndpoint

FORMAT = "pdca-export"
VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "openapi" / "export.schema.json"


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


@dataclass(frozen=True)
class Kind:
    """One kind of object in the document: a table, and what of it stays out."""

    key: str
    """The document's member, e.g. ``measures``."""
    table: Table
    description: str
    omitted: frozenset[str] = field(default_factory=frozenset)

    @property
    def columns(self) -> list[Column[Any]]:
        return [
            column
            for column in self.table.columns
            if column.name not in self.omitted and column.name != "organisation_id"
        ]

    @property
    def self_reference(self) -> str | None:
        """The column naming another row of the same kind (a unit's parent ...), if any."""
        for key in self.table.foreign_keys:
            if key.column.table is self.table and key.parent.name != "id":
                return key.parent.name
        return None


_WEBHOOK_BOOKKEEPING = frozenset(
    {
        "secret",
        "previous_secret",
        "previous_secret_expires_at",
        "next_attempt_at",
        "lease_until",
        "lease_owner",
    }
)

KINDS: tuple[Kind, ...] = (
    Kind("org_units", _table(OrgUnit), "The unit tree, parents before their children."),
    Kind(
        "access_tokens",
        _table(AccessToken),
        "Who had access: the tokens' names, roles, scopes and times, never their secrets or "
        "hashes. An import restores them revoked (the secrets are not in the document).",
        frozenset({"token_hash"}),
    ),
    Kind("teams", _table(Team), "Teams."),
    Kind("team_members", _table(TeamMember), "The teams' members."),
    Kind("goals", _table(Goal), "Goals (`parent_goal_id` names the goal one refines)."),
    Kind("initiatives", _table(Initiative), "Improvement initiatives."),
    Kind("initiative_goals", _table(InitiativeGoal), "Which goals each initiative serves."),
    Kind("measures", _table(Measure), "Measures and shared indicators."),
    Kind(
        "cycles", _table(Cycle), "PDCA cycles (`predecessor_cycle_id` names the cycle one follows)."
    ),
    Kind(
        "cycle_stage_transitions",
        _table(CycleStageTransition),
        "Every cycle's stage history, in order.",
    ),
    Kind("cycle_measures", _table(CycleMeasure), "The measures a cycle follows."),
    Kind("commitments", _table(Commitment), "Commitments and their follow-up."),
    Kind(
        "measurements",
        _table(Measurement),
        "Every measurement; replaced values are in the audit trail (`audit_events`).",
    ),
    Kind("measure_phases", _table(MeasurePhase), "Chart settings: the phases of a measure."),
    Kind(
        "measure_exclusions",
        _table(MeasureExclusion),
        "Chart settings: points left out of a chart's calculations.",
    ),
    Kind("measure_annotations", _table(MeasureAnnotation), "Notes on a chart's points."),
    Kind(
        "chart_links",
        _table(ChartLink),
        "Shared chart links without their secrets; an import restores them revoked.",
        frozenset({"token_hash"}),
    ),
    Kind(
        "webhooks",
        _table(WebhookEndpoint),
        "Webhook endpoints without their signing secrets; an import restores them disabled, "
        "with a new secret to rotate and give to the receiver.",
        _WEBHOOK_BOOKKEEPING,
    ),
    Kind("audit_events", _table(AuditEvent), "The audit trail (each entry has its `occurred_at`)."),
)
"""In the order an import writes them: every reference points to an earlier kind or to a record
of the same kind (an import writes those parents first, whatever their order in the file).
Records are in id order, units parents first."""

ORGANISATION = Kind(
    "organisation",
    _table(Organisation),
    "The exported organisation and its settings.",
    frozenset({"version", "updated_at"}),
)


def _python_type(column: Column[Any]) -> Any:
    kind = column.type
    if isinstance(kind, TypeDecorator) and not isinstance(kind, UTCDateTime):
        kind = kind.impl_instance  # SQLModel's AutoString is a String underneath
    if isinstance(kind, UTCDateTime):
        python: Any = UTCTimestamp  # with its offset, kept in UTC
    elif isinstance(kind, Uuid):
        python = uuid.UUID
    elif isinstance(kind, JSON):
        python = Any
    elif isinstance(kind, Boolean):
        python = bool
    elif isinstance(kind, Float):
        python = float
    elif isinstance(kind, Integer):
        python = int
    elif isinstance(kind, Date):
        python = date
    elif isinstance(kind, String):
        python = str
    else:  # pragma: no cover - a new column type must be mapped here
        raise TypeError(f"{column.table.name}.{column.name}: no export type for {kind!r}")
    return python


def _field(column: Column[Any]) -> tuple[Any, Any]:
    python = _python_type(column)
    length = getattr(column.type, "length", None) if python is str else None
    info = Field(default=None, max_length=length) if column.nullable else Field(max_length=length)
    return (python | None if column.nullable and python is not Any else python), info


def _camel(key: str) -> str:
    return "".join(part.title() for part in key.split("_"))


@cache
def record_model(kind: Kind) -> type[BaseModel]:
    """The pydantic model of one record of ``kind`` (unknown members are refused)."""
    fields: dict[str, Any] = {column.name: _field(column) for column in kind.columns}
    name = "Export" + _camel(kind.key.removesuffix("s") if kind.key.endswith("s") else kind.key)
    model: type[BaseModel] = create_model(
        name,
        __config__=ConfigDict(extra="forbid", title=name),
        __doc__=kind.description,
        **fields,
    )
    return model


@cache
def document_model() -> type[BaseModel]:
    """The whole document: the header, the organisation and a list per kind."""
    fields: dict[str, Any] = {
        "format": (Literal["pdca-export"], Field(description="Always `pdca-export`.")),
        "version": (
            Literal[1],
            Field(description="The document's version; an import refuses others."),
        ),
        "exported_at": (datetime, Field(description="When the export began (UTC).")),
        "organisation": (record_model(ORGANISATION), Field(description=ORGANISATION.description)),
    }
    for kind in KINDS:
        record: Any = record_model(kind)
        fields[kind.key] = (list[record], Field(default_factory=list, description=kind.description))
    model: type[BaseModel] = create_model(
        "PdcaExport",
        __config__=ConfigDict(extra="forbid", title="PdcaExport"),
        __doc__=(
            "Everything an organisation owns, as `GET /api/v1/export` writes it and "
            "`POST /api/v1/import` reads it. Ids are UUIDs, times UTC ISO 8601 instants, days "
            "ISO dates. No secret is ever in it: not the tokens', chart links' or webhooks'."
        ),
        **fields,
    )
    return model


def json_schema() -> dict[str, Any]:
    """The document's JSON Schema (draft 2020-12), as published in ``openapi/export.schema.json``."""
    schema = document_model().model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://pdca-tracker.example/schemas/pdca-export-v1.json",
        **schema,
    }


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


ImportMode = Literal["keep-ids", "new-organisation"]
"""keep-ids: into the caller's empty organisation, every id as in the document;
new-organisation: into a new organisation, every id replaced by a new one consistently."""


class ImportResult(BaseModel):
    """What an import wrote."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "organisation_id": "0b5e3c1e-6a55-4d5c-9d7c-0f5d2b8a9e11",
                "mode": "new-organisation",
                "counts": {"org_units": 12, "measures": 40, "measurements": 5200},
                "admin_token": "pdca_...",
            }
        }
    )

    organisation_id: uuid.UUID = Field(description="The organisation the data now lives in.")
    mode: ImportMode
    counts: dict[str, int] = Field(description="Records written, per kind.")
    admin_token: str | None = Field(
        default=None,
        description="new-organisation only: an admin token of the new organisation, shown once "
        "(nobody else can reach it yet).",
    )
