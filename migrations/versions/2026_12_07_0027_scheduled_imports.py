"""scheduled imports from a file (issue 17)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
