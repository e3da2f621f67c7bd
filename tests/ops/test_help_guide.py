"""The user guide at /help: built from docs/help/<lang>/*.md by pwa/scripts/help-docs.mjs (run here into a temporary
build, so the test always reads the guide as it is now) and served by the app in English and Thai, a contents page
per language, one page per chapter, an anchor per section, under the app's CSP.

Also the guide's two promises: every screen of the staff app's registry has a section its "?" opens (in both
languages), and every picture the guide shows is one the e2e tests take (tests/e2e/test_help_screens.py SHOTS).
"""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from backend.app import create_app
from backend.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
HELP_MD = ROOT / "docs" / "help"
SRC = ROOT / "pwa" / "src" / "main"
REGISTRIES = (SRC / "screens.ts", SRC / "staff" / "screens.ts", SRC / "technician" / "screens.ts")
E2E_SHOTS = ROOT / "tests" / "e2e" / "test_help_screens.py"
LANGS = ("en", "th")
THAI = re.compile(r"[\u0e00-\u0e7f]")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.images: list[str] = []
        self.tags: list[str] = []
        self.inline_styles = 0
        self.lang = None
        self.h2: dict[str, str] = {}
        self._in_h2: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.lang = attrs.get("lang")
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "h2":
            self._in_h2 = attrs.get("id")
            self.h2[self._in_h2] = ""
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs["src"])
        if "style" in attrs or tag == "style":
            self.inline_styles += 1

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in_h2 = None

    def handle_data(self, data):
        if self._in_h2:
            self.h2[self._in_h2] += data


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def chapters() -> list[str]:
    text = (ROOT / "pwa" / "scripts" / "help-docs.mjs").read_text(encoding="utf-8")
    block = text[text.index("export const CHAPTERS"):text.index("];", text.index("export const CHAPTERS"))]
    return re.findall(r"'([a-z-]+)'", block)


def registry_ids() -> set[str]:
    """Every screen id of the three registries screens.ts merges."""
    found = set()
    for source in REGISTRIES:
        ids = re.findall(r"\bid:\s*'([^']+)'", source.read_text(encoding="utf-8"))
        assert ids, f"no screen ids parsed from {source}"
        found.update(ids)
    return found


def help_sections() -> dict[str, str]:
    text = (SRC / "help.ts").read_text(encoding="utf-8")
    start = text.index("HELP_SECTIONS")
    return dict(re.findall(r"^\s*'?([a-z-]+)'?:\s*'([a-z-]+#[a-z0-9-]+)'", text[start:text.index("};", start)], re.M))


def e2e_shots() -> set[str]:
    """The pictures tests/e2e/test_help_screens.py writes: <screen>-<width>-<lang>.png for each SHOTS entry."""
    text = E2E_SHOTS.read_text(encoding="utf-8")
    block = text[text.index("SHOTS: dict"):text.index("\n}\n", text.index("SHOTS: dict"))]
    entries = re.findall(r'"([a-z-]+)":\s*\("[a-z]+",\s*\(([\d,\s]+)\)\)', block)
    assert entries, "no SHOTS parsed from the e2e test"
    assert re.search(r'LANGS = \("en", "th"\)', text)
    return {f"{screen}-{width}-{lang}.png" for screen, widths in entries
            for width in re.findall(r"\d+", widths) for lang in LANGS}


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """A build holding only the guide (and a stand-in app page): what `npm run build` writes under dist/help."""
    out = tmp_path_factory.mktemp("help-dist")
    (out / "index.html").write_text("<!doctype html><title>MotoTrack</title><main id=main></main>")
    done = subprocess.run(["node", str(ROOT / "pwa" / "scripts" / "help-docs.mjs"), str(out)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture
async def guide(dist, tmp_path):
    settings = Settings(env="test", pwa_dist=dist, data_dir=tmp_path,
                        database_url=f"sqlite+aiosqlite:///{tmp_path / 'help.db'}")
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


async def test_help_opens_in_the_readers_language_with_a_contents_page_per_language(guide):
    for accept, lang in (("th-TH,th;q=0.9,en;q=0.5", "th"), ("en-GB,en;q=0.9", "en"), ("en;q=0.4,th;q=0.8", "th"),
                         ("fr-FR", "en"), ("", "en")):
        response = await guide.get("/help", headers={"accept-language": accept}, follow_redirects=False)
        assert response.status_code == 307 and response.headers["location"] == f"/help/{lang}/", accept
    response = await guide.get("/help/th", follow_redirects=False)
    assert response.status_code == 308 and response.headers["location"] == "/help/th/"
    for lang in LANGS:
        response = await guide.get(f"/help/{lang}/")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
        assert "script-src" in response.headers["content-security-policy"]
        page = parse(response.text)
        assert page.lang == lang
        assert "script" not in page.tags and page.inline_styles == 0  # nothing the CSP would block
        for chapter in chapters():  # the contents page links every chapter
            assert chapter in page.links, (lang, chapter)
        other = "th" if lang == "en" else "en"
        assert f"../{other}/" in page.links  # the other language, one tap away
    assert (await guide.get("/help/help.css")).headers["content-type"].startswith("text/css")
    assert (await guide.get("/help/en/nothing-here")).status_code == 404


async def test_every_chapter_is_served_in_both_languages_with_the_same_sections_and_working_links(guide):
    sections: dict[str, dict[str, dict[str, str]]] = {}
    for lang in LANGS:
        sections[lang] = {}
        for chapter in chapters():
            response = await guide.get(f"/help/{lang}/{chapter}")
            assert response.status_code == 200, (lang, chapter)
            page = parse(response.text)
            assert page.lang == lang and page.inline_styles == 0 and "script" not in page.tags
            assert page.h2, (lang, chapter)
            sections[lang][chapter] = page.h2
            for anchor, heading in page.h2.items():
                if lang == "th":  # the Thai guide is written in Thai, not the English left in place
                    assert THAI.search(heading), f"th/{chapter}#{anchor}: {heading!r}"
                assert f"#{anchor}" in page.links  # the page's own contents
            for href in {h for h in page.links if not h.startswith(("http", "mailto:", "#", "/"))}:
                target, _, anchor = href.partition("#")
                if target.startswith("../"):  # the other language: ../th/<chapter>
                    url = "/help/" + target.removeprefix("../")
                else:
                    url = f"/help/{lang}/{target.removeprefix('./')}"
                linked = await guide.get(url)
                assert linked.status_code == 200, (lang, chapter, href)
                if anchor:
                    assert anchor in parse(linked.text).ids, (lang, chapter, href)
            for src in page.images:
                image = await guide.get(f"/help/{lang}/{src}".replace(f"/{lang}/../", "/"))
                assert image.status_code == 200 and image.headers["content-type"] == "image/png", src
                assert src.endswith(f"-{lang}.png"), f"{lang}/{chapter} shows {src}, a picture of the other language"
    for chapter in chapters():
        assert list(sections["en"][chapter]) == list(sections["th"][chapter]), chapter
    # the admin's guide covers what running it takes
    for anchor in ("install", "upgrade", "backups", "settings", "production-checklist"):
        assert anchor in sections["en"]["operations"], anchor
    text = (await guide.get("/help/en/operations")).text
    for needed in ("make run", "docker compose", "mototrack migrate", "mototrack backup", "mototrack restore",
                   "MOTOTRACK_SECRET_KEY", "MOTOTRACK_DATABASE_URL", "MOTOTRACK_REDIS_URL", "HSTS",
                   "MOTOTRACK_METRICS_TOKEN", "MOTOTRACK_SENTRY_DSN", "MOTOTRACK_SMTP_HOST", "MOTOTRACK_SMS_PROVIDER"):
        assert needed in text, needed


async def test_every_screen_of_the_registry_has_a_section_its_question_mark_opens_in_both_languages(guide):
    table = help_sections()
    screens = registry_ids()
    missing = sorted(screens - set(table))
    assert not missing, f"screens with no section in pwa/src/main/help.ts: {missing}"
    for lang in LANGS:
        for screen, section in table.items():
            chapter, anchor = section.split("#")
            page = await guide.get(f"/help/{lang}/{chapter}")
            assert page.status_code == 200, (lang, screen, chapter)
            assert anchor in parse(page.text).h2, f"{lang}: the ? of {screen} opens {section}, which does not exist"


def test_every_picture_the_guide_shows_is_one_an_e2e_test_takes():
    taken = e2e_shots()
    shown = set()
    for md in HELP_MD.glob("*/*.md"):
        for name in re.findall(r"!\[[^\]]*\]\(\.\./img/([^)]+)\)", md.read_text(encoding="utf-8")):
            assert name in taken, f"{md.relative_to(ROOT)} shows {name}, which no e2e test takes"
            assert (HELP_MD / "img" / name).is_file(), f"{name} is not in docs/help/img: run the e2e test"
            shown.add(name)
    assert shown, "the guide shows no screenshot"
    unused = sorted(taken - shown)
    assert not unused, f"e2e pictures the guide does not show (drop them from SHOTS or show them): {unused}"
