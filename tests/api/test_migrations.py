"""The migrations build exactly the schema the models describe, on each database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from backend.core.db import Base, Database


async def test_models_and_migrations_agree(database_url):
    import backend.schema  # noqa: F401  (imports every domain)

    db = Database(database_url)

    def diff(connection):
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_object": lambda obj, name, type_, reflected, compare_to:
                not (type_ == "index" and name and name.startswith("ix_trgm_"))
                and not (type_ == "table" and name == "alembic_version"),
        })
        return compare_metadata(context, Base.metadata)

    try:
        async with db.write_engine.connect() as conn:
            changes = await conn.run_sync(diff)
            if conn.dialect.name == "postgresql":
                names = {r[0] for r in (await conn.execute(text(
                    "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_trgm_%'"))).all()}
                assert {"ix_trgm_customers_name", "ix_trgm_vehicles_registration"} <= names
    finally:
        await db.dispose()
    assert changes == []
