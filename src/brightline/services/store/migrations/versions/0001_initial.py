"""Hash lists, entries, tombstones and the revision counter.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "hash_lists",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("scheme", sa.String(20), nullable=False),
        sa.Column("pdq_threshold", sa.Integer, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "entries",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column(
            "list_id", Id, sa.ForeignKey("hash_lists.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("signal_type", sa.String(32), nullable=False),
        sa.Column("value", sa.String(512), nullable=False),
        sa.Column("category", sa.String(64)),
        sa.Column("source", sa.String(200)),
        sa.Column("source_id", sa.String(256)),
        sa.Column("note", sa.Text),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rev", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("signal_type", "value", "list_id", name="uq_entries_signal_value_list"),
        # Ids are never reused (SQLite would reuse the highest after a delete):
        # indexes, match logs and API clients hold on to them.
        sqlite_autoincrement=True,
    )
    op.create_index("ix_entries_list", "entries", ["list_id", "id"])
    # The change feed asks "signal type X, rev above N": one index answers it.
    op.create_index("ix_entries_signal_rev", "entries", ["signal_type", "rev"])
    op.create_table(
        "tombstones",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.BigInteger, nullable=False),
        sa.Column("signal_type", sa.String(32), nullable=False),
        sa.Column("rev", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_tombstones_signal_rev", "tombstones", ["signal_type", "rev"])
    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    # "instance" tells databases apart, so an index file is never applied to the
    # wrong one.
    op.bulk_insert(
        counters,
        [{"name": "rev", "value": 0}, {"name": "instance", "value": secrets.randbits(62)}],
    )


def downgrade() -> None:
    op.drop_table("counters")
    op.drop_table("tombstones")
    op.drop_table("entries")
    op.drop_table("hash_lists")
