"""DataLoaders for scheduling: one garage-scoped statement per batch."""

from __future__ import annotations

from sqlalchemy import select

from backend.api.loaders import Loader, by_id, grouped
from backend.scheduling.models import Allocation, Appointment, Bay
from backend.workshop.models import Job


class BayLoader(Loader):
    async def batch_load_fn(self, keys):
        return by_id(await self.rows(select(Bay).where(Bay.id.in_(keys), Bay.garage_id == self.garage_id)), keys)


class AppointmentLoader(Loader):
    async def batch_load_fn(self, keys):
        return by_id(await self.rows(select(Appointment).where(
            Appointment.id.in_(keys), Appointment.garage_id == self.garage_id)), keys)


class AllocationsByAppointmentLoader(Loader):
    """appointment id -> its allocations in time order (a technician: only their own)."""

    async def batch_load_fn(self, keys):
        query = select(Allocation).where(Allocation.appointment_id.in_(keys), Allocation.garage_id == self.garage_id)
        actor = self.ctx.actor
        if actor.role is not None and actor.role.value == "TECHNICIAN":
            query = query.where(Allocation.technician_id == actor.user_id)
        rows = await self.rows(query.order_by(Allocation.starts_at, Allocation.id))
        return grouped(rows, keys, "appointment_id")


class JobIdByAppointmentLoader(Loader):
    """appointment id -> the id of the job card opened from it (None before arrival)."""

    async def batch_load_fn(self, keys):
        async with self.session() as s:
            found = dict((await s.execute(select(Job.appointment_id, Job.id).where(
                Job.appointment_id.in_(keys), Job.garage_id == self.garage_id))).all())
        return [found.get(k) for k in keys]
