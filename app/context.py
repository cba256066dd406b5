"""Who is acting: the caller's role and scope (:class:`Principal`) and the request they made
(:class:`Context`), as one typed object that a session carries from the request to the audit
trail and the event outbox.

This module depends on nothing of the service, so models, the audit domain and the session
factory can all use it without importing each other.
"""

import uuid
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import Mapped

LanguageCode = Literal["sv", "nb", "nn", "en"]
"""The languages the service speaks: Swedish, Norwegian Bokmål, Nynorsk, English."""


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


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token, its organisation, role and unit scope."""

    token_id: uuid.UUID | None
    name: str
    organisation_id: uuid.UUID
    role: Role
    scope_org_unit_id: uuid.UUID | None = None
    scope_path: str | None = None
    #: The organisation's ``default_language`` (read with the token, in the same statement):
    #: the language of answers to requests without Accept-Language; None means English.
    default_language: LanguageCode | None = None

    @property
    def language(self) -> "LanguageCode":
        """The language of answers to a request without Accept-Language."""
        return self.default_language or "en"

    def has_role(self, role: Role) -> bool:
        return self.role.rank >= role.rank

    def covers_path(self, path: str) -> bool:
        return self.scope_path is None or path.startswith(self.scope_path)

    def path_filter(self, path_column: Mapped[str]) -> ColumnElement[bool]:
        """SQL condition: the unit with this path lies inside the token's scope."""
        if self.scope_path is None:
            return true()
        return path_column.startswith(self.scope_path, autoescape=True)


@dataclass(frozen=True, slots=True)
class Context:
    """What every write records about who made it: the principal (none for the command line,
    demo data and tests' set-up), the request id, and a name for writers without a token."""

    principal: Principal | None = None
    request_id: str | None = None
    actor: str = "system"

    @property
    def actor_token_id(self) -> uuid.UUID | None:
        return self.principal.token_id if self.principal else None

    @property
    def actor_name(self) -> str:
        return self.principal.name if self.principal else self.actor

    def acting_as(self, principal: Principal) -> "Context":
        return replace(self, principal=principal)


SYSTEM = Context()
