"""Load the demo garage's Bang Na site with N open jobs for the jobBoard benchmark (after `mototrack seed-demo`).

    .venv/bin/python bench/seed_jobs.py [N]     (MOTOTRACK_DATABASE_URL names the database)

Each job: a demo vehicle, assigned to the mechanical technician, started, two catalog tasks, one parts request;
they spread over RECEIVED, ASSIGNED, IN_PROGRESS and AWAITING_PARTS. Prints the site id.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

import backend.models  # noqa: E402,F401 - every table known (foreign keys across domains)

from backend.accounts.models import Site, User  # noqa: E402
from backend.core.actor import Actor  # noqa: E402
from backend.core.db import Database  # noqa: E402
from backend.core.enums import OperationsStream  # noqa: E402
from backend.core.permissions import permissions_for_role  # noqa: E402
from backend.core.settings import get_settings  # noqa: E402
from backend.customers.models import Vehicle  # noqa: E402
from backend.inventory.models import WarehouseItem  # noqa: E402
from backend.workshop.models import TaskAction  # noqa: E402
from backend.workshop.service import jobs, parts, tasks  # noqa: E402


def actor_for(user: User) -> Actor:
    return Actor(garage_id=user.garage_id, permissions=permissions_for_role(user.role), user_id=user.id,
                 role=user.role, name=user.name)


async def main(count: int) -> None:
    db = Database(get_settings().database_url)
    async with db.transaction() as s:
        users = {u.email: u for u in (await s.execute(select(User))).scalars()}
        manager = actor_for(users["site.manager@demo.test"])
        tech_user = users["technician@demo.test"]
        tech = actor_for(tech_user)
        # the Bang Na site: the demo's own jobs are on Rama 9, so this board holds exactly the bench's jobs
        site = (await s.execute(select(Site).where(Site.garage_id == manager.garage_id, Site.code == "BN"))).scalar_one()
        vehicles = list((await s.execute(select(Vehicle).where(Vehicle.garage_id == manager.garage_id))).scalars())
        actions = list((await s.execute(select(TaskAction).where(
            TaskAction.garage_id == manager.garage_id, TaskAction.stream == OperationsStream.MECHANICAL))).scalars())
        items = list((await s.execute(select(WarehouseItem).where(WarehouseItem.garage_id == manager.garage_id)
                                      .limit(5))).scalars())
    for i in range(count):
        async with db.transaction() as s:
            job = await jobs.create_job(s, manager, jobs.CreateJobData(
                site_id=site.id, vehicle_id=vehicles[i % len(vehicles)].id,
                operations_stream=OperationsStream.MECHANICAL, revenue_stream="WALK_IN",
                issues_reported=f"Bench job {i}: noise from the front"))
            if i % 4 == 0:
                continue
            await jobs.assign_job(s, manager, job.id, tech_user.id)
            if i % 4 == 1:
                continue
            await jobs.start_job(s, tech, job.id)
            for action in actions[:2]:
                await tasks.add_job_task(s, tech, job.id, tasks.JobTaskInput(task_action_id=action.id))
            if i % 4 == 3:
                await parts.request_parts(s, tech, job.id, items[i % len(items)].id, 1)
    await db.dispose()
    print(site.id)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
