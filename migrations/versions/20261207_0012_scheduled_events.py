"""what the worker's scheduler has announced (overdue cycles and commitments, missed reports),
one row per announcement under a unique key, so each is announced once by any number of workers;
the signals of each measure's series as last computed, and the signal pass's feed position

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
        # The organisation leads the key, so a distributed PostgreSQL (Citus) can keep it.
        sa.UniqueConstraint(
            "organisation_id",
            "kind",
            "object_id",
            "subject_id",
            "due_on",
            "marker",
            name="uq_scheduled_event_once",
        ),
    )
    with op.batch_alter_table("scheduled_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scheduled_event_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "measure_signal_state",
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("assurance", sa.String(length=32), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_measure_signal_state_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("measure_id", "org_unit_id", name=op.f("pk_measure_signal_state")),
    )
    with op.batch_alter_table("measure_signal_state", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measure_signal_state_organisation_id"), ["organisation_id"], unique=False
        )
    # The signal pass's position in the feed, beside the fan-out's: it starts at the end, so an
    # upgraded database does not analyse its whole history at once.
    fanout = sa.table(
        "webhook_fanout",
        sa.column("name", sa.String),
        sa.column("txid", sa.BigInteger),
        sa.column("event_id", sa.BigInteger),
    )
    op.execute(
        fanout.insert().from_select(
            ["name", "txid", "event_id"],
            sa.select(sa.literal("signals"), fanout.c.txid, fanout.c.event_id).where(
                fanout.c.name == "events"
            ),
        )
    )


def downgrade() -> None:
    op.execute("DELETE FROM webhook_fanout WHERE name = 'signals'")
    with op.batch_alter_table("measure_signal_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_signal_state_organisation_id"))

    op.drop_table("measure_signal_state")
    with op.batch_alter_table("scheduled_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduled_event_organisation_id"))

    op.drop_table("scheduled_event")
