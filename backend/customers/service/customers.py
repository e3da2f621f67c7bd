"""Customers: profiles with tax details, contact preferences and consent; search."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, literal, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.enums import Locale
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.ids import new_id
from backend.customers.models import (
    ContactChannel,
    Customer,
    CustomerKind,
    Vehicle,
)
from backend.customers.service import phones
from backend.customers.service.common import (
    _UNSET,
    MAX_NOTES,
    _cursor_id,
    _enum_value,
    _like_pattern,
    _search_term,
    normalize_registration,
)


@dataclass
class CustomerInput:
    name: object = _UNSET
    kind: object = _UNSET
    phone: object = _UNSET
    email: object = _UNSET
    address: object = _UNSET
    tax_id: object = _UNSET
    branch: object = _UNSET
    locale: object = _UNSET
    contact_channel: object = _UNSET
    consent_sms: object = _UNSET
    consent_email: object = _UNSET
    notes: object = _UNSET


def _check_customer(errors: Collector, data: CustomerInput, region: str | None = None) -> dict:
    out: dict = {}
    if data.name is not _UNSET:
        out["name"] = v.text(errors, "name", data.name, required=True, max_len=200)
    if data.kind is not _UNSET:
        out["kind"] = _enum_value(errors, "kind", data.kind, CustomerKind, required=True)
    if data.phone is not _UNSET:
        out["phone"] = phones.normalize_phone(errors, "phone", data.phone, region)
    if data.email is not _UNSET:
        out["email"] = v.email(errors, "email", data.email)
    if data.address is not _UNSET:
        out["address"] = v.text(errors, "address", data.address, max_len=1000)
    if data.tax_id is not _UNSET:
        out["tax_id"] = v.tax_id(errors, "taxId", data.tax_id)
    if data.branch is not _UNSET:
        out["branch"] = v.branch_code(errors, "branch", data.branch)
    if data.locale is not _UNSET:
        out["locale"] = _enum_value(errors, "locale", data.locale, Locale)
    if data.contact_channel is not _UNSET:
        out["contact_channel"] = _enum_value(errors, "contactChannel", data.contact_channel, ContactChannel,
                                             required=True)
    if data.consent_sms is not _UNSET:
        out["consent_sms"] = bool(data.consent_sms)
    if data.consent_email is not _UNSET:
        out["consent_email"] = bool(data.consent_email)
    if data.notes is not _UNSET:
        out["notes"] = v.text(errors, "notes", data.notes, max_len=MAX_NOTES)
    return out


async def _region(session: AsyncSession, actor: Actor, data: CustomerInput) -> str | None:
    """The garage's country, read only when a phone without its +country code is entered."""
    if data.phone is _UNSET or not phones.needs_region(data.phone):
        return None
    return await phones.country_of(session, actor.garage_id)


CUSTOMER_AUDIT = ("name", "kind", "phone", "email", "address", "tax_id", "branch", "locale", "contact_channel",
                  "consent_sms", "consent_email", "notes")


async def create_customer(session: AsyncSession, actor: Actor, data: CustomerInput,
                          customer_id: uuid.UUID | None = None) -> Customer:
    errors = Collector()
    if data.name is _UNSET:
        data.name = None
    fields = _check_customer(errors, data, await _region(session, actor, data))
    errors.raise_if_any()
    await v.ensure_new_id(session, Customer, customer_id)
    customer = Customer(id=customer_id or new_id(), garage_id=actor.garage_id, **fields)
    session.add(customer)
    await session.flush()
    audit.record(session, actor, "Customer", customer.id, "create", audit.created(customer, CUSTOMER_AUDIT))
    return customer


async def get_customer(session: AsyncSession, actor: Actor, customer_id: object, field: str = "id", *,
                       for_update: bool = False) -> Customer:
    cid = v.parse_id(customer_id, field)
    query = select(Customer).where(Customer.id == cid, Customer.garage_id == actor.garage_id)
    if for_update:
        query = query.with_for_update()
    customer = (await session.execute(query)).scalar_one_or_none()
    if customer is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return customer


async def find_customer(session: AsyncSession, actor: Actor, customer_id: object) -> Customer | None:
    """Like get_customer, but an unknown (or malformed, or another garage's) id is simply None."""
    try:
        return await get_customer(session, actor, customer_id)
    except DomainError:
        return None


async def update_customer(session: AsyncSession, actor: Actor, customer_id: object, data: CustomerInput,
                          expected_version: int | None = None) -> Customer:
    errors = Collector()
    fields = _check_customer(errors, data, await _region(session, actor, data))
    errors.raise_if_any()
    customer = await get_customer(session, actor, customer_id, for_update=True)
    v.check_version(customer, expected_version)
    changed = {k: val for k, val in fields.items() if getattr(customer, k) != val}
    if changed:
        before = audit.snapshot(customer, CUSTOMER_AUDIT)
        for key, value in changed.items():
            setattr(customer, key, value)
        customer.version += 1
        audit.record(session, actor, "Customer", customer.id, "update",
                     audit.diff(before, audit.snapshot(customer, CUSTOMER_AUDIT)))
        await session.flush()
    return customer


def _customer_match(actor: Actor, term: str) -> Select:
    """Ids of customers whose name, phone or email contains `term` (served by the trigram indexes)."""
    pattern = _like_pattern(term)
    clauses = [
        func.lower(Customer.name).like(func.lower(literal(pattern)), escape="\\"),
        Customer.phone.like(pattern, escape="\\"),
        func.lower(Customer.email).like(func.lower(literal(pattern)), escape="\\"),
    ]
    digits = phones.search_digits(term)
    if digits:  # phones are stored in E.164: "081-234-5678" finds +66812345678
        clauses.append(Customer.phone.like(_like_pattern(digits), escape="\\"))
    return select(Customer.id).where(Customer.garage_id == actor.garage_id, or_(*clauses))


def _vehicle_match(actor: Actor, term: str, column) -> Select | None:
    """`column` (Vehicle.id or Vehicle.owner_id) of vehicles whose registration or VIN contains `term`."""
    clauses = []
    registration = normalize_registration(term)
    if registration:
        clauses.append(Vehicle.registration.like(_like_pattern(registration), escape="\\"))
    vin = re.sub(r"[\s\-]", "", term).upper()
    if vin:
        clauses.append(Vehicle.vin.like(_like_pattern(vin), escape="\\"))
    if not clauses:
        return None
    return select(column).where(Vehicle.garage_id == actor.garage_id, column.is_not(None), or_(*clauses))


async def list_customers(session: AsyncSession, actor: Actor, *, search: str | None = None, limit: int = 20,
                         after: tuple[str, object] | None = None) -> list[Customer]:
    """Customers by (name, id), `limit + 1` rows so the caller knows whether another page follows.

    `search` matches name, phone or email, and the registration or VIN of a vehicle they own now.
    """
    term = _search_term(search)
    query = select(Customer).where(Customer.garage_id == actor.garage_id)
    if term is not None:
        parts = [_customer_match(actor, term)]
        through_vehicles = _vehicle_match(actor, term, Vehicle.owner_id)
        if through_vehicles is not None:
            parts.append(through_vehicles)
        query = query.where(Customer.id.in_(union(*parts) if len(parts) > 1 else parts[0]))
    if after is not None:
        name, last_id = after
        last = _cursor_id(last_id)
        if last is None:
            raise DomainError(ErrorCode.INVALID_CURSOR, "after")
        query = query.where(or_(Customer.name > name, and_(Customer.name == name, Customer.id > last)))
    query = query.order_by(Customer.name, Customer.id).limit(limit + 1)
    return list((await session.execute(query)).scalars())
