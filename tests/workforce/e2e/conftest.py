"""The browser fixtures of tests/e2e (a served demo server, Playwright, Chromium, a phone) for the Time screens."""

from tests.e2e.conftest import browser, phone, pw, server_url  # noqa: F401
