"""DataLoaders for customers and vehicles: one garage-scoped query per batch.

In a query each batch reads in its own short session. In a mutation the payload must show what the mutation just
wrote (a new vehicle's first ownership and mileage reading), which only the operation's uncommitted write session
can see, so there the batches take turns on that session.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from backend.accounts.models import Garage
from backend.api.loaders import Loader, grouped
from backend.billing.models import Invoice, InvoiceStatus
from backend.core.permissions import Role
from backend.customers.models import Customer, MileageReading, Vehicle, VehicleOwnership


class CustomerLoader(Loader):
    """Customer by id (None for an unknown id or another garage's)."""

    async def batch_load_fn(self, keys):
        rows = await self.rows(select(Customer).where(Customer.id.in_(keys), Customer.garage_id == self.garage_id))
        found = {r.id: r for r in rows}
        return [found.get(k) for k in keys]


class VehiclesByOwnerLoader(Loader):
    """The vehicles a customer owns now, by registration."""

    async def batch_load_fn(self, keys):
        rows = await self.rows(
            select(Vehicle)
            .where(Vehicle.owner_id.in_(keys), Vehicle.garage_id == self.garage_id)
            .order_by(Vehicle.registration, Vehicle.id)
        )
        grouped: dict = defaultdict(list)
        for row in rows:
            grouped[row.owner_id].append(row)
        return [grouped.get(k, []) for k in keys]


class OwnershipHistoryLoader(Loader):
    """Every owner a vehicle has had, oldest first; the last one (ended_at null) is the current owner."""

    async def batch_load_fn(self, keys):
        rows = await self.rows(
            select(VehicleOwnership)
            .where(VehicleOwnership.vehicle_id.in_(keys), VehicleOwnership.garage_id == self.garage_id)
            .order_by(VehicleOwnership.started_at, VehicleOwnership.id)
        )
        grouped: dict = defaultdict(list)
        for row in rows:
            grouped[row.vehicle_id].append(row)
        return [grouped.get(k, []) for k in keys]


class MileageLogLoader(Loader):
    """A vehicle's odometer readings, oldest first."""

    async def batch_load_fn(self, keys):
        rows = await self.rows(
            select(MileageReading)
            .where(MileageReading.vehicle_id.in_(keys), MileageReading.garage_id == self.garage_id)
            .order_by(MileageReading.recorded_at, MileageReading.id)
        )
        grouped: dict = defaultdict(list)
        for row in rows:
            grouped[row.vehicle_id].append(row)
        return [grouped.get(k, []) for k in keys]


# The visits of a customer or a vehicle: their jobs, newest first, at most this many (an older history is in `jobs`).
VISITS_SHOWN = 100


class _JobsBy(Loader):
    """Jobs by one of their columns, newest first, garage-scoped; a technician sees only their own jobs."""

    column = "vehicle_id"

    async def batch_load_fn(self, keys):
        from backend.workshop.models import Job  # the workshop's model; its loaders come through the Job type

        column = getattr(Job, self.column)
        query = select(Job).where(column.in_(keys), Job.garage_id == self.garage_id)
        if self.ctx.actor.role == Role.TECHNICIAN:
            query = query.where(Job.technician_id == self.ctx.actor.user_id)
        rows = await self.rows(query.order_by(Job.created_at.desc(), Job.id.desc()))
        return [group[:VISITS_SHOWN] for group in grouped(rows, keys, self.column)]


class JobsByVehicleLoader(_JobsBy):
    """A vehicle's jobs (its service history), newest first."""

    column = "vehicle_id"


class JobsByCustomerLoader(_JobsBy):
    """The jobs opened for a customer (their visits), newest first."""

    column = "customer_id"


class BalanceByCustomerLoader(Loader):
    """What a customer owes: the balance due of their issued, unpaid invoices in the garage's currency, summed in
    one statement for the whole batch (0 for a customer who owes nothing)."""

    async def batch_load_fn(self, keys):
        query = (
            select(Invoice.customer_id, func.sum(Invoice.balance_due))
            .join(Garage, Garage.id == Invoice.garage_id)
            .where(Invoice.customer_id.in_(keys), Invoice.garage_id == self.garage_id,
                   Invoice.status.in_((InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)),
                   Invoice.currency == Garage.currency)
            .group_by(Invoice.customer_id)
        )
        async with self.session() as s:
            owed = {customer_id: int(total or 0) for customer_id, total in (await s.execute(query)).all()}
        return [owed.get(k, 0) for k in keys]
