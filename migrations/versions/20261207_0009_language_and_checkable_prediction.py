"""an organisation's default language; a cycle's prediction that can be checked

``organisation.default_language`` (sv, nb, nn, en; null = English) is the language of answers
to requests that send no Accept-Language (issue 15, item 8). A cycle's prediction may name a
measure, a comparison (at_least, at_most, between), one or two values and a day by which it
should hold (issue 15, item 9); the free text stays. Every new column is nullable, so existing
rows keep their meaning. The downgrade drops the columns (and what they held).

Revision ID: 0009_language_and_prediction
Revises: 0008_external_id_per_unit
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_language_and_prediction"
down_revision: str | Sequence[str] | None = "0008_external_id_per_unit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("default_language", sa.String(length=2), nullable=True))
        batch_op.create_check_constraint(
            "default_language",
            "default_language IS NULL OR default_language IN ('sv', 'nb', 'nn', 'en')",
        )
    with op.batch_alter_table("cycle", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prediction_measure_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("prediction_comparison", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("prediction_value", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("prediction_upper_value", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("prediction_by_on", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_cycle_prediction_measure_id_measure"),
            "measure",
            ["prediction_measure_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            "prediction_comparison",
            "prediction_comparison IS NULL OR prediction_comparison IN "
            "('at_least', 'at_most', 'between')",
        )


def downgrade() -> None:
    with op.batch_alter_table("cycle", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_cycle_prediction_comparison"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_cycle_prediction_measure_id_measure"), type_="foreignkey"
        )
        batch_op.drop_column("prediction_by_on")
        batch_op.drop_column("prediction_upper_value")
        batch_op.drop_column("prediction_value")
        batch_op.drop_column("prediction_comparison")
        batch_op.drop_column("prediction_measure_id")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_organisation_default_language"), type_="check")
        batch_op.drop_column("default_language")
