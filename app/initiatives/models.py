import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel, col

from app.db import InputModel, IsoDate, TenantRow, input_example, with_example
from app.pagination import Page
from app.teams.models import Team


class InitiativeStatus(StrEnum):
    planned = "planned"
    active = "active"
    paused = "paused"
    completed = "completed"
    abandoned = "abandoned"


_STATUS_DESCRIPTION = "planned, active, paused, completed or abandoned."


class InitiativeBase(SQLModel):
    title: str = Field(min_length=1, max_length=300, description="E.g. `Delaktighet i klass 5B`.")
    focus_area: str = Field(
        min_length=1,
        max_length=200,
        description="The focus area (fokusområde), free text, e.g. `delaktighet`.",
    )
    problem_description: str | None = Field(
        default=None, max_length=8000, description="What the problem is and for whom."
    )
    evidence: str | None = Field(
        default=None,
        max_length=8000,
        description="What chose this problem, e.g. the yearly pupil survey or focus-group interviews.",
    )
    aim_what: str | None = Field(
        default=None,
        max_length=2000,
        description="Aim statement, what: e.g. `Fler elever i 5B upplever att de får vara med och påverka`.",
    )
    aim_how_much: str | None = Field(
        default=None,
        max_length=500,
        description="Aim statement, how much: e.g. `från 45 % till 75 % instämmer`.",
    )
    aim_by_when_on: IsoDate | None = Field(default=None, description="Aim statement, by when.")
    status: InitiativeStatus = Field(
        default=InitiativeStatus.planned, sa_type=String(16), description=_STATUS_DESCRIPTION
    )
    started_on: IsoDate | None = Field(default=None, description="When the work started.")
    ended_on: IsoDate | None = Field(
        default=None, description="When the work ended; not before `started_on`."
    )


class Initiative(InitiativeBase, TenantRow, table=True):
    """An improvement initiative (förbättringsarbete), owned by a team.

    Its unit is the team's unit: scope checks go initiative -> team -> org unit, so moving a team
    moves its initiatives along.
    """

    __tablename__ = "initiative"
    __table_args__ = (
        CheckConstraint(
            "started_on IS NULL OR ended_on IS NULL OR started_on <= ended_on", name="period"
        ),
    )

    team_id: uuid.UUID = Field(foreign_key="team.id", index=True)

    def audit_org_unit_id(self, session: Session) -> uuid.UUID | None:
        team = session.get(Team, self.team_id)
        return team.org_unit_id if team else None


class InitiativeGoal(TenantRow, table=True):
    """Link: the initiative serves the goal (many to many)."""

    __tablename__ = "initiative_goal"
    __table_args__ = (UniqueConstraint("initiative_id", "goal_id"),)

    initiative_id: uuid.UUID = Field(foreign_key="initiative.id", index=True)
    goal_id: uuid.UUID = Field(foreign_key="goal.id", index=True)

    def audit_org_unit_id(self, session: Session) -> uuid.UUID | None:
        initiative = session.get(Initiative, self.initiative_id)
        return initiative.audit_org_unit_id(session) if initiative else None


_EXAMPLE_BODY = {
    "title": "Delaktighet i klass 5B",
    "focus_area": "delaktighet",
    "problem_description": "Få elever i 5B upplever att de kan påverka hur undervisningen läggs upp.",
    "evidence": "Elevenkäten HT 2025 (45 % instämmer) och fokusgruppsintervjuer med 12 elever.",
    "aim_what": "Elever i 5B upplever att de får vara med och påverka lektionerna",
    "aim_how_much": "från 45 % till 75 % som instämmer",
    "aim_by_when_on": "2027-06-15",
    "status": "active",
    "started_on": "2026-09-01",
    "ended_on": None,
}
_GOAL_ID = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"


class InitiativeCreate(InitiativeBase, InputModel):
    model_config = input_example(
        {
            **_EXAMPLE_BODY,
            "team_id": "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b",
            "goal_ids": [_GOAL_ID],
        }
    )

    team_id: uuid.UUID = Field(description="The owning team; must be in the token's scope.")
    goal_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=50,
        description="Goals the initiative serves: each of the team's unit or a unit above it.",
    )


class InitiativeUpdate(InputModel):
    model_config = input_example(
        {"status": "completed", "ended_on": "2027-06-10", "goal_ids": [_GOAL_ID]}
    )

    title: str = Field(default=None, min_length=1, max_length=300)
    focus_area: str = Field(default=None, min_length=1, max_length=200)
    problem_description: str | None = Field(default=None, max_length=8000)
    evidence: str | None = Field(default=None, max_length=8000)
    aim_what: str | None = Field(default=None, max_length=2000)
    aim_how_much: str | None = Field(default=None, max_length=500)
    aim_by_when_on: IsoDate | None = None
    status: InitiativeStatus = Field(default=None, description=_STATUS_DESCRIPTION)
    started_on: IsoDate | None = None
    ended_on: IsoDate | None = None
    team_id: uuid.UUID = Field(
        default=None, description="Hand the initiative over to another team in scope."
    )
    goal_ids: list[uuid.UUID] = Field(
        default=None, max_length=50, description="Replaces the list of goals served."
    )


class InitiativePublic(InitiativeBase):
    model_config = with_example(
        {
            "id": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
            "team_id": "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b",
            "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
            "goal_ids": [_GOAL_ID],
            **_EXAMPLE_BODY,
            "created_at": "2026-08-20T07:30:00Z",
            "updated_at": "2026-09-01T06:45:00Z",
        }
    )

    id: uuid.UUID
    team_id: uuid.UUID
    org_unit_id: uuid.UUID = Field(description="The owning team's unit.")
    goal_ids: list[uuid.UUID] = Field(description="Goals the initiative serves.")
    created_at: datetime
    updated_at: datetime
    version: int = Field(exclude=True)


class InitiativePage(Page[InitiativePublic]):
    """One page of initiatives."""


# The orders lists page in within an organisation (issue 18): index scans, not sorts.
Index(
    "ix_initiative_organisation_id_title_id",
    col(Initiative.organisation_id),
    col(Initiative.title),
    col(Initiative.id),
)
Index(
    "ix_initiative_organisation_id_created_at_id",
    col(Initiative.organisation_id),
    col(Initiative.created_at),
    col(Initiative.id),
)
