"""imports: uploaded import files, mapping presets, import jobs, source-id links, service history (issue 19)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

_DT = backend.core.db.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'),
                                   ondelete=ondelete)


def upgrade() -> None:
    op.create_table('import_files',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('chunks', sa.Integer(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', _DT, nullable=False),
    _fk('import_files', 'garage_id', 'garages', 'CASCADE'),
    _fk('import_files', 'created_by_id', 'users', 'SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_files'))
    )
    with op.batch_alter_table('import_files', schema=None) as batch_op:
        batch_op.create_index('ix_import_files_garage', ['garage_id', 'created_at'], unique=False)

    op.create_table('import_presets',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('updated_at', _DT, nullable=False),
    _fk('import_presets', 'garage_id', 'garages', 'CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_presets')),
    sa.UniqueConstraint('garage_id', 'kind', 'name', name=op.f('uq_import_presets_garage_id_kind_name'))
    )

    op.create_table('import_jobs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('file_id', sa.Uuid(), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('created_count', sa.Integer(), nullable=False),
    sa.Column('updated_count', sa.Integer(), nullable=False),
    sa.Column('unchanged_count', sa.Integer(), nullable=False),
    sa.Column('error_rows', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('failure', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('started_at', _DT, nullable=True),
    sa.Column('finished_at', _DT, nullable=True),
    _fk('import_jobs', 'garage_id', 'garages', 'CASCADE'),
    _fk('import_jobs', 'file_id', 'import_files', 'SET NULL'),
    _fk('import_jobs', 'created_by_id', 'users', 'SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_jobs'))
    )
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_import_jobs_garage', ['garage_id', 'created_at'], unique=False)

    op.create_table('import_links',
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('row_hash', sa.String(length=32), nullable=False),
    _fk('import_links', 'garage_id', 'garages', 'CASCADE'),
    sa.PrimaryKeyConstraint('garage_id', 'source', 'kind', 'source_id', name=op.f('pk_import_links'))
    )

    op.create_table('service_history',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('vehicle_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('site_id', sa.Uuid(), nullable=True),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('mileage', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('technician_name', sa.String(length=200), nullable=True),
    sa.Column('billed_hours', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('labour_amount', sa.Integer(), nullable=True),
    sa.Column('parts_amount', sa.Integer(), nullable=True),
    sa.Column('total_amount', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    _fk('service_history', 'garage_id', 'garages', 'CASCADE'),
    _fk('service_history', 'vehicle_id', 'vehicles', 'CASCADE'),
    _fk('service_history', 'customer_id', 'customers', 'SET NULL'),
    _fk('service_history', 'site_id', 'sites', 'SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_history'))
    )
    with op.batch_alter_table('service_history', schema=None) as batch_op:
        batch_op.create_index('ix_service_history_vehicle', ['vehicle_id', 'visited_on'], unique=False)
        batch_op.create_index('ix_service_history_garage', ['garage_id', 'visited_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('service_history', schema=None) as batch_op:
        batch_op.drop_index('ix_service_history_garage')
        batch_op.drop_index('ix_service_history_vehicle')
    op.drop_table('service_history')
    op.drop_table('import_links')
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_import_jobs_garage')
    op.drop_table('import_jobs')
    op.drop_table('import_presets')
    with op.batch_alter_table('import_files', schema=None) as batch_op:
        batch_op.drop_index('ix_import_files_garage')
    op.drop_table('import_files')
