"""Initiatives, put in the database the way the service would."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.goals.models import Goal
from app.initiatives.models import Initiative, InitiativeGoal, InitiativeStatus
from app.teams.models import Team


async def make_initiative(
    session: AsyncSession,
    team: Team,
    title: str = "Delaktighet i klass 5B",
    *,
    focus_area: str = "delaktighet",
    status: InitiativeStatus = InitiativeStatus.active,
    goals: Sequence[Goal] = (),
) -> Initiative:
    initiative = Initiative(
        organisation_id=team.organisation_id,
        team_id=team.id,
        title=title,
        focus_area=focus_area,
        status=status,
    )
    session.add(initiative)
    await session.flush()
    session.add_all(
        InitiativeGoal(
            organisation_id=team.organisation_id, initiative_id=initiative.id, goal_id=goal.id
        )
        for goal in goals
    )
    await session.commit()
    return initiative
