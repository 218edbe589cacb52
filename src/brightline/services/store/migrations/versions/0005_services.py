"""Service-layer foundations (names, keys, runtime).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # -- services
    # The key generation: moves with every revocation, so a server's cache of verified
    # keys knows at once that one of them may no longer be good.
    op.execute("INSERT INTO counters (name, value) VALUES ('keys', 0)")


def downgrade() -> None:
    # -- services
    op.execute("DELETE FROM counters WHERE name = 'keys'")
