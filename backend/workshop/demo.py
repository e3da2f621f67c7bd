"""Workshop demo data (the task-action catalog); called by backend/demo.py."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from backend.core.enums import OperationsStream
from backend.workshop.models import TaskAction
from backend.workshop.service import tasks

S = OperationsStream
# (stream, English, Thai, description, labour in baht, standard hours)
CATALOG = [
    (S.BODY, "Dent removal", "ซ่อมรอยบุบ", "Paintless dent repair of one panel.", 1500, "1.50"),
    (S.BODY, "Panel painting", "พ่นสีชิ้นส่วนตัวถัง", "Prepare, prime and paint one body panel.", 3500, "4.00"),
    (S.BODY, "Bumper repair", "ซ่อมกันชน", "Repair cracks or scuffs and refinish a bumper.", 2500, "2.50"),
    (S.MECHANICAL, "Oil change", "เปลี่ยนถ่ายน้ำมันเครื่อง", "Engine oil and filter.", 400, "0.50"),
    (S.MECHANICAL, "Brake pad replacement", "เปลี่ยนผ้าเบรก", "Front or rear axle pads; check discs.", 800,
     "1.00"),
    (S.MECHANICAL, "Timing belt replacement", "เปลี่ยนสายพานราวลิ้น", "Timing belt and tensioner.", 3000, "3.50"),
    (S.MECHANICAL, "Wheel alignment", "ตั้งศูนย์ล้อ", "Four-wheel alignment.", 600, "0.75"),
    (S.ELECTRICAL, "Battery replacement", "เปลี่ยนแบตเตอรี่", "Fit and test a new battery.", 200, "0.25"),
    (S.ELECTRICAL, "Alternator repair", "ซ่อมไดชาร์จ", "Remove, repair and refit the alternator.", 1800, "2.00"),
    (S.ELECTRICAL, "Wiring diagnosis", "ตรวจเช็คระบบสายไฟ", "Trace and diagnose a wiring fault.", 1000, "1.00"),
    (S.ELECTRICAL, "Headlight replacement", "เปลี่ยนไฟหน้า", "Replace a headlight unit and aim it.", 500, "0.50"),
    (S.INTERIOR, "Upholstery repair", "ซ่อมเบาะหนัง", "Repair torn or worn seat upholstery.", 1500, "2.00"),
    (S.INTERIOR, "Dashboard repair", "ซ่อมคอนโซลหน้า", "Repair a cracked or loose dashboard.", 2000, "2.50"),
    (S.INTERIOR, "Seat replacement", "เปลี่ยนเบาะนั่ง", "Remove and fit a seat.", 1200, "1.50"),
    (S.INTERIOR, "Interior detailing", "ทำความสะอาดภายในรถ", "Deep clean of the cabin.", 1000, "3.00"),
]


async def seed(session, actor) -> None:
    """The catalog, once per garage (nothing happens when the garage already has task actions)."""
    existing = (await session.execute(
        select(func.count()).select_from(TaskAction).where(TaskAction.garage_id == actor.garage_id))).scalar_one()
    if existing:
        return
    for stream, name_en, name_th, description, baht, hours in CATALOG:
        await tasks.create_task_action(session, actor, tasks.TaskActionInput(
            stream=stream, name_en=name_en, name_th=name_th, description=description,
            default_labour_cost=baht * 100, standard_hours=Decimal(hours), active=True))
