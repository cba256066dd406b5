import uuid
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from fastapi import Query, Request, Response, status

from app.access_tokens.auth import Admin, CurrentUser
from app.db import QueryText, SessionDep
from app.etag import IfMatch, set_etag
from app.measures import uploads
from app.org_units import imports, service
from app.org_units.models import (
    OrgUnitCreate,
    OrgUnitImportResult,
    OrgUnitKind,
    OrgUnitMove,
    OrgUnitPage,
    OrgUnitPublic,
    OrgUnitTree,
    OrgUnitUpdate,
)
from app.pagination import PageDep
from app.problems import problem_responses
from app.routing import service_router

router = service_router("org-units")


if TYPE_CHECKING:
    OrgUnitSort = StrEnum
else:
    OrgUnitSort = service.SORT.enum  # made by the sort helper from the service's columns


IncludeArchived = Annotated[bool, Query(description="Also return archived units.")]


@router.get("", response_model=OrgUnitPage, responses=problem_responses(401, 404, 422))
async def list_org_units(
    session: SessionDep,
    principal: CurrentUser,
    page: PageDep,
    kind: Annotated[OrgUnitKind | None, Query(description="Only units of this kind.")] = None,
    parent_id: Annotated[
        uuid.UUID | None, Query(description="Only direct children of this unit.")
    ] = None,
    within: Annotated[
        uuid.UUID | None,
        Query(description="Only this unit and its descendants (422 if the token cannot see it)."),
    ] = None,
    external_code: Annotated[
        QueryText | None, Query(max_length=64, description="Exact external code.")
    ] = None,
    q: Annotated[
        QueryText | None, Query(max_length=200, description="Name contains (case-insensitive).")
    ] = None,
    include_archived: IncludeArchived = False,
    sort: Annotated[
        OrgUnitSort, Query(description="Order; `-` before a field sorts descending.")
    ] = service.SORT.default,
) -> object:
    """List the units in the token's scope, filtered and sorted."""
    return await service.list_org_units(
        session,
        principal,
        page=page,
        kind=kind,
        parent_id=parent_id,
        within=within,
        external_code=external_code,
        q=q,
        include_archived=include_archived,
        sort=sort.value,
    )


@router.post(
    "/import",
    response_model=OrgUnitImportResult,
    responses=problem_responses(401, 403, 413, 415, 422),
    openapi_extra=uploads.file_body(
        "The list of units as the body: CSV or .xlsx with the columns name (namn), "
        "external_code (kod, skolenhetskod), parent (förälder: the parent's code) and kind "
        "(typ: kommun, förvaltning, område, skola, förskola, arbetslag, annat)."
    ),
)
async def import_org_units(
    request: Request,
    session: SessionDep,
    principal: Admin,
    dry_run: Annotated[
        bool, Query(description="Check every row and answer what would happen; write nothing.")
    ] = False,
    filename: Annotated[
        QueryText | None, Query(max_length=255, description="The file's name, as a format hint.")
    ] = None,
) -> object:
    """Build the unit tree from a spreadsheet, **all or nothing**, idempotent by external code:
    a known code is that unit (name and kind brought up to date), a new one a new unit under its
    parent's code (in the file or the tree). Refused rows name row and column
    (`file.rows[3].parent`); run with `dry_run=true` first."""
    sent = await uploads.sent_file(request, filename)
    counts = await imports.import_units(
        session,
        principal,
        sent.body,
        filename=sent.filename,
        content_type=sent.content_type,
        dry_run=dry_run,
    )
    return counts


@router.post(
    "",
    response_model=OrgUnitPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
)
async def create_org_unit(
    session: SessionDep, principal: Admin, data: OrgUnitCreate, response: Response
) -> object:
    """Create a unit under a parent in the token's scope (a root needs an organisation-wide admin)."""
    unit = await service.create_org_unit(session, principal, data=data)
    set_etag(response, unit)
    response.headers["Location"] = f"/api/v1/org-units/{unit.id}"
    return unit


@router.get(
    "/{org_unit_id}", response_model=OrgUnitPublic, responses=problem_responses(401, 404, 422)
)
async def get_org_unit(
    session: SessionDep, principal: CurrentUser, org_unit_id: uuid.UUID, response: Response
) -> object:
    """Read one unit; the ETag header is what If-Match wants on changes."""
    unit = await service.get_org_unit(session, principal, org_unit_id)
    set_etag(response, unit)
    return unit


@router.get(
    "/{org_unit_id}/tree", response_model=OrgUnitTree, responses=problem_responses(401, 404, 422)
)
async def get_org_unit_tree(
    session: SessionDep,
    principal: CurrentUser,
    org_unit_id: uuid.UUID,
    include_archived: IncludeArchived = False,
) -> object:
    """Read a unit with its whole subtree nested under `children`."""
    return await service.get_org_unit_tree(
        session, principal, org_unit_id, include_archived=include_archived
    )


@router.patch(
    "/{org_unit_id}",
    response_model=OrgUnitPublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update_org_unit(
    session: SessionDep,
    principal: Admin,
    org_unit_id: uuid.UUID,
    changes: OrgUnitUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Change a unit's name, kind or external code (move it with the move operation)."""
    unit = await service.update_org_unit(
        session, principal, org_unit_id, changes=changes, if_match=if_match
    )
    set_etag(response, unit)
    return unit


@router.post(
    "/{org_unit_id}/move",
    response_model=OrgUnitPublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def move_org_unit(
    session: SessionDep,
    principal: Admin,
    org_unit_id: uuid.UUID,
    move: OrgUnitMove,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Move a unit, with its subtree, under a new parent; a move under itself is refused (409)."""
    unit = await service.move_org_unit(
        session, principal, org_unit_id, parent_id=move.parent_id, if_match=if_match
    )
    set_etag(response, unit)
    return unit


@router.post(
    "/{org_unit_id}/archive",
    response_model=OrgUnitPublic,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def archive_org_unit(
    session: SessionDep,
    principal: Admin,
    org_unit_id: uuid.UUID,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Archive a unit and its subtree: hidden from lists by default, history kept."""
    unit = await service.archive_org_unit(session, principal, org_unit_id, if_match=if_match)
    set_etag(response, unit)
    return unit


@router.post(
    "/{org_unit_id}/restore",
    response_model=OrgUnitPublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def restore_org_unit(
    session: SessionDep,
    principal: Admin,
    org_unit_id: uuid.UUID,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Take an archived unit out of the archive (its parent must not be archived)."""
    unit = await service.restore_org_unit(session, principal, org_unit_id, if_match=if_match)
    set_etag(response, unit)
    return unit


@router.delete(
    "/{org_unit_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def delete_org_unit(
    session: SessionDep, principal: Admin, org_unit_id: uuid.UUID, if_match: IfMatch = None
) -> None:
    """Delete a unit without history (409 `unit-has-history` otherwise: archive it instead)."""
    await service.delete_org_unit(session, principal, org_unit_id, if_match=if_match)
