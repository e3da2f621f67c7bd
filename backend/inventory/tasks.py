"""The daily low-stock message: once a day, at SEND_HOUR in the garage's time zone, each active warehouse manager of
a garage with active items at or under their reorder point (garage total) hears how many and the emptiest few, by
push through the notification outbox. The worker's cron runs the scan hourly; a garage whose local hour is another
is skipped, and the dedupe key (event, garage's local date, manager) keeps a second scan that day from sending again.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.db import utcnow
from backend.core.permissions import Role

EVENT = "low_stock_daily"
SEND_HOUR = 7
SHOWN = 5


async def send_low_stock_messages(session: AsyncSession, now: dt.datetime | None = None,
                                  garage_id: uuid.UUID | None = None) -> list:
    """The day's messages for every garage (or one) whose local hour is SEND_HOUR; returns the rows written."""
    from backend.accounts.models import Garage, User
    from backend.billing.service.common import zone_of
    from backend.core.actor import Actor
    from backend.core.permissions import permissions_for_role
    from backend.inventory import service
    from backend.notifications.models import Channel
    from backend.notifications.outbox import enqueue

    now = now or utcnow()
    query = select(Garage)
    if garage_id is not None:
        query = query.where(Garage.id == garage_id)
    written = []
    for garage in (await session.execute(query)).scalars():
        local = now.astimezone(zone_of(garage))
        if local.hour != SEND_HOUR:
            continue
        actor = Actor(garage_id=garage.id, permissions=permissions_for_role(Role.ADMIN), role=Role.ADMIN,
                      name="low-stock scan")
        low = await service.low_stock_items(session, actor, limit=500)
        if not low:
            continue
        managers = (await session.execute(select(User).where(
            User.garage_id == garage.id, User.active.is_(True), User.role == Role.WAREHOUSE_MANAGER))).scalars()
        for manager in managers:
            locale = manager.locale.value.lower() if manager.locale else garage.default_locale.value.lower()
            names = [(i.name_th if locale == "th" and i.name_th else i.name_en) for i in low[:SHOWN]]
            row = await enqueue(session, garage_id=garage.id, event=EVENT, channel=Channel.PUSH, locale=locale,
                                user_id=manager.id, dedupe_key=f"{EVENT}:{local.date().isoformat()}:{manager.id}",
                                context={"count": len(low), "items": ", ".join(names),
                                         "more": max(0, len(low) - SHOWN), "url": "/staff/stock"})
            if row is not None:
                written.append(row)
    return written


async def low_stock_task(ctx) -> int:
    """The worker's cron (hourly): one scan of every garage in one transaction."""
    async with ctx["db"].transaction() as session:
        return len(await send_low_stock_messages(session))
