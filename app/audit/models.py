import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlmodel import Field, SQLModel, col

from app.db import UTCDateTime, utcnow, with_example
from app.pagination import Page


class AuditAction(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"
    move = "move"
    archive = "archive"
    restore = "restore"
    revoke = "revoke"
    transition = "transition"
    import_ = "import"
    """An organisation restored from an export (one entry for the whole import)."""


class AuditEventBase(SQLModel):
    occurred_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )
    actor_token_id: uuid.UUID | None = Field(
        default=None,
        index=True,
        description="The access token that made the change (null: the CLI).",
    )
    actor_name: str = Field(max_length=200, description="The token's name at the time, or `cli`.")
    action: str = Field(
        sa_type=String(32), description="What was done: create, update, delete, move, ..."
    )
    object_type: str = Field(max_length=64, description="The kind of object, e.g. `org_unit`.")
    object_id: uuid.UUID = Field(index=True)
    org_unit_id: uuid.UUID | None = Field(
        default=None,
        description="The unit the object belongs to, which decides who may read the entry.",
    )
    changes: dict[str, Any] = Field(
        default_factory=dict,
        sa_type=JSON,
        description="Changed fields: `{field: {before, after}}`; all fields on create and delete.",
    )
    request_id: str | None = Field(default=None, max_length=128)


class AuditEvent(AuditEventBase, table=True):
    """One write: who, what, when, and the fields before and after. Never updated or deleted."""

    __tablename__ = "audit_event"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)


class AuditEventPublic(AuditEventBase):
    model_config = with_example(
        {
            "id": "0b5e3c1e-6a55-4d5c-9d7c-0f5d2b8a9e11",
            "occurred_at": "2026-09-14T07:42:10.120Z",
            "actor_token_id": "5f1b8d0c-2f3e-4a6b-8c9d-1e2f3a4b5c6d",
            "actor_name": "Rektor Norrskolan",
            "action": "update",
            "object_type": "org_unit",
            "object_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
            "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
            "changes": {"name": {"before": "Norrskolan", "after": "Norrskolan F-6"}},
            "request_id": "c7d1d7f0a1b24d6f",
        }
    )

    id: uuid.UUID
    action: AuditAction = Field(description="What was done.")


class AuditEventPage(Page[AuditEventPublic]):
    """One page of audit events."""


# The orders lists page in within an organisation (issue 18): index scans, not sorts.
Index(
    "ix_audit_event_organisation_id_occurred_at_id",
    col(AuditEvent.organisation_id),
    col(AuditEvent.occurred_at),
    col(AuditEvent.id),
)
