"""A supplier with a malformed client-chosen id, or without a name, is refused as bad input (not an internal error)."""

from sqlalchemy import func, select

from backend.purchasing.models import Supplier

CREATE = """mutation($input: SupplierInput!) { createSupplier(input: $input) {
  supplier { id name } errors { field code message } } }"""


async def test_bad_supplier_input_is_a_localized_error_and_changes_nothing(gql, garage, db):
    for given, field in (({"id": "r\u9b8f\u00b9\u7db3", "name": "Bangkok Parts"}, "id"), ({"phone": "02 111 2222"}, "name")):
        for lang in ("en", "th"):
            body = await gql(CREATE, {"input": given}, token=garage.token(), lang=lang)
            payload = body["data"]["createSupplier"]
            assert payload["supplier"] is None and [e["field"] for e in payload["errors"]] == [field], payload
            assert payload["errors"][0]["message"]
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Supplier)) == 0
    made = (await gql(CREATE, {"input": {"name": "Bangkok Parts"}}, token=garage.token()))["data"]["createSupplier"]
    assert made["errors"] == [] and made["supplier"]["name"] == "Bangkok Parts"
