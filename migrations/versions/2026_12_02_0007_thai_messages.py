"""thai_messages: phones in E.164, Thai vehicle duties reminders (issue 12)

A slot reserved so parallel work chains in a fixed order; empty until its work needs a schema change.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
