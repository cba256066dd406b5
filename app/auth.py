"""Bearer-token authentication, roles and unit scope.

A token belongs to one organisation, has a role and covers either the whole organisation or one
unit's subtree. Objects outside that answer 404, never 403, so their existence does not leak.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import ColumnElement, true, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped
from sqlmodel import col, select

from app.db import SessionDep, utcnow
from app.problems import Forbidden, NotAuthenticated
from app.settings import SettingsDep

TOKEN_PREFIX = "pdca_"


class Role(StrEnum):
    """What a token may do. Each role includes the ones below it."""

    admin = "admin"
    editor = "editor"
    reporter = "reporter"
    viewer = "viewer"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Role.viewer: 0, Role.reporter: 1, Role.editor: 2, Role.admin: 3}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token, its organisation, role and unit scope."""

    token_id: uuid.UUID | None
    name: str
    organisation_id: uuid.UUID
    role: Role
    scope_org_unit_id: uuid.UUID | None = None
    scope_path: str | None = None

    def has_role(self, role: Role) -> bool:
        return self.role.rank >= role.rank

    def covers_path(self, path: str) -> bool:
        return self.scope_path is None or path.startswith(self.scope_path)

    def path_filter(self, path_column: Mapped[str]) -> ColumnElement[bool]:
        """SQL condition: the unit with this path lies inside the token's scope."""
        if self.scope_path is None:
            return true()
        return path_column.startswith(self.scope_path, autoescape=True)


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is as safe as a slow one and keeps auth cheap.
    return hashlib.sha256(token.encode()).hexdigest()


bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="BearerToken",
    description=(
        "An access token created by an admin (or by `pdca create-organisation`). "
        "Paste the token itself, without the word Bearer."
    ),
)


async def authenticate(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    from app.access_tokens.models import AccessToken
    from app.org_units.models import OrgUnit

    if credentials is None:
        raise NotAuthenticated("Send an access token as 'Authorization: Bearer <token>'.")
    # A short session of its own, done before the request's session begins: the lookup and the
    # last-used bookkeeping never hold locks across the request's own work.
    async with request.app.state.sessionmaker() as auth_session:
        row = (
            await auth_session.execute(
                select(AccessToken, col(OrgUnit.path))
                .outerjoin(OrgUnit, col(OrgUnit.id) == col(AccessToken.scope_org_unit_id))
                .where(col(AccessToken.token_hash) == hash_token(credentials.credentials))
            )
        ).first()
        if row is None:
            raise NotAuthenticated("The access token is not known.")
        token, scope_path = row
        now = utcnow()
        if token.revoked_at is not None:
            raise NotAuthenticated("The access token has been revoked.")
        if token.expires_at is not None and token.expires_at <= now:
            raise NotAuthenticated("The access token has expired.")
        principal = Principal(
            token_id=token.id,
            name=token.name,
            organisation_id=token.organisation_id,
            role=Role(token.role),
            scope_org_unit_id=token.scope_org_unit_id,
            scope_path=scope_path,
        )
        resolution = timedelta(seconds=settings.token_last_used_resolution_seconds)
        if token.last_used_at is None or now - token.last_used_at >= resolution:
            # Bookkeeping, not a change of the token: no new version, no audit entry, and a
            # busy database may skip it rather than fail the request (the principal is built
            # before, so a rollback here cannot expire what the request still reads).
            try:
                await auth_session.execute(
                    update(AccessToken)
                    .where(col(AccessToken.id) == token.id)
                    .values(last_used_at=now)
                    .execution_options(synchronize_session=False)
                )
                await auth_session.commit()
            except OperationalError:
                await auth_session.rollback()
    session.info["principal"] = principal
    session.info["request_id"] = request.headers.get("x-request-id")
    return principal


def require_role(role: Role) -> object:
    async def dependency(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.has_role(role):
            raise Forbidden(
                f"This operation needs the role {role.value} or higher; the token is {principal.role.value}."
            )
        return principal

    dependency.__name__ = f"require_{role.value}"
    return Depends(dependency)


CurrentUser = Annotated[Principal, Depends(authenticate)]
"""Any valid token: viewers and up."""
Reporter = Annotated[Principal, require_role(Role.reporter)]
Editor = Annotated[Principal, require_role(Role.editor)]
Admin = Annotated[Principal, require_role(Role.admin)]
