"""a unit's measurements in the list's order: (organisation_id, org_unit_id, period_first_on, id),
so that one unit's page, or a subtree's units one by one, is read from an index instead of
walking the organisation's measurements (issue 18: 10 million measurements)

Revision ID: 0015_measurement_list_indexes
Revises: 0013_indexes_for_filters
Create Date: 2026-12-07 23:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_measurement_list_indexes"
down_revision: str | Sequence[str] | None = "0013_indexes_for_filters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_measurement_organisation_id_org_unit_id_period_first_on_id"


def upgrade() -> None:
    op.create_index(
        NAME,
        "measurement",
        ["organisation_id", "org_unit_id", "period_first_on", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(NAME, table_name="measurement")
