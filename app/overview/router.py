"""The overview of a unit, under the unit's own path and tag."""

import uuid
from typing import Any

from fastapi import Response

from app.access_tokens.auth import CurrentUser
from app.charts.router import LanguageDep
from app.db import SessionDep
from app.http import localised
from app.overview import service
from app.overview.models import OrgUnitOverview
from app.problems import problem_responses
from app.routing import service_router

router = service_router("org-units")


@router.get(
    "/{org_unit_id}/overview",
    response_model=OrgUnitOverview,
    responses=problem_responses(401, 404, 422),
)
async def read_org_unit_overview(
    session: SessionDep,
    principal: CurrentUser,
    org_unit_id: uuid.UUID,
    language: LanguageDep,
    response: Response,
) -> Any:
    """What a school's page shows, in one call: the unit, its goals, teams, open initiatives
    with their current cycle's stage, its overdue cycles and commitments, and each measure's
    latest value, variation and assurance with a sentence in the request's language (figures
    that small-number protection withholds are null, as on the measure's chart). Each list holds
    at most 50 entries; `truncated` says when there are more and `more` links the full
    list. A strong ETag makes polling cheap: send it as `If-None-Match` for a 304."""
    found = await service.read_overview(session, principal, org_unit_id, language=language)
    localised(response, language)
    return found
