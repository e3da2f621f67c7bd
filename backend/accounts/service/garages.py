"""The garage (tenant) and its settings, and its sites."""

from __future__ import annotations

import re
import uuid
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.core import get_global
from phonenumbers import SUPPORTED_REGIONS
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Garage, Site
from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.events import emit_auth_revoked

GARAGE_AUDIT = ("name", "country", "currency", "time_zone", "default_locale", "tax_label", "tax_rate",
                "prices_include_tax", "tax_id", "branch", "address", "promptpay_id", "promptpay_biller_id",
                "abbreviated_tax_invoices")
SITE_AUDIT = ("name", "code", "branch_code", "address", "phone", "active")

_UNSET = object()


@dataclass
class GarageSettingsInput:
    name: object = _UNSET
    country: object = _UNSET
    currency: object = _UNSET
    time_zone: object = _UNSET
    default_locale: object = _UNSET
    tax_label: object = _UNSET
    tax_rate: object = _UNSET
    prices_include_tax: object = _UNSET
    tax_id: object = _UNSET
    branch: object = _UNSET
    address: object = _UNSET
    promptpay_id: object = _UNSET
    promptpay_biller_id: object = _UNSET
    abbreviated_tax_invoices: object = _UNSET


def _check_garage_fields(errors: Collector, data: GarageSettingsInput) -> dict:
    out: dict = {}
    if data.name is not _UNSET:
        out["name"] = v.text(errors, "name", data.name, required=True)
    if data.country is not _UNSET:  # ISO 3166-1 alpha-2; empty: the country of the time zone
        country = (v.clean(data.country) or "").upper() or None
        if country is not None and country not in SUPPORTED_REGIONS:  # a country phone numbers are known for
            errors.add(ErrorCode.INVALID_VALUE, "country")
        else:
            out["country"] = country
    if data.currency is not _UNSET:
        code = (v.clean(data.currency) or "").upper()
        if len(code) == 3 and code in get_global("all_currencies"):
            out["currency"] = code
        else:
            errors.add(ErrorCode.INVALID_CURRENCY, "currency")
    if data.time_zone is not _UNSET:
        tz = (v.clean(data.time_zone) or "")[:64]  # the longest IANA name is far shorter
        try:
            if not tz or len(v.clean(data.time_zone) or "") > 64:
                raise ValueError(tz)
            zoneinfo.ZoneInfo(tz)
            out["time_zone"] = tz
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
            errors.add(ErrorCode.INVALID_TIME_ZONE, "timeZone")
    if data.default_locale is not _UNSET:
        if data.default_locale is None:
            errors.add(ErrorCode.REQUIRED, "defaultLocale")
        else:
            out["default_locale"] = data.default_locale
    if data.tax_label is not _UNSET:
        out["tax_label"] = v.text(errors, "taxLabel", data.tax_label, required=True, max_len=20)
    if data.tax_rate is not _UNSET:
        try:
            rate = Decimal(str(data.tax_rate))
            if not (Decimal(0) <= rate <= Decimal(100)) or rate.as_tuple().exponent < -3:
                raise InvalidOperation
            out["tax_rate"] = rate
        except (InvalidOperation, ValueError):
            errors.add(ErrorCode.INVALID_TAX_RATE, "taxRate")
    if data.prices_include_tax is not _UNSET:
        out["prices_include_tax"] = bool(data.prices_include_tax)
    if data.tax_id is not _UNSET:
        out["tax_id"] = v.tax_id(errors, "taxId", data.tax_id)
    if data.branch is not _UNSET:
        out["branch"] = v.text(errors, "branch", data.branch, max_len=40)
    if data.address is not _UNSET:
        out["address"] = v.text(errors, "address", data.address, max_len=1000)
    if data.promptpay_id is not _UNSET:
        out["promptpay_id"] = _promptpay_id(errors, data.promptpay_id)
    if data.promptpay_biller_id is not _UNSET:
        out["promptpay_biller_id"] = _biller_id(errors, data.promptpay_biller_id)
    if data.abbreviated_tax_invoices is not _UNSET:
        out["abbreviated_tax_invoices"] = bool(data.abbreviated_tax_invoices)
    return out


def _digits(value: object) -> str | None:
    text = v.clean(value if isinstance(value, str) else None)
    return re.sub(r"[\s\-]", "", text) if text else None


def _promptpay_id(errors: Collector, value: object) -> str | None:
    """A Thai mobile number (0 and 9 digits, or +66), a 13-digit tax ID with its check digit, or a 15-digit
    e-wallet ID; stored as digits (a mobile number as 0XXXXXXXXX)."""
    from stdnum.th import tin

    digits = _digits(value)
    if digits is None:
        return None
    if digits.startswith("+66") and len(digits) == 12 and digits[1:].isdigit():
        digits = "0" + digits[3:]
    ok = digits.isdigit() and (
        (len(digits) == 10 and digits[0] == "0" and digits[1] != "0")
        or (len(digits) == 13 and tin.is_valid(digits))
        or len(digits) == 15)
    if not ok:
        errors.add(ErrorCode.INVALID_PROMPTPAY_ID, "promptpayId")
        return None
    return digits


def _biller_id(errors: Collector, value: object) -> str | None:
    """A bill-payment biller ID: the 13-digit tax ID (check digit verified) and a 2-digit suffix."""
    from stdnum.th import tin

    digits = _digits(value)
    if digits is None:
        return None
    if not (digits.isdigit() and len(digits) == 15 and tin.is_valid(digits[:13])):
        errors.add(ErrorCode.INVALID_BILLER_ID, "promptpayBillerId")
        return None
    return digits


def branch_code(errors: Collector, field: str, value: object) -> str | None:
    """00000 (or "head office", สำนักงานใหญ่) for the head office, else the 5-digit branch number."""
    text = v.clean(value if isinstance(value, str) else None)
    if text is None or text.lower() in ("head office", "สำนักงานใหญ่"):
        return "00000"
    if not (text.isdigit() and len(text) == 5):
        errors.add(ErrorCode.INVALID_BRANCH_CODE, field)
        return None
    return text


async def create_garage(session: AsyncSession, data: GarageSettingsInput) -> Garage:
    errors = Collector()
    fields = _check_garage_fields(errors, data)
    if data.name is _UNSET:
        errors.add(ErrorCode.REQUIRED, "name")
    errors.raise_if_any()
    garage = Garage(**fields)
    session.add(garage)
    await session.flush()
    return garage


async def get_garage(session: AsyncSession, actor: Actor) -> Garage:
    garage = await session.get(Garage, actor.garage_id)
    if garage is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    return garage


async def update_garage_settings(session: AsyncSession, actor: Actor, data: GarageSettingsInput) -> Garage:
    errors = Collector()
    fields = _check_garage_fields(errors, data)
    errors.raise_if_any()
    garage = await get_garage(session, actor)
    before = audit.snapshot(garage, GARAGE_AUDIT)
    for key, value in fields.items():
        setattr(garage, key, value)
    garage.version += 1
    audit.record(session, actor, "Garage", garage.id, "update",
                 audit.diff(before, audit.snapshot(garage, GARAGE_AUDIT)))
    if "default_locale" in fields:
        emit_auth_revoked(session, garage_id=garage.id, reason="garage-locale")  # every actor carries it
    await session.flush()
    return garage


@dataclass
class SiteInput:
    name: object = _UNSET
    code: object = _UNSET
    address: object = _UNSET
    phone: object = _UNSET
    active: object = _UNSET
    branch_code: object = _UNSET


async def _check_site(session: AsyncSession, actor: Actor, errors: Collector, data: SiteInput) -> dict:
    out: dict = {}
    if data.name is not _UNSET:
        out["name"] = v.text(errors, "name", data.name, required=True)
    if data.code is not _UNSET:
        out["code"] = v.text(errors, "code", data.code, max_len=20)
    if data.branch_code is not _UNSET:
        out["branch_code"] = branch_code(errors, "branchCode", data.branch_code)
    if data.address is not _UNSET:
        out["address"] = v.text(errors, "address", data.address, max_len=1000)
    if data.phone is not _UNSET:  # E.164, in the garage's country (as customers' and users' phones)
        from backend.customers.service import phones

        region = await phones.country_of(session, actor.garage_id) if phones.needs_region(data.phone) else None
        out["phone"] = phones.normalize_phone(errors, "phone", data.phone, region)
    if data.active is not _UNSET and data.active is not None:
        out["active"] = bool(data.active)
    return out


async def create_site(session: AsyncSession, actor: Actor, data: SiteInput, site_id: uuid.UUID | None = None) -> Site:
    errors = Collector()
    if data.name is _UNSET:
        data.name = None
    fields = await _check_site(session, actor, errors, data)
    errors.raise_if_any()
    site = Site(garage_id=actor.garage_id, **fields)
    await v.ensure_new_id(session, Site, site_id)
    if site_id is not None:
        site.id = site_id
    session.add(site)
    await session.flush()
    audit.record(session, actor, "Site", site.id, "create", audit.created(site, SITE_AUDIT))
    from backend.inventory import stock  # the site's own warehouse, made with it

    await stock.site_warehouse(session, actor.garage_id, site.id)
    return site


async def get_site(session: AsyncSession, actor: Actor, site_id: object, field: str = "id") -> Site:
    sid = v.parse_id(site_id, field)
    site = (
        await session.execute(select(Site).where(Site.id == sid, Site.garage_id == actor.garage_id))
    ).scalar_one_or_none()
    if site is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return site


async def update_site(session: AsyncSession, actor: Actor, site_id: object, data: SiteInput) -> Site:
    errors = Collector()
    fields = await _check_site(session, actor, errors, data)
    errors.raise_if_any()
    site = await get_site(session, actor, site_id)
    before = audit.snapshot(site, SITE_AUDIT)
    for key, value in fields.items():
        setattr(site, key, value)
    audit.record(session, actor, "Site", site.id, "update", audit.diff(before, audit.snapshot(site, SITE_AUDIT)))
    await session.flush()
    return site


async def list_sites(session: AsyncSession, actor: Actor, include_inactive: bool = True) -> list[Site]:
    query = select(Site).where(Site.garage_id == actor.garage_id).order_by(Site.name, Site.id)
    if not include_inactive:
        query = query.where(Site.active.is_(True))
    return list((await session.execute(query)).scalars())
