"""Shared by the import tests: files made as another system would export them, a run, and a snapshot of what a
garage holds (to compare before and after)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from backend.customers.models import Customer, MileageReading, Vehicle, VehicleOwnership
from backend.integrations.imports import service
from backend.integrations.imports.models import ImportLink, ServiceHistory
from backend.inventory.models import StockMovement, WarehouseItem


def csv_bytes(rows: list[list], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def run(db, garage, kind: str, data: bytes, *, dry_run: bool = False, name: str = "export.csv", **kw):
    request = service.JobRequest(kind=kind, dry_run=dry_run, **kw)
    return await service.run_local(db, garage.id, data, name, request)


_TABLES = {
    Customer: ("name", "phone", "email", "address", "tax_id", "kind", "notes", "version"),
    Vehicle: ("registration", "registration_display", "vin", "make", "model", "year", "colour", "mileage",
              "owner_id", "version"),
    VehicleOwnership: ("vehicle_id", "customer_id", "ended_at"),
    MileageReading: ("vehicle_id", "mileage"),
    ServiceHistory: ("vehicle_id", "customer_id", "visited_on", "mileage", "description", "technician_name",
                     "billed_hours", "labour_amount", "parts_amount", "total_amount", "currency", "source_id"),
    WarehouseItem: ("sku", "name_en", "name_th", "cost_price", "sale_price", "quantity_on_hand", "version"),
    StockMovement: ("item_id", "kind", "quantity", "balance_after"),
    ImportLink: ("source", "kind", "source_id", "record_id", "row_hash"),
}


async def snapshot(db, garage_id) -> dict:
    """Every row the garage has in the tables an import writes, as sorted tuples (ids included)."""
    out = {}
    async with db.read() as session:
        for model, cols in _TABLES.items():
            key_cols = [getattr(model, c) for c in cols]
            if hasattr(model, "id"):
                key_cols.insert(0, model.id)
            rows = (await session.execute(select(*key_cols).where(model.garage_id == garage_id))).all()
            out[model.__tablename__] = sorted(tuple(str(x) for x in r) for r in rows)
    return out


async def customers_by_name(db, garage_id) -> dict[str, Customer]:
    async with db.read() as session:
        rows = (await session.execute(select(Customer).where(Customer.garage_id == garage_id))).scalars()
        return {c.name: c for c in rows}
