"""section visits: when a signed-in person last read each section, and which text

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """One row per person and section of a Code."""
    op.create_table(
        "section_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("rev", sa.String(length=64), nullable=False),
        sa.Column("commit_id", sa.String(length=40), nullable=False),
        sa.Column("blob_id", sa.String(length=40), nullable=False),
        sa.Column("before_commit_id", sa.String(length=40), nullable=True),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["code_id"], ["codes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "code_id", "path"),
    )


def downgrade() -> None:
    """Back to 0007."""
    op.drop_table("section_visits")
