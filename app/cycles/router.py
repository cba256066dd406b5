import uuid
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Header, Query, Response, status

from app.access_tokens.auth import CurrentUser, Editor
from app.cycles import service
from app.cycles.models import (
    CycleCreate,
    CyclePage,
    CyclePublic,
    CycleStageTransitionPage,
    CycleTransitionCreate,
    CycleUpdate,
    NextCycleCreate,
)
from app.cycles.stages import Stage
from app.db import SessionDep
from app.etag import IfMatch, set_etag
from app.i18n import Language, negotiate_language
from app.pagination import PageDep
from app.problems import problem_responses
from app.routing import service_router

router = service_router("cycles")


async def _language(
    response: Response,
    principal: CurrentUser,
    accept_language: Annotated[
        str | None,
        Header(
            alias="Accept-Language",
            max_length=1000,
            description="Language of the stage labels: `sv` (nuläge ...), `nb`/`no` "
            "(nåsituasjon ...), `nn` (nosituasjon ...) or `en` (current state ...), with "
            "q-values; default the organisation's `default_language`, else `en`. "
            "The answer's Content-Language names the choice.",
            examples=["sv-SE, sv;q=0.9, en;q=0.5"],
        ),
    ] = None,
) -> Language:
    language = negotiate_language(accept_language, default=Language(principal.language))
    response.headers["Content-Language"] = language.value
    response.headers["Vary"] = "Accept-Language"
    return language


LanguageDep = Annotated[Language, Depends(_language)]


if TYPE_CHECKING:
    CycleSort = StrEnum
else:
    CycleSort = service.SORT.enum  # made by the sort helper from the service's columns


@router.get("", response_model=CyclePage, responses=problem_responses(401, 404, 422))
async def list_cycles(
    session: SessionDep,
    principal: CurrentUser,
    page: PageDep,
    language: LanguageDep,
    initiative_id: Annotated[
        uuid.UUID | None,
        Query(description="Only cycles of this initiative (422 if the token cannot see it)."),
    ] = None,
    org_unit_id: Annotated[
        uuid.UUID | None,
        Query(description="Only cycles of initiatives whose team belongs to this unit."),
    ] = None,
    include_descendants: Annotated[
        bool, Query(description="With `org_unit_id`: also the units below it.")
    ] = False,
    team_id: Annotated[
        uuid.UUID | None, Query(description="Only cycles of this team's initiatives.")
    ] = None,
    stage: Annotated[
        list[Stage] | None,
        Query(description="Only cycles in these stages (repeat the parameter for several)."),
    ] = None,
    active: Annotated[
        bool | None, Query(description="true: not closed; false: closed only.")
    ] = None,
    overdue: Annotated[
        bool | None,
        Query(
            description="true: not closed and the current stage's `stage_due_on` has passed "
            "(before today in PDCA_TIMEZONE); false: all others."
        ),
    ] = None,
    sort: Annotated[
        CycleSort,
        Query(
            description="Order; `-` before a field sorts descending. `stage` follows the "
            "stages' order; cycles without `stage_due_on` come last."
        ),
    ] = service.SORT.default,
) -> object:
    """List the cycles in the token's scope, e.g. a unit's active or overdue cycles."""
    return await service.list_cycles(
        session,
        principal,
        page=page,
        language=language,
        initiative_id=initiative_id,
        org_unit_id=org_unit_id,
        include_descendants=include_descendants,
        team_id=team_id,
        stage=stage,
        active=active,
        overdue=overdue,
        sort=sort.value,
    )


@router.post(
    "",
    response_model=CyclePublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
)
async def create_cycle(
    session: SessionDep,
    principal: Editor,
    data: CycleCreate,
    response: Response,
    language: LanguageDep,
) -> object:
    """Start a cycle of an initiative in the current-state stage (nuläge)."""
    cycle = await service.create_cycle(session, principal, data=data, language=language)
    set_etag(response, cycle)
    response.headers["Location"] = f"/api/v1/cycles/{cycle.id}"
    return cycle


@router.get("/{cycle_id}", response_model=CyclePublic, responses=problem_responses(401, 404, 422))
async def get_cycle(
    session: SessionDep,
    principal: CurrentUser,
    cycle_id: uuid.UUID,
    response: Response,
    language: LanguageDep,
) -> object:
    """Read one cycle with its stage label; the ETag header is what If-Match wants on changes."""
    cycle = await service.read_cycle(session, principal, cycle_id, language=language)
    set_etag(response, cycle)
    return cycle


@router.patch(
    "/{cycle_id}",
    response_model=CyclePublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update_cycle(
    session: SessionDep,
    principal: Editor,
    cycle_id: uuid.UUID,
    changes: CycleUpdate,
    response: Response,
    language: LanguageDep,
    if_match: IfMatch = None,
) -> object:
    """Change the content of any stage while the cycle is not closed (stages move by transitions)."""
    cycle = await service.update_cycle(
        session, principal, cycle_id, changes=changes, if_match=if_match, language=language
    )
    set_etag(response, cycle)
    return cycle


@router.delete(
    "/{cycle_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def delete_cycle(
    session: SessionDep, principal: Editor, cycle_id: uuid.UUID, if_match: IfMatch = None
) -> None:
    """Delete a cycle started by mistake: only while in current_state and without a successor."""
    await service.delete_cycle(session, principal, cycle_id, if_match=if_match)


@router.get(
    "/{cycle_id}/transitions",
    response_model=CycleStageTransitionPage,
    responses=problem_responses(401, 404, 422),
)
async def list_cycle_transitions(
    session: SessionDep,
    principal: CurrentUser,
    cycle_id: uuid.UUID,
    page: PageDep,
    language: LanguageDep,
) -> object:
    """List the cycle's stage history in order, from its creation: from, to, who, when, why."""
    return await service.list_cycle_transitions(
        session, principal, cycle_id, page=page, language=language
    )


@router.post(
    "/{cycle_id}/transitions",
    response_model=CyclePublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def transition_cycle(
    session: SessionDep,
    principal: Editor,
    cycle_id: uuid.UUID,
    data: CycleTransitionCreate,
    response: Response,
    language: LanguageDep,
    if_match: IfMatch = None,
) -> object:
    """Move the cycle one stage forward (its content complete, 409 lists what is missing) or back with a reason."""
    cycle = await service.transition_cycle(
        session, principal, cycle_id, data=data, if_match=if_match, language=language
    )
    set_etag(response, cycle)
    return cycle


@router.post(
    "/{cycle_id}/next-cycle",
    response_model=CyclePublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def create_next_cycle(
    session: SessionDep,
    principal: Editor,
    cycle_id: uuid.UUID,
    response: Response,
    language: LanguageDep,
    data: NextCycleCreate | None = None,
    if_match: IfMatch = None,
) -> object:
    """Open the next cycle after one closed with the decision adapt, linked to it as its successor."""
    cycle = await service.create_next_cycle(
        session,
        principal,
        cycle_id,
        data=data or NextCycleCreate(),
        if_match=if_match,
        language=language,
    )
    set_etag(response, cycle)
    response.headers["Location"] = f"/api/v1/cycles/{cycle.id}"
    return cycle
