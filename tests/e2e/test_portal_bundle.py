"""Issue 15's bar on the customer portal's build: its JavaScript is at most 50 KB gzipped and holds no staff code.

Read from the built PWA (E2E_PWA_DIST or pwa/dist): the scripts portal.html loads and every chunk they import,
followed through their import statements; each chunk's source map names the modules in it. No browser needed."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import PWA_DIST

pytestmark = pytest.mark.e2e

BUDGET = 50 * 1024
_HTML_REFS = re.compile(r'<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="/([^"]+\.js)"')
_IMPORTS = re.compile(r'(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)["\'`](\./[^"\'`]+\.js)["\'`]')
_PRELOADS = re.compile(r'["\'`](assets/[^"\'`]+\.js)["\'`]')  # the chunks a dynamic import preloads


def portal_chunks(dist: Path) -> dict[str, bytes]:
    """Every JavaScript file the portal page can load: its own scripts and, transitively, what they import."""
    html = (dist / "portal.html").read_text(encoding="utf-8")
    todo = _HTML_REFS.findall(html)
    assert todo, "portal.html loads no script"
    found: dict[str, bytes] = {}
    while todo:
        rel = todo.pop()
        if rel in found:
            continue
        found[rel] = (dist / rel).read_bytes()
        base = Path(rel).parent
        text = found[rel].decode()
        todo += [(base / m).as_posix() for m in _IMPORTS.findall(text)] + _PRELOADS.findall(text)
    return {str(Path(k)): v for k, v in found.items()}


@pytest.fixture(scope="module")
def chunks():
    if not (PWA_DIST / "portal.html").exists():
        pytest.skip(f"{PWA_DIST}/portal.html is missing (build the PWA)")
    return portal_chunks(PWA_DIST)


def test_the_portal_loads_at_most_50_kb_of_javascript_gzipped(chunks):
    sizes = {name: len(gzip.compress(body, 9)) for name, body in chunks.items()}
    total = sum(sizes.values())
    print(f"\nportal JavaScript: {total / 1024:.1f} KB gzipped in {len(sizes)} files: "
          + ", ".join(f"{Path(n).name} {s / 1024:.1f} KB" for n, s in sorted(sizes.items(), key=lambda kv: -kv[1])))
    assert total <= BUDGET, f"the portal loads {total / 1024:.1f} KB of gzipped JavaScript (budget 50 KB): {sizes}"


def test_the_portal_carries_no_staff_code_nor_the_staff_catalog(chunks):
    modules: set[str] = set()
    for name in chunks:
        source_map = PWA_DIST / f"{name}.map"
        if not source_map.exists():  # only the bundler's own few lines of runtime come without a map
            assert len(chunks[name]) < 2048, f"{name} has no source map: cannot tell what is in it"
            continue
        modules |= set(json.loads(source_map.read_text())["sources"])
    staff = sorted(m for m in modules if "/src/main/" in m or m.startswith("src/main/"))
    assert not staff, f"staff modules in the portal's JavaScript: {staff}"
    catalogs = sorted(m for m in modules if "/generated/messages." in m)
    assert not catalogs, f"the staff app's whole catalog is in the portal: {catalogs}"
    assert any("/src/portal/" in m for m in modules), f"the portal's own code is not among {sorted(modules)}"
    # the staff shell's libraries stay out too: IndexedDB (idb), the outbox, Workbox
    for heavy in ("node_modules/idb/", "workbox-", "/shared/outbox", "/shared/auth"):
        assert not any(heavy in m for m in modules), f"{heavy} is in the portal's JavaScript"


def test_the_portal_page_is_not_the_installable_staff_app():
    if not (PWA_DIST / "portal.html").exists():
        pytest.skip(f"{PWA_DIST}/portal.html is missing (build the PWA)")
    html = (PWA_DIST / "portal.html").read_text(encoding="utf-8")
    assert 'rel="manifest"' not in html
    assert 'name="robots" content="noindex"' in html
    precached = (PWA_DIST / "sw.js").read_text(encoding="utf-8")
    assert "portal.html" not in precached, "the staff service worker precaches the portal"
