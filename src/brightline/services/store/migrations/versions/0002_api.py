"""API keys, per-list actions, the match log and the webhook delivery log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("prefix", sa.String(16), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("revoked_at", When),
    )
    op.create_table(
        "list_actions",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column(
            "list_id", Id, sa.ForeignKey("hash_lists.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("url", sa.String(2000)),
        sa.Column("secret", sa.String(200)),
        sa.Column("created_at", When, nullable=False),
    )
    op.create_index("ix_list_actions_list", "list_actions", ["list_id"])
    op.create_table(
        "match_log",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("at", When, nullable=False),
        sa.Column("list_name", sa.String(200), nullable=False),
        sa.Column("entry_id", sa.BigInteger, nullable=False),
        sa.Column("signal_type", sa.String(32), nullable=False),
        sa.Column("value", sa.String(512), nullable=False),
        sa.Column("distance", sa.Integer, nullable=False),
        sa.Column("category", sa.String(64)),
        sa.Column("source", sa.String(200)),
        sa.Column("key_prefix", sa.String(16)),
        sa.Column("request_id", sa.String(64)),
        sa.Column("ref", sa.String(256)),
    )
    op.create_index("ix_match_log_list_id", "match_log", ["list_name", "id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("action_id", sa.BigInteger, nullable=False),
        sa.Column("list_name", sa.String(200), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", When, nullable=False),
        sa.Column("lease_until", When),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", When, nullable=False),
        sa.Column("delivered_at", When),
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("match_log")
    op.drop_table("list_actions")
    op.drop_table("api_keys")
