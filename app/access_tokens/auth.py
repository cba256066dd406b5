"""Bearer-token authentication, roles and unit scope: the role dependencies routers use.

A token belongs to one organisation, has a role and covers either the whole organisation or one
unit's subtree. Objects outside that answer 404, never 403, so their existence does not leak.
The lookup of a token by its secret lives here once; the idempotency middleware gets it from
the app factory (:func:`app.main.create_app`), so the core imports no domain.
"""

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.exc import InternalError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.access_tokens.models import AccessToken
from app.access_tokens.secrets import hash_token
from app.context import Principal, Role
from app.db import context_of, get_session, set_context, utcnow
from app.org_units.models import OrgUnit
from app.organisations.models import Organisation
from app.problems import Forbidden, NotAuthenticated
from app.settings import Settings

__all__ = [
    "Admin",
    "CurrentUser",
    "Editor",
    "Reporter",
    "active_token_owner",
    "authenticate",
    "require_role",
]


# The one lookup of a token by its secret (authentication and idempotency keys use it), with
# the organisation's default language (the language of answers without Accept-Language).
# Built once: every request runs it, through the unique index on token_hash. Nothing about a
# token is cached between requests, so a revoked or expired token fails at once in every process.
# Written over the tables (Core), not the models: executed on the session's connection, it skips
# the ORM's compile and execute steps, and its rows are plain tuples.
_TOKENS: Table = AccessToken.__table__  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker
_UNITS: Table = OrgUnit.__table__  # type: ignore[attr-defined]  # as above
_ORGANISATIONS: Table = Organisation.__table__  # type: ignore[attr-defined]  # as above
_LOOKUP = (
    select(
        _TOKENS.c.id,
        _TOKENS.c.name,
        _TOKENS.c.organisation_id,
        _TOKENS.c.role,
        _TOKENS.c.scope_org_unit_id,
        _TOKENS.c.expires_at,
        _TOKENS.c.revoked_at,
        _TOKENS.c.last_used_at,
        _UNITS.c.path,
        _ORGANISATIONS.c.default_language,
    )
    .join(_ORGANISATIONS, _ORGANISATIONS.c.id == _TOKENS.c.organisation_id)
    .outerjoin(_UNITS, _UNITS.c.id == _TOKENS.c.scope_org_unit_id)
    .where(_TOKENS.c.token_hash == bindparam("token_hash"))
)
_TOUCH = (
    update(AccessToken)
    .where(col(AccessToken.id) == bindparam("token_id"))
    .values(last_used_at=bindparam("now"))
    .execution_options(synchronize_session=False)
)


async def active_token_owner(
    session: AsyncSession, secret: str, now: datetime
) -> tuple[uuid.UUID, uuid.UUID] | None:
    """The id and organisation of the active token with this secret; None if it is unknown,
    revoked or expired. Handed to the idempotency middleware by the app factory."""
    connection = await session.connection()
    row = (await connection.execute(_LOOKUP, {"token_hash": hash_token(secret)})).first()
    if row is None or not AccessToken.is_active_at(
        now, revoked_at=row.revoked_at, expires_at=row.expires_at
    ):
        return None
    return row.id, row.organisation_id


async def authenticate(request: Request, secret: str | None) -> Principal:
    """The principal of the bearer token ``secret``, looked up in the request's own session
    (opened here if the request has none yet), which then acts as that principal."""
    if not secret:
        raise NotAuthenticated.saying("token.missing")
    session = await get_session(request)
    connection = await session.connection()
    row = (await connection.execute(_LOOKUP, {"token_hash": hash_token(secret)})).first()
    if row is None:
        raise NotAuthenticated.saying("token.unknown")
    now = utcnow()
    if row.revoked_at is not None:
        raise NotAuthenticated.saying("token.revoked")
    if not AccessToken.is_active_at(now, revoked_at=row.revoked_at, expires_at=row.expires_at):
        raise NotAuthenticated.saying("token.expired")
    principal = Principal(
        token_id=row.id,
        name=row.name,
        organisation_id=row.organisation_id,
        role=Role(row.role),
        scope_org_unit_id=row.scope_org_unit_id,
        scope_path=row.path,
        default_language=row.default_language,  # the column's check keeps it a LanguageCode
    )
    set_context(session, context_of(session).acting_as(principal))
    settings: Settings = request.app.state.settings
    resolution = timedelta(seconds=settings.token_last_used_resolution_seconds)
    if row.last_used_at is None or now - row.last_used_at >= resolution:
        # Bookkeeping, not a change of the token: no new version, no audit entry, committed at
        # once so no lock outlives it, and a busy database may skip it rather than fail the
        # request (the principal is built from plain values, which a rollback cannot expire).
        try:
            await session.execute(_TOUCH, {"token_id": row.id, "now": now})
            await session.commit()
        except OperationalError:
            await session.rollback()
        except InternalError as error:
            await session.rollback()
            if getattr(error.orig, "sqlstate", None) != _READ_ONLY:
                raise
            # A read on a read-only replica (DATABASE_REPLICA_URL): the primary keeps the books.
            async with request.app.state.sessionmaker() as primary:
                await primary.execute(_TOUCH, {"token_id": row.id, "now": now})
                await primary.commit()
    return principal


_READ_ONLY = "25006"  # read_only_sql_transaction
_PRINCIPAL_KEY = "pdca.principal"


def bearer_secret(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None without one (as
    FastAPI's :class:`HTTPBearer` without ``auto_error``)."""
    authorization = request.headers.get("authorization")
    if not authorization:
        return None
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret or None


class TokenWithRole(HTTPBearer):
    """The one dependency of an operation that needs a token: it reads the bearer token, opens
    the request's session, looks the token up, checks the role and makes the session act as the
    principal, all in one call that FastAPI solves without a tree of sub-dependencies. The
    principal is kept for the rest of the request, so a second role check costs nothing.

    Being an :class:`HTTPBearer`, it puts the ``BearerToken`` security scheme on every operation
    that uses it, as the nested dependencies did.
    """

    def __init__(self, role: Role | None) -> None:
        super().__init__(
            auto_error=False,
            scheme_name="BearerToken",
            description=(
                "An access token created by an admin (or by `pdca create-organisation`). "
                "Paste the token itself, without the word Bearer."
            ),
        )
        self.role = role

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]  # a principal, not the credentials: the point of the class
        principal: Principal | None = request.scope.get(_PRINCIPAL_KEY)
        if principal is None:
            principal = await authenticate(request, bearer_secret(request))
            request.scope[_PRINCIPAL_KEY] = principal
        role = self.role
        if role is not None and not principal.has_role(role):
            raise Forbidden.saying(
                "forbidden.role", role=role.value, token_role=principal.role.value
            )
        return principal


def require_role(role: Role) -> object:
    return Depends(TokenWithRole(role))


CurrentUser = Annotated[Principal, Depends(TokenWithRole(None))]
"""Any valid token: viewers and up."""
Reporter = Annotated[Principal, require_role(Role.reporter)]
Editor = Annotated[Principal, require_role(Role.editor)]
Admin = Annotated[Principal, require_role(Role.admin)]
