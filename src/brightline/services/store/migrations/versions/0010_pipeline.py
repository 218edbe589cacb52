"""The content pipeline: which job (and so which source) a review item came from.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


NEW: dict[str, sa.types.TypeEngine[Any]] = {
    "job_id": sa.BigInteger(),
    "job_kind": sa.String(16),
}


def upgrade() -> None:
    # 0008 creates review_items from the table as defined now (with these columns): a
    # database made by an earlier 0008 gets them here.
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("review_items")}
    missing = [name for name in NEW if name not in have]
    if not missing:
        return
    with op.batch_alter_table("review_items") as batch:
        for name in missing:
            batch.add_column(sa.Column(name, NEW[name]))


def downgrade() -> None:
    with op.batch_alter_table("review_items") as batch:
        batch.drop_column("job_kind")
        batch.drop_column("job_id")
