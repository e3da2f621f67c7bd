"""reception: customers, vehicles, assign override (issue 13)

A slot reserved so parallel work chains in a fixed order; empty until its work needs a schema change.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
