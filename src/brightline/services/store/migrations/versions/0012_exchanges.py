"""Hash exchanges, their entries' provenance and opinions, the feedback outbox; list
policies (negative lists, flood quarantine); match-log state and retroactive flag.

Revision ID: 0012_exchanges
Revises: 0011_stats
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_exchanges"
down_revision = "0011_stats"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "exchanges",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column(
            "list_id", Id, sa.ForeignKey("hash_lists.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("url", sa.String(2000)),
        sa.Column("environment", sa.String(64)),
        sa.Column("interval_s", sa.Integer, nullable=False),
        sa.Column("credentials", sa.LargeBinary),
        sa.Column("credentials_key", sa.LargeBinary),
        sa.Column("checkpoint", sa.Text),
        sa.Column("resume", sa.Text),
        sa.Column("next_fetch_at", When),
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_until", When),
        sa.Column("last_fetch_at", When),
        sa.Column("last_result", sa.Text),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "exchange_entries",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column(
            "exchange_id", Id, sa.ForeignKey("exchanges.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("source_id", sa.String(256), nullable=False),
        sa.Column("member", sa.String(200)),
        sa.Column("content_type", sa.String(32)),
        sa.Column("classification", sa.String(64)),
        sa.Column("fingerprints", sa.Text, nullable=False),
        sa.Column("fetched_at", When, nullable=False),
        sa.Column("updated_at", When),
        sa.Column("opinion", sa.String(16)),
        sa.Column("opinion_by", sa.String(300)),
        sa.Column("opinion_at", When),
        sa.Column("opinion_reason", sa.Text),
        sa.UniqueConstraint("exchange_id", "source_id", name="uq_exchange_entries_source"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "exchange_feedback",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column(
            "exchange_id", Id, sa.ForeignKey("exchanges.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("source_id", sa.String(256), nullable=False),
        sa.Column("member", sa.String(200)),
        sa.Column("fingerprint", sa.String(32), nullable=False),
        sa.Column("value", sa.String(512), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200)),
        sa.Column("cause", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", When, nullable=False),
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_until", When),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", When, nullable=False),
        sa.Column("sent_at", When),
        sa.UniqueConstraint(
            "exchange_id", "source_id", "fingerprint", "cause", name="uq_exchange_feedback_once"
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_exchange_feedback_due", "exchange_feedback", ["state", "next_attempt_at"])
    op.create_table(
        "list_negatives",
        sa.Column(
            "list_id", Id, sa.ForeignKey("hash_lists.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "target_id", Id, sa.ForeignKey("hash_lists.id", ondelete="CASCADE"), primary_key=True
        ),
    )
    op.create_table(
        "list_flood",
        sa.Column(
            "list_id", Id, sa.ForeignKey("hash_lists.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("max_matches", sa.Integer, nullable=False),
        sa.Column("window_s", sa.Integer, nullable=False),
    )
    op.create_table(
        "entry_flood",
        sa.Column("entry_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("list_id", Id, nullable=False),
        sa.Column("window_start", When, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("quarantined", sa.Boolean, nullable=False),
        sa.Column("quarantined_at", When),
        sa.Column("quarantined_count", sa.Integer),
    )
    op.create_index("ix_entry_flood_list", "entry_flood", ["list_id", "quarantined"])
    with op.batch_alter_table("match_log") as batch:
        batch.add_column(sa.Column("state", sa.String(16)))
        batch.add_column(sa.Column("retroactive", sa.Boolean))
    # Retroactive matching follows entry ids from here: entries that existed before
    # this upgrade were matched when their content was seen, not retroactively.
    op.execute(
        "INSERT INTO counters (name, value) "
        "SELECT 'retro_entry_id', COALESCE(MAX(id), 0) FROM entries"
    )


def downgrade() -> None:
    op.execute("DELETE FROM counters WHERE name = 'retro_entry_id'")
    with op.batch_alter_table("match_log") as batch:
        batch.drop_column("retroactive")
        batch.drop_column("state")
    for name in (
        "entry_flood",
        "list_flood",
        "list_negatives",
        "exchange_feedback",
        "exchange_entries",
        "exchanges",
    ):
        op.drop_table(name)
