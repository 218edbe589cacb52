"""Review workspace: users, sessions, queues, items, decisions.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

The tables are defined once, in ``services/store/users.py`` and
``services/store/review.py``; this revision creates exactly those.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _tables() -> list[sa.Table]:
    from brightline.services.store import review, users

    return [users.users, users.sessions, *review.TABLES]


def upgrade() -> None:
    bind = op.get_bind()
    for table in _tables():
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(_tables()):
        table.drop(bind)
