"""Service-layer foundations: content items (pipeline) and the key generation (services).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    # -- pipeline: content items ------------------------------------------------
    # Jobs (scan, upload, case), the items they met, their signals and matches, and
    # who/what found each match-log row. On SQLite these tables also live in the
    # events database beside the main file (services/store/events.py), which is
    # where rows go; here they keep the main schema equal to the metadata.
    op.create_table(
        "jobs",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", When, nullable=False),
        sa.Column("finished_at", When),
        sa.Column("actor", sa.String(300), nullable=False),
        sa.Column("ref", sa.Text),
        sa.Column("request_id", sa.String(64)),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "items",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("job_id", Id, sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("locator", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger),
        sa.Column("media_type", sa.String(100)),
        sa.Column("error_code", sa.String(64)),
        sa.Column("error_message", sa.Text),
        sa.Column("at", When, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_items_job", "items", ["job_id", "id"])
    op.create_table(
        "item_signals",
        sa.Column("item_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("signal_type", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(512), nullable=False),
        sa.Column("quality", sa.Integer),
    )
    op.create_index("ix_item_signals_value", "item_signals", ["signal_type", "value"])
    op.create_table(
        "item_matches",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("item_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("list_name", sa.String(200), nullable=False),
        sa.Column("entry_id", sa.BigInteger, nullable=False),
        sa.Column("signal_type", sa.String(32), nullable=False),
        sa.Column("value", sa.String(512), nullable=False),
        sa.Column("distance", sa.Integer, nullable=False),
        sa.Column("category", sa.String(64)),
        sa.Column("extra", sa.Text),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_item_matches_item", "item_matches", ["item_id"])
    with op.batch_alter_table("match_log") as batch:
        batch.add_column(sa.Column("actor", sa.String(300)))
        batch.add_column(sa.Column("job_id", sa.BigInteger))
        batch.add_column(sa.Column("item_id", sa.BigInteger))
    # -- end pipeline -------------------------------------------------------------
    # -- services
    # The key generation: moves with every revocation, so a server's cache of verified
    # keys knows at once that one of them may no longer be good.
    op.execute("INSERT INTO counters (name, value) VALUES ('keys', 0)")


def downgrade() -> None:
    # -- services
    op.execute("DELETE FROM counters WHERE name = 'keys'")
    # -- pipeline: content items ------------------------------------------------
    with op.batch_alter_table("match_log") as batch:
        batch.drop_column("item_id")
        batch.drop_column("job_id")
        batch.drop_column("actor")
    op.drop_table("item_matches")
    op.drop_table("item_signals")
    op.drop_table("items")
    op.drop_table("jobs")
    # -- end pipeline -------------------------------------------------------------
