"""The demo garage's vehicles carry what the Thai duty reminders need (issue 12): a kind and a compulsory insurance
(พ.ร.บ.) expiry, some within the 30-day lead time, so the Thai demo's reminders list พ.ร.บ., tax and ตรอ. items; the
demo's phones (customers and sites) are stored in E.164."""

from __future__ import annotations

import datetime as dt
import re

from backend.demo import DEMO_PASSWORD, seed_demo

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
VEHICLES = """{ vehicles(first: 100) { edges { node { registration kind insuranceExpiry owner { locale phone }
  dutiesDue { kind dueOn } } } } }"""
DUE = """query($p: ReminderPeriodInput!, $k: ReminderKind) { remindersDue(period: $p, kind: $k, first: 100) {
  edges { node { kind dueOn registration } } } }"""


async def test_demo_vehicles_have_kinds_insurance_and_thai_duties_due(app, db, database_url, gql):
    assert await seed_demo(database_url) is True
    login = await gql('mutation($p: String!) { login(input: {email: "admin@demo.test", password: $p}) '
                      '{ accessToken errors { code } } }', {"p": DEMO_PASSWORD})
    token = login["data"]["login"]["accessToken"]
    today = dt.date.today()
    vehicles = [e["node"] for e in (await gql(VEHICLES, token=token))["data"]["vehicles"]["edges"]]
    assert vehicles and all(v["kind"] == "CAR" for v in vehicles)
    thai = [v for v in vehicles if v["owner"]["locale"] == "TH"]
    assert thai and all(v["insuranceExpiry"] for v in thai)
    soon = [v for v in thai if dt.date.fromisoformat(v["insuranceExpiry"]) <= today + dt.timedelta(days=30)]
    assert 0 < len(soon) < len(thai)
    assert any("INSURANCE" in {d["kind"] for d in v["dutiesDue"]} for v in thai)

    # the Thai garage's due list over a year: พ.ร.บ., tax and ตรอ. items, never the MOT
    period = {"from": today.isoformat(), "to": (today + dt.timedelta(days=365)).isoformat()}
    due = [e["node"] for e in (await gql(DUE, {"p": period}, token=token))["data"]["remindersDue"]["edges"]]
    kinds = {d["kind"] for d in due}
    assert {"INSURANCE", "VEHICLE_TAX", "INSPECTION"} <= kinds and "MOT" not in kinds, kinds
    within = {"from": today.isoformat(), "to": (today + dt.timedelta(days=30)).isoformat()}
    insurance = (await gql(DUE, {"p": within, "k": "INSURANCE"}, token=token))["data"]["remindersDue"]["edges"]
    assert {e["node"]["registration"] for e in insurance} >= {v["registration"] for v in soon}

    # phones in E.164: every customer's and every site's
    assert all(E164.match(v["owner"]["phone"]) for v in vehicles if v["owner"]["phone"]), vehicles
    sites = (await gql("{ sites { name phone } }", token=token))["data"]["sites"]
    assert {s["name"]: s["phone"] for s in sites} == {"Rama 9 Service Centre": "+6620001111",
                                                      "Bang Na Body Shop": "+6620002222"}
