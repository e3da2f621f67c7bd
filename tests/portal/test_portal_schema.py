"""portal.graphql is the portal's schema as exported, and it reaches no type of the staff API."""

from __future__ import annotations

from pathlib import Path

from backend.portal.schema import build_portal_schema
from backend.schema import schema as staff_schema

ROOT = Path(__file__).resolve().parents[2]
SCALARS = {"String", "Int", "Float", "Boolean", "ID", "Date", "DateTime", "Decimal"}
ROOTS = {"Query", "Mutation", "Subscription"}  # the names; their fields are checked below


def _types(schema) -> set[str]:
    return {name for name in schema._schema.type_map if not name.startswith("__")}


def test_portal_graphql_is_the_exported_schema():
    exported = build_portal_schema().as_str().rstrip() + "\n"
    assert (ROOT / "portal.graphql").read_text(encoding="utf-8") == exported, \
        "run: .venv/bin/mototrack export-schema --portal --output portal.graphql"


def test_the_portal_schema_shares_no_type_with_the_staff_api():
    portal, staff = _types(build_portal_schema()), _types(staff_schema)
    shared = (portal & staff) - SCALARS - ROOTS
    assert shared == set(), shared
    assert {"Portal", "PortalQuote", "PortalJob", "PortalError"} <= portal
    # and no staff operation is reachable: the roots hold only the portal's fields
    roots = build_portal_schema()._schema
    assert set(roots.query_type.fields) == {"portal", "booking", "bookingSlots"}  # the booking page's (issue 16)
    assert set(roots.mutation_type.fields) == {"setPortalLocale", "requestApprovalCode", "decideQuote",
                                               "setBookingLocale", "requestBookingCode", "bookAppointment",
                                               "moveBooking", "cancelBooking", "confirmBooking", "openBooking"}
    assert set(roots.subscription_type.fields) == {"portalJob"}
