"""Goals, put in the database the way the service would."""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.goals.models import Goal, GoalStatus
from app.org_units.models import OrgUnit


async def make_goal(
    session: AsyncSession,
    unit: OrgUnit,
    title: str = "Alla elever upplever delaktighet",
    *,
    parent: Goal | None = None,
    status: GoalStatus = GoalStatus.active,
    valid_from_on: date | None = None,
    valid_to_on: date | None = None,
) -> Goal:
    goal = Goal(
        organisation_id=unit.organisation_id,
        org_unit_id=unit.id,
        title=title,
        parent_goal_id=parent.id if parent else None,
        status=status,
        valid_from_on=valid_from_on,
        valid_to_on=valid_to_on,
    )
    session.add(goal)
    await session.commit()
    return goal
