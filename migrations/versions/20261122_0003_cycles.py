"""improvement cycles and their stage history

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 13:42:28.574260
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cycle",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("change_idea", sa.String(length=8000), nullable=True),
        sa.Column("question", sa.String(length=8000), nullable=True),
        sa.Column("prediction", sa.String(length=8000), nullable=True),
        sa.Column("scale", sa.String(length=500), nullable=True),
        sa.Column("current_state_description", sa.String(length=8000), nullable=True),
        sa.Column("baseline_start_on", sa.Date(), nullable=True),
        sa.Column("baseline_end_on", sa.Date(), nullable=True),
        sa.Column("analysis_summary", sa.String(length=8000), nullable=True),
        sa.Column("test_started_on", sa.Date(), nullable=True),
        sa.Column("test_ended_on", sa.Date(), nullable=True),
        sa.Column("unplanned_events", sa.String(length=8000), nullable=True),
        sa.Column("results", sa.String(length=8000), nullable=True),
        sa.Column("learning", sa.String(length=8000), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("initiative_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("predecessor_cycle_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("causes", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("stage_entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage_due_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "baseline_start_on IS NULL OR baseline_end_on IS NULL "
            "OR baseline_start_on <= baseline_end_on",
            name=op.f("ck_cycle_baseline_window"),
        ),
        sa.CheckConstraint(
            "test_started_on IS NULL OR test_ended_on IS NULL OR test_started_on <= test_ended_on",
            name=op.f("ck_cycle_test_window"),
        ),
        sa.CheckConstraint(
            "stage IN ('current_state', 'analysis', 'action', 'follow_up', 'closed')",
            name=op.f("ck_cycle_stage_code"),
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"], ["initiative.id"], name=op.f("fk_cycle_initiative_id_initiative")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_cycle_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["predecessor_cycle_id"], ["cycle.id"], name=op.f("fk_cycle_predecessor_cycle_id_cycle")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle")),
        sa.UniqueConstraint(
            "initiative_id", "sequence", name=op.f("uq_cycle_initiative_id_sequence")
        ),
        sa.UniqueConstraint("predecessor_cycle_id", name=op.f("uq_cycle_predecessor_cycle_id")),
    )
    with op.batch_alter_table("cycle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cycle_initiative_id"), ["initiative_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cycle_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cycle_stage"), ["stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_cycle_stage_due_on"), ["stage_due_on"], unique=False)

    op.create_table(
        "cycle_stage_transition",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=16), nullable=True),
        sa.Column("to_stage", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("actor_token_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycle.id"], name=op.f("fk_cycle_stage_transition_cycle_id_cycle")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_cycle_stage_transition_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_stage_transition")),
        sa.UniqueConstraint(
            "cycle_id", "position", name=op.f("uq_cycle_stage_transition_cycle_id_position")
        ),
    )
    with op.batch_alter_table("cycle_stage_transition", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cycle_stage_transition_cycle_id"), ["cycle_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cycle_stage_transition_organisation_id"),
            ["organisation_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("cycle_stage_transition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cycle_stage_transition_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_cycle_stage_transition_cycle_id"))
    op.drop_table("cycle_stage_transition")
    with op.batch_alter_table("cycle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cycle_stage_due_on"))
        batch_op.drop_index(batch_op.f("ix_cycle_stage"))
        batch_op.drop_index(batch_op.f("ix_cycle_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_cycle_initiative_id"))
    op.drop_table("cycle")
