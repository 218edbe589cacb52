"""Live conversations: their scoring state, message scores and warnings.

Revision ID: 0010_text
Revises: 0009
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_text"
down_revision = "0009"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "chat_conversations",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("external_id", sa.String(200), nullable=False, unique=True),
        sa.Column("messages", sa.Integer, nullable=False),
        sa.Column("risk", sa.Float, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "chat_messages",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", Id, sa.ForeignKey("chat_conversations.id"), nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("sent_at", sa.String(64)),
        sa.Column("at", When, nullable=False),
        sa.Column("risk", sa.Float, nullable=False),
        sa.Column("author_risk", sa.Float, nullable=False),
        sa.Column("indicators", sa.Text, nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("keep_until", When),
        sa.UniqueConstraint("conversation_id", "idx", name="uq_chat_messages_idx"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_chat_messages_keep", "chat_messages", ["keep_until"])
    op.create_table(
        "chat_warnings",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", Id, sa.ForeignKey("chat_conversations.id"), nullable=False),
        sa.Column("message_idx", sa.Integer, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("risk", sa.Float, nullable=False),
        sa.Column("indicators", sa.Text, nullable=False),
        sa.Column("review_item_id", Id),
        sa.Column("created_at", When, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_chat_warnings_conversation", "chat_warnings", ["conversation_id", "message_idx"]
    )


def downgrade() -> None:
    op.drop_table("chat_warnings")
    op.drop_index("ix_chat_messages_keep", "chat_messages")
    op.drop_table("chat_messages")
    op.drop_table("chat_conversations")
