"""DataLoader for a vehicle's service interval, service due and MOT due: four statements per batch of vehicles."""

from __future__ import annotations

from sqlalchemy import select

from backend.api.loaders import Loader
from backend.customers.models import Vehicle
from backend.notifications.reminders.due import vehicles_due


class VehicleDueLoader(Loader):
    """Vehicle id -> due.VehicleDue (None for an unknown id or another garage's vehicle)."""

    async def batch_load_fn(self, keys):
        async with self.session() as s:
            rows = list((await s.execute(select(Vehicle).where(
                Vehicle.id.in_(keys), Vehicle.garage_id == self.garage_id))).scalars())
            found = await vehicles_due(s, self.garage_id, rows) if rows else {}
        return [found.get(k) for k in keys]
