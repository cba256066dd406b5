from fastapi import Response

from app.access_tokens.auth import Admin, CurrentUser
from app.db import SessionDep
from app.etag import IfMatch, set_etag
from app.organisations import service
from app.organisations.models import OrganisationPublic, OrganisationUpdate
from app.problems import problem_responses
from app.routing import service_router

router = service_router("organisation")


@router.get("", response_model=OrganisationPublic, responses=problem_responses(401))
async def get_organisation(
    session: SessionDep, principal: CurrentUser, response: Response
) -> object:
    """Read the organisation (municipality) the token belongs to."""
    organisation = await service.get_organisation(session, principal)
    set_etag(response, organisation)
    return organisation


@router.patch(
    "",
    response_model=OrganisationPublic,
    responses=problem_responses(401, 403, 412, 422),
)
async def update_organisation(
    session: SessionDep,
    principal: Admin,
    changes: OrganisationUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Change the organisation's name, school year, small-number minimum or default language;
    needs an admin token that covers the whole organisation."""
    organisation = await service.update_organisation(
        session, principal, changes=changes, if_match=if_match
    )
    set_etag(response, organisation)
    return organisation
