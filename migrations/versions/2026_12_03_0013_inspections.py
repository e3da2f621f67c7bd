"""inspections: templates, inspections on jobs, results, photos by upload id; photos on quote lines (issue 15)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 00:00:00
"""

from alembic import op
import sqlalchemy as sa
import backend.core.db


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_DT = backend.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('inspection_templates',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('name_th', sa.String(length=200), nullable=True),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('archived_at', _DT, nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    sa.Column('updated_at', _DT, nullable=False),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_inspection_templates_garage_id_garages'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_templates'))
    )
    with op.batch_alter_table('inspection_templates', schema=None) as batch_op:
        batch_op.create_index('ix_inspection_templates_garage', ['garage_id', 'archived_at'], unique=False)

    op.create_table('inspections',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('vehicle_id', sa.Uuid(), nullable=False),
    sa.Column('template_id', sa.Uuid(), nullable=True),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('name_th', sa.String(length=200), nullable=True),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('IN_PROGRESS', 'COMPLETED', name='inspectionstatus', native_enum=False,
                                length=32), nullable=False),
    sa.Column('started_by_id', sa.Uuid(), nullable=True),
    sa.Column('started_at', _DT, nullable=False),
    sa.Column('completed_at', _DT, nullable=True),
    sa.Column('completed_by_id', sa.Uuid(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_inspections_garage_id_garages'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_inspections_job_id_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], name=op.f('fk_inspections_vehicle_id_vehicles'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['inspection_templates.id'],
                            name=op.f('fk_inspections_template_id_inspection_templates'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_inspections_started_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'], name=op.f('fk_inspections_completed_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index('ix_inspections_job', ['garage_id', 'job_id'], unique=False)
        batch_op.create_index('ix_inspections_vehicle', ['garage_id', 'vehicle_id', 'started_at'], unique=False)

    op.create_table('inspection_results',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('inspection_id', sa.Uuid(), nullable=False),
    sa.Column('section_key', sa.String(length=64), nullable=False),
    sa.Column('item_key', sa.String(length=64), nullable=False),
    sa.Column('condition', sa.Enum('GOOD', 'ADVISE', 'URGENT', name='condition', native_enum=False, length=32),
              nullable=True),
    sa.Column('value', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_at', _DT, nullable=False),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=True),
    sa.Column('quote_line_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_inspection_results_garage_id_garages'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'],
                            name=op.f('fk_inspection_results_inspection_id_inspections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_inspection_results_recorded_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quote_line_id'], ['quote_lines.id'],
                            name=op.f('fk_inspection_results_quote_line_id_quote_lines'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_results')),
    sa.UniqueConstraint('inspection_id', 'item_key', name=op.f('uq_inspection_results_inspection_id_item_key'))
    )

    op.create_table('inspection_photos',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('inspection_id', sa.Uuid(), nullable=False),
    sa.Column('item_key', sa.String(length=64), nullable=False),
    sa.Column('upload_id', sa.String(length=100), nullable=False),
    sa.Column('created_at', _DT, nullable=False),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_inspection_photos_garage_id_garages'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'],
                            name=op.f('fk_inspection_photos_inspection_id_inspections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_photos')),
    sa.UniqueConstraint('inspection_id', 'item_key', 'upload_id',
                        name=op.f('uq_inspection_photos_inspection_id_item_key_upload_id'))
    )
    with op.batch_alter_table('inspection_photos', schema=None) as batch_op:
        batch_op.create_index('ix_inspection_photos_upload', ['garage_id', 'upload_id'], unique=False)

    op.create_table('quote_line_attachments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('garage_id', sa.Uuid(), nullable=False),
    sa.Column('quote_line_id', sa.Uuid(), nullable=False),
    sa.Column('attachment_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['garage_id'], ['garages.id'], name=op.f('fk_quote_line_attachments_garage_id_garages'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quote_line_id'], ['quote_lines.id'],
                            name=op.f('fk_quote_line_attachments_quote_line_id_quote_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'],
                            name=op.f('fk_quote_line_attachments_attachment_id_attachments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_line_attachments')),
    sa.UniqueConstraint('quote_line_id', 'attachment_id',
                        name=op.f('uq_quote_line_attachments_quote_line_id_attachment_id'))
    )


def downgrade() -> None:
    op.drop_table('quote_line_attachments')
    with op.batch_alter_table('inspection_photos', schema=None) as batch_op:
        batch_op.drop_index('ix_inspection_photos_upload')
    op.drop_table('inspection_photos')
    op.drop_table('inspection_results')
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index('ix_inspections_vehicle')
        batch_op.drop_index('ix_inspections_job')
    op.drop_table('inspections')
    with op.batch_alter_table('inspection_templates', schema=None) as batch_op:
        batch_op.drop_index('ix_inspection_templates_garage')
    op.drop_table('inspection_templates')
