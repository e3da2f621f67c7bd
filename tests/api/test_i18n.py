"""Every message is translated into Thai, and the locale of a request is chosen as DESIGN.md says."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from backend.core.i18n import buddhist_year, negotiate, translate

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_is_in_both_catalogs():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "update_catalogs.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_thai_message_is_missing_or_fuzzy():
    with (ROOT / "backend/locale/th/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="th")
    bad = [m.id for m in catalog if m.id and (m.fuzzy or not m.string)]
    assert bad == []
    for m in catalog:
        if m.id and "{" in str(m.id):
            # placeholders survive translation
            import re

            assert set(re.findall(r"{\w+}", str(m.id))) == set(re.findall(r"{\w+}", str(m.string))), m.id


def test_translate_and_negotiate():
    assert translate("th", "Not found.") == "ไม่พบข้อมูล"
    assert translate("en", "Must be at most {max} characters.", max=5) == "Must be at most 5 characters."
    assert negotiate("th-TH,th;q=0.9,en;q=0.8") == "th"
    assert negotiate("en-GB;q=0.5, th;q=0.9") == "th"
    assert negotiate("fr, de") is None
    assert negotiate("") is None


def test_buddhist_year():
    import datetime as dt

    assert buddhist_year(dt.date(2026, 11, 21)) == 2569
