import uuid
from datetime import datetime

from pydantic import computed_field
from sqlalchemy import ColumnElement, String, or_
from sqlmodel import Field, SQLModel, col

from app.context import Role
from app.db import (
    InputModel,
    TenantRow,
    UTCDateTime,
    UTCTimestamp,
    input_example,
    utcnow,
    with_example,
)
from app.pagination import Page

_ROLE_DESCRIPTION = (
    "admin (everything, incl. units, tokens and audit), editor (teams and improvement work), "
    "reporter (may also submit measurements), viewer (read only)."
)


class AccessTokenBase(SQLModel):
    name: str = Field(
        min_length=1,
        max_length=200,
        description="What the token is for, e.g. `Skolportalen (read)`.",
    )
    role: Role = Field(sa_type=String(16), description=_ROLE_DESCRIPTION)
    scope_org_unit_id: uuid.UUID | None = Field(
        default=None,
        foreign_key="org_unit.id",
        description="The unit whose subtree the token covers; null covers the whole organisation.",
    )
    expires_at: UTCTimestamp | None = Field(
        default=None,
        sa_type=UTCDateTime,
        description="After this instant the token stops working; give an offset, e.g. `Z`.",
    )


class AccessToken(AccessTokenBase, TenantRow, table=True):
    """A bearer token. Only its SHA-256 hash is stored; the secret is shown once, at creation."""

    __tablename__ = "access_token"
    __audit_exclude__ = frozenset({"token_hash", "last_used_at"})

    token_prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_token_id: uuid.UUID | None = Field(default=None, foreign_key="access_token.id")

    def audit_org_unit_id(self, _session: object) -> uuid.UUID | None:
        return self.scope_org_unit_id

    # "Is this token active?", in Python and in SQL: the one rule that authentication, the
    # idempotency store and the token list all use.
    @staticmethod
    def is_active_at(
        now: datetime, *, revoked_at: datetime | None, expires_at: datetime | None
    ) -> bool:
        """A token works until it is revoked or its expiry has passed."""
        return revoked_at is None and (expires_at is None or expires_at > now)

    @staticmethod
    def active_clause(now: datetime) -> ColumnElement[bool]:
        """SQL condition: the token is neither revoked nor expired at ``now``."""
        return col(AccessToken.revoked_at).is_(None) & or_(
            col(AccessToken.expires_at).is_(None), col(AccessToken.expires_at) > now
        )


class AccessTokenCreate(AccessTokenBase, InputModel):
    model_config = input_example(
        {
            "name": "Norrskolan improvement team script",
            "role": "reporter",
            "scope_org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
            "expires_at": "2027-06-30T00:00:00Z",
        }
    )


class AccessTokenUpdate(InputModel):
    model_config = input_example({"name": "Skolportalen (read only)"})

    name: str = Field(default=None, min_length=1, max_length=200)
    expires_at: UTCTimestamp | None = Field(
        default=None, description="A new expiry (with an offset, e.g. `Z`); null removes it."
    )


_PUBLIC_EXAMPLE = {
    "id": "5f1b8d0c-2f3e-4a6b-8c9d-1e2f3a4b5c6d",
    "name": "Norrskolan improvement team script",
    "role": "reporter",
    "scope_org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
    "expires_at": "2027-06-30T00:00:00Z",
    "token_prefix": "pdca_Xk3v",
    "last_used_at": "2026-09-14T07:42:10Z",
    "revoked_at": None,
    "active": True,
    "created_at": "2026-08-20T07:30:00Z",
}


class AccessTokenPublic(AccessTokenBase):
    model_config = with_example(_PUBLIC_EXAMPLE)

    id: uuid.UUID
    token_prefix: str = Field(description="The first characters of the secret, to recognise it.")
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime

    @computed_field(description="Neither revoked nor expired.")  # type: ignore[prop-decorator]  # pydantic's computed_field on a property, as its docs show
    @property
    def active(self) -> bool:
        return AccessToken.is_active_at(
            utcnow(), revoked_at=self.revoked_at, expires_at=self.expires_at
        )


class AccessTokenCreated(AccessTokenPublic):
    """The new token, with its secret. The secret is never shown again."""

    model_config = with_example({**_PUBLIC_EXAMPLE, "token": "pdca_Xk3v...full-secret..."})

    token: str = Field(
        description="The secret to send as `Authorization: Bearer <token>`. Shown once."
    )


class CurrentTokenPublic(SQLModel):
    """Who the caller is: the token's organisation, role and scope."""

    token_id: uuid.UUID | None
    name: str
    organisation_id: uuid.UUID
    role: Role
    scope_org_unit_id: uuid.UUID | None


class AccessTokenPage(Page[AccessTokenPublic]):
    """One page of access tokens."""
