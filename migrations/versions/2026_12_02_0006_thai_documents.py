"""thai_documents: site branches, tax IDs, PromptPay, abbreviated tax invoices (issue 12)

A slot reserved so parallel work chains in a fixed order; empty until its work needs a schema change.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
