"""Video: frame hashes of listed videos, per-list video thresholds.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "video_entries",
        sa.Column(
            "entry_id", _ID, sa.ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("md5", sa.String(32)),
        sa.Column("frame_count", sa.Integer, nullable=False),
        sa.Column("duration", sa.Float, nullable=False),
    )
    op.create_index("ix_video_entries_md5", "video_entries", ["md5"])
    op.create_table(
        "video_frames",
        sa.Column(
            "entry_id",
            _ID,
            sa.ForeignKey("entries.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("ordinal", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("frame", sa.BigInteger, nullable=False),
        sa.Column("quality", sa.SmallInteger, nullable=False),
        sa.Column("pdq", sa.String(64), nullable=False),
        sa.Column("timestamp", sa.Float, nullable=False),
    )
    op.create_table(
        "video_list_settings",
        sa.Column(
            "list_id", _ID, sa.ForeignKey("hash_lists.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("query_share", sa.Float, nullable=False),
        sa.Column("listed_share", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("video_list_settings")
    op.drop_table("video_frames")
    op.drop_index("ix_video_entries_md5", table_name="video_entries")
    op.drop_table("video_entries")
