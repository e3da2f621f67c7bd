"""A customer's branch is checked where it is entered (create and update), not first when an invoice is issued:
head office (00000) or a branch number of up to 5 digits, stored as the Revenue Department writes it. Both
databases."""

from __future__ import annotations

from tests.customers.helpers import CREATE_CUSTOMER, UPDATE_CUSTOMER, create_customer, snapshot

EN = "Enter 00000 for the head office or the 5-digit branch number, such as 00001."
TH = "ใส่ 00000 สำหรับสำนักงานใหญ่ หรือเลขที่สาขา 5 หลัก เช่น 00001"


async def _branch_of(gql, token, customer_id):
    body = await gql("query($id: ID!) { customer(id: $id) { branch version } }", {"id": customer_id}, token=token)
    return body["data"]["customer"]


async def test_a_branch_that_is_not_a_branch_code_is_refused_when_entered(gql, garage, db):
    token = garage.token()
    before = await snapshot(db)
    for lang, message in (("en", EN), ("th", TH)):
        for branch in ("Bangkok", "สาขาบางนา", "000001", "12a"):
            body = await gql(CREATE_CUSTOMER, {"input": {"name": "บริษัท สยามขนส่ง จำกัด", "taxId": "0105559876541",
                                                         "branch": branch}}, token=token, lang=lang)
            payload = body["data"]["createCustomer"]
            assert payload["customer"] is None
            assert [(e["field"], e["code"], e["message"]) for e in payload["errors"]] == [
                ("branch", "INVALID_BRANCH_CODE", message)], (branch, payload)
    assert await snapshot(db) == before  # nothing saved

    created = await create_customer(gql, token, name="บริษัท สยามขนส่ง จำกัด", taxId="0105559876541", branch="2")
    assert (await _branch_of(gql, token, created["id"]))["branch"] == "00002"  # padded as printed
    body = await gql(UPDATE_CUSTOMER, {"input": {"id": created["id"], "expectedVersion": 1, "branch": "Bang Na",
                                                 "name": "บริษัท สยามขนส่ง (ประเทศไทย) จำกัด"}}, token=token, lang="th")
    payload = body["data"]["updateCustomer"]
    assert [(e["field"], e["code"], e["message"]) for e in payload["errors"]] == [("branch", "INVALID_BRANCH_CODE", TH)]
    assert await _branch_of(gql, token, created["id"]) == {"branch": "00002", "version": 1}  # the name not saved either

    for typed, stored in (("สำนักงานใหญ่", "00000"), ("Head Office", "00000"), (" 00001 ", "00001"), ("", None)):
        version = (await _branch_of(gql, token, created["id"]))["version"]
        body = await gql(UPDATE_CUSTOMER, {"input": {"id": created["id"], "expectedVersion": version,
                                                     "branch": typed}}, token=token)
        assert body["data"]["updateCustomer"]["errors"] == [], typed
        assert (await _branch_of(gql, token, created["id"]))["branch"] == stored, typed
