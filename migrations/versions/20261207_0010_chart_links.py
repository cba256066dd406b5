"""chart links: a secret (stored hashed), expiring, revocable link to one measure's chart,
drawn as its creating token sees it

Revision ID: 0010_chart_links
Revises: 0009_language_and_prediction
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_chart_links"
down_revision: str | Sequence[str] | None = "0009_language_and_prediction"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chart_link",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("created_by_token_id", sa.Uuid(), nullable=False),
        sa.Column("token_prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_token_id"],
            ["access_token.id"],
            name=op.f("fk_chart_link_created_by_token_id_access_token"),
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measure.id"],
            name=op.f("fk_chart_link_measure_id_measure"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_chart_link_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_chart_link_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chart_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_chart_link_token_hash")),
    )
    with op.batch_alter_table("chart_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chart_link_created_by_token_id"), ["created_by_token_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_chart_link_measure_id"), ["measure_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_chart_link_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("chart_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chart_link_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_chart_link_measure_id"))
        batch_op.drop_index(batch_op.f("ix_chart_link_created_by_token_id"))
    op.drop_table("chart_link")
