"""The browser fixtures of tests/e2e (Playwright, Chromium) for the dashboard's browser tests."""

from tests.e2e.conftest import browser, pw  # noqa: F401
