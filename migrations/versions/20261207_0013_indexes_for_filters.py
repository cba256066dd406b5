"""indexes for the orders lists page in: (organisation_id, sort column, id) for each list's sorts
on the tables that grow (measurements, cycles, measures, the audit trail ...), and a measure's
measurements by period (issue 18: 1,000 units, 10,000 cycles, 10 million measurements)

Revision ID: 0013_indexes_for_filters
Revises: 0012_scheduled_events
Create Date: 2026-12-07 22:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_indexes_for_filters"
down_revision: str | Sequence[str] | None = "0012_scheduled_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "measurement",
        "ix_measurement_organisation_id_period_first_on_id",
        ("organisation_id", "period_first_on", "id"),
    ),
    (
        "measurement",
        "ix_measurement_organisation_id_recorded_at_id",
        ("organisation_id", "recorded_at", "id"),
    ),
    (
        "measurement",
        "ix_measurement_measure_id_period_first_on_id",
        ("measure_id", "period_first_on", "id"),
    ),
    ("measure", "ix_measure_organisation_id_name_id", ("organisation_id", "name", "id")),
    (
        "measure",
        "ix_measure_organisation_id_created_at_id",
        ("organisation_id", "created_at", "id"),
    ),
    ("cycle", "ix_cycle_organisation_id_updated_at_id", ("organisation_id", "updated_at", "id")),
    ("cycle", "ix_cycle_organisation_id_created_at_id", ("organisation_id", "created_at", "id")),
    (
        "cycle",
        "ix_cycle_organisation_id_stage_entered_at_id",
        ("organisation_id", "stage_entered_at", "id"),
    ),
    (
        "cycle",
        "ix_cycle_organisation_id_stage_due_on_id",
        ("organisation_id", "stage_due_on", "id"),
    ),
    ("org_unit", "ix_org_unit_organisation_id_name_id", ("organisation_id", "name", "id")),
    ("initiative", "ix_initiative_organisation_id_title_id", ("organisation_id", "title", "id")),
    (
        "initiative",
        "ix_initiative_organisation_id_created_at_id",
        ("organisation_id", "created_at", "id"),
    ),
    ("team", "ix_team_organisation_id_name_id", ("organisation_id", "name", "id")),
    ("goal", "ix_goal_organisation_id_title_id", ("organisation_id", "title", "id")),
    ("commitment", "ix_commitment_organisation_id_due_on_id", ("organisation_id", "due_on", "id")),
    (
        "audit_event",
        "ix_audit_event_organisation_id_occurred_at_id",
        ("organisation_id", "occurred_at", "id"),
    ),
)


def upgrade() -> None:
    for table, name, columns in INDEXES:
        op.create_index(name, table, list(columns), unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
