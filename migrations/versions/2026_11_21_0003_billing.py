"""billing: quotes, invoices, payments, credit notes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
