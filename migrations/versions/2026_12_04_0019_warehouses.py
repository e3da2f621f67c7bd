"""warehouses (slot reserved in the chain; its work fills this revision, or it is removed and the chain re-linked)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 00:00:00
"""

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
