"""Webhook test set-up: one real receiver on 127.0.0.1 per module, the settings that let webhooks reach it, and a
runner (the embedded mode's in-process relay) the test starts itself."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
import pytest_asyncio

from backend.integrations.webhooks.runner import WebhookRunner
from tests.conftest import make_settings
from tests.integrations.webhooks.receiver import Receiver

DOC = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"


@pytest.fixture(scope="module")
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def hook(receiver):
    receiver.reset()
    return receiver


def hook_settings(database_url: str, **overrides):
    values = dict(webhook_allowed_hosts="127.0.0.1", webhook_backoff_seconds=(0.3, 0.3),
                  webhook_disable_after=2, webhook_timeout_seconds=2.0, notification_poll_seconds=0.1)
    values.update(overrides)
    return make_settings(database_url, **values)


@pytest_asyncio.fixture
async def runner(app, database_url):
    """The in-process runner with the test settings, started (it is the outbox's dispatcher while it runs)."""
    started = WebhookRunner(app.state.services.db, hook_settings(database_url))
    started.start()
    yield started
    await started.stop()


async def until(check, timeout: float = 10.0):
    """Wait for `await check()` to be truthy (a delivery's outcome), polling; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.05)


def documented_verify():
    """The `verify` function of docs/webhooks.md, run as written there."""
    text = DOC.read_text(encoding="utf-8")
    code = re.search(r"```python\n(import hashlib.*?)```", text, re.S).group(1)
    scope: dict = {}
    exec(compile(code, str(DOC), "exec"), scope)  # noqa: S102 - the documented recipe, from this repository
    return scope["verify"]
