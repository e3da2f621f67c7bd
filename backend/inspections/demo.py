"""The demo's inspection templates: a general multi-point check and a body check, in English and Thai."""

from __future__ import annotations

from backend.inspections import service

C, M = "CONDITION", "MEASUREMENT"


def _item(key, en, th, kind=C, unit=None, advise=None, urgent=None, higher=True, photo=False):
    return service.ItemData(key=key, title_en=en, title_th=th, kind=kind, unit=unit, advise_at=advise,
                            urgent_at=urgent, higher_is_better=higher, photo_required=photo)


def _section(key, en, th, items):
    return service.SectionData(key=key, title_en=en, title_th=th, items=items)


MULTI_POINT = service.TemplateData(name_en="General multi-point inspection", name_th="ตรวจเช็กสภาพรถทั่วไป", sections=[
    _section("tyres", "Tyres", "ยาง", [
        _item("tyre_fl", "Front left tyre tread", "ดอกยางหน้าซ้าย", M, "mm", "3", "1.6"),
        _item("tyre_fr", "Front right tyre tread", "ดอกยางหน้าขวา", M, "mm", "3", "1.6"),
        _item("tyre_rl", "Rear left tyre tread", "ดอกยางหลังซ้าย", M, "mm", "3", "1.6"),
        _item("tyre_rr", "Rear right tyre tread", "ดอกยางหลังขวา", M, "mm", "3", "1.6"),
        _item("tyre_pressure", "Tyre pressures and valves", "แรงดันลมยางและจุ๊บลม"),
    ]),
    _section("brakes", "Brakes", "ระบบเบรก", [
        _item("pads_front", "Front brake pads", "ผ้าเบรกหน้า", M, "mm", "4", "2"),
        _item("pads_rear", "Rear brake pads", "ผ้าเบรกหลัง", M, "mm", "4", "2"),
        _item("discs", "Brake discs", "จานเบรก", photo=True),
        _item("brake_fluid", "Brake fluid", "น้ำมันเบรก"),
    ]),
    _section("under_bonnet", "Under the bonnet", "ห้องเครื่อง", [
        _item("battery", "Battery health", "สุขภาพแบตเตอรี่", M, "%", "70", "50"),
        _item("engine_oil", "Engine oil level and condition", "ระดับและสภาพน้ำมันเครื่อง"),
        _item("coolant", "Coolant level", "ระดับน้ำหล่อเย็น"),
        _item("drive_belt", "Drive belt", "สายพานหน้าเครื่อง"),
        _item("leaks", "Oil or fluid leaks", "รอยรั่วซึมของน้ำมันหรือของเหลว", photo=True),
    ]),
    _section("lights_wipers", "Lights and wipers", "ไฟและที่ปัดน้ำฝน", [
        _item("lights", "Lights and indicators", "ไฟส่องสว่างและไฟเลี้ยว"),
        _item("wipers", "Wiper blades", "ใบปัดน้ำฝน"),
    ]),
    _section("suspension", "Steering and suspension", "ระบบบังคับเลี้ยวและช่วงล่าง", [
        _item("shocks", "Shock absorbers", "โช้คอัพ"),
        _item("steering_play", "Steering play", "ระยะฟรีพวงมาลัย", M, "mm", "20", "30", higher=False),
    ]),
])

BODY = service.TemplateData(name_en="Body and paint check", name_th="ตรวจสภาพตัวถังและสี", sections=[
    _section("exterior", "Exterior", "ภายนอก", [
        _item("front_bumper", "Front bumper", "กันชนหน้า", photo=True),
        _item("rear_bumper", "Rear bumper", "กันชนหลัง", photo=True),
        _item("bonnet", "Bonnet", "ฝากระโปรงหน้า"),
        _item("doors_left", "Left doors and sill", "ประตูและธรณีประตูด้านซ้าย"),
        _item("doors_right", "Right doors and sill", "ประตูและธรณีประตูด้านขวา"),
        _item("roof", "Roof", "หลังคา"),
        _item("paint_thickness", "Paint thickness (worst panel)", "ความหนาสี (แผงที่บางที่สุด)", M, "µm", "90", "60"),
    ]),
    _section("glass", "Glass and mirrors", "กระจกและกระจกมองข้าง", [
        _item("windscreen", "Windscreen chips or cracks", "กระจกหน้าบิ่นหรือร้าว", photo=True),
        _item("mirrors", "Mirrors", "กระจกมองข้าง"),
    ]),
    _section("corrosion", "Corrosion", "สนิม", [
        _item("underbody_rust", "Underbody rust", "สนิมใต้ท้องรถ"),
        _item("wheel_arches", "Wheel arches", "ซุ้มล้อ"),
    ]),
])

TEMPLATES = (MULTI_POINT, BODY)


async def seed(session, admin) -> list:
    """The demo garage's templates (its admin makes them, so the audit log shows who)."""
    return [await service.create_template(session, admin, data) for data in TEMPLATES]
