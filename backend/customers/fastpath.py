"""Customers and vehicles on the fast read path (backend/api/fastpath): read as their loaders read them, by id in
the actor's garage (Job.vehicle, Job.customer, Vehicle.owner)."""

from __future__ import annotations

from backend.api.fastpath import Relation, TypeSource
from backend.customers.models import Customer, Vehicle

TYPES: dict[str, TypeSource] = {
    "Vehicle": TypeSource(Vehicle, {"owner": Relation("Customer", False, "owner_id")}),
    "Customer": TypeSource(Customer),
}
