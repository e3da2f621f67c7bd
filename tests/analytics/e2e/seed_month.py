"""Lays the hand-made month of tests/analytics/helpers.py (March 2026 at a new site "Rama 9") into the demo garage of
a browser test's server: `python -m tests.analytics.e2e.seed_month <database url>` prints the month's job ids and
numbers as JSON. Run in its own process: the browser tests' thread has Playwright's loop and no room for asyncio."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass, field

from sqlalchemy import select

import backend.models  # noqa: F401 - every table known
from backend.accounts.models import Garage, User
from backend.analytics import facts
from backend.core.actor import Actor
from backend.core.db import Database
from backend.core.permissions import Role, permissions_for_role
from tests.analytics.helpers import hand_month

# the demo's people the month is made by (backend/demo.py): one of each role
EMAILS = {Role.ADMIN: "admin@demo.test", Role.SITE_MANAGER: "site.manager@demo.test",
          Role.TECHNICIAN: "technician@demo.test", Role.BILLING: "billing@demo.test",
          Role.WORKSHOP_MANAGER: "workshop.manager@demo.test", Role.WAREHOUSE_MANAGER: "warehouse.manager@demo.test"}


@dataclass
class DemoGarage:
    garage: Garage
    users: dict = field(default_factory=dict)

    @property
    def id(self):
        return self.garage.id

    def actor(self, role: Role = Role.ADMIN) -> Actor:
        user = self.users[role]
        return Actor(garage_id=self.garage.id, permissions=permissions_for_role(role), user_id=user.id, role=role)


async def seed(url: str) -> dict:
    db = Database(url)
    try:
        async with db.read() as session:
            users = {u.email: u for u in (await session.execute(select(User).where(
                User.email.in_(list(EMAILS.values()))))).scalars()}
            garage = await session.get(Garage, users[EMAILS[Role.ADMIN]].garage_id)
        world = DemoGarage(garage, {role: users[email] for role, email in EMAILS.items()})
        m = await hand_month(db, world)
        async with db.transaction() as session:
            await facts.refresh_dirty(session, garage.id)
        return {"site": str(m.site.id), "t2": m.t2.name,
                "jobs": {k: {"id": str(j.id), "number": j.number} for k, j in m.jobs.items()}}
    finally:
        await db.dispose()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
