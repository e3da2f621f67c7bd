"""report exports with progress (issue 17)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

_DT = backend.core.db.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'),
                                   ondelete=ondelete)


def upgrade() -> None:
    op.create_table('analytics_exports',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('report', sa.String(length=16), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('file_key', sa.String(length=200), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('failure', sa.String(length=64), nullable=True),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('started_at', _DT, nullable=True),
    sa.Column('finished_at', _DT, nullable=True),
    _fk('analytics_exports', 'garage_id', 'garages', 'CASCADE'),
    _fk('analytics_exports', 'created_by_id', 'users', 'SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_exports'))
    )
    with op.batch_alter_table('analytics_exports', schema=None) as batch_op:
        batch_op.create_index('ix_analytics_exports_garage', ['garage_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('analytics_exports', schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_exports_garage')
    op.drop_table('analytics_exports')
