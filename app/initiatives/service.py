"""Improvement initiatives (förbättringsarbeten): owned by a team, scoped through its unit."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.initiatives.models import Initiative
from app.org_units.models import OrgUnit
from app.problems import NotFound
from app.teams.models import Team


async def get_initiative(
    session: AsyncSession, principal: Principal, initiative_id: uuid.UUID
) -> Initiative:
    """The initiative, when its team's unit is in the token's scope (404 otherwise)."""
    initiative = (
        await session.execute(
            select(Initiative)
            .join(Team, Team.id == Initiative.team_id)
            .join(OrgUnit, OrgUnit.id == Team.org_unit_id)
            .where(
                Initiative.id == initiative_id,
                Initiative.organisation_id == principal.organisation_id,
                principal.path_filter(OrgUnit.path),
            )
        )
    ).scalar_one_or_none()
    if initiative is None:
        raise NotFound.for_object("initiative", initiative_id)
    return initiative
