"""iterations record who published them and their release notes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("iterations") as batch:
        batch.add_column(sa.Column("published_by_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("notes", sa.Text(), nullable=False, server_default="")
        )
        batch.create_foreign_key(
            "fk_iterations_published_by", "users", ["published_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("iterations") as batch:
        batch.drop_constraint("fk_iterations_published_by", type_="foreignkey")
        batch.drop_column("notes")
        batch.drop_column("published_by_id")
