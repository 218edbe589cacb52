"""The event stream and its rollups (statistics).

Revision ID: 0011_stats
Revises: 0010_text
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_stats"
down_revision = "0010_text"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)
DIMENSIONS = (
    ("list_name", 200),
    ("signal_type", 32),
    ("category", 64),
    ("source", 32),
    ("content_type", 32),
    ("method", 32),
    ("destination", 32),
    ("outcome", 32),
)


def upgrade() -> None:
    op.create_table(
        "stats_events",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("at", When, nullable=False),
        sa.Column("actor", sa.String(300)),
        *(sa.Column(name, sa.String(width)) for name, width in DIMENSIONS),
        sa.Column("ids", sa.Text),
        sa.Column("count", sa.Integer, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "stats_rollup",
        sa.Column("level", sa.String(1), primary_key=True),
        sa.Column("start", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(32), primary_key=True),
        *(sa.Column(name, sa.String(width), primary_key=True) for name, width in DIMENSIONS),
        sa.Column("count", sa.BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "stats_durations",
        sa.Column("level", sa.String(1), primary_key=True),
        sa.Column("start", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("measure", sa.String(16), primary_key=True),
        sa.Column("list_name", sa.String(200), primary_key=True),
        sa.Column("category", sa.String(64), primary_key=True),
        sa.Column("bucket", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("stats_durations")
    op.drop_table("stats_rollup")
    op.drop_table("stats_events")
