"""Goal links across the unit tree: a goal refines a goal of a unit above it, and an initiative
serves goals of its team's unit or units above it. A unit move (``org_units``) and a team move
(``teams``) ask :func:`ensure_goal_links_survive` before they move anything.
"""

import uuid

from sqlalchemy import func, literal
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from app.goals.models import Goal
from app.initiatives.models import Initiative, InitiativeGoal
from app.org_units.models import OrgUnit
from app.problems import Conflict
from app.teams.models import Team


class MoveBreaksGoalLinks(Conflict):
    type, title = "move-breaks-goal-links", "The move would break goal links"


async def ensure_goal_links_survive(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    new_prefix: str,
    subtree_path: str | None = None,
    team_id: uuid.UUID | None = None,
) -> None:
    """Refuse (409) a move after which goals would no longer sit above what they steer.

    A goal refines a goal of a strict ancestor unit, and an initiative serves goals of its team's
    unit or units above it. Moving the subtree at ``subtree_path`` (or the team ``team_id``) to
    below the unit with path ``new_prefix`` must keep both true for links that cross the move.
    """
    goal_unit, parent_unit, team_unit = aliased(OrgUnit), aliased(OrgUnit), aliased(OrgUnit)
    parent_goal = aliased(Goal)
    below_new = literal(new_prefix).startswith  # "the new place lies under this unit"
    goals_broken = 0
    if subtree_path is not None:
        goals_broken = (
            await session.execute(
                select(func.count())
                .select_from(Goal)
                .join(goal_unit, col(goal_unit.id) == col(Goal.org_unit_id))
                .join(parent_goal, col(parent_goal.id) == col(Goal.parent_goal_id))
                .join(parent_unit, col(parent_unit.id) == col(parent_goal.org_unit_id))
                .where(
                    col(Goal.organisation_id) == organisation_id,
                    col(goal_unit.path).startswith(subtree_path, autoescape=True),
                    ~col(parent_unit.path).startswith(subtree_path, autoescape=True),
                    ~below_new(col(parent_unit.path)),
                )
            )
        ).scalar_one()
    served = (
        select(func.count())
        .select_from(InitiativeGoal)
        .join(Initiative, col(Initiative.id) == col(InitiativeGoal.initiative_id))
        .join(Goal, col(Goal.id) == col(InitiativeGoal.goal_id))
        .join(goal_unit, col(goal_unit.id) == col(Goal.org_unit_id))
        .where(
            col(InitiativeGoal.organisation_id) == organisation_id, ~below_new(col(goal_unit.path))
        )
    )
    if subtree_path is not None:
        served = (
            served.join(Team, col(Team.id) == col(Initiative.team_id))
            .join(team_unit, col(team_unit.id) == col(Team.org_unit_id))
            .where(
                col(team_unit.path).startswith(subtree_path, autoescape=True),
                ~col(goal_unit.path).startswith(subtree_path, autoescape=True),
            )
        )
    else:
        served = served.where(col(Initiative.team_id) == team_id)
    initiatives_broken = (await session.execute(served)).scalar_one()
    if goals_broken or initiatives_broken:
        raise MoveBreaksGoalLinks(
            f"After the move, {goals_broken} goal(s) would refine a goal that is no longer above "
            f"them and {initiatives_broken} initiative goal link(s) would point at a goal no longer "
            "above the team's unit. Change those goals or links first, then move."
        )
