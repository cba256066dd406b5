"""measures (mått) and measurements (mätningar), cycles' followed measures, and the
organisation's school-year start and small-number protection default

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 06:48:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "measure",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=True),
        sa.Column("operational_definition", sa.String(length=8000), nullable=True),
        sa.Column("measure_type", sa.String(length=16), nullable=False),
        sa.Column("value_kind", sa.String(length=16), nullable=False),
        sa.Column("unit_label", sa.String(length=50), nullable=True),
        sa.Column("scale_min", sa.Integer(), nullable=True),
        sa.Column("scale_max", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("target_value", sa.Float(), nullable=True),
        sa.Column("target_on", sa.Date(), nullable=True),
        sa.Column("period_kind", sa.String(length=16), nullable=False),
        sa.Column("external_code", sa.String(length=100), nullable=True),
        sa.Column("min_denominator", sa.Integer(), nullable=True),
        sa.Column("reporting_unit_kind", sa.String(length=32), nullable=True),
        sa.Column("initiative_id", sa.Uuid(), nullable=True),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "scale_min IS NULL OR scale_max IS NULL OR scale_min < scale_max",
            name=op.f("ck_measure_scale"),
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"], ["initiative.id"], name=op.f("fk_measure_initiative_id_initiative")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_measure_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_measure_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure")),
        sa.UniqueConstraint(
            "organisation_id",
            "external_code",
            name=op.f("uq_measure_organisation_id_external_code"),
        ),
    )
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measure_initiative_id"), ["initiative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_measure_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_measure_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "cycle_measure",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycle.id"], name=op.f("fk_cycle_measure_cycle_id_cycle")
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_cycle_measure_measure_id_measure")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_cycle_measure_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_cycle_measure_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_measure")),
        sa.UniqueConstraint(
            "cycle_id", "measure_id", name=op.f("uq_cycle_measure_cycle_id_measure_id")
        ),
    )
    with op.batch_alter_table("cycle_measure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cycle_measure_cycle_id"), ["cycle_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cycle_measure_measure_id"), ["measure_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cycle_measure_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "measurement",
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
        sa.Column("value", sa.Float(precision=53), nullable=False),
        sa.Column("numerator", sa.Float(precision=53), nullable=True),
        sa.Column("denominator", sa.Float(precision=53), nullable=True),
        sa.Column("comment", sa.String(length=2000), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("recorded_by_token_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "denominator IS NULL OR denominator > 0", name=op.f("ck_measurement_denominator")
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_measurement_measure_id_measure")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_measurement_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_measurement_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurement")),
        sa.UniqueConstraint(
            "measure_id",
            "org_unit_id",
            "period_ordinal",
            name=op.f("uq_measurement_measure_id_org_unit_id_period_ordinal"),
        ),
        sa.UniqueConstraint(
            "organisation_id",
            "external_id",
            name=op.f("uq_measurement_organisation_id_external_id"),
        ),
    )
    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measurement_org_unit_id"), ["org_unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measurement_organisation_id"), ["organisation_id"], unique=False
        )

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "school_year_start", sa.String(length=5), nullable=False, server_default="07-01"
            )
        )
        batch_op.add_column(sa.Column("min_denominator", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("min_denominator")
        batch_op.drop_column("school_year_start")

    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measurement_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_measurement_org_unit_id"))

    op.drop_table("measurement")
    with op.batch_alter_table("cycle_measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cycle_measure_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_cycle_measure_measure_id"))
        batch_op.drop_index(batch_op.f("ix_cycle_measure_cycle_id"))

    op.drop_table("cycle_measure")
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_measure_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_measure_initiative_id"))

    op.drop_table("measure")
