"""hardening: server-side sessions, login attempts per address and outcome

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Sessions table; login attempts gain an outcome and an address index."""
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("last_seen_at", WHEN, nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    with op.batch_alter_table("login_attempts") as batch:
        batch.add_column(
            sa.Column(
                "succeeded", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.create_index("ix_login_attempts_remote_addr", "login_attempts", ["remote_addr"])


def downgrade() -> None:
    """Back to 0005."""
    op.drop_index("ix_login_attempts_remote_addr", table_name="login_attempts")
    with op.batch_alter_table("login_attempts") as batch:
        batch.drop_column("succeeded")
    op.drop_index("ix_user_sessions_user_id", table_name="user_sessions")
    op.drop_table("user_sessions")
