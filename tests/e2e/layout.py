"""Layout checks and shell steps shared by the browser tests of the shell and the board.

`layout_problems` is the bar of issue 13: no horizontal overflow of the document, and no control covered by another
(the element at the centre of each visible control is the control itself or inside it)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

SCREENSHOTS = Path(os.environ.get("MOTOTRACK_E2E_SCREENSHOTS", Path(tempfile.gettempdir()) / "mototrack-e2e"))

# the controls whose centres must be free: buttons, links, fields of the page (hidden ones are skipped)
CONTROLS = "button, a[href], select, input:not([type=hidden]), textarea, [role=button]"

_PROBLEMS_JS = """(selector) => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) {
    problems.push(`the page is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px window`);
  }
  const what = (e) => `${e.tagName.toLowerCase()}${e.dataset.testid ? `[${e.dataset.testid}]` : ''}` +
    `${e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : ''}`;
  // every box that can scroll, even at 0: scrollIntoView below moves them, and the page is left as it was found
  const scrolled = [...document.querySelectorAll('*')]
    .filter((e) => e.scrollTop || e.scrollLeft || e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight)
    .map((e) => [e, e.scrollTop, e.scrollLeft]);
  const [sx, sy] = [window.scrollX, window.scrollY];
  for (const el of document.querySelectorAll(selector)) {
    const first = el.getBoundingClientRect();
    if (!first.width || !first.height) continue;
    if (getComputedStyle(el).visibility === 'hidden' || el.closest('[hidden], [aria-hidden=true], .sr-only')) continue;
    // a control under the fixed bars is fine while scrolling brings it clear: look where it can best be seen
    el.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x >= window.innerWidth || y >= window.innerHeight) {
      problems.push(`${what(el)} cannot be scrolled into view`);
      continue;
    }
    const top = document.elementFromPoint(x, y);
    if (!top || top === el || el.contains(top)) continue;
    const label = (el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 40);
    problems.push(`${what(el)} "${label}" is covered by ${what(top)}`);
  }
  for (const [e, top, left] of scrolled) { e.scrollTop = top; e.scrollLeft = left; }
  window.scrollTo(sx, sy);
  return problems;
}"""


def settled(page) -> None:
    """Waits two frames: a resize's ResizeObserver callbacks (the room kept for a notice) have run and been laid out."""
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))")


def layout_problems(page, selector: str = CONTROLS) -> list[str]:
    """Horizontal overflow of the document, and every visible control whose centre another element covers."""
    settled(page)
    return page.evaluate(_PROBLEMS_JS, selector)


def shoot(page, name: str, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def open_account_menu(page) -> None:
    """Opens the header's account menu (notifications, sign out) unless it is open."""
    button = page.get_by_test_id("account-menu")
    if button.get_attribute("aria-expanded") != "true":
        button.click()


def open_nav(page, screen_id: str) -> None:
    """Taps a destination of the navigation: on a phone, under "More" when the bottom bar has no room for it."""
    link = page.get_by_test_id(f"nav-{screen_id}")
    more = page.get_by_test_id("nav-more")
    if not link.count() and more.count():
        more.click()
    page.get_by_test_id(f"nav-{screen_id}").click()
