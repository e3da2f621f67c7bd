from __future__ import annotations

import pytest_asyncio

from tests.notifications.sinks import HttpSink


@pytest_asyncio.fixture
async def sms():
    sink = await HttpSink().start()
    yield sink
    await sink.stop()
