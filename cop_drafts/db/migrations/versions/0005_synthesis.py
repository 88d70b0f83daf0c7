"""synthesis: dispositions and their history, written submissions, the
notification outbox and settings, full-text search over comments

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KIND = sa.String(length=32)
WHEN = sa.DateTime(timezone=True)

# SQLite: an FTS5 table kept in step with comments by triggers, so every way a
# comment is written (the service, a bulk insert, an edit) is searchable.
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE comments_fts USING fts5("
    "body, proposed, quote, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN "
    "INSERT INTO comments_fts (rowid, body, proposed, quote) VALUES (new.id, "
    "new.body, coalesce(new.proposed_text, ''), "
    "coalesce(json_extract(new.anchor, '$.quote'), '')); END",
    "CREATE TRIGGER comments_fts_update AFTER UPDATE OF body, proposed_text, anchor "
    "ON comments BEGIN DELETE FROM comments_fts WHERE rowid = old.id; "
    "INSERT INTO comments_fts (rowid, body, proposed, quote) VALUES (new.id, "
    "new.body, coalesce(new.proposed_text, ''), "
    "coalesce(json_extract(new.anchor, '$.quote'), '')); END",
    "CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN "
    "DELETE FROM comments_fts WHERE rowid = old.id; END",
    "INSERT INTO comments_fts (rowid, body, proposed, quote) SELECT id, body, "
    "coalesce(proposed_text, ''), coalesce(json_extract(anchor, '$.quote'), '') "
    "FROM comments",
]
# PostgreSQL: a GIN index on the same expression the search queries.
POSTGRES_SEARCH = [
    "CREATE INDEX ix_comments_search ON comments USING gin (to_tsvector('simple', "
    "body || ' ' || coalesce(proposed_text, '') || ' ' || "
    "coalesce(anchor ->> 'quote', '')))",
]


def upgrade() -> None:
    op.create_table(
        "dispositions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("kind", KIND, nullable=True),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("commit_id", sa.String(length=40), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("released_at", WHEN, nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("comment_id"),
    )
    op.create_index("ix_dispositions_kind", "dispositions", ["kind"])
    op.create_index("ix_dispositions_commit_id", "dispositions", ["commit_id"])
    op.create_index("ix_dispositions_assignee_id", "dispositions", ["assignee_id"])
    op.create_table(
        "disposition_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("kind", KIND, nullable=True),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("commit_id", sa.String(length=40), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.Column("changed_at", WHEN, nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["changed_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_disposition_revisions_comment_id", "disposition_revisions", ["comment_id"]
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["code_id"], ["codes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["imported_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("author_id", "code_id", "tag", "digest"),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("send_after", WHEN, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "dedupe_key"),
    )
    op.create_index("ix_notifications_user_id", "notifications", ["user_id"])
    op.create_index("ix_notifications_send_after", "notifications", ["send_after"])
    op.create_table(
        "notification_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "kind"),
    )
    op.create_index("ix_comments_code_wg", "comments", ["code_id", "wg"])
    statements = (
        SQLITE_SEARCH if op.get_bind().dialect.name == "sqlite" else POSTGRES_SEARCH
    )
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS comments_fts_{name}")
        op.execute("DROP TABLE IF EXISTS comments_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_comments_search")
    op.drop_index("ix_comments_code_wg", "comments")
    for table in (
        "notification_settings",
        "notifications",
        "submissions",
        "disposition_revisions",
        "dispositions",
    ):
        op.drop_table(table)
