"""idempotency keys: the fingerprint is known once the body has streamed past; large answers
are stored compressed

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_key") as batch:
        batch.alter_column("fingerprint", existing_type=sa.String(length=64), nullable=True)
        batch.add_column(sa.Column("response_encoding", sa.String(length=16), nullable=True))


def downgrade() -> None:
    # Keys are kept 24 hours; dropping the ones still running or compressed loses nothing a
    # client could not redo with a new key.
    op.execute(
        "DELETE FROM idempotency_key WHERE fingerprint IS NULL OR response_encoding IS NOT NULL"
    )
    with op.batch_alter_table("idempotency_key") as batch:
        batch.drop_column("response_encoding")
        batch.alter_column("fingerprint", existing_type=sa.String(length=64), nullable=False)
