"""relocations placed by hand: who placed a carried comment's passage, and when

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Two nullable columns: every landing so far was found by relocation."""
    with op.batch_alter_table("relocations") as batch:
        batch.add_column(sa.Column("placed_by_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("placed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.create_foreign_key(
            "fk_relocations_placed_by_id_users",
            "users",
            ["placed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    """Back to 0008."""
    with op.batch_alter_table("relocations") as batch:
        batch.drop_constraint("fk_relocations_placed_by_id_users", type_="foreignkey")
        batch.drop_column("placed_at")
        batch.drop_column("placed_by_id")
