"""Teams (förbättringsteam, lederteam) and their members."""

import uuid

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.context import Principal
from app.db import delete_unless_referenced
from app.etag import check_if_match
from app.initiatives import goal_links
from app.org_units import service as org_unit_service
from app.org_units.models import OrgUnit
from app.pagination import Order, Page, PageParams, Sorting, paginate
from app.problems import Conflict, NotFound
from app.teams.models import (
    Team,
    TeamCreate,
    TeamKind,
    TeamMember,
    TeamMemberCreate,
    TeamMemberUpdate,
    TeamUpdate,
)


class TeamHasHistory(Conflict):
    type, title = "team-has-history", "The team has history"


async def get_team(session: AsyncSession, principal: Principal, team_id: uuid.UUID) -> Team:
    team = (
        await session.execute(
            select(Team)
            .join(OrgUnit, col(OrgUnit.id) == col(Team.org_unit_id))
            .where(
                col(Team.id) == team_id,
                col(Team.organisation_id) == principal.organisation_id,
                principal.path_filter(col(OrgUnit.path)),
            )
        )
    ).scalar_one_or_none()
    if team is None:
        raise NotFound.for_object("team", team_id)
    return team


SORT = Sorting(
    "TeamSort",
    {"name": col(Team.name), "created_at": col(Team.created_at)},
    tiebreaker=col(Team.id),
)


async def list_teams(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    org_unit_id: uuid.UUID | None = None,
    include_descendants: bool = False,
    kind: TeamKind | None = None,
    q: str | None = None,
    sort: str = "name",
) -> Page[Team]:
    stmt = (
        select(Team)
        .join(OrgUnit, col(OrgUnit.id) == col(Team.org_unit_id))
        .where(
            col(Team.organisation_id) == principal.organisation_id,
            principal.path_filter(col(OrgUnit.path)),
        )
    )
    if org_unit_id is not None:
        stmt = stmt.where(
            await org_unit_service.unit_condition(
                session, principal, org_unit_id, include_descendants=include_descendants
            )
        )
    if kind is not None:
        stmt = stmt.where(col(Team.kind) == kind)
    if q:
        stmt = stmt.where(func.lower(col(Team.name)).contains(q.lower(), autoescape=True))
    return await paginate(session, stmt, page=page, order=SORT.order(sort))


async def create_team(session: AsyncSession, principal: Principal, *, data: TeamCreate) -> Team:
    await org_unit_service.resolve_unit_reference(
        session, principal, data.org_unit_id, field="body.org_unit_id"
    )
    team = Team.model_validate(data, update={"organisation_id": principal.organisation_id})
    session.add(team)
    await session.commit()
    return team


async def update_team(
    session: AsyncSession,
    principal: Principal,
    team_id: uuid.UUID,
    *,
    changes: TeamUpdate,
    if_match: str | None,
) -> Team:
    values = changes.model_dump(exclude_unset=True)
    if "org_unit_id" in values:
        # A team move is checked against its initiatives' goal links and the units' paths,
        # which unit moves and initiative changes write: take the tree lock before reading them.
        await org_unit_service.lock_tree(session, principal.organisation_id)
    team = await get_team(session, principal, team_id)
    check_if_match(if_match, team)
    if "org_unit_id" in values and values["org_unit_id"] != team.org_unit_id:
        unit = await org_unit_service.resolve_unit_reference(
            session, principal, values["org_unit_id"], field="body.org_unit_id"
        )
        await goal_links.ensure_goal_links_survive(
            session, organisation_id=team.organisation_id, new_prefix=unit.path, team_id=team.id
        )
        # The team's measures go with it: its initiatives' measures, their measurements and
        # chart settings, and its cycles' measure links (issue 13). Imported here: the charts
        # and measures domains read teams (through initiatives), so a module-level import would
        # make a loop of packages; this is the one place a team move reaches them.
        from app.charts import settings as chart_settings

        await chart_settings.move_team_measures(
            session, principal, team_id=team.id, to_unit_id=unit.id
        )
    for key, value in values.items():
        setattr(team, key, value)
    await session.commit()
    return team


async def delete_team(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID, *, if_match: str | None
) -> None:
    """Delete a team and its member list; refused (409) once the team owns improvement work."""
    team = await get_team(session, principal, team_id)
    check_if_match(if_match, team)
    members = (
        await session.execute(select(TeamMember).where(col(TeamMember.team_id) == team.id))
    ).scalars()
    await delete_unless_referenced(
        session,
        *members,
        team,
        refused=TeamHasHistory(
            "Improvement work (initiatives, goals, commitments ...) refers to this team, so it is kept."
        ),
    )


async def get_team_member(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID, member_id: uuid.UUID
) -> TeamMember:
    team = await get_team(session, principal, team_id)
    member = (
        await session.execute(
            select(TeamMember).where(
                col(TeamMember.id) == member_id, col(TeamMember.team_id) == team.id
            )
        )
    ).scalar_one_or_none()
    if member is None:
        raise NotFound.for_object("team member", member_id)
    return member


_MEMBER_ORDER = Order.by(
    col(TeamMember.display_name), list_name="TeamMembers", tiebreaker=col(TeamMember.id)
)


async def list_team_members(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID, *, page: PageParams
) -> Page[TeamMember]:
    team = await get_team(session, principal, team_id)
    stmt = select(TeamMember).where(col(TeamMember.team_id) == team.id)
    return await paginate(session, stmt, page=page, order=_MEMBER_ORDER)


async def create_team_member(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID, *, data: TeamMemberCreate
) -> TeamMember:
    team = await get_team(session, principal, team_id)
    member = TeamMember.model_validate(
        data, update={"organisation_id": principal.organisation_id, "team_id": team.id}
    )
    session.add(member)
    await session.commit()
    return member


async def update_team_member(
    session: AsyncSession,
    principal: Principal,
    team_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    changes: TeamMemberUpdate,
    if_match: str | None,
) -> TeamMember:
    member = await get_team_member(session, principal, team_id, member_id)
    check_if_match(if_match, member)
    values = changes.model_dump(exclude_unset=True)
    for key, value in values.items():
        setattr(member, key, value)
    await session.commit()
    return member


async def delete_team_member(
    session: AsyncSession,
    principal: Principal,
    team_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    if_match: str | None,
) -> None:
    member = await get_team_member(session, principal, team_id, member_id)
    check_if_match(if_match, member)
    await session.delete(member)
    await session.commit()
