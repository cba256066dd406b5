"""Commitments, put in the database the way the service would."""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.commitments.models import Commitment, CommitmentStatus
from app.goals.models import Goal
from app.initiatives.models import Initiative
from app.teams.models import Team


async def make_commitment(
    session: AsyncSession,
    *,
    goal: Goal | None = None,
    initiative: Initiative | None = None,
    team: Team | None = None,
    owner_name: str | None = "Rektor Anna L.",
    due_on: date = date(2026, 10, 15),
    status: CommitmentStatus = CommitmentStatus.open,
    description: str = "Avsätta tid för fokusgrupper i åk 5.",
) -> Commitment:
    target = goal or initiative
    assert target is not None, "a commitment serves a goal or an initiative"
    commitment = Commitment(
        organisation_id=target.organisation_id,
        goal_id=goal.id if goal else None,
        initiative_id=initiative.id if initiative else None,
        team_id=team.id if team else None,
        owner_name=owner_name,
        due_on=due_on,
        status=status,
        description=description,
    )
    session.add(commitment)
    await session.commit()
    return commitment
