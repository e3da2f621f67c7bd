"""The browser test of the import screen uses the e2e server and Chromium (tests/e2e/conftest.py), scoped to this
folder so their event loop never meets the asyncio tests beside it."""

from tests.e2e.conftest import browser, pw, server_url  # noqa: F401
