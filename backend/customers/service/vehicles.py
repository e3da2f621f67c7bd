"""Vehicles: registration and VIN rules, ownership over time, the mileage log, search."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.ids import new_id
from backend.customers.models import (
    FuelType,
    VehicleKind,
    MileageReading,
    Vehicle,
    VehicleOwnership,
)
from backend.customers.service.common import (
    _REGISTRATION_RE,
    _UNSET,
    MAX_NOTES,
    _cursor_id,
    _date,
    _enum_value,
    _mileage,
    _registration,
    _search_term,
    _vin,
    _year,
    normalize_registration,
)
from backend.customers.service.customers import (
    _customer_match,
    _vehicle_match,
    get_customer,
)

VEHICLE_AUDIT = ("registration", "vin", "make", "model", "year", "colour", "fuel", "first_registration_date",
                 "mot_expiry", "kind", "insurance_expiry", "mileage", "owner_id", "notes")


@dataclass
class VehicleInput:
    registration: object = _UNSET
    vin: object = _UNSET
    make: object = _UNSET
    model: object = _UNSET
    year: object = _UNSET
    colour: object = _UNSET
    fuel: object = _UNSET
    first_registration_date: object = _UNSET
    mot_expiry: object = _UNSET
    kind: object = _UNSET
    insurance_expiry: object = _UNSET
    mileage: object = _UNSET
    owner_id: object = _UNSET
    notes: object = _UNSET


async def _check_vehicle(session: AsyncSession, actor: Actor, errors: Collector, data: VehicleInput,
                         current: Vehicle | None) -> dict:
    out: dict = {}
    if data.registration is not _UNSET:
        reg = _registration(errors, data.registration)
        if reg is not None:
            out["registration"], out["registration_display"] = reg
    if data.vin is not _UNSET:
        out["vin"] = _vin(errors, data.vin)
    if data.make is not _UNSET:
        out["make"] = v.text(errors, "make", data.make, max_len=80)
    if data.model is not _UNSET:
        out["model"] = v.text(errors, "model", data.model, max_len=80)
    if data.year is not _UNSET:
        out["year"] = _year(errors, data.year)
    if data.colour is not _UNSET:
        out["colour"] = v.text(errors, "colour", data.colour, max_len=40)
    if data.fuel is not _UNSET:
        out["fuel"] = _enum_value(errors, "fuel", data.fuel, FuelType)
    if data.first_registration_date is not _UNSET:
        out["first_registration_date"] = _date(errors, "firstRegistrationDate", data.first_registration_date)
    if data.mot_expiry is not _UNSET:
        out["mot_expiry"] = _date(errors, "motExpiry", data.mot_expiry)
    if data.kind is not _UNSET:
        out["kind"] = _enum_value(errors, "kind", data.kind, VehicleKind)
    if data.insurance_expiry is not _UNSET:
        out["insurance_expiry"] = _date(errors, "insuranceExpiry", data.insurance_expiry)
    if data.mileage is not _UNSET:
        out["mileage"] = _mileage(errors, data.mileage)
    if data.owner_id is not _UNSET:
        if data.owner_id is None:
            out["owner_id"] = None
        else:
            try:
                out["owner_id"] = (await get_customer(session, actor, data.owner_id, "ownerId")).id
            except DomainError as exc:
                errors.errors.append(exc)
    if data.notes is not _UNSET:
        out["notes"] = v.text(errors, "notes", data.notes, max_len=MAX_NOTES)
    # Unique per garage: tell the user now rather than fail on the constraint.
    current_id = current.id if current is not None else None
    if out.get("registration") and (current is None or out["registration"] != current.registration):
        clash = (await session.execute(select(Vehicle.id).where(
            Vehicle.garage_id == actor.garage_id, Vehicle.registration == out["registration"]))).scalar()
        if clash is not None and clash != current_id:
            errors.add(ErrorCode.REGISTRATION_TAKEN, "registration", registration=out["registration_display"])
    if out.get("vin") and (current is None or out["vin"] != current.vin):
        clash = (await session.execute(select(Vehicle.id).where(
            Vehicle.garage_id == actor.garage_id, Vehicle.vin == out["vin"]))).scalar()
        if clash is not None and clash != current_id:
            errors.add(ErrorCode.VIN_TAKEN, "vin", vin=out["vin"])
    return out


async def _flush_vehicle(session: AsyncSession, display: str, vin: str | None) -> None:
    """The unique constraints are the backstop when two people enter the same vehicle at the same moment."""
    try:
        await session.flush()
    except IntegrityError as exc:
        text_ = str(exc.orig).lower()
        if "registration" in text_:
            raise DomainError(ErrorCode.REGISTRATION_TAKEN, "registration", registration=display) from None
        if "vin" in text_:
            raise DomainError(ErrorCode.VIN_TAKEN, "vin", vin=vin) from None
        raise


def _open_ownership(session: AsyncSession, actor: Actor, vehicle: Vehicle, customer_id: uuid.UUID,
                    when: dt.datetime, note: str | None = None) -> VehicleOwnership:
    row = VehicleOwnership(garage_id=actor.garage_id, vehicle_id=vehicle.id, customer_id=customer_id,
                           started_at=when, note=note)
    session.add(row)
    return row


async def _close_ownership(session: AsyncSession, actor: Actor, vehicle: Vehicle, when: dt.datetime) -> None:
    await session.execute(
        update(VehicleOwnership)
        .where(VehicleOwnership.garage_id == actor.garage_id, VehicleOwnership.vehicle_id == vehicle.id,
               VehicleOwnership.ended_at.is_(None))
        .values(ended_at=when)
    )


def _add_reading(session: AsyncSession, actor: Actor, vehicle: Vehicle, mileage: int, when: dt.datetime,
                 reason: str | None) -> MileageReading:
    reading = MileageReading(garage_id=actor.garage_id, vehicle_id=vehicle.id, mileage=mileage, recorded_at=when,
                             reason=reason, recorded_by_id=actor.user_id)
    session.add(reading)
    vehicle.mileage = mileage
    vehicle.mileage_recorded_at = when
    return reading


async def create_vehicle(session: AsyncSession, actor: Actor, data: VehicleInput,
                         vehicle_id: uuid.UUID | None = None) -> Vehicle:
    """A new vehicle; with an owner it opens the first ownership, with a mileage it writes the first reading."""
    errors = Collector()
    if data.registration is _UNSET:
        data.registration = None
    fields = await _check_vehicle(session, actor, errors, data, None)
    errors.raise_if_any()
    await v.ensure_new_id(session, Vehicle, vehicle_id)
    mileage = fields.pop("mileage", None)
    vehicle = Vehicle(id=vehicle_id or new_id(), garage_id=actor.garage_id, **fields)
    session.add(vehicle)
    await _flush_vehicle(session, vehicle.registration_display, vehicle.vin)  # before the rows that refer to it
    now = utcnow()
    if vehicle.owner_id is not None:
        _open_ownership(session, actor, vehicle, vehicle.owner_id, now)
    if mileage is not None:
        _add_reading(session, actor, vehicle, mileage, now, None)
    await session.flush()
    audit.record(session, actor, "Vehicle", vehicle.id, "create", audit.created(vehicle, VEHICLE_AUDIT))
    return vehicle


async def get_vehicle(session: AsyncSession, actor: Actor, vehicle_id: object, field: str = "id", *,
                      for_update: bool = False) -> Vehicle:
    vid = v.parse_id(vehicle_id, field)
    query = select(Vehicle).where(Vehicle.id == vid, Vehicle.garage_id == actor.garage_id)
    if for_update:
        query = query.with_for_update()
    vehicle = (await session.execute(query)).scalar_one_or_none()
    if vehicle is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return vehicle


async def find_vehicle(session: AsyncSession, actor: Actor, vehicle_id: object) -> Vehicle | None:
    try:
        return await get_vehicle(session, actor, vehicle_id)
    except DomainError:
        return None


async def vehicle_by_registration(session: AsyncSession, actor: Actor, registration: str | None) -> Vehicle | None:
    """The vehicle with this registration however it is typed ("ab12 cde", "AB-12-CDE"); None when unknown."""
    normalized = normalize_registration(registration if isinstance(registration, str) else None)
    if not _REGISTRATION_RE.match(normalized):
        return None
    return (await session.execute(select(Vehicle).where(
        Vehicle.garage_id == actor.garage_id, Vehicle.registration == normalized))).scalar_one_or_none()


async def update_vehicle(session: AsyncSession, actor: Actor, vehicle_id: object, data: VehicleInput,
                         expected_version: int | None = None) -> Vehicle:
    """Change a vehicle's details. A new owner goes through the ownership history and a new mileage through the
    mileage log (a lower one is refused here: recordMileage takes the reason)."""
    vehicle = await get_vehicle(session, actor, vehicle_id, for_update=True)
    before = audit.snapshot(vehicle, VEHICLE_AUDIT)
    errors = Collector()
    fields = await _check_vehicle(session, actor, errors, data, vehicle)
    if fields.get("mileage") is not None and vehicle.mileage is not None and fields["mileage"] < vehicle.mileage:
        errors.add(ErrorCode.MILEAGE_DECREASE_NEEDS_REASON, "mileage", mileage=fields["mileage"],
                   last=vehicle.mileage)
    errors.raise_if_any()
    v.check_version(vehicle, expected_version)
    now = utcnow()
    mileage = fields.pop("mileage", None)
    changed = False
    if "owner_id" in fields:
        owner_id = fields.pop("owner_id")
        if owner_id != vehicle.owner_id:
            await _close_ownership(session, actor, vehicle, now)
            if owner_id is not None:
                _open_ownership(session, actor, vehicle, owner_id, now)
            vehicle.owner_id = owner_id
            changed = True
    for key, value in fields.items():
        if getattr(vehicle, key) != value:
            setattr(vehicle, key, value)
            changed = True
    if mileage is not None and mileage != vehicle.mileage:
        _add_reading(session, actor, vehicle, mileage, now, None)
        changed = True
    if changed:
        vehicle.version += 1
        await _flush_vehicle(session, vehicle.registration_display, vehicle.vin)
        audit.record(session, actor, "Vehicle", vehicle.id, "update",
                     audit.diff(before, audit.snapshot(vehicle, VEHICLE_AUDIT)))
    return vehicle


async def transfer_vehicle(session: AsyncSession, actor: Actor, vehicle_id: object, new_owner_id: object,
                           note: str | None = None) -> Vehicle:
    """Hand the vehicle to another customer: the open ownership closes, a new one opens; the past stays."""
    errors = Collector()
    clean_note = v.text(errors, "note", note, max_len=1000)
    errors.raise_if_any()
    vehicle = await get_vehicle(session, actor, vehicle_id, "vehicleId", for_update=True)
    customer = await get_customer(session, actor, new_owner_id, "newOwnerId")
    if vehicle.owner_id == customer.id:
        raise DomainError(ErrorCode.ALREADY_OWNER, "newOwnerId")
    now = utcnow()
    await _close_ownership(session, actor, vehicle, now)
    _open_ownership(session, actor, vehicle, customer.id, now, clean_note)
    audit.record(session, actor, "Vehicle", vehicle.id, "transfer",
                 {"owner_id": {"before": audit._plain(vehicle.owner_id), "after": str(customer.id)}})
    vehicle.owner_id = customer.id
    vehicle.version += 1
    await session.flush()
    return vehicle


async def record_mileage(session: AsyncSession, actor: Actor, vehicle_id: object, mileage: object,
                         reason: str | None = None) -> Vehicle:
    """Log an odometer reading. One lower than the last needs a reason (a new instrument cluster, a typo...)."""
    errors = Collector()
    value = _mileage(errors, mileage)
    if value is None and not errors.errors:
        errors.add(ErrorCode.REQUIRED, "mileage")
    clean_reason = v.text(errors, "reason", reason, max_len=1000)
    errors.raise_if_any()
    vehicle = await get_vehicle(session, actor, vehicle_id, "vehicleId", for_update=True)
    if vehicle.mileage is not None and value < vehicle.mileage and clean_reason is None:
        raise DomainError(ErrorCode.MILEAGE_DECREASE_NEEDS_REASON, "reason", mileage=value, last=vehicle.mileage)
    audit.record(session, actor, "Vehicle", vehicle.id, "mileage",
                 {"mileage": {"before": vehicle.mileage, "after": value}, **(
                     {"reason": {"before": None, "after": clean_reason}} if clean_reason else {})})
    _add_reading(session, actor, vehicle, value, utcnow(), clean_reason)
    vehicle.version += 1
    await session.flush()
    return vehicle


async def list_vehicles(session: AsyncSession, actor: Actor, *, search: str | None = None, limit: int = 20,
                        after: tuple[str, object] | None = None) -> list[Vehicle]:
    """Vehicles by (registration, id), `limit + 1` rows.

    `search` matches registration (however it is typed) or VIN, and the name, phone or email of the owner.
    """
    term = _search_term(search)
    query = select(Vehicle).where(Vehicle.garage_id == actor.garage_id)
    if term is not None:
        parts = [select(Vehicle.id).where(Vehicle.garage_id == actor.garage_id,
                                          Vehicle.owner_id.in_(_customer_match(actor, term)))]
        own = _vehicle_match(actor, term, Vehicle.id)
        if own is not None:
            parts.append(own)
        query = query.where(Vehicle.id.in_(union(*parts) if len(parts) > 1 else parts[0]))
    if after is not None:
        registration, last_id = after
        last = _cursor_id(last_id)
        if last is None:
            raise DomainError(ErrorCode.INVALID_CURSOR, "after")
        query = query.where(or_(Vehicle.registration > registration,
                                and_(Vehicle.registration == registration, Vehicle.id > last)))
    query = query.order_by(Vehicle.registration, Vehicle.id).limit(limit + 1)
    return list((await session.execute(query)).scalars())
