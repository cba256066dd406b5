"""what the worker's scheduler has announced (overdue cycles and commitments, missed reports),
one row per announcement under a unique key, so each is announced once by any number of workers

Revision ID: 0012_scheduled_events
Revises: 0011_events_and_webhooks
Create Date: 2026-12-07 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_scheduled_events"
down_revision: str | Sequence[str] | None = "0011_events_and_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduled_event",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("marker", sa.String(length=32), nullable=False),
        sa.Column("emitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_scheduled_event_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_event")),
        sa.UniqueConstraint(
            "kind",
            "object_id",
            "subject_id",
            "due_on",
            "marker",
            name=op.f("uq_scheduled_event_kind_object_id_subject_id_due_on_marker"),
        ),
    )
    with op.batch_alter_table("scheduled_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scheduled_event_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("scheduled_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduled_event_organisation_id"))

    op.drop_table("scheduled_event")
