"""GraphQL documents and small helpers shared by the customers tests."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.customers.models import Customer, MileageReading, Vehicle, VehicleOwnership

CUSTOMER_FIELDS = """id name phone email address taxId branch locale contactChannel consentSms consentEmail notes
  version createdAt updatedAt"""
VEHICLE_FIELDS = """id registration registrationDisplay vin make model year colour fuel firstRegistrationDate motExpiry
  mileage mileageRecordedAt notes version createdAt"""

CREATE_CUSTOMER = f"""mutation($input: CreateCustomerInput!) {{ createCustomer(input: $input) {{
  customer {{ {CUSTOMER_FIELDS} }} errors {{ field code message }} }} }}"""
UPDATE_CUSTOMER = f"""mutation($input: UpdateCustomerInput!) {{ updateCustomer(input: $input) {{
  customer {{ {CUSTOMER_FIELDS} }} errors {{ field code message }} }} }}"""
CREATE_VEHICLE = f"""mutation($input: CreateVehicleInput!) {{ createVehicle(input: $input) {{
  vehicle {{ {VEHICLE_FIELDS} owner {{ id name }} ownershipHistory {{ customer {{ name }} startedAt endedAt note }}
             mileageLog {{ mileage recordedAt reason }} }}
  errors {{ field code message }} }} }}"""
UPDATE_VEHICLE = f"""mutation($input: UpdateVehicleInput!) {{ updateVehicle(input: $input) {{
  vehicle {{ {VEHICLE_FIELDS} }} errors {{ field code message }} }} }}"""
TRANSFER_VEHICLE = """mutation($input: TransferVehicleInput!) { transferVehicle(input: $input) {
  vehicle { id version owner { id name } ownershipHistory { customer { id name } startedAt endedAt note } }
  errors { field code message } } }"""
RECORD_MILEAGE = """mutation($input: RecordMileageInput!) { recordMileage(input: $input) {
  vehicle { id mileage mileageRecordedAt version mileageLog { mileage reason } } errors { field code message } } }"""
CUSTOMERS = """query($search: String, $first: Int, $after: String) { customers(search: $search, first: $first,
  after: $after) { edges { cursor node { id name } } pageInfo { hasNextPage endCursor } } }"""
VEHICLES = """query($search: String, $first: Int, $after: String) { vehicles(search: $search, first: $first,
  after: $after) { edges { cursor node { id registration } } pageInfo { hasNextPage endCursor } } }"""


async def create_customer(gql, token: str, **fields) -> dict:
    body = await gql(CREATE_CUSTOMER, {"input": fields}, token=token)
    payload = body["data"]["createCustomer"]
    assert payload["errors"] == [], payload["errors"]
    return payload["customer"]


async def create_vehicle(gql, token: str, **fields) -> dict:
    body = await gql(CREATE_VEHICLE, {"input": fields}, token=token)
    payload = body["data"]["createVehicle"]
    assert payload["errors"] == [], payload["errors"]
    return payload["vehicle"]


async def row_counts(db) -> dict[str, int]:
    """How many rows each customers table holds, to show that a refused request changed nothing."""
    async with db.read() as s:
        return {model.__tablename__: (await s.execute(select(func.count()).select_from(model))).scalar_one()
                for model in (Customer, Vehicle, VehicleOwnership, MileageReading)}


async def snapshot(db) -> list:
    """Every customer and vehicle row as plain tuples, to compare before and after."""
    async with db.read() as s:
        customers = [(c.id, c.name, c.phone, c.email, c.version)
                     for c in (await s.execute(select(Customer).order_by(Customer.id))).scalars()]
        vehicles = [(x.id, x.registration, x.vin, x.owner_id, x.mileage, x.version)
                    for x in (await s.execute(select(Vehicle).order_by(Vehicle.id))).scalars()]
    return [customers, vehicles, await row_counts(db)]
