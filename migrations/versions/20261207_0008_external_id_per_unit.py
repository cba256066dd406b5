"""a measurement's external id is unique per reporting unit, no longer per organisation

A clash on an organisation-wide id told a reporter that a sibling school used the id (and
which measurement had it). Scoped to the reporting unit, a clash only ever names a measurement
of a unit the writer covers (issue 13). The new unique index also serves the look-up by unit
and id.

The downgrade restores the organisation-wide constraint; it fails while two units share an
external id, which the upgrade allows (clear one of them first).

Revision ID: 0008_external_id_per_unit
Revises: 0007
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_external_id_per_unit"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.drop_constraint("uq_measurement_organisation_id_external_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_measurement_organisation_id_org_unit_id_external_id"),
            ["organisation_id", "org_unit_id", "external_id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.drop_constraint(
            "uq_measurement_organisation_id_org_unit_id_external_id", type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_measurement_organisation_id_external_id"),
            ["organisation_id", "external_id"],
        )
