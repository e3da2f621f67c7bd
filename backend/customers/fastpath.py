"""Customers and vehicles on the fast read path (backend/api/fastpath): read as their loaders read them, by id in
the actor's garage (Job.vehicle, Job.customer, Vehicle.owner), a customer's vehicles by registration; and the first
page of the customer list (`customers(first:)` without a search or a cursor: anything else is left to Strawberry);
the reception's `vehicleByRegistration` with the vehicle's owner, open deferred work and service history as
Vehicle's resolvers read them (DeferredWorkByVehicleLoader, JobsByVehicleLoader)."""

from __future__ import annotations

from sqlalchemy import Integer, String, bindparam, select

from backend.api.connections import encode_cursor
from backend.api.fastpath import Execution, Fallback, Node, Relation, Root, TypeSource
from backend.billing.models import DeferredWork
from backend.core.permissions import Permission
from backend.customers.loaders import VISITS_SHOWN
from backend.customers.models import Customer, Vehicle
from backend.customers.service.common import _REGISTRATION_RE, normalize_registration


def _open_deferred_work(model, actor):
    """DeferredWorkByVehicleLoader's rule: the actor's garage, not yet resolved."""
    return (model.garage_id == actor.garage_id) & model.resolved_at.is_(None)


TYPES: dict[str, TypeSource] = {
    "Vehicle": TypeSource(Vehicle, {
        "owner": Relation("Customer", False, "owner_id"),
        # Vehicle.deferred_work: empty without QUOTES_READ; open work oldest first
        "deferred_work": Relation("DeferredWork", True, "vehicle_id", ("created_at", "id"),
                                  permission=Permission.QUOTES_READ),
        # Vehicle.jobs (JobsByVehicleLoader): newest first, the latest VISITS_SHOWN; Job's scope hides others' jobs
        # from a technician
        "jobs": Relation("Job", True, "vehicle_id", ("-created_at", "-id"), limit=VISITS_SHOWN),
    }),
    "DeferredWork": TypeSource(DeferredWork, scope=_open_deferred_work),
    "Customer": TypeSource(Customer, {"vehicles": Relation("Vehicle", True, "owner_id", ("registration", "id"))}),
    "CustomerConnection": TypeSource(None, embedded=frozenset({"edges", "page_info"})),
    "CustomerEdge": TypeSource(None, embedded=frozenset({"node"})),
    "PageInfo": TypeSource(None),
}

LIMIT, REGISTRATION = "fp_limit", "fp_registration"


def _first_page(actor):
    """list_customers without a search or a cursor: the garage's customers by (name, id)."""
    return (select(Customer).where(Customer.garage_id == actor.garage_id).order_by(Customer.name, Customer.id)
            .limit(bindparam(LIMIT, type_=Integer)))


async def customers(execution: Execution, node: Node, arguments: dict) -> dict:
    if arguments.get("search") is not None or arguments.get("after") is not None:
        raise Fallback("a search or a later page")
    first, settings = arguments.get("first"), execution.settings
    if first is not None and (first < 0 or first > settings.max_page_size):
        raise Fallback("PAGE_SIZE_TOO_LARGE")
    limit = settings.default_page_size if first is None else first
    edges, page_info = node.field("edges"), node.field("page_info")
    customer = edges.child.field("node") if edges is not None else None
    if customer is None:
        raise Fallback("no node selected")
    rows = await execution.rows(customer.child, "customers", _first_page, {LIMIT: limit + 1}, ("name",))
    has_next, rows = len(rows) > limit, rows[:limit]
    done = await execution.complete(customer.child, rows)
    cursors = [encode_cursor((row["name"], row["id"])) for row in rows]  # connections.build's key
    value = {"edges": await execution.complete(edges.child, [{"node": n, "cursor": c} for n, c in zip(done, cursors)]),
             "page_info": None}
    if page_info is not None:
        value["page_info"] = (await execution.complete(page_info.child, [{
            "has_next_page": has_next, "end_cursor": cursors[-1] if cursors else None}]))[0]
    return (await execution.complete(node, [value]))[0]


def _by_registration(actor):
    """service.vehicle_by_registration's statement: the garage's vehicle with the normalised registration."""
    return select(Vehicle).where(Vehicle.garage_id == actor.garage_id,
                                 Vehicle.registration == bindparam(REGISTRATION, type_=String))


async def vehicle_by_registration(execution: Execution, node: Node, arguments: dict) -> dict | None:
    normalized = normalize_registration(arguments["registration"])
    if not _REGISTRATION_RE.match(normalized):
        return None
    rows = await execution.rows(node, "vehicleByRegistration", _by_registration, {REGISTRATION: normalized})
    if len(rows) > 1:
        raise Fallback("more than one vehicle")  # the service's scalar_one_or_none refuses it
    done = await execution.complete(node, rows)
    return done[0] if done else None


ROOTS: dict[str, Root] = {"customers": Root(customers), "vehicleByRegistration": Root(vehicle_by_registration)}
