"""Reports, the outbox and the evidence vault.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("destination", sa.String(16), nullable=False),
        sa.Column("user_key", sa.String(600), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("remote_id", sa.String(64)),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("escalate", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("report_object", sa.Integer),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.Column("sent_by", sa.String(300)),
        sa.Column("sent_at", When),
        sa.Column("finished_at", When),
        sa.Column("retract_requested", sa.Boolean, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", When),
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_until", When),
        sa.Column("last_error", sa.Text),
        sa.Column("hold_until", When),
        sa.Column("hold_reason", sa.Text),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_reports_due", "reports", ["state", "next_attempt_at"])
    op.create_index(
        "uq_reports_draft",
        "reports",
        ["destination", "user_key"],
        unique=True,
        sqlite_where=sa.text("state = 'draft'"),
        postgresql_where=sa.text("state = 'draft'"),
    )
    op.create_table(
        "report_items",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("report_id", Id, sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("item_id", Id, nullable=False),
        sa.Column("queue", sa.String(200), nullable=False),
        sa.Column("list_name", sa.String(200)),
        sa.Column("scheme", sa.String(20), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("md5", sa.String(32), nullable=False),
        sa.Column("sha1", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", Id, nullable=False),
        sa.Column("media_type", sa.String(200)),
        sa.Column("filename", sa.String(1000)),
        sa.Column("metadata", sa.Text, nullable=False),
        sa.Column("decided_by", sa.Text, nullable=False),
        sa.Column("confirmed_at", When, nullable=False),
        sa.Column("vault_object", sa.Integer),
        sa.UniqueConstraint("report_id", "item_id", name="uq_report_items"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "report_steps",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("report_id", Id, sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("item_id", Id, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("remote_id", sa.String(200)),
        sa.Column("response_code", sa.Integer),
        sa.Column("response_text", sa.Text),
        sa.Column("updated_at", When, nullable=False),
        sa.UniqueConstraint("report_id", "generation", "kind", "item_id", name="uq_report_steps"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "vault_objects",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("report_id", Id, sa.ForeignKey("reports.id", ondelete="SET NULL")),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(1000), nullable=False),
        sa.Column("blob", sa.String(64), nullable=False, unique=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("md5", sa.String(32), nullable=False),
        sa.Column("size", Id, nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary),
        sa.Column("key_id", sa.String(16)),
        sa.Column("created_at", When, nullable=False),
        sa.Column("purged_at", When),
        sa.Column("purged_by", sa.String(300)),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_vault_objects_report", "vault_objects", ["report_id", "id"])


def downgrade() -> None:
    op.drop_table("vault_objects")
    op.drop_table("report_steps")
    op.drop_table("report_items")
    op.drop_table("reports")
