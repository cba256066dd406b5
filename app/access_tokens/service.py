"""Access tokens: created by admins, shown once, stored as a hash, revoked rather than deleted."""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.access_tokens.models import AccessToken, AccessTokenCreate, AccessTokenUpdate
from app.access_tokens.secrets import generate_token, hash_token
from app.audit import service as audit
from app.audit.models import AuditAction
from app.context import Principal, Role
from app.db import utcnow
from app.etag import check_if_match
from app.org_units import service as org_unit_service
from app.org_units.models import OrgUnit
from app.pagination import Order, Page, PageParams, paginate
from app.problems import Forbidden, InvalidInput, NotFound


def _visible(principal: Principal) -> SelectOfScalar[AccessToken]:
    stmt = select(AccessToken).where(col(AccessToken.organisation_id) == principal.organisation_id)
    if principal.scope_path is not None:
        # A scoped admin sees the tokens scoped inside its own subtree, never broader ones.
        stmt = stmt.join(OrgUnit, col(OrgUnit.id) == col(AccessToken.scope_org_unit_id)).where(
            principal.path_filter(col(OrgUnit.path))
        )
    return stmt


async def get_access_token(
    session: AsyncSession, principal: Principal, token_id: uuid.UUID
) -> AccessToken:
    stmt = _visible(principal).where(col(AccessToken.id) == token_id)
    token = (await session.execute(stmt)).scalar_one_or_none()
    if token is None:
        raise NotFound.for_object("access token", token_id)
    return token


_NEWEST_FIRST = Order.by(
    col(AccessToken.created_at),
    list_name="AccessTokens",
    descending=True,
    tiebreaker=col(AccessToken.id),
)


async def list_access_tokens(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    role: Role | None = None,
    active: bool | None = None,
) -> Page[AccessToken]:
    stmt = _visible(principal)
    if role is not None:
        stmt = stmt.where(col(AccessToken.role) == role)
    if active is not None:
        is_active = AccessToken.active_clause(utcnow())
        stmt = stmt.where(is_active if active else ~is_active)
    return await paginate(session, stmt, page=page, order=_NEWEST_FIRST)


def _ensure_future(field: str, expires_at: datetime | None) -> None:
    if expires_at is not None and expires_at <= utcnow():
        raise InvalidInput(field, "must be in the future", type_="not_in_future")


async def create_access_token(
    session: AsyncSession, principal: Principal, *, data: AccessTokenCreate
) -> tuple[AccessToken, str]:
    """Create a token no broader than the creator's own scope. Returns the row and its secret."""
    _ensure_future("body.expires_at", data.expires_at)
    if data.scope_org_unit_id is None:
        if principal.scope_path is not None:
            raise Forbidden.saying("forbidden.organisation-wide-token")
    else:
        await org_unit_service.resolve_unit_reference(
            session, principal, data.scope_org_unit_id, field="body.scope_org_unit_id"
        )
    secret = generate_token()
    token = AccessToken.model_validate(
        data,
        update={
            "organisation_id": principal.organisation_id,
            "token_prefix": secret[:9],
            "token_hash": hash_token(secret),
            "created_by_token_id": principal.token_id,
        },
    )
    session.add(token)
    await session.commit()
    return token, secret


async def update_access_token(
    session: AsyncSession,
    principal: Principal,
    token_id: uuid.UUID,
    *,
    changes: AccessTokenUpdate,
    if_match: str | None,
) -> AccessToken:
    token = await get_access_token(session, principal, token_id)
    check_if_match(if_match, token)
    values = changes.model_dump(exclude_unset=True)
    if "expires_at" in values:
        _ensure_future("body.expires_at", values["expires_at"])
    for key, value in values.items():
        setattr(token, key, value)
    await session.commit()
    return token


async def revoke_access_token(
    session: AsyncSession, principal: Principal, token_id: uuid.UUID, *, if_match: str | None
) -> AccessToken:
    """Stop a token from working, at once and for good. Revoking twice changes nothing."""
    token = await get_access_token(session, principal, token_id)
    check_if_match(if_match, token)
    if token.revoked_at is None:
        audit.mark(session, token, AuditAction.revoke)
        token.revoked_at = utcnow()
        await session.commit()
    return token


async def issue_token(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    name: str,
    role: Role,
    scope_org_unit_id: uuid.UUID | None = None,
    secret: str | None = None,
) -> tuple[AccessToken, str]:
    """Create a token without a calling token (CLI and demo data). Does not commit."""
    secret = secret or generate_token()
    token = AccessToken(
        organisation_id=organisation_id,
        name=name,
        role=role,
        scope_org_unit_id=scope_org_unit_id,
        token_prefix=secret[:9],
        token_hash=hash_token(secret),
    )
    session.add(token)
    await session.flush()
    return token, secret
