"""The technician's shift bar (offline through the outbox) and the managers' Time screen (who is in, a correction
with a reason, shifts and leave), en and th, at 360 and 1280 px; screenshots into /tmp/shots-h2/."""

from __future__ import annotations

import datetime as dt

import os
from pathlib import Path

from tests.e2e.helpers import go, graphql, new_phone, open_page, require_browser, sign_in, token_for

require_browser()

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-h2"))
STATUS = "{ myAttendance { status entries { kind endedAt } } }"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_horizontal_scroll(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_technician_clocks_in_offline_and_takes_a_break(phone, server_url):
    page = open_page(phone)
    sign_in(page, "tech")
    bar = page.get_by_test_id("shift-bar")
    bar.wait_for()
    assert bar.get_attribute("data-status") == "OUT"
    phone.set_offline(True)
    page.get_by_test_id("clock-in").click()
    page.wait_for_function("() => document.querySelector('[data-testid=shift-bar]').dataset.status === 'IN'")
    assert "Waiting to sync" in bar.inner_text()
    shot(page, "shift-bar-offline-360-en")
    tech = token_for(server_url, "tech")
    assert graphql(server_url, STATUS, token=tech)["myAttendance"]["status"] == "OUT"  # not sent yet
    phone.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_function("() => !document.querySelector('[data-testid=shift-bar]').innerText.includes('Waiting to sync')")
    assert graphql(server_url, STATUS, token=tech)["myAttendance"]["status"] == "IN"
    page.get_by_test_id("start-break").click()
    page.wait_for_function("() => document.querySelector('[data-testid=shift-bar]').dataset.status === 'ON_BREAK'")
    page.get_by_test_id("lang-th").click()
    page.wait_for_function("() => document.documentElement.lang === 'th'")
    page.wait_for_function("() => document.querySelector('[data-testid=shift-bar]').dataset.status === 'ON_BREAK'")
    assert "พักอยู่ตั้งแต่" in bar.inner_text() and page.get_by_test_id("end-break").inner_text() == "กลับมาทำงาน"
    no_horizontal_scroll(page)
    shot(page, "shift-bar-break-360-th")
    page.get_by_test_id("end-break").click()
    page.wait_for_function("() => document.querySelector('[data-testid=shift-bar]').dataset.status === 'IN'")
    page.wait_for_function("() => !document.querySelector('[data-testid=shift-bar] .chip-wait')")
    day = graphql(server_url, STATUS, token=tech)["myAttendance"]
    assert day["status"] == "IN" and [e["kind"] for e in day["entries"]] == ["SHIFT", "BREAK"]
    page.get_by_test_id("lang-en").click()
    # clocked out from another device meanwhile: this phone's queued clock-out is refused, shown, and discarded
    phone.set_offline(True)
    graphql(server_url, "mutation { clockOut(input: {}) { errors { code } } }", token=tech)
    page.get_by_test_id("clock-out").click()
    phone.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    problem = bar.get_by_test_id("op-failed")
    problem.wait_for()
    assert problem.get_by_test_id("op-error").inner_text() == "You are not clocked in."
    problem.get_by_test_id("op-discard").click()
    page.wait_for_function("() => document.querySelector('[data-testid=shift-bar]').dataset.status === 'OUT'")


def _manager(browser, server_url, width: int, locale: str):
    if width == 360:
        context = new_phone(browser, server_url, locale=locale)
    else:
        context = browser.new_context(base_url=server_url, viewport={"width": width, "height": 900}, locale=locale)
        context.set_default_timeout(15_000)
        context.page_errors = []
    page = open_page(context)
    sign_in(page, "site", english=locale.startswith("en"))
    if not locale.startswith("en") and page.locator("html").get_attribute("lang") != "th":
        page.get_by_test_id("lang-th").click()
    go(page, "attendance")
    page.get_by_test_id("attendance-screen").wait_for()
    return context, page


def test_manager_sees_the_day_corrects_an_entry_and_sets_shifts(browser, server_url):
    tech = token_for(server_url, "tech")
    clocked = graphql(server_url, "mutation { clockIn(input: {}) { errors { code } } }", token=tech)
    assert clocked["clockIn"]["errors"] == [], clocked
    for width, locale in ((1280, "en-US"), (360, "th-TH"), (1280, "th-TH"), (360, "en-US")):
        context, page = _manager(browser, server_url, width, locale)
        row = page.get_by_test_id("attendance-row").filter(has=page.get_by_test_id("correct-entry")).first
        row.wait_for()
        no_horizontal_scroll(page)
        shot(page, f"time-{width}-{locale[:2]}")
        if width == 1280 and locale == "en-US":
            page.get_by_test_id("edit-shifts").first.click()
            page.get_by_test_id("pattern-form").wait_for()
            no_horizontal_scroll(page)
            shot(page, "time-shifts-1280-en")
        assert not context.page_errors, context.page_errors
        context.close()
    context, page = _manager(browser, server_url, 360, "th-TH")
    running = page.locator("[data-testid=attendance-row][data-status=IN] [data-testid=attendance-entry][data-open=true]")
    try:
        running.first.wait_for()
    except Exception:
        shot(page, "time-failure")
        raise AssertionError(page.get_by_test_id("attendance-screen").inner_text()) from None
    running.first.get_by_test_id("correct-entry").click()
    form = page.get_by_test_id("correction-form")
    start = form.get_by_test_id("correct-start").input_value()
    # an end before the start: the server's refusal in Thai at the field, nothing changed
    began = dt.datetime.fromisoformat(start)  # the running entry's start, as the form shows it (local, minutes)
    form.get_by_test_id("correct-end").fill((began - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_test_id("correct-reason").fill("ลืมกดออกงาน")
    form.get_by_test_id("correct-save").click()
    page.get_by_test_id("field-error").first.wait_for()
    assert "เวลาสิ้นสุดต้องอยู่หลังเวลาเริ่ม" in form.inner_text() or "อนาคต" in form.inner_text()
    no_horizontal_scroll(page)
    shot(page, "time-correct-error-360-th")
    assert graphql(server_url, STATUS, token=tech)["myAttendance"]["status"] == "IN"
    # a forgotten clock-off an hour back: from 70 to 60 minutes before this clock-in (clear of the entries the test
    # before left a minute or two earlier, however slow the machine, and of midnight's hour): saved, the technician
    # is out
    form.get_by_test_id("correct-start").fill((began - dt.timedelta(minutes=70)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_test_id("correct-end").fill((began - dt.timedelta(minutes=60)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_test_id("correct-save").click()
    page.get_by_test_id("correction-form").wait_for(state="detached")
    day = graphql(server_url, STATUS, token=tech)["myAttendance"]
    assert day["status"] == "OUT" and all(e["endedAt"] for e in day["entries"])
    # shifts and leave of the technician
    page.get_by_test_id("edit-shifts").first.click()
    page.get_by_test_id("pattern-form").wait_for()
    page.locator("[data-testid=pattern-day][data-weekday='0'] [data-testid=pattern-on]").check()
    page.get_by_test_id("pattern-save").click()
    page.get_by_test_id("pattern-saved").wait_for()
    no_horizontal_scroll(page)
    shot(page, "time-shifts-360-th")
    page.get_by_test_id("absence-note").fill("งานแต่ง")
    page.get_by_test_id("absence-add").click()
    page.get_by_test_id("absence").first.wait_for()
    assert "งานแต่ง" in page.get_by_test_id("absences").inner_text()
    assert not context.page_errors, context.page_errors
    context.close()
