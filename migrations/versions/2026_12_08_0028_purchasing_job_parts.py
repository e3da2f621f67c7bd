"""purchasing job parts: warehouse_items.one_off (a part not in the catalog, made an item for the job that asked)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-08 00:00:00
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("warehouse_items") as batch:
        batch.add_column(sa.Column("one_off", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("warehouse_items") as batch:
        batch.drop_column("one_off")
