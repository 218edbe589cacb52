"""The content pipeline: which job (and so which source) a review item came from;
review items' and case files' signals as rows per signal type.

Revision ID: 0013_pipeline
Revises: 0012_exchanges
Create Date: 2026-12-07
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013_pipeline"
down_revision = "0012_exchanges"
branch_labels = None
depends_on = None


NEW: dict[str, sa.types.TypeEngine[Any]] = {
    "job_id": sa.BigInteger(),
    "job_kind": sa.String(16),
}


def _signal_tables() -> list[sa.Table]:
    from brightline.services.store import cases, review

    return [review.item_signals, cases.case_file_signals]


def upgrade() -> None:
    bind = op.get_bind()
    for table in _signal_tables():
        table.create(bind, checkfirst=True)
    # 0008 creates review_items from the table as defined now (with these columns): a
    # database made by an earlier 0008 gets them here.
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("review_items")}
    missing = [name for name in NEW if name not in have]
    if missing:
        with op.batch_alter_table("review_items") as batch:
            for name in missing:
                batch.add_column(sa.Column(name, NEW[name]))


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(_signal_tables()):
        table.drop(bind, checkfirst=True)
    with op.batch_alter_table("review_items") as batch:
        batch.drop_column("job_kind")
        batch.drop_column("job_id")
