"""What quotes and invoices share: loading and locking a document, the garage's tax settings, lines (checked,
priced, totalled), dates, changes (audit, events)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Garage
from backend.billing.models import LineKind
from backend.core import money
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.enums import Locale
from backend.core import audit
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.events import emit
from backend.core.validate import check_version

_UNSET = object()

MAX_QUANTITY = Decimal("100000")
MAX_PRICE = 10**11  # minor units; far above any real line, below the integer columns' limits
MAX_LINES = 200
MAX_DESCRIPTION = 500
MAX_NOTES = 5000


async def garage_of(session: AsyncSession, actor: Actor) -> Garage:
    return (await session.execute(select(Garage).where(Garage.id == actor.garage_id))).scalar_one()


def zone_of(garage: Garage) -> dt.tzinfo:
    try:
        return ZoneInfo(garage.time_zone)
    except Exception:  # noqa: BLE001 - validated when set; never refuse a document over it
        return dt.UTC


def today_in(garage: Garage) -> dt.date:
    """The date at the garage (a Bangkok invoice issued at 01:00 local is dated that day, not the UTC day)."""
    return utcnow().astimezone(zone_of(garage)).date()


def locale_of(customer_locale: Locale | None, garage: Garage) -> Locale:
    return customer_locale or garage.default_locale or Locale.EN


@dataclass
class LineInput:
    """One line as a client sends it; the services fill what a catalog entry or item gives."""

    kind: object = _UNSET
    description: object = _UNSET
    quantity: object = _UNSET
    unit_price: object = _UNSET
    discount: object = _UNSET
    billed_hours: object = _UNSET
    task_action_id: object = _UNSET
    item_id: object = _UNSET


def given(value: object) -> bool:
    return value is not _UNSET and value is not None


def quantity(errors: Collector, field: str, value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        errors.add(ErrorCode.INVALID_QUANTITY, field)
        return None
    try:
        q = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.add(ErrorCode.INVALID_QUANTITY, field)
        return None
    if not q.is_finite() or q <= 0 or q > MAX_QUANTITY or q != q.quantize(Decimal("0.001")):
        errors.add(ErrorCode.INVALID_QUANTITY, field)
        return None
    return q


def amount(errors: Collector, field: str, value: object, *, positive: bool = False) -> int | None:
    """Money in minor units: a whole number, zero or more (above zero when `positive`)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PRICE or (positive and not value):
        errors.add(ErrorCode.INVALID_AMOUNT, field)
        return None
    return value


def hours(errors: Collector, field: str, value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None
    try:
        h = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None
    if not h.is_finite() or h < 0 or h > 999 or h != h.quantize(Decimal("0.01")):
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None
    return h


def kind(errors: Collector, field: str, value: object, allowed: tuple[LineKind, ...]) -> LineKind | None:
    if value is _UNSET or value is None:
        errors.add(ErrorCode.REQUIRED, field)
        return None
    try:
        k = value if isinstance(value, LineKind) else LineKind(getattr(value, "value", value))
    except ValueError:
        k = None
    if k not in allowed:
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None
    return k


def notes(errors: Collector, field: str, value: object) -> str | None:
    return v.text(errors, field, value if isinstance(value, str) else None, max_len=MAX_NOTES)


def date_value(errors: Collector, field: str, value: object) -> dt.date | None:
    if value is _UNSET or value is None:
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None
    if not 2000 <= value.year <= 2200:
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None
    return value


def price_line(line, tax_rate: Decimal, prices_include_tax: bool) -> None:
    """Set a line's net, tax and total from its quantity, unit price and discount (half-up, per line)."""
    result = money.line_amounts(line.quantity, line.unit_price, line.discount, tax_rate, prices_include_tax)
    line.net, line.tax, line.total = result.net, result.tax, result.total


def check_discount(errors: Collector, field: str, q: Decimal, unit_price: int, discount: int) -> None:
    """A discount may take a line to zero, never below."""
    if Decimal(discount) > q * Decimal(unit_price):
        errors.add(ErrorCode.DISCOUNT_TOO_LARGE, field)


def set_totals(document, lines) -> None:
    t = money.totals(money.LineAmounts(line.net, line.tax, line.total) for line in lines)
    document.subtotal, document.tax_total, document.total = t.subtotal, t.tax_total, t.total


def parse_ids(values: object, field: str) -> list[uuid.UUID]:
    if not isinstance(values, (list, tuple)) or not values:
        raise DomainError(ErrorCode.REQUIRED, field)
    if len(values) > MAX_LINES:
        raise DomainError(ErrorCode.INVALID_VALUE, field)
    out: list[uuid.UUID] = []
    for value in values:
        parsed = v.parse_id(value, field)
        if parsed not in out:
            out.append(parsed)
    return out


def billing_channel(garage_id: uuid.UUID) -> str:
    return f"{garage_id}:billing"


def document_changed(session: AsyncSession, kind_: str, document) -> None:
    """Tell the garage's billing subscribers (after the commit) that a quote or invoice changed."""
    emit(session, billing_channel(document.garage_id), {
        "kind": kind_, "id": str(document.id), "status": document.status.value, "version": document.version})


async def get_document(session: AsyncSession, actor: Actor, model: type, document_id: object, field: str = "id", *,
                       for_update: bool = False):
    """The quote or invoice (`model`) of the actor's garage, locked for the transaction with `for_update`; else
    NOT_FOUND on `field`."""
    did = v.parse_id(document_id, field)
    query = select(model).where(model.id == did, model.garage_id == actor.garage_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    document = (await session.execute(query)).scalar_one_or_none()
    if document is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return document


async def find_document(session: AsyncSession, actor: Actor, model: type, document_id: object):
    """The quote or invoice, or None when unknown (or the id is malformed)."""
    try:
        return await get_document(session, actor, model, document_id)
    except DomainError:
        return None


async def lock_document(session: AsyncSession, actor: Actor, model: type, document_id: object,
                        expected_version: int | None, states: tuple, code: ErrorCode, field: str = "id"):
    """The document locked for a change: at `expected_version` (else CONFLICT) and in one of `states` (else `code`
    with its status)."""
    document = await get_document(session, actor, model, document_id, field, for_update=True)
    check_version(document, expected_version)
    if document.status not in states:
        raise DomainError(code, field, status=document.status)
    return document


async def document_lines(session: AsyncSession, line_model: type, parent_column, document) -> list:
    """The lines of a quote or invoice (`parent_column`: the line's column naming it), in order, read fresh."""
    return list((await session.execute(
        select(line_model).where(parent_column == document.id, line_model.garage_id == document.garage_id)
        .order_by(line_model.position, line_model.id).execution_options(populate_existing=True))).scalars())


def record_change(session: AsyncSession, actor: Actor, document, audit_fields: tuple, action: str, before: dict,
                  extra: dict | None = None) -> None:
    """A change to a quote or invoice: the next version, its audit entry and the billing event."""
    document.version += 1
    document.updated_at = utcnow()
    changes = audit.diff(before, audit.snapshot(document, audit_fields))
    changes.update(extra or {})
    entity = type(document).__name__
    audit.record(session, actor, entity, document.id, action, changes)
    document_changed(session, entity.lower(), document)
