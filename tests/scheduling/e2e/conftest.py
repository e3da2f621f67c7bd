"""The browser fixtures of tests/e2e (Playwright, Chromium) for the scheduling screens: imported once for the
package, so one Playwright driver serves every module here (a second one started while the first runs finds its
event loop running and refuses: CI failed on it when each module imported its own)."""

from tests.e2e.conftest import browser, pw  # noqa: F401
