"""A unit's overview: the unit, its goals, teams, initiatives with their current cycle, what is
overdue and its measures at a glance, in a fixed number of statements whatever the unit holds.

Every list is capped at :data:`MAX_ITEMS` (one row more tells whether it was cut), and its
`more` names the full list. Nothing here has rules of its own: overdue means what the cycles'
and commitments' lists mean by it, and the measures are the glance's, small-number protection
included.
"""

import uuid
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.charts import glance
from app.charts.kinds import ChartQuery
from app.commitments.models import OPEN_STATUSES, Commitment
from app.context import Principal
from app.cycles.models import Cycle
from app.cycles.stages import Stage, stage_label
from app.db import local_today
from app.goals.models import Goal, GoalStatus
from app.i18n import Language
from app.initiatives.models import Initiative, InitiativeStatus
from app.org_units import service as org_unit_service
from app.org_units.models import OrgUnit, OrgUnitPublic
from app.overview.models import (
    MAX_ITEMS,
    OrgUnitOverview,
    Overdue,
    OverdueCommitments,
    OverdueCycles,
    OverviewCommitment,
    OverviewCycle,
    OverviewGoal,
    OverviewGoals,
    OverviewInitiative,
    OverviewInitiatives,
    OverviewMeasures,
    OverviewTeam,
    OverviewTeams,
)
from app.pagination import PageParams
from app.teams.models import Team

_OPEN_INITIATIVES = (InitiativeStatus.planned, InitiativeStatus.active, InitiativeStatus.paused)


def _link(path: str, unit_id: uuid.UUID, **more: str) -> str:
    return f"/api/v1/{path}?{urlencode({'org_unit_id': str(unit_id), **more})}"


def _capped(rows: list[Any]) -> tuple[list[Any], bool]:
    return rows[:MAX_ITEMS], len(rows) > MAX_ITEMS


async def _rows(session: AsyncSession, stmt: Any) -> list[Any]:
    return list((await session.execute(stmt.limit(MAX_ITEMS + 1))).scalars())


def _cycle(cycle: Cycle, today: date, language: Language) -> OverviewCycle:
    return OverviewCycle(
        id=cycle.id,
        initiative_id=cycle.initiative_id,
        sequence=cycle.sequence,
        title=cycle.title,
        stage=cycle.stage,
        stage_label=stage_label(cycle.stage, language),
        stage_due_on=cycle.stage_due_on,
        overdue=cycle.stage != Stage.closed
        and cycle.stage_due_on is not None
        and cycle.stage_due_on < today,
    )


async def read_overview(
    session: AsyncSession, principal: Principal, org_unit_id: uuid.UUID, *, language: Language
) -> OrgUnitOverview:
    """The overview of a unit the token may see (404 otherwise, as every read of a unit)."""
    unit: OrgUnit = await org_unit_service.get_org_unit(session, principal, org_unit_id)
    today = local_today()
    owned = col(Goal.organisation_id) == principal.organisation_id

    goals, more_goals = _capped(
        await _rows(
            session,
            select(Goal)
            .where(
                owned,
                col(Goal.org_unit_id) == unit.id,
                col(Goal.status) != GoalStatus.archived,
            )
            .order_by(col(Goal.title), col(Goal.id)),
        )
    )
    teams, more_teams = _capped(
        await _rows(
            session,
            select(Team)
            .where(
                col(Team.organisation_id) == principal.organisation_id,
                col(Team.org_unit_id) == unit.id,
            )
            .order_by(col(Team.name), col(Team.id)),
        )
    )
    initiatives, more_initiatives = _capped(
        await _rows(
            session,
            select(Initiative)
            .join(Team, col(Team.id) == col(Initiative.team_id))
            .where(
                col(Initiative.organisation_id) == principal.organisation_id,
                col(Team.org_unit_id) == unit.id,
                col(Initiative.status).in_(_OPEN_INITIATIVES),
            )
            .order_by(col(Initiative.updated_at).desc(), col(Initiative.id)),
        )
    )
    initiative_ids = [initiative.id for initiative in initiatives]
    # Each initiative's latest cycle, in one statement.
    latest = (
        select(col(Cycle.initiative_id), func.max(col(Cycle.sequence)).label("sequence"))
        .where(col(Cycle.initiative_id).in_(initiative_ids))
        .group_by(col(Cycle.initiative_id))
        .subquery()
    )
    current = {
        cycle.initiative_id: cycle
        for cycle in (
            await session.execute(
                select(Cycle).join(
                    latest,
                    (latest.c.initiative_id == col(Cycle.initiative_id))
                    & (latest.c.sequence == col(Cycle.sequence)),
                )
            )
        ).scalars()
    }
    open_overdue = col(Commitment.status).in_(OPEN_STATUSES) & (col(Commitment.due_on) < today)
    late_per_initiative: dict[uuid.UUID | None, int] = {
        initiative_id: late
        for initiative_id, late in await session.execute(
            select(col(Commitment.initiative_id), func.count())
            .where(col(Commitment.initiative_id).in_(initiative_ids), open_overdue)
            .group_by(col(Commitment.initiative_id))
        )
    }
    late_cycles, more_late_cycles = _capped(
        await _rows(
            session,
            select(Cycle)
            .join(Initiative, col(Initiative.id) == col(Cycle.initiative_id))
            .join(Team, col(Team.id) == col(Initiative.team_id))
            .where(
                col(Cycle.organisation_id) == principal.organisation_id,
                col(Team.org_unit_id) == unit.id,
                col(Cycle.stage) != Stage.closed,
                col(Cycle.stage_due_on) < today,
            )
            .order_by(col(Cycle.stage_due_on), col(Cycle.id)),
        )
    )
    # A commitment belongs to its goal's unit, or its initiative's team's.
    via_team = (
        select(col(Initiative.id))
        .join(Team, col(Team.id) == col(Initiative.team_id))
        .where(col(Team.org_unit_id) == unit.id)
    )
    via_goal = select(col(Goal.id)).where(col(Goal.org_unit_id) == unit.id)
    late_commitments, more_late_commitments = _capped(
        await _rows(
            session,
            select(Commitment)
            .where(
                col(Commitment.organisation_id) == principal.organisation_id,
                col(Commitment.goal_id).in_(via_goal) | col(Commitment.initiative_id).in_(via_team),
                open_overdue,
            )
            .order_by(col(Commitment.due_on), col(Commitment.id)),
        )
    )
    measures = await glance.summarise_measures(
        session,
        principal,
        page=PageParams(limit=MAX_ITEMS, include_total=False),
        initiative_id=None,
        org_unit_id=unit.id,
        include_descendants=False,
        chart_query=ChartQuery(),
        language=language,
        sort="name",
    )
    return OrgUnitOverview(
        unit=OrgUnitPublic.model_validate(unit),
        goals=OverviewGoals(
            items=[OverviewGoal.model_validate(goal, from_attributes=True) for goal in goals],
            truncated=more_goals,
            more=_link("goals", unit.id),
        ),
        teams=OverviewTeams(
            items=[OverviewTeam.model_validate(team, from_attributes=True) for team in teams],
            truncated=more_teams,
            more=_link("teams", unit.id),
        ),
        initiatives=OverviewInitiatives(
            items=[
                OverviewInitiative(
                    id=initiative.id,
                    title=initiative.title,
                    status=initiative.status,
                    team_id=initiative.team_id,
                    updated_at=initiative.updated_at,
                    current_cycle=None
                    if initiative.id not in current
                    else _cycle(current[initiative.id], today, language),
                    overdue_commitments=late_per_initiative.get(initiative.id, 0),
                )
                for initiative in initiatives
            ],
            truncated=more_initiatives,
            more=_link("initiatives", unit.id),
        ),
        overdue=Overdue(
            cycles=OverdueCycles(
                items=[_cycle(cycle, today, language) for cycle in late_cycles],
                truncated=more_late_cycles,
                more=_link("cycles", unit.id, overdue="true"),
            ),
            commitments=OverdueCommitments(
                items=[
                    OverviewCommitment.model_validate(commitment, from_attributes=True)
                    for commitment in late_commitments
                ],
                truncated=more_late_commitments,
                more=_link("commitments", unit.id, overdue="true"),
            ),
        ),
        measures=OverviewMeasures(
            items=measures.items,
            truncated=measures.next_cursor is not None,
            more=_link("analytics/measures", unit.id),
        ),
    )
