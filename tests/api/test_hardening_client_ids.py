"""Client-chosen ids and clientMutationIds across garages.

The rule: record ids are one key space (UUIDs, the primary key of every table), so an id garage A holds cannot be
given to garage B either; B then gets exactly the answer a chance collision with one of B's own records gives
(ALREADY_EXISTS on `id`, word for word), never a sign that A holds it. clientMutationIds are scoped per garage: B may
use the key A used, and its mutation runs as a fresh one. Sign-in e-mails are global (one e-mail signs in to one
account), so an e-mail used in another garage answers EMAIL_TAKEN, the same as one used in B.

tests/api/test_client_ids_across_garages.py covers customers, jobs and invoices; this covers the other records a
client may name, the keys, and e-mails."""

from __future__ import annotations

import uuid

import pytest

from backend.core.permissions import Role

ERRORS = "errors { field code message }"
KINDS = {
    "vehicle": ("createVehicle", "CreateVehicleInput", "vehicle { id registration }", Role.ADMIN,
                lambda tag: {"registration": f"KB{tag[:6].upper()}"}),
    "site": ("createSite", "CreateSiteInput", "site { id name }", Role.ADMIN, lambda tag: {"name": f"Site {tag}"}),
    "item": ("createWarehouseItem", "CreateWarehouseItemInput", "warehouseItem { id sku }", Role.WAREHOUSE_MANAGER,
             lambda tag: {"sku": f"SKU-{tag[:8]}", "nameEn": "Brake pads"}),
    "taskAction": ("createTaskAction", "CreateTaskActionInput", "taskAction { id nameEn }", Role.ADMIN,
                   lambda tag: {"stream": "MECHANICAL", "nameEn": f"Check {tag}"}),
    "user": ("createUser", "CreateUserInput", "user { id email }", Role.ADMIN,
             lambda tag: {"email": f"u.{tag[:10]}@test.example", "name": "New colleague",
                          "password": "long-enough-pass", "role": "BILLING"}),
}


def _document(kind: str) -> str:
    name, input_type, selection, _, _ = KINDS[kind]
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} {ERRORS} }} }}"


async def _create(gql, garage, kind, record_id=None, key=None, lang=None, tag=None) -> dict:
    name, _, _, role, fields = KINDS[kind]
    data = fields(tag or uuid.uuid4().hex)
    if record_id:
        data["id"] = record_id
    if key:
        data["clientMutationId"] = key
    body = await gql(_document(kind), {"input": data}, token=garage.token(role), lang=lang)
    return body["data"][name]


def _payload_record(kind: str, payload: dict):
    return payload["warehouseItem" if kind == "item" else kind]


@pytest.mark.parametrize("kind", list(KINDS))
async def test_an_id_held_by_another_garage_answers_like_a_collision_in_ones_own(gql, garage, other_garage, kind):
    a_id, b_id = str(uuid.uuid4()), str(uuid.uuid4())
    assert (await _create(gql, garage, kind, a_id))["errors"] == []
    assert (await _create(gql, other_garage, kind, b_id))["errors"] == []
    for lang in (None, "th"):
        tag = uuid.uuid4().hex  # the same fresh fields for both tries: only the id differs
        held_by_a = await _create(gql, other_garage, kind, a_id, lang=lang, tag=tag)
        held_by_b = await _create(gql, other_garage, kind, b_id, lang=lang, tag=tag)
        assert held_by_a == held_by_b, (held_by_a, held_by_b)
        assert _payload_record(kind, held_by_a) is None
        assert [(e["field"], e["code"]) for e in held_by_a["errors"]] == [("id", "ALREADY_EXISTS")]


async def test_a_client_mutation_id_is_per_garage(gql, garage, other_garage):
    key = f"phone-outbox-{uuid.uuid4()}"
    a_first = await _create(gql, garage, "vehicle", str(uuid.uuid4()), key=key)
    assert a_first["errors"] == []
    # B's phone happens to use the same key: B's mutation runs, with B's own data, not A's stored answer
    b_id = str(uuid.uuid4())
    b_first = await _create(gql, other_garage, "vehicle", b_id, key=key)
    assert b_first["errors"] == [] and b_first["vehicle"]["id"] == b_id
    assert b_first["vehicle"]["registration"] != a_first["vehicle"]["registration"]
    # and each garage's replay answers with its own record
    assert (await _create(gql, other_garage, "vehicle", str(uuid.uuid4()), key=key))["vehicle"]["id"] == b_id
    assert (await _create(gql, garage, "vehicle", str(uuid.uuid4()), key=key))["vehicle"]["id"] == \
        a_first["vehicle"]["id"]


async def test_a_sign_in_email_is_global_and_taken_answers_alike(gql, garage, other_garage):
    doc = _document("user")
    a_email = garage.users[Role.TECHNICIAN].email
    b_email = other_garage.users[Role.TECHNICIAN].email
    answers = []
    for email in (a_email.upper(), b_email.upper()):
        body = await gql(doc, {"input": {"email": email, "name": "Someone", "password": "long-enough-pass",
                                         "role": "BILLING"}}, token=other_garage.token())
        answers.append(body["data"]["createUser"])
    assert answers[0] == answers[1]
    assert answers[0]["user"] is None and [e["code"] for e in answers[0]["errors"]] == ["EMAIL_TAKEN"]
