"""The outbox: one row per event, written in the transaction of the change it tells of."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow, with_example

# SQLite's rowid (INTEGER PRIMARY KEY) numbers rows in insert order; PostgreSQL's BIGINT identity.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class EventType(StrEnum):
    """What happened. Measurement events name counts, measures and periods, never values."""

    measurement_recorded = "measurement.recorded"
    """Measurements created or replaced by one request (single, bulk or upload), for one unit."""
    measurement_deleted = "measurement.deleted"
    org_unit_created = "org_unit.created"
    org_unit_moved = "org_unit.moved"
    org_unit_archived = "org_unit.archived"
    org_unit_restored = "org_unit.restored"
    goal_created = "goal.created"
    goal_status_changed = "goal.status_changed"
    initiative_created = "initiative.created"
    initiative_status_changed = "initiative.status_changed"
    cycle_created = "cycle.created"
    cycle_stage_changed = "cycle.stage_changed"
    cycle_closed = "cycle.closed"
    organisation_imported = "organisation.imported"
    """An export was imported into the organisation (one event, with counts per kind)."""
    measure_chart_settings_changed = "measure.chart_settings_changed"
    """A phase, exclusion or annotation of the measure's chart added or removed."""
    measure_signal_appeared = "measure.signal_appeared"
    """From the worker: a signal (special cause, shift, trend, ...) appeared on the series of
    the measure at the unit, after its data or chart settings changed."""
    measure_signal_left = "measure.signal_left"
    """From the worker: a signal announced before is no longer on the series."""
    measure_assurance_changed = "measure.assurance_changed"
    """From the worker: the target's assurance verdict of the series changed."""
    cycle_overdue = "cycle.overdue"
    """From the worker's scheduler, once per stage and due date: the current stage's
    `stage_due_on` has passed and the cycle is not closed."""
    commitment_overdue = "commitment.overdue"
    """From the scheduler, once per due date: `due_on` has passed and the commitment is open or
    in progress."""
    measure_report_missing = "measure.report_missing"
    """From the scheduler, once per measure, unit and period: the unit was expected to report the
    measure and had not by the period's deadline (its last day + `PDCA_REPORT_GRACE_DAYS`)."""


class Event(SQLModel, table=True):
    """One change, as integrators hear of it. Never updated; written by :func:`record_event`.

    ``txid`` is the writing transaction's id on PostgreSQL (0 on SQLite, whose writers are
    serial): the feed reads in ``(txid, id)`` order and only below the oldest transaction still
    running, so no event can appear behind a cursor a reader has passed.
    """

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_organisation_id_txid_id", "organisation_id", "txid", "id"),)

    id: int | None = Field(
        default=None, sa_column=Column(EventId, primary_key=True, autoincrement=True)
    )
    txid: int = Field(default=0, sa_type=BigInteger, nullable=False)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id")
    type: str = Field(sa_type=String(64))
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    org_unit_id: uuid.UUID | None = Field(default=None)
    path: str = Field(max_length=2000)
    object_type: str = Field(max_length=64)
    object_id: uuid.UUID
    link: str = Field(max_length=300)
    actor_token_id: uuid.UUID | None = Field(default=None)
    actor_name: str = Field(max_length=200)
    request_id: str | None = Field(default=None, max_length=128)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class EventPublic(BaseModel):
    """One event of the feed."""

    model_config = with_example(
        {
            "cursor": "812.1207",
            "id": "1207",
            "type": "cycle.stage_changed",
            "occurred_at": "2026-09-14T07:42:10.120Z",
            "org_unit_id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
            "object_type": "cycle",
            "object_id": "0b5e3c1e-6a55-4d5c-9d7c-0f5d2b8a9e11",
            "link": "/api/v1/cycles/0b5e3c1e-6a55-4d5c-9d7c-0f5d2b8a9e11",
            "actor_name": "Rektor Norrskolan",
            "actor_token_id": "5f1b8d0c-2f3e-4a6b-8c9d-1e2f3a4b5c6d",
            "request_id": "c7d1d7f0a1b24d6f",
            "data": {"from_stage": "current_state", "to_stage": "analysis"},
        }
    )

    cursor: str = Field(description="This event's place in the feed: pass it as `after`.")
    id: str = Field(description="The event's id, stable across replays (CloudEvents `id`).")
    type: EventType
    occurred_at: datetime
    org_unit_id: uuid.UUID | None = Field(description="The unit the change concerns.")
    object_type: str = Field(description="The kind of object, e.g. `cycle`.")
    object_id: uuid.UUID
    link: str = Field(description="The object's URL in this API.")
    actor_name: str = Field(description="Who made the change: the token's name, or `system`.")
    actor_token_id: uuid.UUID | None
    request_id: str | None
    data: dict[str, Any] = Field(
        description="What changed, in a few fields; withheld figures never appear here."
    )


class EventFeed(BaseModel):
    """A page of the feed, oldest first, and where to go on from."""

    items: list[EventPublic]
    next_cursor: str = Field(
        description="Pass it as `after` for the events after these (the same one when there "
        "were none yet)."
    )
