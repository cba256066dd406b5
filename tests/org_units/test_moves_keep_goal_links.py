"""Moving a unit or a team must not leave goals below what they refine or serve."""

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.org_units.models import OrgUnitKind
from tests.factories import make_team, make_tenant, make_unit
from tests.goals.factories import make_goal
from tests.initiatives.factories import make_initiative


async def test_a_unit_whose_goal_refines_a_goal_above_it_cannot_leave_that_branch(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    area_goal = await make_goal(session, tenant.north, "Område Norr: delaktighet")
    await make_goal(session, tenant.school, "Norrskolan: delaktighet", parent=area_goal)
    refused = await client.post(
        f"/api/v1/org-units/{tenant.school.id}/move",
        json={"parent_id": str(tenant.south.id)},
        headers=tenant.headers,
    )
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/move-breaks-goal-links"
    still = (
        await client.get(f"/api/v1/org-units/{tenant.school.id}", headers=tenant.headers)
    ).json()
    assert still["parent_id"] == str(tenant.north.id)
    # Deeper inside the same branch the goal stays above it: allowed.
    inner = await make_unit(
        session, tenant.organisation, "Norr inre", kind=OrgUnitKind.area, parent=tenant.north
    )
    allowed = await client.post(
        f"/api/v1/org-units/{tenant.school.id}/move",
        json={"parent_id": str(inner.id)},
        headers=tenant.headers,
    )
    assert allowed.status_code == 200


async def test_a_team_whose_initiative_serves_a_goal_above_it_cannot_leave_that_branch(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    school_goal = await make_goal(session, tenant.school, "Norrskolan: delaktighet")
    await make_initiative(session, tenant.team, goals=[school_goal])
    refused = await client.patch(
        f"/api/v1/teams/{tenant.team.id}",
        json={"org_unit_id": str(tenant.sibling_school.id)},
        headers=tenant.headers,
    )
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/move-breaks-goal-links"
    below = await make_unit(
        session,
        tenant.organisation,
        "Arbetslag 4-6",
        kind=OrgUnitKind.work_team,
        parent=tenant.school,
    )
    allowed = await client.patch(
        f"/api/v1/teams/{tenant.team.id}",
        json={"org_unit_id": str(below.id)},
        headers=tenant.headers,
    )
    assert allowed.status_code == 200


async def test_moving_a_unit_with_its_teams_and_their_goals_together_is_fine(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    school_goal = await make_goal(session, tenant.school)
    team = await make_team(session, tenant.school, "Team med mål")
    await make_initiative(session, team, goals=[school_goal])
    response = await client.post(
        f"/api/v1/org-units/{tenant.school.id}/move",
        json={"parent_id": str(tenant.south.id)},
        headers=tenant.headers,
    )
    assert response.status_code == 200


async def test_descendants_get_new_etags_when_their_ancestors_change(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    url = f"/api/v1/org-units/{tenant.school.id}"
    before = (await client.get(url, headers=tenant.headers)).headers["etag"]
    await client.post(
        f"/api/v1/org-units/{tenant.north.id}/move",
        json={"parent_id": None},
        headers=tenant.headers,
    )
    after = await client.get(url, headers=tenant.headers)
    assert after.headers["etag"] != before
    assert after.json()["ancestor_ids"] == [str(tenant.north.id)]
