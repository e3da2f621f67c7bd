"""Customers over GraphQL: create, read, update with versions, search, pagination."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import error_codes
from tests.customers.helpers import (
    CREATE_CUSTOMER,
    CUSTOMERS,
    UPDATE_CUSTOMER,
    create_customer,
    create_vehicle,
    snapshot,
)


async def test_create_read_update_customer(gql, garage):
    token = garage.token()
    client_id = str(uuid.uuid4())
    created = await create_customer(
        gql, token, id=client_id, name="  Somchai Jaidee ", phone="081-234-5678", email="Somchai@Example.co.th",
        address="1 Sukhumvit Road", taxId="0105556123453", branch="00000", locale="TH", contactChannel="EMAIL",
        consentSms=True, consentEmail=True, notes="Prefers mornings")
    assert created["id"] == client_id
    assert created["name"] == "Somchai Jaidee" and created["email"] == "somchai@example.co.th"
    assert created["taxId"] == "0105556123453" and created["locale"] == "TH"
    assert created["contactChannel"] == "EMAIL" and created["consentSms"] is True and created["version"] == 1

    read = (await gql("query($id: ID!) { customer(id: $id) { name phone vehicles { id } } }", {"id": client_id},
                      token=token))["data"]["customer"]
    assert read == {"name": "Somchai Jaidee", "phone": "+66812345678", "vehicles": []}  # E.164

    body = await gql(UPDATE_CUSTOMER, {"input": {"id": client_id, "expectedVersion": 1, "phone": "089-000-1111",
                                                 "notes": None}}, token=token)
    updated = body["data"]["updateCustomer"]
    assert updated["errors"] == []
    assert updated["customer"]["phone"] == "+66890001111" and updated["customer"]["notes"] is None
    assert updated["customer"]["name"] == "Somchai Jaidee"
    assert updated["customer"]["version"] == 2
    assert updated["customer"]["updatedAt"] >= created["updatedAt"]


async def test_defaults_of_a_new_customer(gql, garage):
    created = await create_customer(gql, garage.token(), name="Walk-in")
    assert created["contactChannel"] == "SMS" and created["consentSms"] is False and created["phone"] is None


async def test_same_client_id_twice_is_refused(gql, garage):
    client_id = str(uuid.uuid4())
    await create_customer(gql, garage.token(), id=client_id, name="First")
    body = await gql(CREATE_CUSTOMER, {"input": {"id": client_id, "name": "Second"}}, token=garage.token())
    assert body["data"]["createCustomer"]["errors"][0]["code"] == "ALREADY_EXISTS"


async def test_stale_update_gets_conflict_and_the_current_record(gql, garage, db):
    token = garage.token()
    customer = await create_customer(gql, token, name="Nok")
    first = await gql(UPDATE_CUSTOMER, {"input": {"id": customer["id"], "expectedVersion": 1, "name": "Nok A"}},
                      token=token)
    assert first["data"]["updateCustomer"]["customer"]["version"] == 2
    before = await snapshot(db)
    stale = await gql(UPDATE_CUSTOMER, {"input": {"id": customer["id"], "expectedVersion": 1, "name": "Nok B"}},
                      token=token)
    payload = stale["data"]["updateCustomer"]
    assert [e["code"] for e in payload["errors"]] == ["CONFLICT"]
    assert payload["customer"]["name"] == "Nok A" and payload["customer"]["version"] == 2
    assert await snapshot(db) == before
    # without expectedVersion the last writer wins
    ok = await gql(UPDATE_CUSTOMER, {"input": {"id": customer["id"], "name": "Nok C"}}, token=token)
    assert ok["data"]["updateCustomer"]["customer"]["version"] == 3


async def test_update_that_changes_nothing_keeps_the_version(gql, garage):
    token = garage.token()
    customer = await create_customer(gql, token, name="Same")
    body = await gql(UPDATE_CUSTOMER, {"input": {"id": customer["id"], "name": "Same"}}, token=token)
    assert body["data"]["updateCustomer"]["customer"]["version"] == 1


async def _names(gql, token, search, **variables):
    body = await gql(CUSTOMERS, {"search": search, "first": 100, **variables}, token=token)
    return sorted(e["node"]["name"] for e in body["data"]["customers"]["edges"])


async def test_search_by_name_phone_email_registration_and_vin(gql, garage):
    token = garage.token()
    somchai = await create_customer(gql, token, name="สมชาย ใจดี", phone="081-234-5678", email="somchai@mail.th")
    emily = await create_customer(gql, token, name="Emily Carter", phone="+44 7911 765432",
                                  email="Emily.Carter@Example.com")
    await create_customer(gql, token, name="Bangkok Fleet_Services 100%", phone="02-555-0100")
    await create_vehicle(gql, token, registration="1กข 1234", ownerId=somchai["id"], vin="MR0FB8CD5H0123456")
    await create_vehicle(gql, token, registration="ab12 cde", ownerId=emily["id"], vin="WVWZZZ1KZAW000001")

    assert await _names(gql, token, "ใจดี") == ["สมชาย ใจดี"]          # Thai, partial
    assert await _names(gql, token, "สมชาย") == ["สมชาย ใจดี"]
    assert await _names(gql, token, "emily") == ["Emily Carter"]        # case-insensitive
    assert await _names(gql, token, "CARTER") == ["Emily Carter"]
    assert await _names(gql, token, "234-56") == ["สมชาย ใจดี"]         # phone, partial
    assert await _names(gql, token, "7911 765") == ["Emily Carter"]
    assert await _names(gql, token, "EXAMPLE.COM") == ["Emily Carter"]  # email
    assert await _names(gql, token, "b12 C") == ["Emily Carter"]        # registration through the vehicle
    assert await _names(gql, token, "AB-12-CDE") == ["Emily Carter"]
    assert await _names(gql, token, "กข12") == ["สมชาย ใจดี"]
    assert await _names(gql, token, "mr0fb8") == ["สมชาย ใจดี"]         # VIN, any case
    assert await _names(gql, token, "zaw000") == ["Emily Carter"]
    # % and _ are literal characters, not wildcards
    assert await _names(gql, token, "100%") == ["Bangkok Fleet_Services 100%"]
    assert await _names(gql, token, "t_S") == ["Bangkok Fleet_Services 100%"]
    assert await _names(gql, token, "%") == ["Bangkok Fleet_Services 100%"]
    assert await _names(gql, token, "nobody") == []
    assert len(await _names(gql, token, "  ")) == 3                     # blank search: everyone


async def test_pagination_walks_every_customer_exactly_once(gql, garage):
    token = garage.token()
    names = [f"Customer {i % 7}" for i in range(23)]  # repeated names: the id breaks the ties
    for name in names:
        await create_customer(gql, token, name=name)
    seen: list[tuple[str, str]] = []
    after = None
    pages = 0
    while True:
        body = await gql(CUSTOMERS, {"first": 5, "after": after}, token=token)
        conn = body["data"]["customers"]
        seen += [(e["node"]["name"], e["node"]["id"]) for e in conn["edges"]]
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
        assert after == conn["edges"][-1]["cursor"]
    assert pages == 5
    assert len(seen) == 23 and len({i for _, i in seen}) == 23
    assert [n for n, _ in seen] == sorted(names)
    assert seen == sorted(seen, key=lambda t: t[0])


async def test_pagination_with_a_search(gql, garage):
    token = garage.token()
    for i in range(8):
        await create_customer(gql, token, name=f"Match {i}")
        await create_customer(gql, token, name=f"Other {i}")
    first = (await gql(CUSTOMERS, {"search": "match", "first": 5}, token=token))["data"]["customers"]
    second = (await gql(CUSTOMERS, {"search": "match", "first": 5, "after": first["pageInfo"]["endCursor"]},
                        token=token))["data"]["customers"]
    names = [e["node"]["name"] for e in first["edges"] + second["edges"]]
    assert names == [f"Match {i}" for i in range(8)] and second["pageInfo"]["hasNextPage"] is False


async def test_default_page_size_and_empty_page(gql, garage):
    token = garage.token()
    empty = (await gql(CUSTOMERS, {}, token=token))["data"]["customers"]
    assert empty == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
    for i in range(21):
        await create_customer(gql, token, name=f"C{i:02d}")
    page = (await gql(CUSTOMERS, {}, token=token))["data"]["customers"]
    assert len(page["edges"]) == 20 and page["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize("after", ["not-a-cursor", "WyJ4Il0", "WyJ4Iiwibm90LWFuLWlkIl0"])
async def test_bad_cursor_is_a_localized_bad_input(gql, garage, after):
    body = await gql(CUSTOMERS, {"after": after}, token=garage.token(), lang="th", expect_errors=True)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["reason"] == "INVALID_CURSOR"
    assert body["errors"][0]["message"] != "The page cursor is not valid."
