import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import AnyUrl, BaseModel
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from app.db import (
    InputModel,
    TenantRow,
    UTCDateTime,
    UTCTimestamp,
    input_example,
    utcnow,
    with_example,
)
from app.events.models import EventType
from app.pagination import Page

RowId = BigInteger().with_variant(Integer(), "sqlite")


class WebhookEndpoint(TenantRow, table=True):
    """A portal's receiver: the events it wants (types, a unit subtree) and its secrets.

    Secrets are kept as given out (HMAC needs them); they never appear in the audit trail, and
    the API shows a secret once, when it is made. ``next_attempt_at`` holds back the endpoint's
    queue after a failure (deliveries keep event order), ``lease_until`` marks the worker that
    is delivering to it."""

    __tablename__ = "webhook_endpoint"
    __audit_exclude__ = frozenset(
        {"secret", "previous_secret", "next_attempt_at", "lease_until", "lease_owner"}
    )

    url: str = Field(max_length=2000)
    description: str | None = Field(default=None, max_length=2000)
    event_types: list[str] = Field(default_factory=list, sa_type=JSON)
    org_unit_id: uuid.UUID | None = Field(default=None, foreign_key="org_unit.id", index=True)
    secret: str = Field(max_length=200)
    previous_secret: str | None = Field(default=None, max_length=200)
    previous_secret_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    enabled: bool = Field(default=True)
    disabled_reason: str | None = Field(default=None, max_length=2000)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_owner: str | None = Field(default=None, max_length=200)

    def audit_org_unit_id(self, _session: Session) -> uuid.UUID | None:
        return self.org_unit_id


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint (again for a replay). Delivered in ``id`` order per endpoint."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_endpoint_id_status_id", "endpoint_id", "status", "id"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(RowId, primary_key=True, autoincrement=True)
    )
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    endpoint_id: uuid.UUID = Field(foreign_key="webhook_endpoint.id")
    event_id: int = Field(
        sa_column=Column(RowId, ForeignKey("event.id"), nullable=False, index=True)
    )
    status: str = Field(default=DeliveryStatus.pending, sa_type=String(16))
    replay: bool = Field(default=False)
    attempts: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    first_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookAttempt(SQLModel, table=True):
    """One try to deliver: what the receiver answered (or why there was no answer)."""

    __tablename__ = "webhook_attempt"

    id: int | None = Field(
        default=None, sa_column=Column(RowId, primary_key=True, autoincrement=True)
    )
    delivery_id: int = Field(
        sa_column=Column(RowId, ForeignKey("webhook_delivery.id"), nullable=False, index=True)
    )
    endpoint_id: uuid.UUID = Field(foreign_key="webhook_endpoint.id", index=True)
    attempted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    status_code: int | None = Field(default=None)
    latency_ms: int = Field(default=0)
    succeeded: bool = Field(default=False)
    error: str | None = Field(default=None, max_length=500)
    response_body: str | None = Field(default=None, max_length=1000)
    worker: str = Field(max_length=200)


RETENTION_POSITION = "retention"
"""The ``webhook_fanout`` row holding the feed position of the last event removed by retention."""


class WebhookFanout(SQLModel, table=True):
    """Positions in the feed the worker keeps: ``events``, how far it has turned events into
    deliveries; ``retention``, the last event removed as too old (made by the first round)."""

    __tablename__ = "webhook_fanout"

    name: str = Field(primary_key=True, max_length=32)
    txid: int = Field(default=0, sa_type=BigInteger)
    event_id: int = Field(default=0, sa_type=BigInteger)


class ScheduledEvent(SQLModel, table=True):
    """What the scheduler has announced, so that each overdue cycle or commitment and each
    missed report is announced once, however many workers run: the unique key is claimed in the
    transaction that writes the event (a second worker's insert waits for it, then does nothing).

    ``kind`` is the event type; ``object_id`` the cycle, commitment or measure; ``subject_id``
    the unit that missed a report (else the object again); ``due_on`` the date that passed;
    ``marker`` the stage of an overdue cycle or the period of a missed report (else empty).
    """

    __tablename__ = "scheduled_event"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id",
            "kind",
            "object_id",
            "subject_id",
            "due_on",
            "marker",
            name="uq_scheduled_event_once",
        ),
    )

    id: int | None = Field(
        default=None, sa_column=Column(RowId, primary_key=True, autoincrement=True)
    )
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=64)
    object_id: uuid.UUID
    subject_id: uuid.UUID
    due_on: date
    marker: str = Field(default="", max_length=32)
    emitted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class MeasureSignalState(SQLModel, table=True):
    """The signals and the assurance of one measure's series at one unit as the worker last
    computed them: the next computation is compared with it to announce what appeared or left.
    ``signals`` holds keys ``rule:side:period`` (the period of the signal's first point)."""

    __tablename__ = "measure_signal_state"

    measure_id: uuid.UUID = Field(primary_key=True)
    org_unit_id: uuid.UUID = Field(primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    signals: list[str] = Field(default_factory=list, sa_type=JSON)
    assurance: str | None = Field(default=None, max_length=32)
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# ----------------------------------------------------------------------------- API models

_EXAMPLE_URL = "https://portal.mittkoping.se/hooks/pdca"


class WebhookEndpointCreate(InputModel):
    model_config = input_example(
        {
            "url": _EXAMPLE_URL,
            "event_types": ["cycle.stage_changed", "measurement.recorded"],
            "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
            "description": "Norrskolans webbplats",
        }
    )

    url: AnyUrl = Field(description="Where to POST events: http(s), no user info.")
    event_types: list[EventType] = Field(
        default_factory=list, max_length=50, description="The types wanted; empty: all."
    )
    org_unit_id: uuid.UUID | None = Field(
        default=None,
        description="Only events of this unit and the units below it; leave out for the token's "
        "whole scope.",
    )
    description: str | None = Field(default=None, max_length=2000)


class WebhookEndpointUpdate(InputModel):
    model_config = input_example({"enabled": True})

    url: AnyUrl = Field(default=None, description="Where to POST events.")
    event_types: list[EventType] = Field(default=None, max_length=50)
    description: str | None = Field(default=None, max_length=2000)
    enabled: bool = Field(
        default=None,
        description="`true` takes a disabled endpoint back into service: its queue resumes with "
        "the first undelivered event.",
    )


class WebhookEndpointPublic(BaseModel):
    model_config = with_example(
        {
            "id": "3f0c1e6a-55d4-4c9d-8f5d-2b8a9e110b5e",
            "url": _EXAMPLE_URL,
            "event_types": ["cycle.stage_changed"],
            "org_unit_id": None,
            "description": "Norrskolans webbplats",
            "enabled": False,
            "disabled_reason": "Every delivery since 2026-09-11T07:00:00Z failed (last: HTTP 503).",
            "disabled_at": "2026-09-14T07:00:00Z",
            "pending_deliveries": 12,
            "secret_rotated_until": None,
            "created_at": "2026-09-01T08:00:00Z",
            "updated_at": "2026-09-14T07:00:00Z",
            "version": 3,
        }
    )

    id: uuid.UUID
    url: str
    event_types: list[EventType]
    org_unit_id: uuid.UUID | None
    description: str | None
    enabled: bool
    disabled_reason: str | None = Field(description="Why the service stopped delivering.")
    disabled_at: datetime | None
    pending_deliveries: int = Field(description="Events waiting for this endpoint.")
    secret_rotated_until: datetime | None = Field(
        description="Until then the previous secret signs too (after a rotation)."
    )
    created_at: datetime
    updated_at: datetime
    version: int


class WebhookEndpointWithSecret(WebhookEndpointPublic):
    secret: str = Field(
        description="The signing secret (`whsec_` and base64), shown only in this answer."
    )


class WebhookEndpointPage(Page[WebhookEndpointPublic]):
    """One page of webhook endpoints."""


class WebhookAttemptPublic(BaseModel):
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    succeeded: bool
    error: str | None
    response_body: str | None = Field(description="The receiver's answer, cut at 1,000 characters.")


class WebhookDeliveryPublic(BaseModel):
    id: int
    event_id: str
    event_type: EventType
    status: DeliveryStatus
    replay: bool
    attempts: list[WebhookAttemptPublic]
    created_at: datetime
    delivered_at: datetime | None


class WebhookDeliveryList(BaseModel):
    """Deliveries, newest first."""

    items: list[WebhookDeliveryPublic]
    next_cursor: str | None = Field(description="Pass it as `after` for older deliveries.")


class WebhookReplay(InputModel):
    model_config = input_example({"since": "2026-09-14T00:00:00Z"})

    event_id: str | None = Field(
        default=None, max_length=20, description="Deliver this event again."
    )
    since: UTCTimestamp | None = Field(
        default=None, description="Deliver again every event of the endpoint since this instant."
    )


class WebhookReplayResult(BaseModel):
    queued: int = Field(description="Deliveries queued.")
