"""Content items, their signals and matches; per-signal thresholds (foundations).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # A list's threshold for each non-exact signal type but PDQ (hash_lists.pdq_threshold).
    op.create_table(
        "list_thresholds",
        sa.Column(
            "list_id",
            _ID,
            sa.ForeignKey("hash_lists.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("signal_type", sa.String(32), primary_key=True),
        sa.Column("threshold", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("list_thresholds")
