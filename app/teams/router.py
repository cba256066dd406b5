import uuid
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from fastapi import Query, Response, status

from app.access_tokens.auth import CurrentUser, Editor
from app.db import QueryText, SessionDep
from app.etag import IfMatch, set_etag
from app.pagination import PageDep
from app.problems import problem_responses
from app.routing import service_router
from app.teams import service
from app.teams.models import (
    TeamCreate,
    TeamKind,
    TeamMemberCreate,
    TeamMemberPage,
    TeamMemberPublic,
    TeamMemberUpdate,
    TeamPage,
    TeamPublic,
    TeamUpdate,
)

router = service_router("teams")


if TYPE_CHECKING:
    TeamSort = StrEnum
else:
    TeamSort = service.SORT.enum  # made by the sort helper from the service's columns


@router.get("", response_model=TeamPage, responses=problem_responses(401, 404, 422))
async def list_teams(
    session: SessionDep,
    principal: CurrentUser,
    page: PageDep,
    org_unit_id: Annotated[uuid.UUID | None, Query(description="Only teams of this unit.")] = None,
    include_descendants: Annotated[
        bool, Query(description="With org_unit_id: also teams of the units below it.")
    ] = False,
    kind: Annotated[TeamKind | None, Query(description="Only teams of this kind.")] = None,
    q: Annotated[
        QueryText | None, Query(max_length=200, description="Name contains (case-insensitive).")
    ] = None,
    sort: Annotated[
        TeamSort, Query(description="Order; `-` sorts descending.")
    ] = service.SORT.default,
) -> object:
    """List the teams in the token's scope."""
    return await service.list_teams(
        session,
        principal,
        page=page,
        org_unit_id=org_unit_id,
        include_descendants=include_descendants,
        kind=kind,
        q=q,
        sort=sort.value,
    )


@router.post(
    "",
    response_model=TeamPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
)
async def create_team(
    session: SessionDep, principal: Editor, data: TeamCreate, response: Response
) -> object:
    """Create a team at a unit in the token's scope."""
    team = await service.create_team(session, principal, data=data)
    set_etag(response, team)
    response.headers["Location"] = f"/api/v1/teams/{team.id}"
    return team


@router.get("/{team_id}", response_model=TeamPublic, responses=problem_responses(401, 404, 422))
async def get_team(
    session: SessionDep, principal: CurrentUser, team_id: uuid.UUID, response: Response
) -> object:
    """Read one team."""
    team = await service.get_team(session, principal, team_id)
    set_etag(response, team)
    return team


@router.patch(
    "/{team_id}",
    response_model=TeamPublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update_team(
    session: SessionDep,
    principal: Editor,
    team_id: uuid.UUID,
    changes: TeamUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Change a team's name, kind, description or unit. A team that moves to another unit
    (another school, or another part of the tree) takes its improvement work with it: its
    initiatives' measures, their measurements, phases, exclusions and annotations, and its
    cycles' measure links move to the new unit in the same transaction, each change audited. A
    rektor expects the work to follow the people doing it: the new unit's tokens read and report
    it from then on, the old unit's no longer do. Refused with 409 `team-move-clash` when its
    measurements carry external ids the new unit already uses (they are unique per unit)."""
    team = await service.update_team(
        session, principal, team_id, changes=changes, if_match=if_match
    )
    set_etag(response, team)
    return team


@router.delete(
    "/{team_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def delete_team(
    session: SessionDep, principal: Editor, team_id: uuid.UUID, if_match: IfMatch = None
) -> None:
    """Delete a team and its members; refused (409) once improvement work refers to it."""
    await service.delete_team(session, principal, team_id, if_match=if_match)


@router.get(
    "/{team_id}/members",
    response_model=TeamMemberPage,
    responses=problem_responses(401, 404, 422),
)
async def list_team_members(
    session: SessionDep, principal: CurrentUser, team_id: uuid.UUID, page: PageDep
) -> object:
    """List a team's members, by display name."""
    return await service.list_team_members(session, principal, team_id, page=page)


@router.post(
    "/{team_id}/members",
    response_model=TeamMemberPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 422),
)
async def create_team_member(
    session: SessionDep,
    principal: Editor,
    team_id: uuid.UUID,
    data: TeamMemberCreate,
    response: Response,
) -> object:
    """Add a member; pupils and guardians take part under a participant label, without personal data."""
    member = await service.create_team_member(session, principal, team_id, data=data)
    set_etag(response, member)
    response.headers["Location"] = f"/api/v1/teams/{team_id}/members/{member.id}"
    return member


@router.get(
    "/{team_id}/members/{member_id}",
    response_model=TeamMemberPublic,
    responses=problem_responses(401, 404, 422),
)
async def get_team_member(
    session: SessionDep,
    principal: CurrentUser,
    team_id: uuid.UUID,
    member_id: uuid.UUID,
    response: Response,
) -> object:
    """Read one member of a team."""
    member = await service.get_team_member(session, principal, team_id, member_id)
    set_etag(response, member)
    return member


@router.patch(
    "/{team_id}/members/{member_id}",
    response_model=TeamMemberPublic,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def update_team_member(
    session: SessionDep,
    principal: Editor,
    team_id: uuid.UUID,
    member_id: uuid.UUID,
    changes: TeamMemberUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Change a member's name, e-mail, role or participant label."""
    member = await service.update_team_member(
        session, principal, team_id, member_id, changes=changes, if_match=if_match
    )
    set_etag(response, member)
    return member


@router.delete(
    "/{team_id}/members/{member_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_team_member(
    session: SessionDep,
    principal: Editor,
    team_id: uuid.UUID,
    member_id: uuid.UUID,
    if_match: IfMatch = None,
) -> None:
    """Remove a member from a team."""
    await service.delete_team_member(session, principal, team_id, member_id, if_match=if_match)
