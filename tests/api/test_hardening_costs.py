"""Cost prices are read only by the roles the permission table gives costs:read (ADMIN, WAREHOUSE_MANAGER,
WORKSHOP_MANAGER; an API key with inventory:write), on every type that exposes one.

The walk starts from the schema itself: every field of an object type whose name speaks of a cost, margin or profit
must be classified here (a new one fails the test until it is), and every protected one is read, through the paths a
client would use, by each role that reaches its parent without costs:read: null with a FORBIDDEN error at exactly
that field, the rest of the answer intact. The stock ledger keeps its own convention (null, no error)."""

from __future__ import annotations

import re

from backend.core.permissions import ROLE_PERMISSIONS, SCOPE_PERMISSIONS, ApiScope, Permission, Role
from tests.accounts.test_api_keys import create_key
from tests.billing.helpers import job_in_billing, workshop

COSTLY = re.compile(r"cost|margin|profit", re.IGNORECASE)
# "Labour cost" in MotoTrack is what the garage charges for a task (the catalog's default labour price, copied to
# the job's task and onto the invoice): a sale price, not a cost.
SALE_PRICES = {("JobTask", "labourCost"), ("TaskAction", "defaultLabourCost")}
LEDGER = {("StockMovement", "unitCost")}
# purchasing and valuation (issue 18): reached only through purchasing:read or costs:read, and every role holding
# purchasing:read reads costs (test_the_table_names_who_reads_costs_and_keeps_the_ledger_rule)
PURCHASING = {("PurchaseOrderLine", "unitCost"), ("PurchaseReceipt", "unitCost"), ("ValuationLine", "unitCost"),
              ("SupplierReturnLine", "unitCost")}  # returns to suppliers: purchasing:read too
# what an hour of a person's time costs (wages): labour_costs:manage, admins only (read and set: tests/analytics)
LABOUR = {("User", "hourlyCost"), ("SetUserHourlyCostPayload", "hourlyCost"), ("Mutation", "setUserHourlyCost")}

ITEM = "query($id: ID!) { warehouseItem(id: $id) { sku costPrice } }"
ITEMS = "{ warehouseItems(first: 5) { edges { node { sku costPrice } } } }"
PARTS = "query($job: ID!) { partsRequests(jobId: $job) { status unitCost unitPrice item { sku costPrice } } }"
JOB = "query($job: ID!) { job(id: $job) { number partsRequests { status unitCost item { costPrice } } } }"
INVOICE = "query($inv: ID!) { invoice(id: $inv) { number lines { kind unitPrice unitCost } } }"
LEDGER_Q = "query($id: ID!) { stockMovements(itemId: $id, first: 5) { edges { node { kind quantity unitCost } } } }"

# (type, field) -> the documents that reach it, and the roles that reach its parent
WALKS = {
    ("WarehouseItem", "costPrice"): [ITEM, ITEMS, PARTS, JOB],
    ("PartsRequest", "unitCost"): [PARTS, JOB],
    ("InvoiceLine", "unitCost"): [INVOICE],
}


async def _cost_fields(gql, token) -> set[tuple[str, str]]:
    body = await gql("{ __schema { types { name kind fields { name } } } }", token=token)
    return {(t["name"], f["name"]) for t in body["data"]["__schema"]["types"]
            if t["kind"] == "OBJECT" and not t["name"].startswith("__")
            for f in t["fields"] or [] if COSTLY.search(f["name"])}


def _can_read_costs(role: Role) -> bool:
    return Permission.COSTS_READ in ROLE_PERMISSIONS[role]


def _walk(data, path=()):
    """Every (path, value) leaf of a GraphQL answer, with list indexes in the path."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _walk(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _walk(value, (*path, i))
    else:
        yield path, data


async def _world(db, garage, gql):
    w = await workshop(db, garage)
    job = await job_in_billing(db, garage, w, parts=2)
    created = (await gql("mutation($job: ID!) { createInvoiceFromJob(input: {jobId: $job}) { invoice { id } errors { code } } }",
                         {"job": str(job.id)}, token=garage.token(Role.BILLING)))["data"]["createInvoiceFromJob"]
    assert created["errors"] == []
    return {"id": str(w.item.id), "job": str(job.id), "inv": created["invoice"]["id"]}


def test_the_table_names_who_reads_costs_and_keeps_the_ledger_rule():
    readers = {r for r in Role if _can_read_costs(r)}
    assert readers == {Role.ADMIN, Role.WAREHOUSE_MANAGER, Role.WORKSHOP_MANAGER}
    # the same people the ledger always showed costs to: those who manage stock or approve parts
    ledger = {r for r in Role if {Permission.INVENTORY_MANAGE, Permission.PARTS_APPROVE} & ROLE_PERMISSIONS[r]}
    assert readers == ledger
    assert {s for s in ApiScope if Permission.COSTS_READ in SCOPE_PERMISSIONS[s]} == {ApiScope.INVENTORY_WRITE}
    assert {r for r in Role if Permission.PURCHASING_READ in ROLE_PERMISSIONS[r]} <= readers
    assert {r for r in Role if Permission.LABOUR_COSTS in ROLE_PERMISSIONS[r]} == {Role.ADMIN}
    assert not any(Permission.LABOUR_COSTS in SCOPE_PERMISSIONS[s] for s in ApiScope)


async def test_every_cost_field_is_hidden_from_roles_without_costs_read(gql, db, garage):
    found = await _cost_fields(gql, garage.token())
    known = set(WALKS) | SALE_PRICES | LEDGER | PURCHASING | LABOUR
    assert found == known, "classify the new cost field: " + str(found - known)
    ids = await _world(db, garage, gql)
    documents = {doc for docs in WALKS.values() for doc in docs}
    for role in Role:
        token = garage.token(role)
        for document in documents:
            body = await gql(document, ids, token=token, expect_errors=True)
            forbidden = {tuple(e["path"]) for e in body.get("errors") or []
                         if e.get("extensions", {}).get("code") == "FORBIDDEN"}
            if body.get("data") is None or any(len(p) == 1 for p in forbidden):
                continue  # this role does not reach the parent at all (e.g. a technician and invoices)
            leaves = list(_walk(body["data"]))
            costs = [(path, value) for path, value in leaves if path[-1] in ("costPrice", "unitCost")]
            assert costs, (role, document)  # the walk reached a cost field
            if _can_read_costs(role):
                assert not forbidden, (role, document, body["errors"])
                # (a labour line of an invoice has no cost: null, but no error)
                assert any(isinstance(v, int) and v > 0 for _, v in costs), (role, document, costs)
            else:
                assert all(v is None for _, v in costs), (role, document, costs)
                assert forbidden == {p for p, _ in costs}, (role, document, forbidden)
                # the rest of the answer is there: names, numbers, sale prices
                assert any(p[-1] in ("sku", "number", "unitPrice", "status") and v is not None for p, v in leaves)
                messages = {e["message"] for e in body["errors"]}
                assert messages == {"You do not have permission to do this."}, messages


async def test_a_technician_reads_the_shelf_and_the_ledger_without_costs(gql, db, garage):
    ids = await _world(db, garage, gql)
    tech = garage.token(Role.TECHNICIAN)
    body = await gql(ITEM, ids, token=tech, expect_errors=True, lang="th")
    assert body["data"]["warehouseItem"]["sku"] and body["data"]["warehouseItem"]["costPrice"] is None
    [error] = body["errors"]
    assert error["path"] == ["warehouseItem", "costPrice"] and error["extensions"]["code"] == "FORBIDDEN"
    assert error["message"] != "You do not have permission to do this."  # in Thai
    # the ledger: quantities for everyone, the cost null without an error (its convention, unchanged)
    body = await gql(LEDGER_Q, ids, token=tech)
    nodes = [e["node"] for e in body["data"]["stockMovements"]["edges"]]
    assert nodes and all(n["unitCost"] is None and n["quantity"] for n in nodes)
    body = await gql(LEDGER_Q, ids, token=garage.token(Role.WAREHOUSE_MANAGER))
    assert all(e["node"]["unitCost"] == 85000 for e in body["data"]["stockMovements"]["edges"])


async def test_api_keys_read_costs_only_with_inventory_write(gql, db, garage):
    ids = await _world(db, garage, gql)
    reader = (await create_key(gql, garage, ["INVENTORY_READ", "WORKSHOP_READ", "BILLING_READ"]))["secret"]
    writer = (await create_key(gql, garage, ["INVENTORY_WRITE"]))["secret"]
    body = await gql(ITEM, ids, token=reader, expect_errors=True)
    assert body["data"]["warehouseItem"]["costPrice"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    body = await gql(INVOICE, ids, token=reader, expect_errors=True)
    assert all(line["unitCost"] is None for line in body["data"]["invoice"]["lines"])
    assert (await gql(ITEM, ids, token=writer))["data"]["warehouseItem"]["costPrice"] == 85000
