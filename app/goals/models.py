import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel, col

from app.db import InputModel, IsoDate, TenantRow, input_example, with_example
from app.pagination import Page


class GoalStatus(StrEnum):
    active = "active"
    achieved = "achieved"
    archived = "archived"


_STATUS_DESCRIPTION = "active, achieved or archived."


class GoalBase(SQLModel):
    title: str = Field(
        min_length=1,
        max_length=300,
        description="E.g. `Alla elever upplever delaktighet i sitt lärande`.",
    )
    description: str | None = Field(default=None, max_length=8000)
    valid_from_on: IsoDate | None = Field(
        default=None, description="First day the goal applies (e.g. the start of a plan period)."
    )
    valid_to_on: IsoDate | None = Field(
        default=None, description="Last day the goal applies; not before `valid_from_on`."
    )
    status: GoalStatus = Field(
        default=GoalStatus.active, sa_type=String(16), description=_STATUS_DESCRIPTION
    )


class Goal(GoalBase, TenantRow, table=True):
    """A goal of one unit along the chain of governance (styrkedjan).

    ``parent_goal_id`` names the goal it refines, which belongs to a unit strictly above this
    goal's unit: the municipality's vision, refined by the administration, refined by a school.
    """

    __tablename__ = "goal"
    __table_args__ = (
        CheckConstraint(
            "valid_from_on IS NULL OR valid_to_on IS NULL OR valid_from_on <= valid_to_on",
            name="valid_period",
        ),
    )

    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    parent_goal_id: uuid.UUID | None = Field(default=None, foreign_key="goal.id", index=True)

    def audit_org_unit_id(self, _session: Session) -> uuid.UUID:
        return self.org_unit_id


_EXAMPLE_BODY = {
    "title": "Alla elever upplever delaktighet i sitt lärande",
    "description": "Skolans tolkning av förvaltningens mål om inflytande och delaktighet.",
    "valid_from_on": "2026-08-01",
    "valid_to_on": "2029-06-30",
    "status": "active",
}


class GoalCreate(GoalBase, InputModel):
    model_config = input_example(
        {
            **_EXAMPLE_BODY,
            "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
            "parent_goal_id": "2b7c9d1e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
        }
    )

    org_unit_id: uuid.UUID = Field(
        description="The unit the goal belongs to; must be inside the token's subtree."
    )
    parent_goal_id: uuid.UUID | None = Field(
        default=None,
        description="The goal this one refines; it must belong to a unit strictly above `org_unit_id`.",
    )


class GoalUpdate(InputModel):
    model_config = input_example({"status": "achieved", "valid_to_on": "2028-06-30"})

    title: str = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=8000)
    valid_from_on: IsoDate | None = None
    valid_to_on: IsoDate | None = None
    status: GoalStatus = Field(default=None, description=_STATUS_DESCRIPTION)
    parent_goal_id: uuid.UUID | None = Field(
        default=None, description="The goal this one refines; null makes it a top goal."
    )


_PUBLIC_EXAMPLE = {
    "id": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
    "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
    "parent_goal_id": "2b7c9d1e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
    **_EXAMPLE_BODY,
    "created_at": "2026-08-20T07:30:00Z",
    "updated_at": "2026-08-20T07:30:00Z",
}


class GoalPublic(GoalBase):
    model_config = with_example(_PUBLIC_EXAMPLE)

    id: uuid.UUID
    org_unit_id: uuid.UUID = Field(description="The unit the goal belongs to.")
    parent_goal_id: uuid.UUID | None = Field(description="The goal this one refines, if any.")
    created_at: datetime
    updated_at: datetime


class GoalListItem(GoalPublic):
    """A goal in a list; ``inherited`` tells goals of units above the requested one apart."""

    model_config = with_example({**_PUBLIC_EXAMPLE, "inherited": False})

    inherited: bool = Field(
        default=False,
        description="True when the goal belongs to a unit above the requested `org_unit_id` "
        "(listed because of `include_inherited`).",
    )


class GoalPage(Page[GoalListItem]):
    """One page of goals."""


# The orders lists page in within an organisation (issue 18): index scans, not sorts.
Index("ix_goal_organisation_id_title_id", col(Goal.organisation_id), col(Goal.title), col(Goal.id))
