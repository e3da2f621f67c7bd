"""Import runs at the service level, on both databases: dry runs, idempotent real runs, linking, normalising,
files as other systems write them (XLSX, CSV with BOM or semicolons, a Thai TIS-620 export), two garages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from backend.core.errors import DomainError, DomainErrors
from backend.customers.models import Customer, Vehicle, VehicleOwnership
from backend.integrations.imports import fields as F
from backend.integrations.imports.models import ImportJob, ServiceHistory
from backend.inventory.models import StockMovement, WarehouseItem
from tests.integrations.imports.helpers import csv_bytes, customers_by_name, run, snapshot, xlsx_bytes

CUSTOMERS = [
    ["id", "name", "phone", "email", "address"],
    ["C1", "Somchai Jaidee", "081-234-5678", "Somchai@Example.com", "12 Sukhumvit, Bangkok"],
    ["C2", "Jane Doe", "12", "not-an-email", ""],
    ["C3", "", "+66 2 123 4567", "", "Chiang Mai"],
    ["C4", "Acme Co", "02 123 4567", "", ""],
    ["C1", "Somchai again", "", "", ""],
]


def lines(outcome, locale):
    return [F.problem_line(p, locale) for p in outcome.problems]


async def test_dry_run_lists_every_bad_row_in_en_and_th_and_changes_nothing(db, garage):
    before = await snapshot(db, garage.id)
    job, outcome = await run(db, garage, "customers", csv_bytes(CUSTOMERS), dry_run=True)
    assert (outcome.total, outcome.done, outcome.created, outcome.error_rows) == (5, 5, 2, 3)
    assert lines(outcome, "en") == [
        "Row 3, phone: Enter a valid phone number.",
        "Row 3, email: Enter a valid email address.",
        "Row 4, name: This field is required.",
        "Row 6, id: The id “C1” is already on row 2 of this file.",
    ]
    assert lines(outcome, "th") == [
        "แถวที่ 3 คอลัมน์ phone: กรุณากรอกหมายเลขโทรศัพท์ให้ถูกต้อง",
        "แถวที่ 3 คอลัมน์ email: กรุณากรอกอีเมลให้ถูกต้อง",
        "แถวที่ 4 คอลัมน์ name: ต้องกรอกช่องนี้",
        "แถวที่ 6 คอลัมน์ id: รหัส “C1” มีอยู่แล้วในแถวที่ 2 ของไฟล์นี้",
    ]
    assert await snapshot(db, garage.id) == before
    async with db.read() as session:
        saved = await session.get(ImportJob, job.id)
    assert (saved.status, saved.dry_run, saved.rows_done, saved.total_rows, saved.error_rows) == \
        ("DONE", True, 5, 5, 3)
    assert [F.Problem.from_dict(p).row for p in saved.errors] == [3, 3, 4, 6]


async def test_a_real_run_twice_leaves_the_same_data_and_a_changed_row_updates(db, garage):
    data = csv_bytes(CUSTOMERS)
    _, first = await run(db, garage, "customers", data)
    assert (first.created, first.updated, first.unchanged, first.error_rows) == (2, 0, 0, 3)
    once = await snapshot(db, garage.id)
    people = await customers_by_name(db, garage.id)
    assert people["Somchai Jaidee"].phone == "+66812345678"  # normalised to E.164 in the garage's country
    assert people["Somchai Jaidee"].email == "somchai@example.com"
    assert people["Acme Co"].phone == "+6621234567"
    _, second = await run(db, garage, "customers", data)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert await snapshot(db, garage.id) == once

    changed = [row[:] for row in CUSTOMERS]
    changed[1][4] = "99 Silom, Bangkok"
    _, third = await run(db, garage, "customers", csv_bytes(changed))
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    people = await customers_by_name(db, garage.id)
    assert people["Somchai Jaidee"].address == "99 Silom, Bangkok"
    assert people["Somchai Jaidee"].version == 2
    assert str(people["Somchai Jaidee"].id) == next(c for c in once["customers"] if c[1] == "Somchai Jaidee")[0]
    assert len(people) == 2


async def test_vehicles_link_to_customers_by_their_id_phone_or_email_with_registrations_normalised(db, garage):
    await run(db, garage, "customers", csv_bytes([
        ["id", "name", "phone", "email"],
        ["C1", "Somchai", "0812345678", ""],
        ["C2", "Malee", "", "malee@example.com"],
        ["C3", "Twin A", "0899999999", ""],
        ["C4", "Twin B", "089-999-9999", ""],
    ]))
    _, outcome = await run(db, garage, "vehicles", csv_bytes([
        ["id", "registration", "customer id", "owner phone", "owner email", "make", "mileage"],
        ["V1", "1กข 1234", "C1", "", "", "Toyota", "45,000"],
        ["V2", "ab-12 cde", "", "081 234 5678", "", "Honda", ""],
        ["V3", "xyz.987", "", "", "MALEE@example.com", "Isuzu", ""],
        ["V4", "7KK 777", "C9", "", "", "", ""],
        ["V5", "8KK 888", "", "0899999999", "", "", ""],
        ["V6", "AB12CDE", "C1", "", "", "", ""],
        ["V7", "!!", "C1", "", "", "", ""],
    ]), mapping={"customer id": "customer_ref", "owner phone": "customer_phone",
                 "owner email": "customer_email"})
    assert outcome.created == 3
    assert lines(outcome, "en") == [
        "Row 5, customer id: No customer “C9” was found: import the customers first, or check the reference.",
        "Row 6, owner phone: 2 customers have this phone or email; give the customer's id from the old system "
        "instead.",
        "Row 7, registration: Registration AB12CDE is already on row 3 of this file.",
        "Row 8, registration: Enter a registration of 1 to 12 letters and digits.",
    ]
    people = await customers_by_name(db, garage.id)
    async with db.read() as session:
        cars = {v.registration: v for v in (await session.execute(
            select(Vehicle).where(Vehicle.garage_id == garage.id))).scalars()}
        owned = (await session.execute(select(VehicleOwnership.vehicle_id, VehicleOwnership.customer_id).where(
            VehicleOwnership.garage_id == garage.id, VehicleOwnership.ended_at.is_(None)))).all()
    assert set(cars) == {"1กข1234", "AB12CDE", "XYZ987"}
    assert cars["1กข1234"].registration_display == "1กข 1234" and cars["1กข1234"].mileage == 45000
    assert cars["1กข1234"].owner_id == people["Somchai"].id
    assert cars["AB12CDE"].owner_id == people["Somchai"].id  # by phone, however it was typed
    assert cars["XYZ987"].owner_id == people["Malee"].id  # by email, any case
    assert sorted(owned) == sorted((v.id, v.owner_id) for v in cars.values())

    # the owner changes in the old system: the vehicle moves, the old ownership is closed
    _, again = await run(db, garage, "vehicles", csv_bytes([
        ["id", "registration", "customer id", "make"], ["V1", "1กข 1234", "C2", "Toyota"]]),
        mapping={"customer id": "customer_ref"})
    assert again.updated == 1
    async with db.read() as session:
        history = (await session.execute(select(VehicleOwnership.customer_id, VehicleOwnership.ended_at).where(
            VehicleOwnership.vehicle_id == cars["1กข1234"].id).order_by(VehicleOwnership.started_at))).all()
    assert [h[0] for h in history] == [people["Somchai"].id, people["Malee"].id]
    assert history[0][1] is not None and history[1][1] is None


async def test_a_registration_already_on_file_is_not_taken_over(db, garage):
    async with db.transaction() as session:
        session.add(Vehicle(garage_id=garage.id, registration="AB12CDE", registration_display="AB12 CDE"))
    _, outcome = await run(db, garage, "vehicles", csv_bytes([["id", "registration"], ["V1", "ab 12 cde"]]))
    assert lines(outcome, "th") == ["แถวที่ 2 คอลัมน์ registration: ทะเบียน ab 12 cde มีอยู่ในระบบแล้ว"]
    assert outcome.created == 0


async def test_xlsx_with_dates_and_numbers_as_cells(db, garage):
    await run(db, garage, "customers", csv_bytes([["id", "name"], ["C1", "Somchai"]]))
    await run(db, garage, "vehicles", csv_bytes([["id", "registration", "customer"], ["V1", "กข 1", "C1"]]),
              mapping={"customer": "customer_ref"})
    book = xlsx_bytes([
        ["Visit", "Plate", "Date", "Km", "Work", "Mechanic", "Hours", "Labour", "Parts"],
        ["H1", "กข 1", dt.datetime(2024, 3, 31), 45210, "Oil change", "Somsak", 1.5, 450, 1234.5],
        ["H2", "กข 1", "15/01/2567", 40000, "Brake pads", "Somsak", 2, "1,200.00", "2,500"],
        ["H3", "ZZ 9", "2024-02-30", "", "", "", "", "", "-5"],
    ])
    _, outcome = await run(db, garage, "service_history", book, name="history.xlsx", mapping={
        "Visit": "source_id", "Plate": "registration", "Date": "visited_on", "Km": "mileage",
        "Work": "description", "Mechanic": "technician", "Hours": "billed_hours", "Labour": "labour_amount",
        "Parts": "parts_amount"})
    assert outcome.created == 2
    assert lines(outcome, "en") == [
        "Row 4, Date: “2024-02-30” is not a date; write it like 2024-03-31 or 31/03/2024.",
        "Row 4, Parts: Enter an amount of zero or more.",
    ]
    async with db.read() as session:
        visits = (await session.execute(select(ServiceHistory).where(ServiceHistory.garage_id == garage.id)
                                        .order_by(ServiceHistory.visited_on))).scalars().all()
        owner = (await session.execute(select(Customer.id).where(Customer.garage_id == garage.id))).scalar_one()
    assert [(v.visited_on, v.mileage, v.technician_name, v.billed_hours, v.labour_amount, v.parts_amount,
             v.total_amount, v.currency, v.customer_id) for v in visits] == [
        (dt.date(2024, 1, 15), 40000, "Somsak", Decimal("2.00"), 120000, 250000, 370000, "THB", owner),  # BE year
        (dt.date(2024, 3, 31), 45210, "Somsak", Decimal("1.50"), 45000, 123450, 168450, "THB", owner),
    ]


async def test_a_thai_export_in_tis620_and_utf8_with_bom_and_semicolons(db, garage):
    rows = [["รหัส", "ชื่อ", "โทร"], ["T1", "สมชาย ใจดี", "081-111-2222"], ["T2", "บริษัท ตัวอย่าง จำกัด", "02-222-3333"]]
    mapping = {"รหัส": "source_id", "ชื่อ": "name", "โทร": "phone"}
    thai = csv_bytes(rows, encoding="cp874")
    with pytest.raises(UnicodeDecodeError):
        thai.decode("utf-8")
    _, outcome = await run(db, garage, "customers", thai, mapping=mapping)
    assert (outcome.created, outcome.error_rows) == (2, 0)
    assert set(await customers_by_name(db, garage.id)) == {"สมชาย ใจดี", "บริษัท ตัวอย่าง จำกัด"}
    # the same rows from a UTF-8 spreadsheet (BOM, semicolons) are the same rows: nothing changes
    bom = b"\xef\xbb\xbf" + csv_bytes(rows, delimiter=";")
    _, same = await run(db, garage, "customers", bom, mapping=mapping)
    assert (same.created, same.updated, same.unchanged) == (0, 0, 2)
    # said explicitly, a wrong encoding is refused with a clear message
    with pytest.raises(DomainError) as refused:
        await run(db, garage, "customers", thai, mapping=mapping, options={"encoding": "utf-8"})
    assert refused.value.message("th") == \
        "ไฟล์นี้ไม่ได้เข้ารหัสแบบ utf-8 กรุณาเลือกการเข้ารหัสอื่น หรือปล่อยให้ระบบตรวจหาเอง"


async def test_a_mapping_that_does_not_fit_starts_nothing(db, garage):
    with pytest.raises(DomainErrors) as refused:
        await run(db, garage, "customers", csv_bytes(CUSTOMERS), mapping={"Mobile": "phone", "phone": "email",
                                                                           "email": "email"})
    assert [e.message("en") for e in refused.value.errors] == [
        "The mapping names a column “Mobile” that the file does not have.",
        "Only one column can fill “Email”.",
    ]
    assert [e.message("th") for e in refused.value.errors] == [
        "การจับคู่คอลัมน์อ้างถึงคอลัมน์ “Mobile” ซึ่งไม่มีในไฟล์",
        "“อีเมล” เลือกได้เพียงคอลัมน์เดียว",
    ]
    async with db.read() as session:
        assert (await session.execute(select(ImportJob).where(ImportJob.garage_id == garage.id))).first() is None


async def test_two_garages_keep_the_same_source_ids_apart(db, garage, other_garage):
    await run(db, garage, "customers", csv_bytes([["id", "name"], ["C1", "Garage One's customer"]]))
    _, outcome = await run(db, other_garage, "customers", csv_bytes([["id", "name"], ["C1", "Garage Two's"]]))
    assert outcome.created == 1  # not "unchanged" or "updated": C1 of the other garage is another customer
    assert set(await customers_by_name(db, garage.id)) == {"Garage One's customer"}
    assert set(await customers_by_name(db, other_garage.id)) == {"Garage Two's"}
    # a vehicle of garage two cannot point at garage one's customer through the source id
    await run(db, garage, "customers", csv_bytes([["id", "name"], ["ONLY1", "One only"]]))
    _, cars = await run(db, other_garage, "vehicles", csv_bytes([["id", "registration", "c"], ["V1", "AA1", "ONLY1"]]),
                        mapping={"c": "customer_ref"})
    assert cars.created == 0 and cars.problems[0].code == F.UNKNOWN_CUSTOMER


async def test_stock_items_get_an_opening_balance_in_the_ledger(db, garage):
    rows = [["Part no", "Name", "ชื่อ", "Cost", "Price", "Qty"],
            ["P1", "Oil filter", "ไส้กรองน้ำมันเครื่อง", "120.00", "180", "12"],
            ["P2", "Wiper", "", "80", "150", "0"]]
    mapping = {"Part no": "sku", "Name": "name_en", "ชื่อ": "name_th", "Cost": "cost_price", "Price": "sale_price",
               "Qty": "quantity"}
    _, outcome = await run(db, garage, "stock_items", csv_bytes([["id"] + rows[0]] + [[r[0]] + r for r in rows[1:]]),
                           mapping=mapping)
    assert outcome.created == 2
    async with db.read() as session:
        items = {i.sku: i for i in (await session.execute(select(WarehouseItem).where(
            WarehouseItem.garage_id == garage.id))).scalars()}
        ledger = (await session.execute(select(StockMovement.item_id, StockMovement.quantity).where(
            StockMovement.garage_id == garage.id))).all()
    assert (items["P1"].quantity_on_hand, items["P1"].cost_price, items["P1"].sale_price) == (12, 12000, 18000)
    assert items["P1"].name_th == "ไส้กรองน้ำมันเครื่อง"
    assert ledger == [(items["P1"].id, 12)]  # on hand = the sum of the ledger


async def test_files_that_cannot_be_imported_are_refused_in_en_and_th(db, garage, monkeypatch):
    from backend.integrations.imports import reader

    cases = [
        (csv_bytes([["id", "name"]]), "The file has a header but no rows to import.",
         "ไฟล์มีแต่หัวตาราง ไม่มีแถวข้อมูลให้นำเข้า"),
        (b"PK\x03\x04 not really a workbook", "The file could not be read as CSV or XLSX. Save it again as CSV "
         "(UTF-8) or Excel (.xlsx).", "อ่านไฟล์นี้เป็น CSV หรือ XLSX ไม่ได้ กรุณาบันทึกไฟล์ใหม่เป็น CSV (UTF-8) "
         "หรือ Excel (.xlsx)"),
    ]
    monkeypatch.setattr(reader, "MAX_XLSX_UNPACKED", 2000)  # a workbook that unpacks to more is not opened
    cases.append((xlsx_bytes([["id", "name"], ["C1", "x" * 3000]]), cases[1][1], cases[1][2]))
    monkeypatch.setattr(reader, "MAX_ROWS", 2)
    cases.append((csv_bytes([["id", "name"], ["1", "a"], ["2", "b"], ["3", "c"]]),
                  "The file has more than 2 rows; split it into smaller files.",
                  "ไฟล์มีข้อมูลเกิน 2 แถว กรุณาแบ่งเป็นไฟล์ที่เล็กลง"))
    before = await snapshot(db, garage.id)
    for data, en, th in cases:
        with pytest.raises(DomainError) as refused:
            await run(db, garage, "customers", data, mapping={"id": "source_id", "name": "name"})
        assert (refused.value.message("en"), refused.value.message("th")) == (en, th)
    assert await snapshot(db, garage.id) == before
