"""staff_app: job card screen and quotes (issue 13)

A slot reserved so parallel work chains in a fixed order; empty until its work needs a schema change.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
