"""Migration 0019 on a database of its own: every garage gets a central warehouse and each site its own; today's
stock and its whole ledger become the central warehouse's, so the ledger still equals what is on hand."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from backend.core.db import Database, UTCDateTime
from backend.core.migrate import upgrade_on_connection
from tests.customers.test_phones import _GARAGES, _scratch_database



def _now():
    return sa.column("created_at", UTCDateTime()), sa.column("updated_at", UTCDateTime())


_SITES = sa.table("sites", sa.column("id", sa.Uuid()), sa.column("garage_id", sa.Uuid()), sa.column("name"),
                  sa.column("branch_code"), sa.column("active"), *_now())
_ITEMS = sa.table("warehouse_items", sa.column("id", sa.Uuid()), sa.column("garage_id", sa.Uuid()),
                  *(sa.column(n) for n in ("sku", "name_en", "unit", "cost_price", "sale_price", "quantity_on_hand",
                                           "reorder_point", "active", "version")), *_now())
_MOVES = sa.table("stock_movements", sa.column("id", sa.Uuid()), sa.column("garage_id", sa.Uuid()),
                  sa.column("item_id", sa.Uuid()), *(sa.column(n) for n in ("kind", "quantity", "balance_after")),
                  *_now())


async def test_the_migration_gives_todays_stock_to_the_central_warehouse(database_url, tmp_path):
    pg = database_url.startswith("postgresql")
    url = await _scratch_database(database_url) if pg else f"sqlite+aiosqlite:///{tmp_path / 'migration.db'}"
    db = Database(url)
    now = dt.datetime.now(dt.UTC)
    garage, site, item = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def run(connection):
        upgrade_on_connection(connection, "0018")
        connection.execute(_GARAGES.insert().values(
            id=garage, name="G", currency="THB", time_zone="Asia/Bangkok", default_locale="TH", tax_label="VAT",
            tax_rate=7, prices_include_tax=False, version=1, created_at=now, updated_at=now))
        connection.execute(_SITES.insert().values(id=site, garage_id=garage, name="Rama 9", branch_code="00000",
                                                  active=True, created_at=now, updated_at=now))
        connection.execute(_ITEMS.insert().values(
            id=item, garage_id=garage, sku="OIL", name_en="Oil", unit="pcs", cost_price=100, sale_price=200,
            quantity_on_hand=7, reorder_point=1, active=True, version=3, created_at=now, updated_at=now))
        for quantity, balance in ((10, 10), (-3, 7)):
            connection.execute(_MOVES.insert().values(id=uuid.uuid4(), garage_id=garage, item_id=item,
                                                      kind="RECEIVE" if quantity > 0 else "ISSUE", quantity=quantity,
                                                      balance_after=balance, created_at=now, updated_at=now))
        upgrade_on_connection(connection, "0019")
        warehouses = connection.execute(sa.text(
            "SELECT id, kind, site_id, name FROM warehouses ORDER BY kind")).all()
        stock = connection.execute(sa.text("SELECT warehouse_id, on_hand, reserved FROM warehouse_stock")).all()
        ledger = connection.execute(sa.text(
            "SELECT warehouse_id, SUM(quantity) FROM stock_movements GROUP BY warehouse_id")).all()
        return warehouses, stock, ledger

    try:
        async with db.write_engine.connect() as conn:
            warehouses, stock, ledger = await conn.run_sync(run)
            await conn.commit()
    finally:
        await db.dispose()
        if pg:
            await _scratch_database(database_url, drop=True)
    (central_id, kind, site_id, name), (site_wh, site_kind, of_site, site_name) = warehouses
    assert (kind, site_id, name) == ("CENTRAL", None, "Central warehouse")
    assert (site_kind, uuid.UUID(str(of_site)), site_name) == ("SITE", site, "Rama 9")
    assert [(str(w), on_hand, reserved) for w, on_hand, reserved in stock] == [(str(central_id), 7, 0)]
    assert [(str(w), int(total)) for w, total in ledger] == [(str(central_id), 7)]
