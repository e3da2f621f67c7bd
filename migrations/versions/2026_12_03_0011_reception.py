"""reception: customers, vehicles, assign override (issue 13)

A customer's visits are read by jobs.customer_id: an index for it.

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
    with op.batch_alter_table("jobs") as batch:
        batch.create_index("ix_jobs_customer", ["customer_id"])


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_customer")
