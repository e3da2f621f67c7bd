"""Global search over the garage's jobs, vehicles, customers and invoices.

One statement per kind of record the actor may read (at most four, whatever the number of hits), each scoped by the
actor's garage and filtered by their role: a technician finds only their own jobs, and only roles that read
customers see customers or an owner's name; invoices only for those who read invoices.

What matches:
- a job by its number, or by its vehicle's registration (however it is typed);
- a vehicle by registration or VIN;
- a customer by name, phone (typed with or without the country code, spaces or dashes) or email;
- an invoice by its number.
Hits whose title is exactly the term come first, then each kind in that order, newest first within a kind.
"""

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Integer, String, and_, bindparam, case, func, null, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.models import Invoice
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.errors import DomainError, ErrorCode
from backend.core.permissions import Permission as P
from backend.customers.models import Customer, Vehicle
from backend.customers.service import normalize_registration
from backend.workshop.models import Job
from backend.workshop.service.common import is_technician

MIN_TERM = 2
MAX_TERM = 100
MAX_FIRST = 25


class HitKind(enum.Enum):
    JOB = "JOB"
    VEHICLE = "VEHICLE"
    CUSTOMER = "CUSTOMER"
    INVOICE = "INVOICE"


@dataclass(frozen=True)
class Hit:
    kind: HitKind
    id: uuid.UUID
    title: str
    subtitle: str | None
    status: str | None
    exact: bool


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# The statements are built once per shape (the actor's role, which parts of the term apply) with bound parameters
# for the garage, the term and the limit, not once per search: building a statement of unions and subqueries and
# working out its cache key cost SQLAlchemy more than PostgreSQL took to answer it.
_GARAGE = bindparam("garage_id", type_=Job.__table__.c.garage_id.type)
_USER = bindparam("user_id", type_=Job.__table__.c.technician_id.type)
_LIMIT = bindparam("limit", type_=Integer)
_LIKE = bindparam("like", type_=String)  # _like(term)
_LOWER = bindparam("lower", type_=String)  # the term in lower case
_REGISTRATION = bindparam("registration", type_=String)  # normalize_registration(term)
_REGISTRATION_LIKE = bindparam("registration_like", type_=String)
_VIN_LIKE = bindparam("vin_like", type_=String)
_PHONE_LIKE = bindparam("phone_like", type_=String)


def _ilike(column, pattern=_LIKE):
    return func.lower(column).like(func.lower(pattern), escape="\\")


def _phone_digits(term: str) -> str | None:
    """The digits to look for in an E.164 phone ('+66812345678') when `term` looks like a phone number."""
    if not re.fullmatch(r"[\d\s\-+().]+", term):
        return None
    digits = re.sub(r"\D", "", term)
    if len(digits) < 3:
        return None
    # typed nationally ('081 234 5678'): the trunk 0 is not stored
    return digits[1:] if digits.startswith("0") and len(digits) > 3 else digits


def _vin(term: str) -> str:
    return re.sub(r"[\s\-]", "", term).upper()


def _join(*parts: str | None) -> str | None:
    text = " · ".join(p for p in parts if p)
    return text or None


def clean_term(query: str | None, first: int) -> str:
    term = v.clean(query)
    if term is None or len(term) < MIN_TERM:
        raise DomainError(ErrorCode.TOO_SHORT, "query", min=MIN_TERM)
    if len(term) > MAX_TERM:
        raise DomainError(ErrorCode.TOO_LONG, "query", max=MAX_TERM)
    if first < 1:
        raise DomainError(ErrorCode.INVALID_VALUE, "first")
    if first > MAX_FIRST:
        raise DomainError(ErrorCode.PAGE_SIZE_TOO_LARGE, "first", max=MAX_FIRST)
    return term


def _best(arms: list, order: tuple):
    """The ids of the first `limit` rows, by `order`, of the union of `arms` (selects of one id column, each over
    one table and served by its own index): each arm sorted and cut at `limit` on its own, so the database knows it
    joins back at most `limit` rows per arm (a single OR across the arms, or one across two tables, made PostgreSQL
    scan the whole table whatever the index)."""
    tops = [select(arm.order_by(*order).limit(_LIMIT).subquery().c[0]) for arm in arms]
    return tops[0] if len(tops) == 1 else union(*tops)


@lru_cache(maxsize=16)
def _jobs_statement(names: bool, technician: bool, registration: bool):
    exact = func.lower(Job.number) == _LOWER
    order = (case((exact, 0), else_=1), Job.created_at.desc(), Job.id.desc())
    mine = (Job.technician_id == _USER,) if technician else ()
    # the jobs matching by number, and those of the vehicles matching by registration
    arms = [select(Job.id).where(Job.garage_id == _GARAGE, *mine, _ilike(Job.number))]
    if registration:
        arms.append(select(Job.id).join(Vehicle, Vehicle.id == Job.vehicle_id).where(
            Job.garage_id == _GARAGE, *mine, Vehicle.garage_id == _GARAGE,
            Vehicle.registration.like(_REGISTRATION_LIKE, escape="\\")))
    return (
        select(Job.id, Job.number, Job.status, Vehicle.registration_display, Customer.name if names else null(),
               exact.label("exact"))
        .join(Vehicle, and_(Vehicle.id == Job.vehicle_id, Vehicle.garage_id == _GARAGE))
        .outerjoin(Customer, and_(Customer.id == Job.customer_id, Customer.garage_id == _GARAGE))
        .where(Job.garage_id == _GARAGE, *mine, Job.id.in_(_best(arms, order)))
        .order_by(*order).limit(_LIMIT)
    )


async def _jobs(session: AsyncSession, actor: Actor, params: dict) -> list[Hit]:
    query = _jobs_statement(actor.can(P.CUSTOMERS_READ), is_technician(actor), bool(params["registration"]))
    return [Hit(HitKind.JOB, r[0], r[1], _join(r[3], r[4]), r[2].value, bool(r[5]))
            for r in (await session.execute(query, params)).all()]


@lru_cache(maxsize=16)
def _vehicles_statement(names: bool, registration: bool, vin: bool):
    clauses = []
    if registration:
        clauses.append(Vehicle.registration.like(_REGISTRATION_LIKE, escape="\\"))
    if vin:
        clauses.append(Vehicle.vin.like(_VIN_LIKE, escape="\\"))
    exact = Vehicle.registration == _REGISTRATION
    return (
        select(Vehicle.id, Vehicle.registration_display, Vehicle.make, Vehicle.model,
               Customer.name if names else null(), exact.label("exact"))
        .outerjoin(Customer, and_(Customer.id == Vehicle.owner_id, Customer.garage_id == _GARAGE))
        .where(Vehicle.garage_id == _GARAGE, or_(*clauses))
        .order_by(case((exact, 0), else_=1), Vehicle.registration, Vehicle.id)
        .limit(_LIMIT)
    )


async def _vehicles(session: AsyncSession, actor: Actor, params: dict) -> list[Hit]:
    registration, vin = bool(params["registration"]), len(params["vin"]) >= 5
    if not registration and not vin:
        return []
    query = _vehicles_statement(actor.can(P.CUSTOMERS_READ), registration, vin)
    return [Hit(HitKind.VEHICLE, r[0], r[1], _join(" ".join(p for p in (r[2], r[3]) if p), r[4]), None, bool(r[5]))
            for r in (await session.execute(query, params)).all()]


@lru_cache(maxsize=4)
def _customers_statement(phone: bool):
    clauses = [_ilike(Customer.name), _ilike(Customer.email)]
    if phone:
        clauses.append(Customer.phone.like(_PHONE_LIKE, escape="\\"))
    exact = func.lower(Customer.name) == _LOWER
    order = (case((exact, 0), else_=1), Customer.name, Customer.id)
    arms = [select(Customer.id).where(Customer.garage_id == _GARAGE, clause) for clause in clauses]
    return (
        select(Customer.id, Customer.name, Customer.phone, Customer.email, exact.label("exact"))
        .where(Customer.garage_id == _GARAGE, Customer.id.in_(_best(arms, order)))
        .order_by(*order)
        .limit(_LIMIT)
    )


async def _customers(session: AsyncSession, actor: Actor, params: dict) -> list[Hit]:
    query = _customers_statement(params["phone_like"] is not None)
    return [Hit(HitKind.CUSTOMER, r[0], r[1], r[2] or r[3], None, bool(r[4]))
            for r in (await session.execute(query, params)).all()]


@lru_cache(maxsize=1)
def _invoices_statement():
    exact = func.lower(Invoice.number) == _LOWER
    return (
        select(Invoice.id, Invoice.number, Invoice.status, Customer.name, exact.label("exact"))
        .outerjoin(Customer, and_(Customer.id == Invoice.customer_id, Customer.garage_id == _GARAGE))
        .where(Invoice.garage_id == _GARAGE, Invoice.number.is_not(None), _ilike(Invoice.number))
        .order_by(case((exact, 0), else_=1), Invoice.created_at.desc(), Invoice.id.desc())
        .limit(_LIMIT)
    )


async def _invoices(session: AsyncSession, actor: Actor, params: dict) -> list[Hit]:
    return [Hit(HitKind.INVOICE, r[0], r[1], r[3], r[2].value, bool(r[4]))
            for r in (await session.execute(_invoices_statement(), params)).all()]


async def search(session: AsyncSession, actor: Actor, query: str | None, first: int = 10) -> list[Hit]:
    """At most `first` hits for `query`, of the kinds the actor may read."""
    term = clean_term(query, first)
    registration = normalize_registration(term)
    digits = _phone_digits(term)
    vin = _vin(term)
    params = {"garage_id": actor.garage_id, "user_id": actor.user_id, "limit": first, "like": _like(term),
              "lower": term.lower(), "registration": registration, "registration_like": _like(registration),
              "vin": vin, "vin_like": _like(vin), "phone_like": _like(digits) if digits else None}
    found: list[Hit] = []
    if actor.can(P.JOBS_READ):
        found += await _jobs(session, actor, params)
    if actor.can(P.VEHICLES_READ):
        found += await _vehicles(session, actor, params)
    if actor.can(P.CUSTOMERS_READ):
        found += await _customers(session, actor, params)
    if actor.can(P.INVOICES_READ):
        found += await _invoices(session, actor, params)
    found.sort(key=lambda h: not h.exact)  # stable: kinds and their order stay as they are
    return found[:first]
