"""The JavaScript (gzipped) the PWA loads before its first screen, without Lighthouse: the sign-in screen of a new
visitor (the same measure as pwa_audit.py) and a site manager's job board right after signing in (the shell, the
board and its live connection, graphql-ws). Budget: 100 KB gzipped before the first screen.

    .venv/bin/python bench/pwa_js_budget.py [--dist pwa/dist]
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pwa_audit  # noqa: E402

BUDGET_KB = 100


def board_js(url: str) -> tuple[int, int, dict[str, int]]:
    """Bytes (raw, gzipped) of the JavaScript loaded from the sign-in screen to a signed-in board, and each chunk's."""
    from playwright.sync_api import sync_playwright

    bodies: dict[str, bytes] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=pwa_audit.CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})

        def on_response(response):
            if response.url.endswith(".js") and response.ok:
                try:
                    bodies[response.url] = response.body()
                except Exception:  # noqa: BLE001 - a redirect or an aborted load has no body
                    pass

        page.on("response", on_response)
        page.goto(url)
        form = page.get_by_test_id("sign-in-form")
        form.wait_for(timeout=15_000)
        form.locator("input[name=email]").fill("site.manager@demo.test")
        form.locator("input[name=password]").fill("mototrack-demo")
        page.get_by_test_id("sign-in-submit").click()
        page.get_by_test_id("user-name").wait_for(timeout=15_000)
        page.evaluate("location.hash = '#/board'")
        page.get_by_test_id("job-board").wait_for(timeout=15_000)
        page.wait_for_load_state("networkidle")
        browser.close()
    names = [u for u in bodies if not u.endswith(("/sw.js", "/registerSW.js"))]
    zipped = {u.rsplit("/", 1)[-1]: len(gzip.compress(bodies[u], 9)) for u in names}
    return sum(len(bodies[u]) for u in names), sum(zipped.values()), zipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", default=str(pwa_audit.REPO / "pwa" / "dist"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mototrack-js-") as tmp:
        proc, url = pwa_audit.start_server(Path(args.dist).resolve(), Path(tmp))
        try:
            raw, zipped, files = pwa_audit.first_screen_js(url)
            print(f"sign-in screen: {raw / 1024:.1f} KB raw, {zipped / 1024:.1f} KB gzipped ({', '.join(files)})")
            raw, zipped, chunks = board_js(url)
            print(f"sign-in + job board: {raw / 1024:.1f} KB raw, {zipped / 1024:.1f} KB gzipped")
            for name, size in sorted(chunks.items(), key=lambda kv: -kv[1]):
                print(f"  {name}: {size / 1024:.1f} KB gzipped")
            print(f"budget {BUDGET_KB} KB gzipped: {'within' if zipped <= BUDGET_KB * 1024 else 'OVER'}")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
