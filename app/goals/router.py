import uuid
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from fastapi import Query, Response, status

from app.access_tokens.auth import CurrentUser, Editor
from app.db import QueryText, SessionDep
from app.etag import IfMatch, set_etag
from app.goals import service
from app.goals.models import GoalCreate, GoalPage, GoalPublic, GoalStatus, GoalUpdate
from app.pagination import PageDep
from app.problems import problem_responses
from app.routing import service_router

router = service_router("goals")

_READ_SCOPE = (
    "A token scoped to a unit reads the goals of its subtree and of the units above its scope "
    "root (the goals that cascade down to it); goals of other subtrees answer 404."
)
_WRITE_SCOPE = (
    "Only goals of units inside the token's subtree can be changed; a goal of a unit above the "
    "scope root answers 403 `goal-above-scope`, one of another subtree 404."
)


if TYPE_CHECKING:
    GoalSort = StrEnum
else:
    GoalSort = service.SORT.enum  # made by the sort helper from the service's columns


@router.get(
    "",
    response_model=GoalPage,
    responses=problem_responses(401, 404, 422),
    description="List the goals the token may read, optionally a unit's own, inherited and descendant goals. "
    + _READ_SCOPE,
)
async def list_goals(
    session: SessionDep,
    principal: CurrentUser,
    page: PageDep,
    org_unit_id: Annotated[
        uuid.UUID | None,
        Query(description="Only goals of this unit (which the token may read; 422 otherwise)."),
    ] = None,
    include_inherited: Annotated[
        bool,
        Query(
            description="With org_unit_id: also the goals of every unit above it, marked "
            "`inherited: true`."
        ),
    ] = False,
    include_descendants: Annotated[
        bool, Query(description="With org_unit_id: also the goals of the units below it.")
    ] = False,
    parent_goal_id: Annotated[
        uuid.UUID | None, Query(description="Only goals that refine this goal.")
    ] = None,
    status: Annotated[GoalStatus | None, Query(description="Only goals in this status.")] = None,
    q: Annotated[
        QueryText | None, Query(max_length=200, description="Title contains (case-insensitive).")
    ] = None,
    sort: Annotated[
        GoalSort,
        Query(description="Order; `-` sorts descending. `depth` puts the top of the chain first."),
    ] = service.SORT.default,
) -> object:
    """List the goals the token may read, optionally a unit's own, inherited and descendant goals."""
    return await service.list_goals(
        session,
        principal,
        page=page,
        org_unit_id=org_unit_id,
        include_inherited=include_inherited,
        include_descendants=include_descendants,
        parent_goal_id=parent_goal_id,
        status=status,
        q=q,
        sort=sort.value,
    )


@router.post(
    "",
    response_model=GoalPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
    description="Create a goal of a unit, optionally refining a goal of a unit above it. The unit "
    "must be inside the token's subtree; a refined goal (`parent_goal_id`) must belong to a unit "
    "strictly above it.",
)
async def create_goal(
    session: SessionDep, principal: Editor, data: GoalCreate, response: Response
) -> object:
    """Create a goal of a unit, optionally refining a goal of a unit above it."""
    goal = await service.create_goal(session, principal, data=data)
    set_etag(response, goal)
    response.headers["Location"] = f"/api/v1/goals/{goal.id}"
    return goal


@router.get(
    "/{goal_id}",
    response_model=GoalPublic,
    responses=problem_responses(401, 404, 422),
    description="Read one goal; the ETag header is what If-Match wants on changes. " + _READ_SCOPE,
)
async def get_goal(
    session: SessionDep, principal: CurrentUser, goal_id: uuid.UUID, response: Response
) -> object:
    """Read one goal; the ETag header is what If-Match wants on changes."""
    goal = await service.get_goal(session, principal, goal_id)
    set_etag(response, goal)
    return goal


@router.patch(
    "/{goal_id}",
    response_model=GoalPublic,
    responses=problem_responses(401, 403, 404, 412, 422),
    description="Change a goal's title, description, period, status or the goal it refines. "
    + _WRITE_SCOPE
    + " The unit of a goal does not change.",
)
async def update_goal(
    session: SessionDep,
    principal: Editor,
    goal_id: uuid.UUID,
    changes: GoalUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Change a goal's title, description, period, status or the goal it refines."""
    goal = await service.update_goal(
        session, principal, goal_id, changes=changes, if_match=if_match
    )
    set_etag(response, goal)
    return goal


@router.delete(
    "/{goal_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    description="Delete a goal nothing refers to (409 `goal-in-use` otherwise: archive it instead). "
    + _WRITE_SCOPE,
)
async def delete_goal(
    session: SessionDep, principal: Editor, goal_id: uuid.UUID, if_match: IfMatch = None
) -> None:
    """Delete a goal nothing refers to (409 `goal-in-use` otherwise: archive it instead)."""
    await service.delete_goal(session, principal, goal_id, if_match=if_match)
