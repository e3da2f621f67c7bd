"""notifications: outbox, templates, push subscriptions, communications

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
