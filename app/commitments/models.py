import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel, col

from app.db import InputModel, IsoDate, TenantRow, input_example, with_example
from app.goals.models import Goal
from app.initiatives.models import Initiative
from app.pagination import Page


class CommitmentStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"
    not_done = "not_done"
    cancelled = "cancelled"


OPEN_STATUSES = (CommitmentStatus.open, CommitmentStatus.in_progress)
_STATUS_DESCRIPTION = "open, in_progress, done, not_done or cancelled."


class CommitmentBase(SQLModel):
    description: str = Field(
        min_length=1,
        max_length=4000,
        description="What is promised, e.g. `Rektor avsätter tid för fokusgrupper i åk 5`.",
    )
    owner_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The person who promises, as shown (e.g. `Rektor Anna L.`); or give `team_id`.",
    )
    due_on: IsoDate = Field(index=True, description="When it is due.")
    status: CommitmentStatus = Field(
        default=CommitmentStatus.open, sa_type=String(16), description=_STATUS_DESCRIPTION
    )
    follow_up_note: str | None = Field(
        default=None, max_length=4000, description="What the follow-up found."
    )
    followed_up_on: IsoDate | None = Field(default=None, description="When it was followed up.")


class Commitment(CommitmentBase, TenantRow, table=True):
    """A commitment (åtagande): a person's or a team's promise towards a goal or an initiative.

    It belongs to the unit of its goal, or of its initiative's team; exactly one of the two is set.
    """

    __tablename__ = "commitment"
    __table_args__ = (
        CheckConstraint("(goal_id IS NULL) <> (initiative_id IS NULL)", name="one_target"),
        CheckConstraint("team_id IS NOT NULL OR owner_name IS NOT NULL", name="owner"),
    )

    goal_id: uuid.UUID | None = Field(default=None, foreign_key="goal.id", index=True)
    initiative_id: uuid.UUID | None = Field(default=None, foreign_key="initiative.id", index=True)
    team_id: uuid.UUID | None = Field(default=None, foreign_key="team.id", index=True)

    def audit_org_unit_id(self, session: Session) -> uuid.UUID | None:
        if self.goal_id is not None:
            goal = session.get(Goal, self.goal_id)
            return goal.org_unit_id if goal else None
        initiative = session.get(Initiative, self.initiative_id)
        return initiative.audit_org_unit_id(session) if initiative else None


_EXAMPLE_BODY = {
    "description": "Ledningsgruppen avsätter en studiedag för fokusgrupper om delaktighet.",
    "owner_name": "Rektor Anna L.",
    "due_on": "2026-10-15",
    "status": "open",
    "follow_up_note": None,
    "followed_up_on": None,
}


class CommitmentCreate(CommitmentBase, InputModel):
    model_config = input_example(
        {
            **_EXAMPLE_BODY,
            "goal_id": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
            "team_id": "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b",
        }
    )

    goal_id: uuid.UUID | None = Field(
        default=None, description="The goal it serves; give this or `initiative_id`."
    )
    initiative_id: uuid.UUID | None = Field(
        default=None, description="The initiative it serves; give this or `goal_id`."
    )
    team_id: uuid.UUID | None = Field(
        default=None, description="The team that promises; give this or `owner_name` (or both)."
    )


class CommitmentUpdate(InputModel):
    model_config = input_example(
        {
            "status": "done",
            "follow_up_note": "Fokusgrupper genomförda med 12 elever.",
            "followed_up_on": "2026-10-20",
        }
    )

    description: str = Field(default=None, min_length=1, max_length=4000)
    owner_name: str | None = Field(default=None, min_length=1, max_length=200)
    due_on: IsoDate = Field(default=None)
    status: CommitmentStatus = Field(default=None, description=_STATUS_DESCRIPTION)
    follow_up_note: str | None = Field(default=None, max_length=4000)
    followed_up_on: IsoDate | None = None
    team_id: uuid.UUID | None = Field(default=None, description="The team that promises.")


class CommitmentPublic(CommitmentBase):
    model_config = with_example(
        {
            "id": "3c2b1a0f-9e8d-4c7b-a6f5-e4d3c2b1a098",
            "goal_id": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
            "initiative_id": None,
            "team_id": "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b",
            "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
            **_EXAMPLE_BODY,
            "overdue": False,
            "created_at": "2026-09-01T06:45:00Z",
            "updated_at": "2026-09-01T06:45:00Z",
        }
    )

    id: uuid.UUID
    goal_id: uuid.UUID | None
    initiative_id: uuid.UUID | None
    team_id: uuid.UUID | None
    org_unit_id: uuid.UUID = Field(
        description="The unit it belongs to: its goal's unit, or its initiative's team's unit."
    )
    overdue: bool = Field(description="Past `due_on` and still open or in progress.")
    created_at: datetime
    updated_at: datetime
    version: int = Field(exclude=True)


class CommitmentPage(Page[CommitmentPublic]):
    """One page of commitments."""


# The orders lists page in within an organisation (issue 18): index scans, not sorts.
Index(
    "ix_commitment_organisation_id_due_on_id",
    col(Commitment.organisation_id),
    col(Commitment.due_on),
    col(Commitment.id),
)
