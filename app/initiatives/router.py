import uuid
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from fastapi import Query, Response, status

from app.access_tokens.auth import CurrentUser, Editor
from app.db import QueryText, SessionDep
from app.etag import IfMatch, set_etag
from app.initiatives import service
from app.initiatives.models import (
    InitiativeCreate,
    InitiativePage,
    InitiativePublic,
    InitiativeStatus,
    InitiativeUpdate,
)
from app.pagination import PageDep
from app.problems import problem_responses
from app.routing import service_router

router = service_router("initiatives")


if TYPE_CHECKING:
    InitiativeSort = StrEnum
else:
    InitiativeSort = service.SORT.enum  # made by the sort helper from the service's columns


@router.get("", response_model=InitiativePage, responses=problem_responses(401, 404, 422))
async def list_initiatives(
    session: SessionDep,
    principal: CurrentUser,
    page: PageDep,
    org_unit_id: Annotated[
        uuid.UUID | None,
        Query(
            description="Only initiatives of teams of this unit (422 if the token cannot see it)."
        ),
    ] = None,
    include_descendants: Annotated[
        bool, Query(description="With org_unit_id: also initiatives of the units below it.")
    ] = False,
    team_id: Annotated[
        uuid.UUID | None, Query(description="Only initiatives of this team.")
    ] = None,
    status: Annotated[
        InitiativeStatus | None, Query(description="Only initiatives in this status.")
    ] = None,
    focus_area: Annotated[
        QueryText | None,
        Query(
            max_length=200,
            description="Only this focus area (case-insensitive), e.g. `delaktighet`.",
        ),
    ] = None,
    goal_id: Annotated[
        uuid.UUID | None, Query(description="Only initiatives serving this goal.")
    ] = None,
    q: Annotated[
        QueryText | None,
        Query(max_length=200, description="Title or focus area contains (case-insensitive)."),
    ] = None,
    sort: Annotated[
        InitiativeSort, Query(description="Order; `-` sorts descending; empty dates last.")
    ] = service.SORT.default,
) -> object:
    """List the initiatives of the teams in the token's scope, filtered and sorted."""
    return await service.list_initiatives(
        session,
        principal,
        page=page,
        org_unit_id=org_unit_id,
        include_descendants=include_descendants,
        team_id=team_id,
        status=status,
        focus_area=focus_area,
        goal_id=goal_id,
        q=q,
        sort=sort.value,
    )


@router.post(
    "",
    response_model=InitiativePublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
)
async def create_initiative(
    session: SessionDep, principal: Editor, data: InitiativeCreate, response: Response
) -> object:
    """Create an initiative for a team in scope, serving goals of the team's unit or units above it."""
    initiative = await service.create_initiative(session, principal, data=data)
    set_etag(response, initiative)
    response.headers["Location"] = f"/api/v1/initiatives/{initiative.id}"
    return initiative


@router.get(
    "/{initiative_id}",
    response_model=InitiativePublic,
    responses=problem_responses(401, 404, 422),
)
async def get_initiative(
    session: SessionDep, principal: CurrentUser, initiative_id: uuid.UUID, response: Response
) -> object:
    """Read one initiative with its unit and goals; the ETag header is what If-Match wants."""
    initiative = await service.read_initiative(session, principal, initiative_id)
    set_etag(response, initiative)
    return initiative


@router.patch(
    "/{initiative_id}",
    response_model=InitiativePublic,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def update_initiative(
    session: SessionDep,
    principal: Editor,
    initiative_id: uuid.UUID,
    changes: InitiativeUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Change an initiative's fields or status, hand it to another team, or replace its goals."""
    initiative = await service.update_initiative(
        session, principal, initiative_id, changes=changes, if_match=if_match
    )
    set_etag(response, initiative)
    return initiative


@router.delete(
    "/{initiative_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def delete_initiative(
    session: SessionDep, principal: Editor, initiative_id: uuid.UUID, if_match: IfMatch = None
) -> None:
    """Delete an initiative without history (409 `initiative-in-use` once cycles or commitments refer to it)."""
    await service.delete_initiative(session, principal, initiative_id, if_match=if_match)
