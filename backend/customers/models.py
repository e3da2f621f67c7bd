from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, TimestampMixin, utcnow
from backend.core.enums import Locale
import enum


class ContactChannel(enum.Enum):
    SMS = "SMS"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    NONE = "NONE"


class CustomerKind(enum.Enum):
    """How a message addresses the customer: a person by first name (คุณ …), a company by its name."""
    PERSON = "PERSON"
    COMPANY = "COMPANY"


class VehicleKind(enum.Enum):
    """Thai rules differ by kind: the private inspection (ตรอ.) is due at 7 full years for a car, 5 for a motorcycle."""
    CAR = "CAR"
    MOTORCYCLE = "MOTORCYCLE"


class FuelType(enum.Enum):
    PETROL = "PETROL"
    DIESEL = "DIESEL"
    HYBRID = "HYBRID"
    ELECTRIC = "ELECTRIC"
    LPG = "LPG"
    CNG = "CNG"
    OTHER = "OTHER"


def _enum(cls):
    return Enum(cls, native_enum=False, length=32, validate_strings=True)


class Customer(IdMixin, TimestampMixin, Base):
    __tablename__ = "customers"
    __table_args__ = (Index("ix_customers_garage_name", "garage_id", "name", "id"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CustomerKind] = mapped_column(_enum(CustomerKind), default=CustomerKind.PERSON,
                                               server_default=CustomerKind.PERSON.value)
    phone: Mapped[str | None] = mapped_column(String(40))  # E.164 (+66812345678), normalised on the way in
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(Text)
    tax_id: Mapped[str | None] = mapped_column(String(20))
    branch: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[Locale | None] = mapped_column(_enum(Locale))
    contact_channel: Mapped[ContactChannel] = mapped_column(_enum(ContactChannel), default=ContactChannel.SMS)
    consent_sms: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_email: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Vehicle(IdMixin, TimestampMixin, Base):
    __tablename__ = "vehicles"
    __table_args__ = (
        UniqueConstraint("garage_id", "registration"),
        Index("ix_vehicles_owner", "owner_id"),
        # unique per garage when given (NULLs never clash)
        Index("ix_vehicles_garage_vin", "garage_id", "vin", unique=True),
    )

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    registration: Mapped[str] = mapped_column(String(16))  # normalised: upper case, letters and digits only
    registration_display: Mapped[str] = mapped_column(String(32))  # as written on the plate
    vin: Mapped[str | None] = mapped_column(String(17))
    make: Mapped[str | None] = mapped_column(String(80))
    model: Mapped[str | None] = mapped_column(String(80))
    year: Mapped[int | None] = mapped_column(Integer)
    colour: Mapped[str | None] = mapped_column(String(40))
    fuel: Mapped[FuelType | None] = mapped_column(_enum(FuelType))
    first_registration_date: Mapped[dt.date | None] = mapped_column(Date)
    mot_expiry: Mapped[dt.date | None] = mapped_column(Date)
    kind: Mapped[VehicleKind | None] = mapped_column(_enum(VehicleKind))  # None: a car
    insurance_expiry: Mapped[dt.date | None] = mapped_column(Date)  # Thai compulsory insurance (พ.ร.บ.)
    mileage: Mapped[int | None] = mapped_column(Integer)
    mileage_recorded_at: Mapped[dt.datetime | None]
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)


class VehicleOwnership(IdMixin, Base):
    """Who owned a vehicle and when; the open row (ended_at null) is the current owner."""

    __tablename__ = "vehicle_ownerships"
    __table_args__ = (Index("ix_vehicle_ownerships_vehicle", "vehicle_id", "started_at"),
                      Index("ix_vehicle_ownerships_customer", "customer_id"))

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class MileageReading(IdMixin, Base):
    __tablename__ = "mileage_readings"
    __table_args__ = (Index("ix_mileage_readings_vehicle", "vehicle_id", "recorded_at"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    mileage: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
