import uuid
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from fastapi import Query

from app.access_tokens.auth import Admin
from app.audit import service
from app.audit.models import AuditAction, AuditEventPage
from app.db import QueryText, SessionDep, UTCTimestamp
from app.org_units import service as org_unit_service
from app.pagination import FixedPageDep
from app.problems import problem_responses
from app.routing import service_router

router = service_router("audit-events")


if TYPE_CHECKING:
    AuditSort = StrEnum
else:
    AuditSort = service.SORT.enum  # made by the sort helper from the service's columns


@router.get("", response_model=AuditEventPage, responses=problem_responses(401, 403, 422))
async def list_audit_events(
    session: SessionDep,
    principal: Admin,
    page: FixedPageDep,
    object_type: Annotated[
        QueryText | None,
        Query(max_length=64, description="E.g. `org_unit`, `team`, `team_member`, `access_token`."),
    ] = None,
    object_id: Annotated[uuid.UUID | None, Query(description="One object's history.")] = None,
    actor_token_id: Annotated[
        uuid.UUID | None, Query(description="Changes made with this token.")
    ] = None,
    action: Annotated[AuditAction | None, Query(description="Only this kind of change.")] = None,
    occurred_after: Annotated[
        UTCTimestamp | None,
        Query(
            description="From this instant (inclusive), with an offset, e.g. `2026-09-01T00:00:00Z`."
        ),
    ] = None,
    occurred_before: Annotated[
        UTCTimestamp | None, Query(description="Before this instant (exclusive), with an offset.")
    ] = None,
    sort: Annotated[
        AuditSort, Query(description="Newest first by default.")
    ] = service.SORT.default,
) -> object:
    """Read the audit trail: who changed what and when, with the fields before and after (admins)."""
    return await service.list_audit_events(
        session,
        principal,
        page=page,
        object_type=object_type,
        object_id=object_id,
        actor_token_id=actor_token_id,
        action=action.value if action else None,
        occurred_after=occurred_after,
        occurred_before=occurred_before,
        sort=sort.value,
        units_in_scope=org_unit_service.units_in_scope(principal),
    )
