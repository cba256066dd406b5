import uuid
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from fastapi import Query, Response, status

from app.access_tokens.auth import CurrentUser, Editor
from app.commitments import service
from app.commitments.models import (
    CommitmentCreate,
    CommitmentPage,
    CommitmentPublic,
    CommitmentStatus,
    CommitmentUpdate,
)
from app.db import SessionDep
from app.etag import IfMatch, set_etag
from app.pagination import PageDep
from app.problems import problem_responses
from app.routing import service_router

router = service_router("commitments")


if TYPE_CHECKING:
    CommitmentSort = StrEnum
else:
    CommitmentSort = service.SORT.enum  # made by the sort helper from the service's columns


@router.get("", response_model=CommitmentPage, responses=problem_responses(401, 404, 422))
async def list_commitments(
    session: SessionDep,
    principal: CurrentUser,
    page: PageDep,
    goal_id: Annotated[
        uuid.UUID | None, Query(description="Only commitments towards this goal.")
    ] = None,
    initiative_id: Annotated[
        uuid.UUID | None, Query(description="Only commitments towards this initiative.")
    ] = None,
    team_id: Annotated[
        uuid.UUID | None, Query(description="Only commitments made by this team.")
    ] = None,
    org_unit_id: Annotated[
        uuid.UUID | None,
        Query(
            description="Only commitments belonging to this unit (422 if the token cannot see it)."
        ),
    ] = None,
    include_descendants: Annotated[
        bool, Query(description="With org_unit_id: also commitments of the units below it.")
    ] = False,
    status: Annotated[
        CommitmentStatus | None, Query(description="Only commitments in this status.")
    ] = None,
    overdue: Annotated[
        bool | None,
        Query(
            description="true: only those past `due_on` (today in PDCA_TIMEZONE) and still open "
            "or in progress; false: only the others."
        ),
    ] = None,
    sort: Annotated[
        CommitmentSort, Query(description="Order; `-` sorts descending.")
    ] = service.SORT.default,
) -> object:
    """List the commitments in the token's scope, e.g. the overdue ones of a unit and its subtree."""
    return await service.list_commitments(
        session,
        principal,
        page=page,
        goal_id=goal_id,
        initiative_id=initiative_id,
        team_id=team_id,
        org_unit_id=org_unit_id,
        include_descendants=include_descendants,
        status=status,
        overdue=overdue,
        sort=sort.value,
    )


@router.post(
    "",
    response_model=CommitmentPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
)
async def create_commitment(
    session: SessionDep, principal: Editor, data: CommitmentCreate, response: Response
) -> object:
    """Record a person's or team's commitment towards exactly one goal or initiative in scope."""
    commitment = await service.create_commitment(session, principal, data=data)
    set_etag(response, commitment)
    response.headers["Location"] = f"/api/v1/commitments/{commitment.id}"
    return commitment


@router.get(
    "/{commitment_id}",
    response_model=CommitmentPublic,
    responses=problem_responses(401, 404, 422),
)
async def get_commitment(
    session: SessionDep, principal: CurrentUser, commitment_id: uuid.UUID, response: Response
) -> object:
    """Read one commitment; the ETag header is what If-Match wants on changes."""
    commitment = await service.get_commitment(session, principal, commitment_id)
    set_etag(response, commitment)
    return commitment


@router.patch(
    "/{commitment_id}",
    response_model=CommitmentPublic,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def update_commitment(
    session: SessionDep,
    principal: Editor,
    commitment_id: uuid.UUID,
    changes: CommitmentUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Change a commitment or record its follow-up (status, note, date); its goal or initiative stays."""
    commitment = await service.update_commitment(
        session, principal, commitment_id, changes=changes, if_match=if_match
    )
    set_etag(response, commitment)
    return commitment


@router.delete(
    "/{commitment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_commitment(
    session: SessionDep, principal: Editor, commitment_id: uuid.UUID, if_match: IfMatch = None
) -> None:
    """Delete a commitment made by mistake (to keep its history, set its status to cancelled)."""
    await service.delete_commitment(session, principal, commitment_id, if_match=if_match)
