"""`mototrack seed-demo`: the demo garage with customers and vehicles; a second run changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.accounts.models import Garage, Site, User
from backend.demo import CUSTOMERS, DEMO_PASSWORD, DEMO_USERS, seed_demo
from tests.customers.helpers import snapshot


async def _counts(db) -> dict:
    async with db.read() as s:
        return {m.__tablename__: (await s.execute(select(func.count()).select_from(m))).scalar_one()
                for m in (Garage, Site, User)}


async def test_seed_demo_twice(app, db, database_url, gql):
    # `app` has emptied the test database; seed_demo opens its own engine on the same URL, as the CLI does.
    assert await seed_demo(database_url) is True
    first = (await _counts(db), await snapshot(db))
    accounts, (customers, vehicles, rows) = first
    assert accounts == {"garages": 1, "sites": 2, "users": len(DEMO_USERS)}
    assert rows["customers"] == len(CUSTOMERS) and len(customers) == len(CUSTOMERS)
    assert 30 <= rows["vehicles"] <= 60
    assert rows["vehicle_ownerships"] == rows["vehicles"] and rows["mileage_readings"] == rows["vehicles"]

    assert await seed_demo(database_url) is False
    assert (await _counts(db), await snapshot(db)) == first

    login = await gql('mutation($p: String!) { login(input: {email: "admin@demo.test", password: $p}) '
                      '{ accessToken errors { code } } }', {"p": DEMO_PASSWORD})
    token = login["data"]["login"]["accessToken"]
    found = await gql('{ customers(search: "ใจดี") { edges { node { name vehicles { registration '
                      'registrationDisplay owner { name } } } } } }', token=token)
    node = found["data"]["customers"]["edges"][0]["node"]
    assert node["name"] == "สมชาย ใจดี" and node["vehicles"]
    plate = node["vehicles"][0]
    typed = plate["registrationDisplay"].replace(" ", "-").lower()
    by_reg = await gql("query($r: String!) { vehicleByRegistration(registration: $r) { owner { name } } }",
                       {"r": typed}, token=token)
    assert by_reg["data"]["vehicleByRegistration"]["owner"]["name"] == "สมชาย ใจดี"
    english = await gql('{ customers(search: "whitaker") { edges { node { name locale } } } }', token=token)
    assert english["data"]["customers"]["edges"][0]["node"] == {"name": "James Whitaker", "locale": "EN"}

    # the workshop is at work: a board with jobs in several states, the catalog and a stocked warehouse
    manager = await gql('mutation($p: String!) { login(input: {email: "workshop.manager@demo.test", password: $p}) '
                        '{ accessToken } }', {"p": DEMO_PASSWORD})
    mtoken = manager["data"]["login"]["accessToken"]
    sites = (await gql("{ sites { id name } }", token=mtoken))["data"]["sites"]
    main = next(s for s in sites if s["name"].startswith("Rama 9"))
    board = await gql("query($s: ID!) { jobBoard(siteId: $s) { status jobs { number } } }", {"s": main["id"]},
                      token=mtoken)
    filled = {c["status"]: len(c["jobs"]) for c in board["data"]["jobBoard"] if c["jobs"]}
    # the seven workshop jobs, and the billing demo's job waiting in the billing queue (its invoiced ones leave the board)
    assert filled == {"RECEIVED": 2, "ASSIGNED": 1, "IN_PROGRESS": 2, "AWAITING_PARTS": 1, "COMPLETED": 1, "BILLING": 1}
    catalog = await gql("{ taskActions { id } lowStockItems { sku } }", token=mtoken)
    assert len(catalog["data"]["taskActions"]) == 15 and catalog["data"]["lowStockItems"]
    tech = await gql('mutation($p: String!) { login(input: {email: "technician@demo.test", password: $p}) '
                     '{ accessToken } }', {"p": DEMO_PASSWORD})
    mine = await gql("{ myJobs { status } }", token=tech["data"]["login"]["accessToken"])
    assert sorted(j["status"] for j in mine["data"]["myJobs"]) == ["ASSIGNED", "AWAITING_PARTS", "IN_PROGRESS"]

    # the inspection templates (issue 15): a general multi-point check and a body check, in the reader's language
    templates = '{ inspectionTemplates { name sections { title items { title kind photoRequired } } } }'
    thai = (await gql(templates, token=tech["data"]["login"]["accessToken"]))["data"]["inspectionTemplates"]
    english = (await gql(templates, token=mtoken))["data"]["inspectionTemplates"]
    assert [t["name"] for t in english] == ["Body and paint check", "General multi-point inspection"]
    assert {t["name"] for t in thai} == {"ตรวจเช็กสภาพรถทั่วไป", "ตรวจสภาพตัวถังและสี"}
    multi = next(t for t in thai if t["name"] == "ตรวจเช็กสภาพรถทั่วไป")
    items = [i for s in multi["sections"] for i in s["items"]]
    assert {"MEASUREMENT", "CONDITION"} == {i["kind"] for i in items} and any(i["photoRequired"] for i in items)
    assert items[0]["title"] == "ดอกยางหน้าซ้าย"
