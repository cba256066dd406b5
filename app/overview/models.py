"""The overview's document: small summaries of the unit's goals, teams, initiatives, what is
overdue and its measures at a glance, each list capped with a link to the full list."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField

from app.charts.models import MeasureGlance
from app.commitments.models import CommitmentStatus
from app.cycles.stages import Stage
from app.goals.models import GoalStatus
from app.initiatives.models import InitiativeStatus
from app.org_units.models import OrgUnitPublic
from app.teams.models import TeamKind

MAX_ITEMS = 50
"""At most this many entries in each of the overview's lists."""


class OverviewList(BaseModel):
    truncated: bool = PydanticField(
        description=f"More than {MAX_ITEMS} entries exist: `items` holds the first "
        f"{MAX_ITEMS}, `more` lists them all."
    )
    more: str = PydanticField(
        description="The full list's path (with this unit as its filter), to page through.",
        examples=["/api/v1/goals?org_unit_id=3f0c2e1a-7d4a-4e5b-9c8d-1a2b3c4d5e6f"],
    )


class OverviewGoal(BaseModel):
    id: uuid.UUID
    title: str
    status: GoalStatus
    valid_to_on: date | None


class OverviewGoals(OverviewList):
    items: list[OverviewGoal]


class OverviewTeam(BaseModel):
    id: uuid.UUID
    name: str
    kind: TeamKind


class OverviewTeams(OverviewList):
    items: list[OverviewTeam]


class OverviewCycle(BaseModel):
    id: uuid.UUID
    initiative_id: uuid.UUID
    sequence: int
    title: str
    stage: Stage
    stage_label: str = PydanticField(description="The stage's name in the answer's language.")
    stage_due_on: date | None
    overdue: bool = PydanticField(description="Its stage is past `stage_due_on` and not closed.")


class OverviewInitiative(BaseModel):
    id: uuid.UUID
    title: str
    status: InitiativeStatus
    team_id: uuid.UUID
    updated_at: datetime
    current_cycle: OverviewCycle | None = PydanticField(
        description="The latest cycle (the highest `sequence`), closed or not; null before the "
        "first."
    )
    overdue_commitments: int = PydanticField(
        description="Its commitments past `due_on` and still open or in progress."
    )


class OverviewInitiatives(OverviewList):
    items: list[OverviewInitiative]


class OverviewCommitment(BaseModel):
    id: uuid.UUID
    description: str
    owner_name: str | None
    due_on: date
    status: CommitmentStatus
    goal_id: uuid.UUID | None
    initiative_id: uuid.UUID | None


class OverdueCycles(OverviewList):
    items: list[OverviewCycle]


class OverdueCommitments(OverviewList):
    items: list[OverviewCommitment]


class Overdue(BaseModel):
    cycles: OverdueCycles = PydanticField(
        description="The unit's cycles whose stage is past its due day, the longest overdue first."
    )
    commitments: OverdueCommitments = PydanticField(
        description="The unit's commitments past `due_on` and still open or in progress, the "
        "longest overdue first."
    )


class OverviewMeasures(OverviewList):
    items: list[MeasureGlance]


_UNIT = "3f0c2e1a-7d4a-4e5b-9c8d-1a2b3c4d5e6f"


class OrgUnitOverview(BaseModel):
    """What a school's page shows, in one document: the unit, its goals, teams and initiatives
    (each with its current cycle's stage), what is overdue, and its measures at a glance."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "unit": {
                    "id": _UNIT,
                    "name": "Norrskolan",
                    "kind": "school",
                    "external_code": "12345678",
                    "parent_id": "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
                    "depth": 1,
                    "archived_at": None,
                    "archived": False,
                    "ancestor_ids": ["9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"],
                    "created_at": "2026-08-01T08:00:00Z",
                    "updated_at": "2026-08-01T08:00:00Z",
                },
                "goals": {
                    "items": [
                        {
                            "id": "5d6e7f80-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
                            "title": "Alla elever känner sig trygga",
                            "status": "active",
                            "valid_to_on": "2027-06-30",
                        }
                    ],
                    "truncated": False,
                    "more": f"/api/v1/goals?org_unit_id={_UNIT}",
                },
                "teams": {
                    "items": [
                        {
                            "id": "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e",
                            "name": "Förbättringsteam åk 5",
                            "kind": "improvement_team",
                        }
                    ],
                    "truncated": False,
                    "more": f"/api/v1/teams?org_unit_id={_UNIT}",
                },
                "initiatives": {
                    "items": [
                        {
                            "id": "8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f",
                            "title": "Delaktighet i klass 5B",
                            "status": "active",
                            "team_id": "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e",
                            "updated_at": "2026-11-02T09:30:00Z",
                            "current_cycle": {
                                "id": "9d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a",
                                "initiative_id": "8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f",
                                "sequence": 2,
                                "title": "Exit tickets varje fredag",
                                "stage": "action",
                                "stage_label": "åtgärd",
                                "stage_due_on": "2026-11-30",
                                "overdue": True,
                            },
                            "overdue_commitments": 1,
                        }
                    ],
                    "truncated": False,
                    "more": f"/api/v1/initiatives?org_unit_id={_UNIT}",
                },
                "overdue": {
                    "cycles": {
                        "items": [],
                        "truncated": False,
                        "more": f"/api/v1/cycles?org_unit_id={_UNIT}&overdue=true",
                    },
                    "commitments": {
                        "items": [],
                        "truncated": False,
                        "more": f"/api/v1/commitments?org_unit_id={_UNIT}&overdue=true",
                    },
                },
                "measures": {
                    "items": [],
                    "truncated": False,
                    "more": f"/api/v1/analytics/measures?org_unit_id={_UNIT}",
                },
            }
        }
    )

    unit: OrgUnitPublic
    goals: OverviewGoals = PydanticField(description="The unit's goals that are not archived.")
    teams: OverviewTeams = PydanticField(description="The unit's teams.")
    initiatives: OverviewInitiatives = PydanticField(
        description="The initiatives of the unit's teams that are planned, active or paused, the "
        "most recently changed first."
    )
    overdue: Overdue
    measures: OverviewMeasures = PydanticField(
        description="The unit's measures and the shared indicators it reports, each at a glance "
        "on this unit's own figures (as `GET /api/v1/analytics/measures?org_unit_id=` shows "
        "them): small-number protection withholds figures exactly as on the measure's chart."
    )
