"""The MOT tests here need a UK garage: a garage whose country is Thailand (the default for the Asia/Bangkok time
zone the shared fixtures use) gets the Thai vehicle duties instead. `garage` and `other_garage` are made UK (country
GB, same time zone); `thai_garage` is a Thai one (tests/notifications/test_thai_reminders.py)."""

from __future__ import annotations

import pytest_asyncio
from sqlalchemy import update

from backend.accounts.models import Garage
from tests.conftest import make_garage


async def with_country(app, world, country: str | None):
    async with app.state.services.db.transaction() as session:
        await session.execute(update(Garage).where(Garage.id == world.id).values(country=country))
    world.garage.country = country
    return world


@pytest_asyncio.fixture
async def garage(app):
    return await with_country(app, await make_garage(app, "Garage One"), "GB")


@pytest_asyncio.fixture
async def other_garage(app):
    return await with_country(app, await make_garage(app, "Garage Two"), "GB")


@pytest_asyncio.fixture
async def thai_garage(app):
    return await with_country(app, await make_garage(app, "อู่ช่างเอก บางนา"), "TH")
