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


# (stream, registration index, issues, technician e-mail or None, steps)
DEMO_JOBS = [
    (S.BODY, 0, "ลูกค้าแจ้ง: รอยบุบประตูหน้าซ้าย / Dent on the front left door", None, ()),
    (S.ELECTRICAL, 1, "Battery warning light, slow cranking in the morning", None, ()),
    (S.MECHANICAL, 2, "เสียงดังจากล้อหน้าเวลาเบรก / Squeal from the front wheels when braking",
     "technician@demo.test", ()),
    (S.MECHANICAL, 3, "Service due at 90,000 km", "technician@demo.test", ("start", "task:Oil change")),
    (S.MECHANICAL, 4, "Brakes feel soft", "technician@demo.test",
     ("start", "task:Brake pad replacement", "parts:BRK-PAD-F-TY")),
    (S.BODY, 5, "Rear bumper scraped in a car park", "body.tech@demo.test", ("start", "task:Bumper repair")),
    (S.MECHANICAL, 6, "Oil change and check-up", "technician@demo.test",
     ("start", "task:Oil change", "complete-tasks", "complete")),
]


async def seed_jobs(session, garage_id, site_id) -> None:
    """A few jobs on the main site's board, in different states, so a new user sees the workshop at work."""
    from backend.accounts.models import User
    from backend.core.actor import Actor
    from backend.core.permissions import permissions_for_role
    from backend.customers.models import Vehicle
    from backend.inventory.models import WarehouseItem
    from backend.workshop.service import jobs, parts

    users = {u.email: u for u in (await session.execute(select(User).where(User.garage_id == garage_id))).scalars()}

    def actor(email: str) -> Actor:
        user = users[email]
        return Actor(garage_id=garage_id, permissions=permissions_for_role(user.role), user_id=user.id,
                     role=user.role, name=user.name)

    vehicles = list((await session.execute(select(Vehicle).where(Vehicle.garage_id == garage_id)
                                           .order_by(Vehicle.created_at, Vehicle.id))).scalars())
    actions = {a.name_en: a for a in (await session.execute(
        select(TaskAction).where(TaskAction.garage_id == garage_id))).scalars()}
    items = {i.sku: i for i in (await session.execute(
        select(WarehouseItem).where(WarehouseItem.garage_id == garage_id))).scalars()}
    reception = actor("site.manager@demo.test")
    for stream, index, issues, tech_email, steps in DEMO_JOBS:
        job = await jobs.create_job(session, reception, jobs.CreateJobData(
            site_id=site_id, vehicle_id=vehicles[index % len(vehicles)].id, operations_stream=stream,
            revenue_stream="WALK_IN", issues_reported=issues))
        if tech_email is None:
            continue
        await jobs.assign_job(session, reception, job.id, users[tech_email].id)
        tech = actor(tech_email)
        added = []
        for step in steps:
            if step == "start":
                await jobs.start_job(session, tech, job.id)
            elif step.startswith("task:"):
                added.append(await tasks.add_job_task(session, tech, job.id,
                                                      tasks.JobTaskInput(task_action_id=actions[step[5:]].id)))
            elif step.startswith("parts:") and step[6:] in items:
                await parts.request_parts(session, tech, job.id, items[step[6:]].id, 1)
            elif step == "complete-tasks":
                for task in added:
                    await tasks.complete_job_task(session, tech, task.id)
            elif step == "complete":
                await jobs.complete_job(session, tech, job.id, "Oil and filter changed; no other faults found.")
