"""The calendar's reads on the fast read path (backend/api/fastpath): the week view (`weekCalendar`, which the day
view shows a day of) with its `capacity` header, and the reception's `arrivalsToday`.

The roots read through the calendar service's own statement builders (service/calendar.py), projected onto the
columns the operation selects; each relation mirrors its DataLoader (backend/scheduling/loaders.py): a bay, an
appointment by id in the actor's garage, an appointment's allocations in time order (a technician: their own), the
job opened from an appointment (JobIdByAppointmentLoader then JobLoader: Job's scope). The resolvers that compute a
value from the row alone (an appointment's stream and its services in the reader's language, a bay's streams) are
derived fields. The capacity header is the availability service's own computation, its days shaped as the resolver
shapes them.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import bindparam

from backend.api.fastpath import Derived, Execution, Fallback, Node, Relation, Root, TypeSource
from backend.core.enums import OperationsStream
from backend.core.permissions import Role
from backend.scheduling.models import Allocation, Appointment, Bay
from backend.scheduling.service import availability, calendar
from backend.scheduling.service.appointments import is_technician


def _allocation_scope(model, actor):
    """AllocationsByAppointmentLoader's rule: the actor's garage, and a technician only their own allocations."""
    clause = model.garage_id == actor.garage_id
    if actor.role == Role.TECHNICIAN:
        clause = clause & (model.technician_id == actor.user_id)
    return clause


def _services(row: dict, execution: Execution) -> list[dict]:
    """Appointment.services: the booked services, named in the reader's language."""
    locale = getattr(execution.context, "locale", None) or "en"
    th = locale.startswith("th")
    return [{"task_action_id": s["taskActionId"], "name": (th and s.get("nameTh")) or s["nameEn"],
             "hours": Decimal(s["hours"])} for s in row["services"] or ()]


TYPES: dict[str, TypeSource] = {
    "Bay": TypeSource(Bay, {"site": Relation("Site", False, "site_id")}, derived={
        "streams": Derived(("streams",), lambda row, _e: [OperationsStream(s) for s in row["streams"] or ()])}),
    "Allocation": TypeSource(Allocation, {
        "bay": Relation("Bay", False, "bay_id"),
        "technician": Relation("User", False, "technician_id"),
        "appointment": Relation("Appointment", False, "appointment_id"),
    }, scope=_allocation_scope),
    "Appointment": TypeSource(Appointment, {
        "site": Relation("Site", False, "site_id"),
        "vehicle": Relation("Vehicle", False, "vehicle_id"),
        "customer": Relation("Customer", False, "customer_id"),
        "allocations": Relation("Allocation", True, "appointment_id", ("starts_at", "id")),
        "job": Relation("Job", False, "appointment_id", reverse=True),
    }, derived={
        "stream": Derived(("stream",), lambda row, _e: OperationsStream(row["stream"].value)),
        "services": Derived(("services",), _services),
    }),
    "AppointmentService": TypeSource(None),
    "CalendarRow": TypeSource(None, embedded=frozenset({"bay", "technician", "allocations"})),
    "WeekCalendar": TypeSource(None, embedded=frozenset({"rows", "unallocated"})),
    "DayCapacity": TypeSource(None),
}

SITE, START, END = "fp_site", "fp_start", "fp_end"


def _by(value) -> calendar.CalendarBy:
    return calendar.CalendarBy(getattr(value, "value", value) or "BAY")


async def week_calendar(execution: Execution, node: Node, arguments: dict) -> dict:
    """weekCalendar(siteId, weekStart, by): service.week_calendar's rows, read in a fixed number of statements."""
    actor = execution.actor
    by = _by(arguments.get("by"))
    site, start, end, days = await calendar.week_bounds(execution.session, actor, arguments["siteId"],
                                                        arguments["weekStart"])
    params = {SITE: site.id, START: start, END: end}
    value: dict = {"starts_at": start, "ends_at": end, "days": days, "rows": None, "unallocated": None}
    rows = node.field("rows")
    if rows is not None:
        row_node = rows.child
        resource_name, other = ("bay", "technician") if by == calendar.CalendarBy.BAY else ("technician", "bay")
        allocations, resource = row_node.field("allocations"), row_node.field(resource_name)
        if allocations is None or resource is None:
            raise Fallback("a week without its allocations or its rows' bay / technician")
        key = f"{resource_name}_id"
        found = await execution.rows(allocations.child, "weekAllocations", lambda a: calendar.week_allocations_query(
            a, bindparam(SITE), bindparam(START), bindparam(END)), params, (key,))
        grouped: dict = defaultdict(list)
        for row, obj in zip(found, await execution.complete(allocations.child, found)):
            grouped[row[key]].append(obj)
        if by == calendar.CalendarBy.BAY:
            resources = await execution.rows(resource.child, "weekBays", lambda a: calendar.week_bays_query(
                a, bindparam(SITE)), {SITE: site.id}, ("active",))
            shown = [r for r in resources if calendar.bay_shown(r["active"], r["id"], grouped)]
        else:
            resources = await execution.rows(resource.child, "weekTechnicians", calendar.week_technicians_query,
                                             None, ("active", "home_site_id"))
            shown = [r for r in resources
                     if calendar.technician_shown(r["active"], r["home_site_id"], r["id"], site.id, grouped)]
        objs = await execution.complete(resource.child, shown)
        value["rows"] = await execution.complete(row_node, [
            {resource_name: obj, other: None, "allocations": grouped.get(r["id"], [])} for r, obj in zip(shown, objs)])
    unallocated = node.field("unallocated")
    if unallocated is not None:
        found = [] if is_technician(actor) else await execution.rows(
            unallocated.child, "weekUnallocated", lambda a: calendar.week_unallocated_query(
                a, bindparam(SITE), bindparam(START), bindparam(END)), params)
        value["unallocated"] = await execution.complete(unallocated.child, found)
    return (await execution.complete(node, [value]))[0]


async def capacity(execution: Execution, node: Node, arguments: dict) -> list[dict]:
    """capacity(siteId, from, to): the availability service's days, rounded as the resolver rounds them."""
    days = await availability.capacity(execution.session, execution.actor, arguments["siteId"], arguments["from"],
                                       arguments["to"])
    return await execution.complete(node, [{"day": d.day, "booked_hours": round(d.booked_seconds / 3600, 2),
                                            "available_hours": round(d.available_seconds / 3600, 2)} for d in days])


ROOTS: dict[str, Root] = {"weekCalendar": Root(week_calendar), "capacity": Root(capacity)}
