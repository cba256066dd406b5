"""Isolation cases for goals; ``populate`` also serves the initiative and commitment cases.

Goals of the units above a scope root are readable by design (the chain of governance cascades
down), so the victim's goals here sit at ``north`` and ``school``: the sibling-scope admin must
see none of them, and a root goal would be a legitimate read, not a leak.
"""

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.commitments.models import Commitment, CommitmentStatus
from app.goals.models import Goal
from app.initiatives.models import Initiative, InitiativeGoal, InitiativeStatus
from tests.factories import Tenant
from tests.isolation.framework import Case


async def populate(session: AsyncSession, tenant: Tenant) -> dict[str, uuid.UUID]:
    """Goals of north and the school, two initiatives of the school's team, an overdue commitment."""
    organisation_id = tenant.organisation.id
    goal = Goal(organisation_id=organisation_id, org_unit_id=tenant.north.id, title="Områdets mål")
    session.add(goal)
    await session.flush()
    school_goal = Goal(
        organisation_id=organisation_id,
        org_unit_id=tenant.school.id,
        title="Skolans mål",
        parent_goal_id=goal.id,
    )
    spare_goal = Goal(organisation_id=organisation_id, org_unit_id=tenant.school.id, title="Utkast")
    initiative = Initiative(
        organisation_id=organisation_id,
        team_id=tenant.team.id,
        title="Delaktighet i klass 5B",
        focus_area="delaktighet",
        status=InitiativeStatus.active,
    )
    spare_initiative = Initiative(
        organisation_id=organisation_id,
        team_id=tenant.team.id,
        title="Utkast",
        focus_area="trygghet",
    )
    session.add_all([school_goal, spare_goal, initiative, spare_initiative])
    await session.flush()
    commitment = Commitment(
        organisation_id=organisation_id,
        goal_id=school_goal.id,
        owner_name="Rektor Anna L.",
        description="Fokusgrupper i åk 5",
        due_on=date(2020, 1, 31),
        status=CommitmentStatus.open,
    )
    link = InitiativeGoal(
        organisation_id=organisation_id, initiative_id=initiative.id, goal_id=school_goal.id
    )
    session.add_all([commitment, link])
    await session.commit()
    return {
        "goal": goal.id,
        "school_goal": school_goal.id,
        "spare_goal": spare_goal.id,
        "initiative": initiative.id,
        "spare_initiative": spare_initiative.id,
        "commitment": commitment.id,
    }


CASES: list[Case] = [
    Case("GET", "/goals", refused=200, lists=("goal", "school_goal", "spare_goal")),
    Case("GET", "/goals", query={"status": "active", "q": "mål"}, refused=200, lists=("goal",)),
    Case("GET", "/goals", query={"parent_goal_id": "{goal}"}, refused=422, lists=("school_goal",)),
    Case(
        "GET",
        "/goals",
        query={"org_unit_id": "{school}", "include_inherited": "true"},
        refused=422,
        lists=("goal", "school_goal"),
    ),
    Case(
        "GET",
        "/goals",
        query={"org_unit_id": "{north}", "include_descendants": "true"},
        refused=422,
        lists=("goal", "school_goal"),
    ),
    Case(
        "POST",
        "/goals",
        body={"org_unit_id": "{school}", "title": "Inkräktarmål"},
        expect=201,
        refused=422,
        unchanged="/goals?org_unit_id={school}&limit=500",
    ),
    Case("GET", "/goals/{school_goal}"),
    Case("PATCH", "/goals/{school_goal}", body={"title": "Kapat mål"}),
    Case("DELETE", "/goals/{spare_goal}", expect=204),
]
