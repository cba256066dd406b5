import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import EmailStr
from sqlalchemy import Index, String
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel, col

from app.db import InputModel, TenantRow, input_example, with_example
from app.pagination import Page


class TeamKind(StrEnum):
    improvement_team = "improvement_team"  # förbättringsteam
    leader_team = "leader_team"  # lederteam, ledningsgrupp


class MemberRole(StrEnum):
    lead = "lead"
    member = "member"
    coach = "coach"
    sponsor = "sponsor"


class TeamBase(SQLModel):
    name: str = Field(min_length=1, max_length=200, description="E.g. `Förbättringsteam åk 5`.")
    kind: TeamKind = Field(
        default=TeamKind.improvement_team,
        sa_type=String(32),
        description="improvement_team (förbättringsteam) or leader_team (lederteam).",
    )
    description: str | None = Field(default=None, max_length=4000)


class Team(TeamBase, TenantRow, table=True):
    """A förbättringsteam or lederteam, attached to the unit whose work it improves."""

    __tablename__ = "team"

    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)

    def audit_org_unit_id(self, _session: Session) -> uuid.UUID:
        return self.org_unit_id


class TeamCreate(TeamBase, InputModel):
    model_config = input_example(
        {
            "name": "Förbättringsteam åk 5",
            "kind": "improvement_team",
            "description": "Delaktighet i klass 5B.",
            "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
        }
    )

    org_unit_id: uuid.UUID = Field(
        description="The unit the team belongs to; must be in the token's scope."
    )


class TeamUpdate(InputModel):
    model_config = input_example({"name": "Förbättringsteam åk 5–6"})

    name: str = Field(default=None, min_length=1, max_length=200)
    kind: TeamKind = Field(default=None)
    description: str | None = Field(default=None, max_length=4000)
    org_unit_id: uuid.UUID = Field(
        default=None, description="Move the team to another unit in scope."
    )


class TeamPublic(TeamBase):
    model_config = with_example(
        {
            "id": "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b",
            "name": "Förbättringsteam åk 5",
            "kind": "improvement_team",
            "description": "Delaktighet i klass 5B.",
            "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
            "created_at": "2026-08-20T07:30:00Z",
            "updated_at": "2026-08-20T07:30:00Z",
        }
    )

    id: uuid.UUID
    org_unit_id: uuid.UUID
    created_at: datetime
    updated_at: datetime


class TeamMemberBase(SQLModel):
    display_name: str = Field(
        min_length=1,
        max_length=200,
        description="How the member is shown, e.g. `Anna L.` or `Elevrepresentant 1`.",
    )
    email: EmailStr | None = Field(
        default=None, max_length=320, description="Optional; leave out for pupils and guardians."
    )
    role: MemberRole = Field(
        default=MemberRole.member, sa_type=String(16), description="lead, member, coach or sponsor."
    )
    participant_label: str | None = Field(
        default=None,
        max_length=200,
        description="Free label such as `pupil representative` or `guardian`, so people take part without personal data.",
    )


class TeamMember(TeamMemberBase, TenantRow, table=True):
    __tablename__ = "team_member"

    team_id: uuid.UUID = Field(foreign_key="team.id", index=True)
    email: str | None = Field(default=None, max_length=320)  # validated on the way in

    def audit_org_unit_id(self, session: Session) -> uuid.UUID | None:
        team = session.get(Team, self.team_id)
        return team.org_unit_id if team else None


_MEMBER_EXAMPLE = {
    "display_name": "Elevrepresentant 5B",
    "email": None,
    "role": "member",
    "participant_label": "pupil representative",
}


class TeamMemberCreate(TeamMemberBase, InputModel):
    model_config = input_example(_MEMBER_EXAMPLE)


class TeamMemberUpdate(InputModel):
    model_config = input_example({"role": "lead"})

    display_name: str = Field(default=None, min_length=1, max_length=200)
    email: EmailStr | None = Field(default=None, max_length=320)
    role: MemberRole = Field(default=None)
    participant_label: str | None = Field(default=None, max_length=200)


class TeamMemberPublic(TeamMemberBase):
    model_config = with_example(
        {
            "id": "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d",
            "team_id": "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b",
            **_MEMBER_EXAMPLE,
            "created_at": "2026-08-20T07:30:00Z",
            "updated_at": "2026-08-20T07:30:00Z",
        }
    )

    id: uuid.UUID
    team_id: uuid.UUID
    email: str | None = None
    created_at: datetime
    updated_at: datetime


class TeamPage(Page[TeamPublic]):
    """One page of teams."""


class TeamMemberPage(Page[TeamMemberPublic]):
    """One page of a team's members."""


# The orders lists page in within an organisation (issue 18): index scans, not sorts.
Index("ix_team_organisation_id_name_id", col(Team.organisation_id), col(Team.name), col(Team.id))
