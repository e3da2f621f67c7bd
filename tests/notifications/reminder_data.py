"""Generated garages' worth of customers, vehicles and completed jobs, bulk-inserted (tests and bench/)."""

from __future__ import annotations

import datetime as dt
import random
import uuid

from sqlalchemy import insert, select

from backend.accounts.models import Site
from backend.core.db import utcnow
from backend.core.enums import Locale, OperationsStream, RevenueStream
from backend.core.ids import new_id
from backend.customers.models import ContactChannel, Customer, Vehicle, VehicleKind
from backend.workshop.models import Job, JobStatus

CHUNK = 2000


def _chunks(rows, size=CHUNK):
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


async def generate(session, garage_id: uuid.UUID, count: int, today: dt.date, seed: int = 1,
                   with_jobs: bool = True, history: int = 0) -> None:
    """`history`: that many older visits per vehicle besides the recent one (completed 2 to 9 years ago, so no
    reminder changes; they only give the scan's aggregate the size of a real garage's job table)."""
    rnd = random.Random(seed)
    past = random.Random(seed + 104729)  # the history, apart too
    thai = random.Random(seed + 7919)  # the Thai fields, apart: the other values stay what they were per seed
    now = utcnow() - dt.timedelta(minutes=5)  # written before the scan runs
    site_id = (await session.execute(select(Site.id).where(Site.garage_id == garage_id))).scalars().first()
    if site_id is None and with_jobs:
        site_id = new_id()
        await session.execute(insert(Site), [dict(id=site_id, garage_id=garage_id, name="Main", active=True,
                                                  created_at=now, updated_at=now)])
    customers, vehicles, jobs = [], [], []
    tag = uuid.uuid4().hex[:4].upper()
    for i in range(count):
        owner_id = None
        if rnd.random() < 0.95:
            owner_id = new_id()
            channel = rnd.choice([ContactChannel.SMS, ContactChannel.SMS, ContactChannel.EMAIL, ContactChannel.EMAIL,
                                  ContactChannel.PHONE, ContactChannel.NONE])
            customers.append(dict(
                id=owner_id, garage_id=garage_id, name=f"Customer {i}",
                phone=f"+44 7700 {i:06d}" if rnd.random() < 0.9 else None,
                email=f"c{i}@example.test" if rnd.random() < 0.9 else None,
                locale=rnd.choice([None, Locale.EN, Locale.TH]), contact_channel=channel,
                consent_sms=rnd.random() < 0.7, consent_email=rnd.random() < 0.7, version=1,
                created_at=now, updated_at=now))
        first_reg = today - dt.timedelta(days=rnd.randint(300, 15 * 366))
        if rnd.random() < 0.05:
            first_reg = dt.date(rnd.choice([2008, 2012, 2016, 2020]), 2, 29)
        expiry = today + dt.timedelta(days=rnd.randint(-60, 400)) if rnd.random() < 0.4 else None
        vehicle_id = new_id()
        mileage = mileage_at = None
        if with_jobs and rnd.random() < 0.3:
            done = now - dt.timedelta(days=rnd.randint(150, 420), hours=rnd.randint(0, 23))
            mileage_in = rnd.randint(5_000, 150_000)
            if rnd.random() < 0.6:
                mileage_at = done + dt.timedelta(days=rnd.randint(1, 140))
                mileage = mileage_in + rnd.randint(0, 12_000)
            jobs.append(dict(
                id=new_id(), garage_id=garage_id, site_id=site_id, number=f"JC-{tag}-{i:06d}", year=done.year,
                sequence=i + 1, vehicle_id=vehicle_id, customer_id=owner_id,
                operations_stream=OperationsStream.MECHANICAL, revenue_stream=RevenueStream.WALK_IN,
                status=rnd.choice([JobStatus.COMPLETED, JobStatus.INVOICED, JobStatus.BILLING]),
                mileage_in=mileage_in if rnd.random() < 0.9 else None, completed_at=done, version=1,
                created_at=done - dt.timedelta(hours=3), updated_at=done))
        for k in range(history if with_jobs else 0):
            done = now - dt.timedelta(days=past.randint(2 * 366, 9 * 366), hours=past.randint(0, 23))
            jobs.append(dict(
                id=new_id(), garage_id=garage_id, site_id=site_id, number=f"JH-{tag}-{i:06d}-{k}", year=done.year,
                sequence=count + i * history + k + 1, vehicle_id=vehicle_id, customer_id=owner_id,
                operations_stream=OperationsStream.MECHANICAL, revenue_stream=RevenueStream.WALK_IN,
                status=JobStatus.INVOICED, mileage_in=past.randint(1_000, 90_000), completed_at=done, version=1,
                created_at=done - dt.timedelta(hours=2), updated_at=done))
        vehicles.append(dict(
            id=vehicle_id, garage_id=garage_id, registration=f"G{tag}{i:06d}", registration_display=f"G{tag} {i:06d}",
            first_registration_date=first_reg, mot_expiry=expiry, owner_id=owner_id, mileage=mileage,
            kind=VehicleKind.MOTORCYCLE if thai.random() < 0.3 else VehicleKind.CAR,
            insurance_expiry=today + dt.timedelta(days=thai.randint(-30, 365)) if thai.random() < 0.6 else None,
            mileage_recorded_at=mileage_at, version=1, created_at=now, updated_at=now))
    for chunk in _chunks(customers):
        await session.execute(insert(Customer), chunk)
    for chunk in _chunks(vehicles):
        await session.execute(insert(Vehicle), chunk)
    for chunk in _chunks(jobs):
        await session.execute(insert(Job), chunk)
