"""seed-demo gives the billing screens something to show: billing staff signing in to the demo garage see quotes,
invoices in every state, a job in the billing queue and deferred work; a second run changes nothing."""

from __future__ import annotations

from backend.demo import DEMO_PASSWORD, seed_demo

OVERVIEW = """query { invoices(first: 20) { edges { node { number status total paidTotal withholdingTotal balanceDue
  buyerTaxId pdfUrl creditNotes { number } job { status } } } }
  quotes(first: 20) { edges { node { number status vehicle { deferredWork { description amount } } } } }
  jobs(filter: {status: [BILLING]}, first: 20) { edges { node { number } } } }"""


async def test_demo_billing_data(app, gql, database_url):
    assert await seed_demo(database_url) is True
    assert await seed_demo(database_url) is False  # twice: nothing changes
    login = await gql('mutation($p: String!) { login(input: {email: "billing@demo.test", password: $p}) '
                      '{ accessToken errors { code } } }', {"p": DEMO_PASSWORD})
    token = login["data"]["login"]["accessToken"]
    data = (await gql(OVERVIEW, token=token))["data"]

    invoices = [e["node"] for e in data["invoices"]["edges"]]
    assert sorted(i["status"] for i in invoices) == ["DRAFT", "ISSUED", "PAID", "PARTIALLY_PAID", "VOID"]
    by_status = {i["status"]: i for i in invoices}
    assert by_status["DRAFT"]["number"] is None and by_status["DRAFT"]["job"] == {"status": "INVOICED"}
    partly = by_status["PARTIALLY_PAID"]
    assert partly["buyerTaxId"] and partly["withholdingTotal"] > 0
    assert partly["balanceDue"] == partly["total"] - partly["paidTotal"] - partly["withholdingTotal"] > 0
    assert by_status["PAID"]["balanceDue"] == 0 and by_status["VOID"]["creditNotes"][0]["number"].startswith("CN-")
    assert all(i["pdfUrl"] for i in invoices if i["status"] != "DRAFT")

    quotes = {e["node"]["status"]: e["node"] for e in data["quotes"]["edges"]}
    assert set(quotes) == {"SENT", "PARTIALLY_APPROVED"}
    assert [d["description"] for d in quotes["PARTIALLY_APPROVED"]["vehicle"]["deferredWork"]] == [
        "Replace rear brake discs"]
    assert len(data["jobs"]["edges"]) == 1
