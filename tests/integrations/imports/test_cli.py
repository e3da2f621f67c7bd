"""`mototrack import` end to end, as an admin runs it on the server: a progress line, the counts, every row's
problems in the chosen language, and the same file twice changing nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from backend.customers.models import Customer
from tests.integrations.imports.helpers import csv_bytes, snapshot

ROOT = Path(__file__).resolve().parents[3]

GEM_CAR = [["Customer number", "Customer name", "Address", "City", "Province/State", "Postal/Zip code",
            "Telephone", "Car make", "Model", "Year", "VIN", "Mileage"],
           ["1001", "Somchai Jaidee", "12 Sukhumvit Rd", "Bangkok", "Bangkok", "10110", "081-234-5678", "Toyota",
            "Vios", "2018", "", "45000"],
           ["1002", "Malee Dee", "5 Nimman", "Chiang Mai", "Chiang Mai", "50200", "053-111", "Honda", "City", "",
            "", ""]]


def mototrack(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MOTOTRACK_DATABASE_URL": database_url, "MOTOTRACK_DATA_DIR": str(tmp_path),
           "MOTOTRACK_REDIS_URL": ""}
    return subprocess.run([sys.executable, "-m", "backend.cli", "import", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


async def test_the_gem_car_preset_dry_run_in_thai_then_twice_for_real(database_url, db, garage, tmp_path):
    export = tmp_path / "customers.csv"
    export.write_bytes(csv_bytes(GEM_CAR))
    before = await snapshot(db, garage.id)
    dry = mototrack(database_url, tmp_path, "--garage", "Garage One", "--kind", "customers", "--file",
                    str(export), "--preset", "gem-car-customers", "--dry-run", "--lang", "th")
    assert dry.returncode == 1, dry.stderr
    lines = dry.stdout.splitlines()
    assert lines[0] == "2/2"  # the progress line: rows done / total
    assert lines[1:4] == ["อ่านแล้ว 2 จาก 2 แถว: เพิ่มใหม่ 1 แก้ไข 0 ไม่เปลี่ยนแปลง 0 มีปัญหา 1",
                          "ทดลองนำเข้า: ยังไม่มีข้อมูลใดถูกเปลี่ยนแปลง",
                          "แถวที่ 3 คอลัมน์ Telephone: กรุณากรอกหมายเลขโทรศัพท์ให้ถูกต้อง"]
    assert await snapshot(db, garage.id) == before

    real = mototrack(database_url, tmp_path, "--garage", str(garage.id), "--kind", "customers", "--file",
                     str(export), "--preset", "gem-car-customers")
    assert real.returncode == 1
    assert "2 of 2 rows read: 1 new, 0 updated, 0 unchanged, 1 with problems." in real.stdout
    assert "Row 3, Telephone: Enter a valid phone number." in real.stdout
    async with db.read() as session:
        rows = (await session.execute(select(Customer.name, Customer.phone, Customer.address).where(
            Customer.garage_id == garage.id))).all()
    assert rows == [("Somchai Jaidee", "+66812345678", "12 Sukhumvit Rd, Bangkok, Bangkok, 10110")]
    once = await snapshot(db, garage.id)

    export.write_bytes(csv_bytes([GEM_CAR[0], GEM_CAR[1]]))  # the bad row left out: all fine, exit status 0
    again = mototrack(database_url, tmp_path, "--garage", "Garage One", "--kind", "customers", "--file",
                      str(export), "--preset", "gem-car-customers")
    assert again.returncode == 0 and "1 of 1 rows read: 0 new, 0 updated, 1 unchanged, 0 with problems." \
        in again.stdout
    assert await snapshot(db, garage.id) == once


async def test_map_options_and_what_stops_a_run(database_url, db, garage, tmp_path):
    export = tmp_path / "cars.csv"
    export.write_bytes(csv_bytes([["No", "Plate"], ["V1", "ab 12 cde"]], delimiter="\t"))
    ok = mototrack(database_url, tmp_path, "--garage", "Garage One", "--kind", "vehicles", "--file", str(export),
                   "--map", "No=source_id", "--map", "Plate=registration", "--delimiter", "\\t")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "1 new" in ok.stdout
    nobody = mototrack(database_url, tmp_path, "--garage", "No Such Garage", "--kind", "vehicles", "--file",
                       str(export), "--lang", "th")
    assert nobody.returncode == 2 and nobody.stderr.strip() == \
        "ไม่พบอู่ “No Such Garage” กรุณาระบุรหัสอู่หรือชื่ออู่ให้ตรงทุกตัวอักษร"
    unmapped = mototrack(database_url, tmp_path, "--garage", "Garage One", "--kind", "vehicles", "--file",
                         str(export), "--map", "Nope=source_id")
    assert unmapped.returncode == 2
    assert "The mapping names a column “Nope” that the file does not have." in unmapped.stderr
