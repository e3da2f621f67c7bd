"""thai_documents: site branches, tax IDs, PromptPay, abbreviated tax invoices (issue 12)

Sites get their Revenue Department branch code (00000 head office); garages their PromptPay ID or biller ID and
whether walk-in buyers get abbreviated tax invoices; an invoice records at issue which form of tax invoice it is.

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
    with op.batch_alter_table('sites') as batch:
        batch.add_column(sa.Column('branch_code', sa.String(length=5), server_default='00000', nullable=False))
    with op.batch_alter_table('garages') as batch:
        batch.add_column(sa.Column('promptpay_id', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('promptpay_biller_id', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('abbreviated_tax_invoices', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
    with op.batch_alter_table('invoices') as batch:
        batch.add_column(sa.Column('tax_invoice_form', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invoices') as batch:
        batch.drop_column('tax_invoice_form')
    with op.batch_alter_table('garages') as batch:
        batch.drop_column('abbreviated_tax_invoices')
        batch.drop_column('promptpay_biller_id')
        batch.drop_column('promptpay_id')
    with op.batch_alter_table('sites') as batch:
        batch.drop_column('branch_code')
