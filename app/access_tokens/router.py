import uuid
from typing import Annotated

from fastapi import Query, Response, status

from app.access_tokens import service
from app.access_tokens.auth import Admin, CurrentUser
from app.access_tokens.models import (
    AccessTokenCreate,
    AccessTokenCreated,
    AccessTokenPage,
    AccessTokenPublic,
    AccessTokenUpdate,
    CurrentTokenPublic,
)
from app.context import Role
from app.db import SessionDep
from app.etag import IfMatch, set_etag
from app.pagination import PageDep
from app.problems import problem_responses
from app.routing import service_router

router = service_router("access-tokens")


@router.get("/current", response_model=CurrentTokenPublic, responses=problem_responses(401))
async def get_current_access_token(principal: CurrentUser) -> object:
    """Tell who the calling token is: organisation, role and unit scope (any role)."""
    return CurrentTokenPublic(
        token_id=principal.token_id,
        name=principal.name,
        organisation_id=principal.organisation_id,
        role=principal.role,
        scope_org_unit_id=principal.scope_org_unit_id,
    )


@router.get("", response_model=AccessTokenPage, responses=problem_responses(401, 403, 422))
async def list_access_tokens(
    session: SessionDep,
    principal: Admin,
    page: PageDep,
    role: Annotated[Role | None, Query(description="Only tokens with this role.")] = None,
    active: Annotated[
        bool | None, Query(description="true: usable tokens only; false: revoked or expired only.")
    ] = None,
) -> object:
    """List the tokens in the admin's scope, newest first (never their secrets)."""
    return await service.list_access_tokens(session, principal, page=page, role=role, active=active)


@router.post(
    "",
    response_model=AccessTokenCreated,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
)
async def create_access_token(
    session: SessionDep, principal: Admin, data: AccessTokenCreate, response: Response
) -> object:
    """Create a token; the response holds its secret, which is shown this once and never again."""
    token, secret = await service.create_access_token(session, principal, data=data)
    set_etag(response, token)
    response.headers["Location"] = f"/api/v1/access-tokens/{token.id}"
    response.headers["Cache-Control"] = "no-store"
    return AccessTokenCreated.model_validate(token, from_attributes=True, update={"token": secret})


@router.get(
    "/{token_id}", response_model=AccessTokenPublic, responses=problem_responses(401, 403, 404, 422)
)
async def get_access_token(
    session: SessionDep, principal: Admin, token_id: uuid.UUID, response: Response
) -> object:
    """Read one token's settings and when it was last used."""
    token = await service.get_access_token(session, principal, token_id)
    set_etag(response, token)
    return token


@router.patch(
    "/{token_id}",
    response_model=AccessTokenPublic,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def update_access_token(
    session: SessionDep,
    principal: Admin,
    token_id: uuid.UUID,
    changes: AccessTokenUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Rename a token or change its expiry (role and scope are fixed: create a new token instead)."""
    token = await service.update_access_token(
        session, principal, token_id, changes=changes, if_match=if_match
    )
    set_etag(response, token)
    return token


@router.post(
    "/{token_id}/revoke",
    response_model=AccessTokenPublic,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def revoke_access_token(
    session: SessionDep,
    principal: Admin,
    token_id: uuid.UUID,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Revoke a token at once; it answers 401 from then on. The row stays for the audit trail."""
    token = await service.revoke_access_token(session, principal, token_id, if_match=if_match)
    set_etag(response, token)
    return token
