"""Police triage: cases, exhibits and file instances.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time() -> sa.types.TypeEngine:  # type: ignore[type-arg]
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("scheme", sa.String(20), nullable=False),
        sa.Column("lists", sa.Text),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("created_by", sa.String(300), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "case_exhibits",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("case_id", _ID, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("exhibit", sa.String(200), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("added_at", _time(), nullable=False),
        sa.Column("finished_at", _time()),
        sa.UniqueConstraint("case_id", "exhibit", name="uq_case_exhibits_case_exhibit"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "case_files",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("case_id", _ID, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "exhibit_id", _ID, sa.ForeignKey("case_exhibits.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("locator", sa.Text, nullable=False),
        sa.Column("locator_key", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("md5", sa.String(32)),
        sa.Column("sha1", sa.String(40)),
        sa.Column("sha256", sa.String(64)),
        sa.Column("pdq", sa.String(64)),
        sa.Column("pdq_quality", sa.Integer),
        sa.Column("media_type", sa.String(100)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("category", sa.String(200)),
        sa.Column("matches", sa.Text, nullable=False),
        sa.Column("error_code", sa.String(32)),
        sa.Column("error", sa.Text),
        sa.Column("modified", _time()),
        sa.Column("created", _time()),
        sa.Column("accessed", _time()),
        sa.UniqueConstraint("exhibit_id", "locator_key", name="uq_case_files_exhibit_locator"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_case_files_case_sha1", "case_files", ["case_id", "sha1"])


def downgrade() -> None:
    op.drop_index("ix_case_files_case_sha1", "case_files")
    op.drop_table("case_files")
    op.drop_table("case_exhibits")
    op.drop_table("cases")
