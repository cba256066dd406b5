"""Improvement cycles (small-scale tests of change) and their stage history."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import NonNegativeInt
from sqlalchemy import JSON, CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel, col

from app.cycles.stages import Decision, Stage, StageDirection
from app.db import InputModel, IsoDate, TenantRow, UTCDateTime, input_example, utcnow, with_example
from app.initiatives.models import Initiative
from app.pagination import Page
from app.teams.models import Team

_LONG = 8000
_STAGE_CODES = ", ".join(f"'{stage.value}'" for stage in Stage)


class PlanTask(InputModel):
    """One line of the plan: who does what by when."""

    model_config = input_example(
        {"who": "Karin Ek", "what": "Exit tickets i 5B varje fredag", "by_when_on": "2026-10-02"}
    )

    who: str = Field(min_length=1, max_length=200, description="A person or role, e.g. `Karin`.")
    what: str = Field(min_length=1, max_length=2000)
    by_when_on: IsoDate | None = Field(default=None, description="The day it should be done.")


class Cause(InputModel):
    """A cause found in the analysis, with the evidence for it."""

    model_config = input_example(
        {
            "cause": "Eleverna tillfrågas sällan om arbetssätt",
            "evidence": "Fokusgrupper, tema 'ingen frågar oss'",
            "participants": 12,
        }
    )

    cause: str = Field(min_length=1, max_length=2000, description="E.g. `Eleverna vet inte ...`.")
    evidence: str | None = Field(
        default=None,
        max_length=2000,
        description="Where it comes from, e.g. `fokusgrupp 1: tema 'ingen frågar oss'`.",
    )
    participants: NonNegativeInt | None = Field(
        default=None,
        le=100_000,
        description="How many people the evidence rests on, e.g. pupils in a focus group.",
    )


class CycleAction(InputModel):
    """One thing done in the test (the action stage)."""

    model_config = input_example(
        {"description": "Exit ticket varje lektion i SO", "responsible": "Karin Ek"}
    )

    description: str = Field(min_length=1, max_length=2000)
    responsible: str | None = Field(default=None, max_length=200)


_STAGE_DESCRIPTION = (
    "Stable code of the stage: current_state (nuläge), analysis (analys), action (åtgärd), "
    "follow_up (uppföljning) or closed (avslutad)."
)


class PredictionComparison(StrEnum):
    """How a checkable prediction compares the follow-up with its value(s)."""

    at_least = "at_least"
    at_most = "at_most"
    between = "between"


_COMPARISON_CODES = ", ".join(f"'{c.value}'" for c in PredictionComparison)

PREDICTION_FIELDS = (
    "prediction_measure_id",
    "prediction_comparison",
    "prediction_value",
    "prediction_upper_value",
    "prediction_by_on",
)


class CycleContent(SQLModel):
    """The plan and the content of every stage; each may be filled in whenever the team can."""

    change_idea: str | None = Field(
        default=None, max_length=_LONG, description="The change that is tested."
    )
    question: str | None = Field(
        default=None, max_length=_LONG, description="The question the cycle answers."
    )
    prediction: str | None = Field(
        default=None,
        max_length=_LONG,
        description="What the team expects the test to show; required before the test starts.",
    )
    # A prediction that can be checked: optional, beside the free text (set with PATCH).
    prediction_measure_id: uuid.UUID | None = Field(
        default=None,
        description="Checkable prediction: the measure it is about, one the cycle follows "
        "(`GET /cycles/{cycle_id}/measures`) and the token can read. Set it together with "
        "`prediction_comparison` and `prediction_value`; clear all of them with null.",
    )
    prediction_comparison: PredictionComparison | None = Field(
        default=None,
        sa_type=String(16),
        description="`at_least`, `at_most` or `between` (`prediction_value` up to "
        "`prediction_upper_value`, both included).",
    )
    # Finite, within the bounds of every stored value (±1e12; NaN fails the bounds too).
    prediction_value: float | None = Field(
        default=None,
        ge=-1e12,
        le=1e12,
        description="The predicted figure in the measure's own figures (a percentage for "
        "proportions, e.g. `55`); the lower one for `between`.",
    )
    prediction_upper_value: float | None = Field(
        default=None,
        ge=-1e12,
        le=1e12,
        description="`between` only: the upper figure (not below `prediction_value`).",
    )
    prediction_by_on: IsoDate | None = Field(
        default=None,
        description="Optional: the day by which the prediction should hold; the check then "
        "uses the follow-up periods up to the one containing this day.",
    )
    scale: str | None = Field(
        default=None,
        max_length=500,
        description="How small the test is, e.g. `one class, two weeks`.",
    )
    # nuläge
    current_state_description: str | None = Field(default=None, max_length=_LONG)
    baseline_start_on: IsoDate | None = Field(
        default=None,
        description="First day of the baseline window on the initiative's measures. A cycle's "
        "dates (baseline window and test) lie within 100 years (36,525 days) of one another.",
    )
    baseline_end_on: IsoDate | None = Field(
        default=None, description="Last day of the baseline window (not before the first)."
    )
    # analys
    analysis_summary: str | None = Field(default=None, max_length=_LONG)
    # åtgärd
    test_started_on: IsoDate | None = None
    test_ended_on: IsoDate | None = Field(default=None, description="Not before test_started_on.")
    unplanned_events: str | None = Field(
        default=None, max_length=_LONG, description="What happened that was not planned."
    )
    # uppföljning
    results: str | None = Field(
        default=None, max_length=_LONG, description="What happened, against the prediction."
    )
    learning: str | None = Field(default=None, max_length=_LONG, description="What was learned.")
    decision: Decision | None = Field(
        default=None,
        sa_type=String(16),
        description="adopt (införa), adapt (anpassa: test again, in a next cycle) or abandon.",
    )


class Cycle(CycleContent, TenantRow, table=True):
    """A small-scale test of change within an initiative, moving through the stages.

    ``stage_due_on`` belongs to the current stage: a transition replaces it. List-valued content
    (plan, causes, actions) is stored as JSON lists of plain dicts.
    """

    __tablename__ = "cycle"
    __table_args__ = (
        UniqueConstraint("initiative_id", "sequence"),
        # A cycle has at most one successor: the chain of a ramp of tests stays a chain.
        UniqueConstraint("predecessor_cycle_id"),
        CheckConstraint(
            "baseline_start_on IS NULL OR baseline_end_on IS NULL "
            "OR baseline_start_on <= baseline_end_on",
            name="baseline_window",
        ),
        CheckConstraint(
            "test_started_on IS NULL OR test_ended_on IS NULL OR test_started_on <= test_ended_on",
            name="test_window",
        ),
        CheckConstraint(f"stage IN ({_STAGE_CODES})", name="stage_code"),
        CheckConstraint(
            f"prediction_comparison IS NULL OR prediction_comparison IN ({_COMPARISON_CODES})",
            name="prediction_comparison",
        ),
    )

    prediction_measure_id: uuid.UUID | None = Field(default=None, foreign_key="measure.id")
    initiative_id: uuid.UUID = Field(foreign_key="initiative.id", index=True)
    sequence: int = Field(ge=1)
    predecessor_cycle_id: uuid.UUID | None = Field(default=None, foreign_key="cycle.id")
    title: str = Field(max_length=200)
    plan: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    causes: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    actions: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    stage: Stage = Field(default=Stage.current_state, sa_type=String(16), index=True)
    stage_entered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    stage_due_on: IsoDate | None = Field(default=None, index=True)

    def audit_org_unit_id(self, session: Session) -> uuid.UUID | None:
        return _unit_of_initiative(session, self.initiative_id)


def _unit_of_initiative(session: Session, initiative_id: uuid.UUID) -> uuid.UUID | None:
    initiative = session.get(Initiative, initiative_id)
    if initiative is None:
        return None
    team = session.get(Team, initiative.team_id)
    return team.org_unit_id if team else None


class CycleStageTransition(TenantRow, table=True):
    """One move of a cycle between stages, kept for the history (creation is the first)."""

    __tablename__ = "cycle_stage_transition"
    __table_args__ = (UniqueConstraint("cycle_id", "position"),)

    cycle_id: uuid.UUID = Field(foreign_key="cycle.id", index=True)
    position: int = Field(ge=1, description="1 for the creation, then 2, 3, ...")
    from_stage: Stage | None = Field(default=None, sa_type=String(16))
    to_stage: Stage = Field(sa_type=String(16))
    direction: StageDirection = Field(sa_type=String(16))
    reason: str | None = Field(default=None, max_length=2000)
    due_on: IsoDate | None = None
    actor_token_id: uuid.UUID | None = None
    actor_name: str = Field(max_length=200)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def audit_org_unit_id(self, session: Session) -> uuid.UUID | None:
        cycle = session.get(Cycle, self.cycle_id)
        return _unit_of_initiative(session, cycle.initiative_id) if cycle else None


# --- API models -------------------------------------------------------------------------------

_PLAN_EXAMPLE = [
    {"who": "Karin Ek", "what": "Exit tickets i 5B varje fredag", "by_when_on": "2026-10-02"},
    {"who": "Lena Holm", "what": "Sammanställ svaren veckovis", "by_when_on": "2026-10-05"},
]


class CycleCreate(InputModel):
    model_config = input_example(
        {
            "initiative_id": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
            "title": "Exit tickets i 5B",
            "change_idea": "Lektionen avslutas med en exit ticket där eleverna föreslår ändringar.",
            "question": "Ökar andelen elever som upplever att de kan påverka lektionerna?",
            "scale": "en klass, två veckor",
            "plan": _PLAN_EXAMPLE,
            "stage_due_on": "2026-09-25",
        }
    )

    initiative_id: uuid.UUID = Field(description="The initiative; must be in the token's scope.")
    title: str = Field(min_length=1, max_length=200)
    change_idea: str | None = Field(default=None, max_length=_LONG)
    question: str | None = Field(default=None, max_length=_LONG)
    prediction: str | None = Field(default=None, max_length=_LONG)
    scale: str | None = Field(default=None, max_length=500)
    plan: list[PlanTask] = Field(default_factory=list, max_length=200)
    current_state_description: str | None = Field(default=None, max_length=_LONG)
    baseline_start_on: IsoDate | None = None
    baseline_end_on: IsoDate | None = None
    stage_due_on: IsoDate | None = Field(
        default=None, description="The day the current-state stage should be done."
    )
    predecessor_cycle_id: uuid.UUID | None = Field(
        default=None,
        description="An earlier cycle of the same initiative that this one continues "
        "(see also `POST /cycles/{cycle_id}/next-cycle`).",
    )


class CycleUpdate(CycleContent, InputModel):
    """Any content, of any stage, while the cycle is not closed; null clears a field."""

    model_config = input_example(
        {
            "prediction": "Andelen som instämmer ökar från 45 % till minst 55 % på två veckor.",
            "causes": [
                {
                    "cause": "Eleverna tillfrågas sällan om arbetssätt",
                    "evidence": "Fokusgrupper, tema 'ingen frågar oss'",
                    "participants": 12,
                }
            ],
            "stage_due_on": "2026-10-09",
        }
    )

    title: str = Field(default=None, min_length=1, max_length=200)
    plan: list[PlanTask] | None = Field(default=None, max_length=200)
    causes: list[Cause] | None = Field(default=None, max_length=200)
    actions: list[CycleAction] | None = Field(default=None, max_length=200)
    stage_due_on: IsoDate | None = Field(
        default=None, description="The day the current stage should be done."
    )


class CycleTransitionCreate(InputModel):
    model_config = input_example({"to_stage": "follow_up", "reason": None, "due_on": "2026-12-11"})

    to_stage: Stage = Field(description="The next stage, or (with a reason) the previous one.")
    reason: str | None = Field(
        default=None,
        max_length=2000,
        description="Why; required when going back a stage.",
    )
    due_on: IsoDate | None = Field(
        default=None, description="The day the new stage should be done (its `stage_due_on`)."
    )


class NextCycleCreate(InputModel):
    model_config = input_example(
        {
            "title": "Exit tickets i 5A, 5B och 5C",
            "scale": "tre klasser, tre veckor",
            "prediction": "Andelen som instämmer ökar till minst 60 % i alla tre klasserna.",
        }
    )

    title: str | None = Field(
        default=None, min_length=1, max_length=200, description="Default: the predecessor's."
    )
    change_idea: str | None = Field(default=None, max_length=_LONG)
    question: str | None = Field(default=None, max_length=_LONG)
    scale: str | None = Field(default=None, max_length=500)
    prediction: str | None = Field(
        default=None, max_length=_LONG, description="Not copied: a new test needs its own."
    )
    stage_due_on: IsoDate | None = None


_CYCLE_EXAMPLE: dict[str, Any] = {
    "id": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
    "initiative_id": "2b7c9d1e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
    "sequence": 1,
    "predecessor_cycle_id": None,
    "successor_cycle_id": None,
    "title": "Exit tickets i 5B",
    "change_idea": "Lektionen avslutas med en exit ticket där eleverna föreslår ändringar.",
    "question": "Ökar andelen elever som upplever att de kan påverka lektionerna?",
    "prediction": "Andelen som instämmer ökar från 45 % till minst 55 % på två veckor.",
    "prediction_measure_id": "3b9f1c2e-7d4a-4e5b-9c8d-1a2b3c4d5e6f",
    "prediction_comparison": "at_least",
    "prediction_value": 55.0,
    "prediction_upper_value": None,
    "prediction_by_on": "2026-10-16",
    "scale": "en klass, två veckor",
    "plan": _PLAN_EXAMPLE,
    "stage": "action",
    "stage_label": "åtgärd",
    "stage_entered_at": "2026-10-05T07:10:00Z",
    "stage_due_on": "2026-10-16",
    "current_state_description": "45 % instämmer i enkätpåståendet (elevenkäten VT 2026).",
    "baseline_start_on": "2026-09-07",
    "baseline_end_on": "2026-09-18",
    "analysis_summary": "Eleverna tillfrågas sällan och ser inte vad deras förslag leder till.",
    "causes": [
        {
            "cause": "Eleverna tillfrågas sällan om arbetssätt",
            "evidence": "Fokusgrupper, tema 'ingen frågar oss'",
            "participants": 12,
        }
    ],
    "actions": [{"description": "Exit ticket varje lektion i SO", "responsible": "Karin Ek"}],
    "test_started_on": "2026-10-05",
    "test_ended_on": None,
    "unplanned_events": None,
    "results": None,
    "learning": None,
    "decision": None,
    "next_cycle_suggested": False,
    "created_at": "2026-09-01T08:00:00Z",
    "updated_at": "2026-10-05T07:10:00Z",
}


class CyclePublic(CycleContent):
    model_config = with_example(_CYCLE_EXAMPLE)

    id: uuid.UUID
    initiative_id: uuid.UUID
    sequence: int = Field(description="1, 2, 3 ... within the initiative.")
    predecessor_cycle_id: uuid.UUID | None = Field(description="The cycle this one continues.")
    successor_cycle_id: uuid.UUID | None = Field(description="The cycle that continues this one.")
    title: str
    plan: list[PlanTask]
    causes: list[Cause]
    actions: list[CycleAction]
    stage: Stage = Field(description=_STAGE_DESCRIPTION)
    stage_label: str = Field(
        description="The stage's name in the response's language (Content-Language)."
    )
    stage_entered_at: datetime
    stage_due_on: IsoDate | None = Field(description="The day the current stage should be done.")
    next_cycle_suggested: bool = Field(
        description="True when the cycle is closed with the decision adapt and has no successor "
        "yet: open the next one with `POST /cycles/{cycle_id}/next-cycle`."
    )
    created_at: datetime
    updated_at: datetime
    version: int = Field(exclude=True)


class CycleStageTransitionPublic(SQLModel):
    model_config = with_example(
        {
            "id": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
            "cycle_id": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
            "position": 3,
            "from_stage": "analysis",
            "from_stage_label": "analys",
            "to_stage": "action",
            "to_stage_label": "åtgärd",
            "direction": "forward",
            "reason": None,
            "due_on": "2026-10-16",
            "actor_token_id": "5f1b8d0c-2f3e-4a6b-8c9d-1e2f3a4b5c6d",
            "actor_name": "Förbättringsteam åk 5",
            "occurred_at": "2026-10-05T07:10:00Z",
        }
    )

    id: uuid.UUID
    cycle_id: uuid.UUID
    position: int = Field(description="Order of the entry in the cycle's history, from 1.")
    from_stage: Stage | None = Field(description="Null for the creation of the cycle.")
    from_stage_label: str | None
    to_stage: Stage
    to_stage_label: str
    direction: StageDirection = Field(description="forward (also the creation) or back.")
    reason: str | None
    due_on: IsoDate | None = Field(description="The due day given for the new stage.")
    actor_token_id: uuid.UUID | None = Field(description="The token that made the move.")
    actor_name: str
    occurred_at: datetime


class CyclePage(Page[CyclePublic]):
    """One page of cycles."""


class CycleStageTransitionPage(Page[CycleStageTransitionPublic]):
    """One page of a cycle's stage history."""


# The orders lists page in within an organisation (issue 18): index scans, not sorts.
Index(
    "ix_cycle_organisation_id_updated_at_id",
    col(Cycle.organisation_id),
    col(Cycle.updated_at),
    col(Cycle.id),
)
Index(
    "ix_cycle_organisation_id_created_at_id",
    col(Cycle.organisation_id),
    col(Cycle.created_at),
    col(Cycle.id),
)
Index(
    "ix_cycle_organisation_id_stage_entered_at_id",
    col(Cycle.organisation_id),
    col(Cycle.stage_entered_at),
    col(Cycle.id),
)
Index(
    "ix_cycle_organisation_id_stage_due_on_id",
    col(Cycle.organisation_id),
    col(Cycle.stage_due_on),
    col(Cycle.id),
)
