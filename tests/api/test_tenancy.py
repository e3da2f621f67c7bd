"""Two garages: no query or mutation of one reaches the other's rows.

Every root operation is called by every role of garage A, with each of garage B's row ids in every ID slot. B's
rows must be byte-for-byte unchanged afterwards, and no answer may carry anything of B's.
"""

from sqlalchemy import select

from backend.core.db import Base
from backend.core.permissions import Role
from tests.api.walker import operations

MARKER = "ZZ-OTHER-GARAGE-SECRET"


async def snapshot(db, garage_id):
    out = {}
    async with db.read() as s:
        for table in Base.metadata.sorted_tables:
            if "garage_id" in table.c:
                rows = (await s.execute(select(table).where(table.c.garage_id == garage_id))).all()
            elif table.name == "garages":
                rows = (await s.execute(select(table).where(table.c.id == garage_id))).all()
            else:
                continue
            out[table.name] = sorted(tuple(map(str, r)) for r in rows)
    return out


async def populate(gql, world):
    """Give garage B one of everything, marked so a leak is easy to see."""
    t = world.token(Role.ADMIN)
    ids = [str(u.id) for u in world.users.values()]
    site = await gql(f'mutation {{ createSite(input: {{name: "{MARKER} site"}}) {{ site {{ id }} }} }}', token=t)
    ids.append(site["data"]["createSite"]["site"]["id"])
    key = await gql(f'mutation {{ createApiKey(input: {{name: "{MARKER} key", scopes: [ACCOUNTS_READ]}}) '
                    '{ apiKey { id } } }', token=t)
    ids.append(key["data"]["createApiKey"]["apiKey"]["id"])
    schema_fields = str((await gql("{ __schema { mutationType { fields { name } } } }", token=t))["data"])
    if "createCustomer" in schema_fields:
        customer = await gql(f'mutation {{ createCustomer(input: {{name: "{MARKER} customer", phone: "0812345678",'
                             f' email: "zz@other.example"}}) {{ customer {{ id }} errors {{ code }} }} }}', token=t)
        cid = customer["data"]["createCustomer"]["customer"]["id"]
        ids.append(cid)
        vehicle = await gql('mutation($o: ID!) { createVehicle(input: {registration: "ZZ99ZZZ", vin: '
                            '"1HGCM82633A004352", ownerId: $o, mileage: 1000}) { vehicle { id } errors { code } } }',
                            {"o": cid}, token=t)
        vid = vehicle["data"]["createVehicle"]["vehicle"]["id"]
        ids.append(vid)
    if "createJob" in schema_fields:
        ids.extend(await populate_workshop(gql, world, site["data"]["createSite"]["site"]["id"], vid))
    return ids


async def populate_workshop(gql, world, site_id, vehicle_id):
    """A job in progress with a task, a clock, an approved parts request, a catalog entry and a stock item."""
    admin, tech = world.token(Role.ADMIN), world.token(Role.TECHNICIAN)

    async def ok(query, variables, token=admin):
        body = await gql(query, variables, token=token)
        payload = next(iter(body["data"].values()))
        assert payload["errors"] == [], payload
        return payload

    job = (await ok(f'mutation($s: ID!, $v: ID!) {{ createJob(input: {{siteId: $s, vehicleId: $v, '
                    f'operationsStream: MECHANICAL, revenueStream: WALK_IN, issuesReported: "{MARKER} issue"}}) '
                    '{ job { id } errors { code } } }', {"s": site_id, "v": vehicle_id}))["job"]["id"]
    tech_id = str(world.users[Role.TECHNICIAN].id)
    await ok("mutation($j: ID!, $t: ID!) { assignJob(input: {jobId: $j, technicianId: $t}) { errors { code } } }",
             {"j": job, "t": tech_id})
    await ok("mutation($j: ID!) { startJob(input: {jobId: $j}) { errors { code } } }", {"j": job}, tech)
    await ok("mutation($j: ID!) { clockOnJob(input: {jobId: $j}) { errors { code } } }", {"j": job}, tech)
    action = (await ok(f'mutation {{ createTaskAction(input: {{stream: MECHANICAL, nameEn: "{MARKER} action"}}) '
                       '{ taskAction { id } errors { code } } }', {}))["taskAction"]["id"]
    task = (await ok("mutation($j: ID!, $a: ID!) { addJobTask(input: {jobId: $j, taskActionId: $a}) "
                     "{ task { id } errors { code } } }", {"j": job, "a": action}, tech))["task"]["id"]
    item = (await ok(f'mutation {{ createWarehouseItem(input: {{sku: "ZZ-SKU", nameEn: "{MARKER} item", '
                     'initialQuantity: 5}) { warehouseItem { id } errors { code } } }', {}))["warehouseItem"]["id"]
    request = (await ok("mutation($j: ID!, $i: ID!) { requestParts(input: {jobId: $j, itemId: $i, quantity: 1}) "
                        "{ partsRequest { id } errors { code } } }", {"j": job, "i": item}, tech))["partsRequest"]["id"]
    await ok("mutation($r: ID!) { approvePartsRequest(input: {id: $r}) { errors { code } } }", {"r": request})
    return [job, action, task, item, request]


async def test_no_operation_crosses_garages(app, gql, garage, other_garage, db):
    other_ids = await populate(gql, other_garage)
    before = await snapshot(db, other_garage.id)
    calls = 0
    for _kind, name, marker, text, variables in operations(app.state.schema, deep=True):
        if marker == "public" or name == "Placeholder":
            continue
        for target in other_ids:
            # the admin holds every permission; a technician follows the own-jobs paths
            for role in (Role.ADMIN, Role.TECHNICIAN):
                body = await gql(text, variables(lambda: target), token=garage.token(role), expect_errors=True)
                assert not any("QUERY_TOO_COMPLEX" in str(e) or "PARSE" in str(e) for e in body.get("errors") or []), \
                    (name, body)
                dumped = str(body.get("data"))
                assert MARKER not in dumped and "ZZ99ZZZ" not in dumped and "ZZ-SKU" not in dumped, (name, role, body)
                for other in other_ids:
                    if other != target:
                        assert other not in dumped, (name, role, body)
                calls += 1
    assert await snapshot(db, other_garage.id) == before
    assert calls > 100


async def test_lists_show_only_the_callers_garage(gql, garage, other_garage):
    await populate(gql, other_garage)
    body = await gql("{ users(active: null) { id } sites(includeInactive: true) { id } apiKeys { id } garage { id } }",
                     token=garage.token())
    data = body["data"]
    assert {u["id"] for u in data["users"]} == {str(u.id) for u in garage.users.values()}
    assert data["sites"] == [] and data["apiKeys"] == [] and data["garage"]["id"] == str(garage.id)


async def test_searching_never_finds_the_other_garage(gql, garage, other_garage):
    ids = await populate(gql, other_garage)
    if len(ids) <= len(other_garage.users) + 2:
        return  # customers domain not present
    for search in (MARKER, "ZZ99", "zz99 zzz", "0812345678", "zz@other", "1HGCM8"):
        body = await gql("query($s: String) { customers(search: $s) { edges { node { id } } } "
                         "vehicles(search: $s) { edges { node { id } } } }", {"s": search},
                         token=garage.token(Role.SITE_MANAGER))
        assert body["data"]["customers"]["edges"] == [] and body["data"]["vehicles"]["edges"] == []
    body = await gql('{ vehicleByRegistration(registration: "ZZ99ZZZ") { id } }', token=garage.token())
    assert body["data"]["vehicleByRegistration"] is None
