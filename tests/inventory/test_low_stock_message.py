"""The daily low-stock message (issue 18): at 07:00 in the garage's time zone each active warehouse manager gets one
push, in their language, naming how many items are at or under their reorder point and the emptiest few; a second
scan that day sends nothing, another hour sends nothing, and a garage with nothing low hears nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from backend.core.permissions import Role
from backend.inventory import service, tasks
from backend.notifications.models import Channel, Notification
from backend.notifications.templates import render_file

pytestmark = pytest.mark.asyncio

# 07:10 in Bangkok (UTC+7)
SEVEN_IN_BANGKOK = dt.datetime(2026, 12, 4, 0, 10, tzinfo=dt.UTC)


async def _items(db, garage, rows):
    async with db.transaction() as s:
        for sku, name_en, name_th, quantity, reorder in rows:
            await service.create_item(s, garage.actor(Role.WAREHOUSE_MANAGER), service.ItemInput(
                sku=sku, name_en=name_en, name_th=name_th, reorder_point=reorder), initial_quantity=quantity)


async def test_the_warehouse_manager_hears_once_a_day_of_low_stock(db, garage, other_garage):
    await _items(db, garage, [("CAB-01", "Cabin filter", "ไส้กรองแอร์", 3, 6), ("BAT-65", "Battery 65 Ah",
                                                                                "แบตเตอรี่ 65 แอมป์", 0, 3),
                              ("OIL-4L", "Engine oil 4 L", "น้ำมันเครื่อง 4 ลิตร", 30, 10)])
    await _items(db, other_garage, [("PLENTY", "Plenty", None, 50, 5)])
    async with db.transaction() as s:
        assert await tasks.send_low_stock_messages(s, SEVEN_IN_BANGKOK - dt.timedelta(hours=1)) == []
    async with db.transaction() as s:
        written = await tasks.send_low_stock_messages(s, SEVEN_IN_BANGKOK)
    manager = garage.users[Role.WAREHOUSE_MANAGER]
    assert [(n.garage_id, n.user_id, n.event, n.channel) for n in written] == [
        (garage.id, manager.id, "low_stock_daily", Channel.PUSH)]  # the other garage has nothing low
    context = written[0].context
    assert (context["count"], context["more"]) == (2, 0)
    async with db.transaction() as s:  # the scan runs hourly: later that day, nothing again
        assert await tasks.send_low_stock_messages(s, SEVEN_IN_BANGKOK + dt.timedelta(minutes=50)) == []
    async with db.read() as s:
        rows = (await s.execute(select(Notification).where(Notification.event == "low_stock_daily"))).scalars().all()
    assert len(rows) == 1
    locale = rows[0].locale
    rendered = render_file("low_stock_daily", Channel.PUSH, locale, rows[0].context)
    if locale == "th":
        assert rendered.subject == "สินค้าใกล้หมด 2 รายการ"
        assert rendered.text == "แบตเตอรี่ 65 แอมป์, ไส้กรองแอร์ เหลือถึงหรือต่ำกว่าจุดสั่งซื้อแล้ว"
    else:
        assert rendered.subject == "Low stock: 2 items"
        assert rendered.text == "Battery 65 Ah, Cabin filter at or under the reorder point."
    other = render_file("low_stock_daily", Channel.PUSH, "th" if locale == "en" else "en",
                        {**rows[0].context, "more": 3})
    assert "3" in other.text
    async with db.transaction() as s:  # the next morning it is said again
        again = await tasks.send_low_stock_messages(s, SEVEN_IN_BANGKOK + dt.timedelta(days=1))
    assert len(again) == 1
