"""goals, initiatives (with their goal links) and commitments

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 13:40:41.197627
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "goal",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.String(length=8000), nullable=True),
        sa.Column("valid_from_on", sa.Date(), nullable=True),
        sa.Column("valid_to_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("parent_goal_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "valid_from_on IS NULL OR valid_to_on IS NULL OR valid_from_on <= valid_to_on",
            name=op.f("ck_goal_valid_period"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_goal_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_goal_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_goal_id"], ["goal.id"], name=op.f("fk_goal_parent_goal_id_goal")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal")),
    )
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goal_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_goal_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_goal_parent_goal_id"), ["parent_goal_id"], unique=False
        )

    op.create_table(
        "initiative",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("focus_area", sa.String(length=200), nullable=False),
        sa.Column("problem_description", sa.String(length=8000), nullable=True),
        sa.Column("evidence", sa.String(length=8000), nullable=True),
        sa.Column("aim_what", sa.String(length=2000), nullable=True),
        sa.Column("aim_how_much", sa.String(length=500), nullable=True),
        sa.Column("aim_by_when_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "started_on IS NULL OR ended_on IS NULL OR started_on <= ended_on",
            name=op.f("ck_initiative_period"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_initiative_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_initiative_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative")),
    )
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_initiative_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_initiative_team_id"), ["team_id"], unique=False)

    op.create_table(
        "commitment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=False),
        sa.Column("owner_name", sa.String(length=200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("follow_up_note", sa.String(length=4000), nullable=True),
        sa.Column("followed_up_on", sa.Date(), nullable=True),
        sa.Column("goal_id", sa.Uuid(), nullable=True),
        sa.Column("initiative_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "(goal_id IS NULL) <> (initiative_id IS NULL)", name=op.f("ck_commitment_one_target")
        ),
        sa.CheckConstraint(
            "team_id IS NOT NULL OR owner_name IS NOT NULL", name=op.f("ck_commitment_owner")
        ),
        sa.ForeignKeyConstraint(["goal_id"], ["goal.id"], name=op.f("fk_commitment_goal_id_goal")),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name=op.f("fk_commitment_initiative_id_initiative"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_commitment_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_commitment_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment")),
    )
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitment_goal_id"), ["goal_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_commitment_initiative_id"), ["initiative_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_commitment_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_commitment_team_id"), ["team_id"], unique=False)

    op.create_table(
        "initiative_goal",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("initiative_id", sa.Uuid(), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goal.id"], name=op.f("fk_initiative_goal_goal_id_goal")
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name=op.f("fk_initiative_goal_initiative_id_initiative"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_initiative_goal_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative_goal")),
        sa.UniqueConstraint(
            "initiative_id", "goal_id", name=op.f("uq_initiative_goal_initiative_id_goal_id")
        ),
    )
    with op.batch_alter_table("initiative_goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_initiative_goal_goal_id"), ["goal_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_initiative_goal_initiative_id"), ["initiative_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_initiative_goal_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("initiative_goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_initiative_goal_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_initiative_goal_initiative_id"))
        batch_op.drop_index(batch_op.f("ix_initiative_goal_goal_id"))

    op.drop_table("initiative_goal")
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_team_id"))
        batch_op.drop_index(batch_op.f("ix_commitment_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_commitment_initiative_id"))
        batch_op.drop_index(batch_op.f("ix_commitment_goal_id"))
        batch_op.drop_index(batch_op.f("ix_commitment_due_on"))

    op.drop_table("commitment")
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_initiative_team_id"))
        batch_op.drop_index(batch_op.f("ix_initiative_organisation_id"))

    op.drop_table("initiative")
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_parent_goal_id"))
        batch_op.drop_index(batch_op.f("ix_goal_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_goal_org_unit_id"))

    op.drop_table("goal")
