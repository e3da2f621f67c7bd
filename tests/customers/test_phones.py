"""Phones in E.164 (phonenumbers, the garage's country as the default region): normalised when entered, a number that
does not parse is refused with a localized error and nothing is saved, search finds the customer however the number
is typed, staff phones follow the same rule, and the data migration (0007) normalises the numbers already stored."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import select, update

from backend.accounts.models import Garage
from backend.core.db import Database, UTCDateTime
from backend.core.migrate import upgrade_on_connection
from backend.customers.models import Customer
from tests.customers.helpers import CREATE_CUSTOMER, CUSTOMERS, UPDATE_CUSTOMER, create_customer

CREATE_USER = """mutation($input: CreateUserInput!) { createUser(input: $input) { user { id phone }
  errors { field code message } } }"""


@pytest.mark.parametrize("typed", ["081-234-5678", "0812345678", "081 234 5678", "+66 81 234 5678", "+66812345678",
                                   "(081) 234-5678"])
async def test_a_thai_number_however_typed_is_stored_in_e164(gql, garage, typed):
    customer = await create_customer(gql, garage.token(), name="Somchai Jaidee", phone=typed)
    assert customer["phone"] == "+66812345678"


async def test_a_uk_garage_reads_a_national_number_as_british(gql, db, garage):
    async with db.transaction() as s:
        await s.execute(update(Garage).where(Garage.id == garage.id).values(country="GB"))
    customer = await create_customer(gql, garage.token(), name="Emily Carter", phone="07911 765432")
    assert customer["phone"] == "+447911765432"
    thai = await create_customer(gql, garage.token(), name="Somchai", phone="+66 81 234 5678")
    assert thai["phone"] == "+66812345678"  # an international number is the same everywhere
    async with db.transaction() as s:  # no country set: the time zone's (Europe/London: GB)
        await s.execute(update(Garage).where(Garage.id == garage.id).values(country=None, time_zone="Europe/London"))
    assert (await create_customer(gql, garage.token(), name="Ann", phone="020 7946 0018"))["phone"] == "+442079460018"


@pytest.mark.parametrize("lang,message", [("en", "Enter a valid phone number."),
                                          ("th", "กรุณากรอกหมายเลขโทรศัพท์ให้ถูกต้อง")])
async def test_a_number_that_does_not_parse_is_refused_and_nothing_is_saved(gql, db, garage, lang, message):
    for bad in ("12345", "abc", "+66 12", "081-234-567", "0812345678999"):
        body = await gql(CREATE_CUSTOMER, {"input": {"name": "Nobody", "phone": bad}}, token=garage.token(),
                         lang=lang)
        payload = body["data"]["createCustomer"]
        assert payload["customer"] is None
        assert payload["errors"] == [{"field": "phone", "code": "INVALID_PHONE",
                                      "message": message}]
    async with db.read() as s:
        assert (await s.execute(select(sa.func.count()).select_from(Customer))).scalar() == 0
    customer = await create_customer(gql, garage.token(), name="Somchai", phone="0812345678")
    body = await gql(UPDATE_CUSTOMER, {"input": {"id": customer["id"], "phone": "99", "name": "Changed"}},
                     token=garage.token(), lang=lang)
    assert body["data"]["updateCustomer"]["customer"] is None
    assert body["data"]["updateCustomer"]["errors"][0]["code"] == "INVALID_PHONE"
    async with db.read() as s:
        row = await s.get(Customer, uuid.UUID(customer["id"]))
        assert (row.phone, row.name) == ("+66812345678", "Somchai")  # unchanged


async def test_search_by_phone_however_it_is_typed(gql, garage):
    token = garage.token()
    await create_customer(gql, token, name="สมชาย ใจดี", phone="081-234-5678")
    await create_customer(gql, token, name="Other Person", phone="089-000-1111")
    for typed in ("081-234-5678", "0812345678", "+66812345678", "+66 81 234 5678", "234-5678", "812345"):
        body = await gql(CUSTOMERS, {"search": typed}, token=token)
        assert [e["node"]["name"] for e in body["data"]["customers"]["edges"]] == ["สมชาย ใจดี"], typed


async def test_staff_phones_are_e164_too(gql, garage):
    body = await gql(CREATE_USER, {"input": {"email": "tech.phone@test.example", "name": "Anan", "password":
                                             "correct horse battery", "role": "TECHNICIAN", "streams": ["BODY"],
                                             "phone": "081-999-0000"}}, token=garage.token())
    assert body["data"]["createUser"]["errors"] == [] and body["data"]["createUser"]["user"]["phone"] == "+66819990000"
    body = await gql(CREATE_USER, {"input": {"email": "tech.bad@test.example", "name": "Bad", "password":
                                             "correct horse battery", "role": "TECHNICIAN", "streams": ["BODY"],
                                             "phone": "12"}}, token=garage.token())
    assert body["data"]["createUser"]["user"] is None
    assert [e["code"] for e in body["data"]["createUser"]["errors"]] == ["INVALID_PHONE"]


# ------------------------------------------------------------------------------------------------ the migration

_GARAGES = sa.table("garages", *(sa.column(n) for n in ("name", "currency", "time_zone", "default_locale",
                                                         "tax_label", "tax_rate", "prices_include_tax", "version")),
                    sa.column("id", sa.Uuid()), sa.column("created_at", UTCDateTime()),
                    sa.column("updated_at", UTCDateTime()))
_CUSTOMERS = sa.table("customers", *(sa.column(n) for n in ("name", "phone", "contact_channel", "consent_sms",
                                                             "consent_email", "version")),
                      sa.column("id", sa.Uuid()), sa.column("garage_id", sa.Uuid()),
                      sa.column("created_at", UTCDateTime()), sa.column("updated_at", UTCDateTime()))


async def _scratch_database(url: str, drop: bool = False) -> str:
    """PostgreSQL: an empty database of its own next to the test database (made, or dropped with drop=True)."""
    import asyncpg

    base, _, name = url.rpartition("/")
    scratch = f"{name}_migration"
    conn = await asyncpg.connect(base.replace("postgresql+asyncpg", "postgresql") + "/" + name)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        if not drop:
            await conn.execute(f'CREATE DATABASE "{scratch}"')
    finally:
        await conn.close()
    return f"{base}/{scratch}"


async def test_the_migration_normalises_the_phones_already_stored(database_url, tmp_path):
    """From 0006 to 0007 on an empty database of its own: parseable numbers become E.164 in each garage's country,
    an unparseable one is kept for a person to correct."""
    pg = database_url.startswith("postgresql")
    url = await _scratch_database(database_url) if pg else f"sqlite+aiosqlite:///{tmp_path / 'migration.db'}"
    db = Database(url)
    now = dt.datetime.now(dt.UTC)
    thai, uk = uuid.uuid4(), uuid.uuid4()
    phones = {uuid.uuid4(): (thai, "081-234-5678", "+66812345678"), uuid.uuid4(): (uk, "07911 765432",
                                                                                  "+447911765432"),
              uuid.uuid4(): (thai, "call the shop", "call the shop"), uuid.uuid4(): (thai, "+66 2 123 4567",
                                                                                    "+6621234567")}

    def run(connection):
        upgrade_on_connection(connection, "0006")
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0006"
        for gid, zone in ((thai, "Asia/Bangkok"), (uk, "Europe/London")):
            connection.execute(_GARAGES.insert().values(
                id=gid, name="G", currency="THB", time_zone=zone, default_locale="EN", tax_label="VAT", tax_rate=7,
                prices_include_tax=False, version=1, created_at=now, updated_at=now))
        for cid, (gid, phone, _) in phones.items():
            connection.execute(_CUSTOMERS.insert().values(
                id=cid, garage_id=gid, name="C", phone=phone, contact_channel="SMS", consent_sms=True,
                consent_email=False, version=1, created_at=now, updated_at=now))
        upgrade_on_connection(connection, "0007")
        return dict(connection.execute(sa.select(_CUSTOMERS.c.id, _CUSTOMERS.c.phone)).all())

    try:
        async with db.write_engine.connect() as conn:
            found = await conn.run_sync(run)
            await conn.commit()
    finally:
        await db.dispose()
        if pg:
            await _scratch_database(database_url, drop=True)
    assert found == {cid: expected for cid, (_g, _p, expected) in phones.items()}


def test_numbers_typed_the_national_way_read_as_the_full_parse_reads_them():
    """to_e164 takes a short cut for "081-234-5678" in a region whose trunk prefix is 0; it must answer exactly what
    phonenumbers' full parse answers, for valid and invalid numbers alike, in regions with and without the short cut."""
    import random

    import phonenumbers

    from backend.customers.service.phones import _national_fast, to_e164

    def full(value: str, region: str) -> str | None:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(number):
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    rnd = random.Random(20261207)
    shortcut = 0
    for region, prefix, rest in [("TH", "08", 8), ("TH", "09", 8), ("TH", "06", 8), ("TH", "02", 7), ("TH", "053", 6),
                                 ("TH", "0", 9), ("TH", "00", 9), ("GB", "07", 9), ("GB", "020", 8), ("DE", "0151", 7),
                                 ("FR", "06", 8), ("US", "0", 10), ("JP", "090", 8), ("BR", "011", 9), ("IT", "06", 8)]:
        for _ in range(400):
            digits = prefix + "".join(rnd.choice("0123456789") for _ in range(rest + rnd.choice((-1, 0, 0, 0, 1))))
            for typed in (digits, f"{digits[:3]}-{digits[3:6]}-{digits[6:]}", f"({digits[:3]}) {digits[3:]}"):
                assert to_e164(typed, region) == full(typed, region), (region, typed)
                shortcut += _national_fast(typed, region) is not None
    assert shortcut > 2500  # the short cut really answers the common case (about 3,100 of the 18,000 here)
    assert to_e164("081-234-5678", "TH") == "+66812345678"
    assert to_e164("0212345678", "TH") == full("0212345678", "TH")
