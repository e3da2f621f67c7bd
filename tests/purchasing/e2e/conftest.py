"""The browser fixtures of tests/e2e (Playwright, Chromium) for the warehouse manager's screens."""

from tests.e2e.conftest import browser, phone, pw  # noqa: F401  (phone on the module's own server_url)
