"""A client-chosen id already used by ANOTHER garage must not tell the caller anything the caller could not learn
from an id used in its own garage: the same refusal, word for word, no record, no replay of the other garage's row.
Checked for a customer, a job and an invoice (each created with a client id over GraphQL)."""

from __future__ import annotations

import uuid

import pytest

from backend.core.permissions import Role
from tests.billing.helpers import workshop

ERRORS = "errors { field code message }"
CUSTOMER = f"""mutation($input: CreateCustomerInput!) {{ createCustomer(input: $input) {{
  customer {{ id name phone }} {ERRORS} }} }}"""
JOB = f"""mutation($input: CreateJobInput!) {{ createJob(input: $input) {{
  job {{ id number issuesReported }} {ERRORS} }} }}"""
INVOICE = f"""mutation($input: CreateInvoiceInput!) {{ createInvoice(input: $input) {{
  invoice {{ id total notes }} {ERRORS} }} }}"""
READ = {
    "customer": "query($id: ID!) { customer(id: $id) { id name } }",
    "job": "query($id: ID!) { job(id: $id) { id number } }",
    "invoice": "query($id: ID!) { invoice(id: $id) { id total } }",
}
SECRET = "Secret-of-garage-A"


def _inputs(kind: str, w) -> tuple[str, str, dict, Role]:
    """(document, payload field, input without id, role) creating one record of `kind` in w's garage."""
    if kind == "customer":
        return CUSTOMER, "createCustomer", {"name": SECRET, "phone": "081-555-0101"}, Role.ADMIN
    if kind == "job":
        return JOB, "createJob", {"siteId": str(w.site.id), "vehicleId": str(w.vehicle.id),
                                  "operationsStream": "MECHANICAL", "revenueStream": "WALK_IN",
                                  "issuesReported": SECRET}, Role.SITE_MANAGER
    return INVOICE, "createInvoice", {"siteId": str(w.site.id), "notes": SECRET,
                                      "lines": [{"kind": "PART", "itemId": str(w.item.id), "quantity": "1"}]}, \
        Role.BILLING


@pytest.mark.parametrize("kind", ["customer", "job", "invoice"])
async def test_an_id_of_another_garage_answers_like_an_id_of_ones_own(gql, db, garage, other_garage, kind):
    a, b = await workshop(db, garage), await workshop(db, other_garage)
    document, field, base_a, role = _inputs(kind, a)
    _, _, base_b, _ = _inputs(kind, b)
    token_a, token_b = garage.token(role), other_garage.token(role)

    async def create(token, base, record_id, key=None):
        data = {**base, "id": record_id}
        if key:
            data["clientMutationId"] = key
        return (await gql(document, {"input": data}, token=token))["data"][field]

    # garage A owns one record, garage B one of its own, created with a clientMutationId
    a_id, b_id = str(uuid.uuid4()), str(uuid.uuid4())
    assert (await create(token_a, base_a, a_id))["errors"] == []
    b_key = f"b-own-{uuid.uuid4()}"
    first = await create(token_b, {**base_b, **({"name": "B own"} if kind == "customer" else {})}, b_id, b_key)
    assert first["errors"] == [] and first[kind]["id"] == b_id

    # B reuses A's id and its own id: the two answers are the same, field for field, in English and in Thai
    for lang in (None, "th"):
        with_a = (await gql(document, {"input": {**base_b, "id": a_id}}, token=token_b, lang=lang))["data"][field]
        with_b = (await gql(document, {"input": {**base_b, "id": b_id}}, token=token_b, lang=lang))["data"][field]
        assert with_a == with_b, (with_a, with_b)
        assert with_a[kind] is None and with_a["errors"] and with_a["errors"][0]["field"] == "id"
        assert a_id not in str(with_a) and SECRET not in str(with_a)

    # the same through a clientMutationId, first time and replayed
    for attempt in range(2):
        via_a = await create(token_b, base_b, a_id, "b-tries-a")
        via_b = await create(token_b, base_b, b_id, "b-tries-b")
        assert via_a == via_b, (attempt, via_a, via_b)
        assert via_a[kind] is None and SECRET not in str(via_a)

    # B's own replay still answers with B's own record
    replayed = await create(token_b, base_b, str(uuid.uuid4()), b_key)
    assert replayed["errors"] == [] and replayed[kind]["id"] == b_id

    # B cannot read A's record, A's record is untouched and still readable by A
    read_b = await gql(READ[kind], {"id": a_id}, token=token_b, expect_errors=True)
    assert SECRET not in str(read_b) and (read_b.get("data") or {}).get(kind) is None
    read_a = (await gql(READ[kind], {"id": a_id}, token=token_a))["data"][kind]
    assert read_a["id"] == a_id

