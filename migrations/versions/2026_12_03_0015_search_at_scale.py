"""search at scale: trigram indexes for job and invoice numbers on PostgreSQL (issue 14)

The global search matches a job or invoice number anywhere in it, case-insensitively (lower(number) LIKE
'%term%'); without an index that was a scan of every job of the garage per search. Like the customers' and
vehicles' trigram indexes of 0001 they are PostgreSQL-only (named ix_trgm_*, which the models-vs-migrations check
leaves out); SQLite scans.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 00:00:00
"""

from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TRGM_INDEXES = [
    ("ix_trgm_jobs_number", "jobs", "lower(number)"),
    ("ix_trgm_invoices_number", "invoices", "lower(number)"),
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table, expr in TRGM_INDEXES:
            op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expr}) gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, _table, _expr in TRGM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
