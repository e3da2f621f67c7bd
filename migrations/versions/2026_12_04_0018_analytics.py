"""analytics (slot reserved in the chain; its work fills this revision, or it is removed and the chain re-linked)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 00:00:00
"""

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
