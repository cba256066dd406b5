"""a measure's chart settings: phases (rebases, each naming an adopted cycle or a reason, with
an optional frozen baseline), excluded points and annotations

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "measure_annotation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("period_ordinal", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("period_first_on", sa.Date(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_measure_annotation_measure_id_measure")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_unit.id"],
            name=op.f("fk_measure_annotation_org_unit_id_org_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_measure_annotation_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_annotation")),
    )
    with op.batch_alter_table("measure_annotation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measure_annotation_measure_id"), ["measure_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measure_annotation_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "measure_exclusion",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("period_ordinal", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("period_first_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_measure_exclusion_measure_id_measure")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_measure_exclusion_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_measure_exclusion_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_exclusion")),
        sa.UniqueConstraint(
            "measure_id",
            "org_unit_id",
            "period_ordinal",
            name=op.f("uq_measure_exclusion_measure_id_org_unit_id_period_ordinal"),
        ),
    )
    with op.batch_alter_table("measure_exclusion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measure_exclusion_measure_id"), ["measure_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measure_exclusion_org_unit_id"), ["org_unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measure_exclusion_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "measure_phase",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("period_ordinal", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("period_first_on", sa.Date(), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=2000), nullable=True),
        sa.Column("baseline_periods", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "baseline_periods IS NULL OR baseline_periods >= 1",
            name=op.f("ck_measure_phase_baseline_periods"),
        ),
        sa.CheckConstraint(
            "cycle_id IS NOT NULL OR reason IS NOT NULL",
            name=op.f("ck_measure_phase_cycle_or_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycle.id"], name=op.f("fk_measure_phase_cycle_id_cycle")
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_measure_phase_measure_id_measure")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_measure_phase_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_measure_phase_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_phase")),
        sa.UniqueConstraint(
            "measure_id", "period_ordinal", name=op.f("uq_measure_phase_measure_id_period_ordinal")
        ),
    )
    with op.batch_alter_table("measure_phase", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measure_phase_cycle_id"), ["cycle_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_measure_phase_measure_id"), ["measure_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measure_phase_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("measure_phase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_phase_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_measure_phase_measure_id"))
        batch_op.drop_index(batch_op.f("ix_measure_phase_cycle_id"))

    op.drop_table("measure_phase")
    with op.batch_alter_table("measure_exclusion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_exclusion_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_measure_exclusion_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_measure_exclusion_measure_id"))

    op.drop_table("measure_exclusion")
    with op.batch_alter_table("measure_annotation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_annotation_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_measure_annotation_measure_id"))

    op.drop_table("measure_annotation")
