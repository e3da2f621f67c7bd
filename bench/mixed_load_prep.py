"""Prepares bench/mixed_load.lua's requests: signs the demo users in several times each (many tokens), reads the
demo's sites, jobs, customers and registrations, and writes one request per line as the PWA sends it (a trusted
document by id, from the build's trusted-documents.json; or as text with --text):

    <weight>\t<kind>\t<token>\t<JSON body>

70 % short lists (customers(first: N), a vehicle by registration, the board, my jobs), 25 % details (a job card, a
customer), 5 % mutations (addJobNote with a fresh clientMutationId per request: "__CMID__" in the body is replaced
by the Lua script). Usage: python bench/mixed_load_prep.py URL MANIFEST OUT [--logins 8] [--text]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import urllib.request

DEMO_PASSWORD = "mototrack-demo"
STAFF = ["admin@demo.test", "site.manager@demo.test", "workshop.manager@demo.test", "billing@demo.test"]
TECHNICIANS = ["technician@demo.test", "body.tech@demo.test"]
CAPS = {  # pwa/src/main/jobcard/api.ts ROLE_CAPS -> cardVariables
    "ADMIN": (True, True, True, True), "SITE_MANAGER": (True, True, True, True),
    "WORKSHOP_MANAGER": (True, False, True, False), "BILLING": (True, True, True, True),
    "TECHNICIAN": (False, False, False, False),
}


def post(url: str, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        data = json.loads(response.read())
    if data.get("errors"):
        sys.exit(f"request failed: {json.dumps(data['errors'])[:400]}")
    return data["data"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("manifest")
    ap.add_argument("out")
    ap.add_argument("--logins", type=int, default=8, help="sign-ins per demo user (each one a token)")
    ap.add_argument("--text", action="store_true", help="send the documents as text instead of by id")
    args = ap.parse_args()
    documents = json.load(open(args.manifest, encoding="utf-8"))["documents"]
    by_name = {}
    for text in documents.values():
        name = re.match(r"\s*\w+\s+(\w+)", text).group(1)
        by_name.setdefault(name, text)

    def body(name: str, variables: dict) -> str:
        text = by_name[name]
        request = {"query": text} if args.text else {"documentId": "sha256:" + hashlib.sha256(text.encode()).hexdigest()}
        return json.dumps({**request, "variables": variables, "operationName": name}, ensure_ascii=False)

    login = "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken user { role } } }"
    tokens: dict[str, list[tuple[str, str]]] = {}
    for email in STAFF + TECHNICIANS:
        for _ in range(args.logins):
            result = post(args.url, {"query": login, "variables": {"e": email, "p": DEMO_PASSWORD}})["login"]
            tokens.setdefault(email, []).append((result["accessToken"], result["user"]["role"]))
    admin = tokens["admin@demo.test"][0][0]
    sites = [s["id"] for s in post(args.url, {"query": "{ sites { id } }"}, admin)["sites"]]
    jobs = [e["node"]["id"] for e in post(args.url, {"query": "{ jobs(first: 100) { edges { node { id } } } }"},
                                          admin)["jobs"]["edges"]]
    customers = post(args.url, {"query": "{ customers(first: 100) { edges { node { id vehicles { registration } } } } }"},
                     admin)["customers"]["edges"]
    customer_ids = [c["node"]["id"] for c in customers]
    registrations = [v["registration"] for c in customers for v in c["node"]["vehicles"]]
    assert sites and jobs and customer_ids and registrations, "the demo data is missing"

    rng = random.Random(14)
    lines = []

    def add(weight: float, kind: str, token: str, text: str) -> None:
        lines.append(f"{weight:.6f}\t{kind}\t{token}\t{text}")

    staff_tokens = [t for email in STAFF for t in tokens[email]]
    technician_tokens = [t for email in TECHNICIANS for t in tokens[email]]
    # 70 % short lists: customers 25, vehicle 15, board 20, my jobs 10 (technicians)
    for token, _role in staff_tokens:
        add(25 / len(staff_tokens), "list", token, body("Customers", {"first": rng.choice([10, 20, 50])}))
        add(15 / len(staff_tokens), "list", token, body("VehicleByRegistration",
                                                        {"registration": rng.choice(registrations)}))
        add(20 / len(staff_tokens), "list", token, body("JobBoard", {"siteId": rng.choice(sites)}))
    for token, _role in technician_tokens:
        add(10 / len(technician_tokens), "list", token, body("MyJobs", {}))
    # 25 % details: a job card 15, a customer 10
    for token, role in staff_tokens:
        customers_, prices, quotes, invoices = CAPS[role]
        variables = {"id": rng.choice(jobs), "customers": customers_, "prices": prices, "quotes": quotes,
                     "invoices": invoices}
        add(15 / len(staff_tokens), "detail", token, body("JobCard", variables))
        add(10 / len(staff_tokens), "detail", token, body("CustomerScreen", {"id": rng.choice(customer_ids)}))
    # 5 % mutations: a note on a job card, replay-safe (a new clientMutationId each time)
    for token, role in staff_tokens:
        customers_, prices, quotes, invoices = CAPS[role]
        add(5 / len(staff_tokens), "mutation", token, body("AddJobNote", {
            "input": {"jobId": rng.choice(jobs), "note": "bench note", "clientMutationId": "__CMID__"},
            "customers": customers_, "prices": prices, "quotes": quotes, "invoices": invoices}))
    with open(args.out, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    print(f"{len(lines)} requests, {len(staff_tokens) + len(technician_tokens)} tokens, {len(sites)} sites, "
          f"{len(jobs)} jobs, {len(customer_ids)} customers")


if __name__ == "__main__":
    main()
