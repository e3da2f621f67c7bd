"""Extract N_() messages from backend/ into both catalogs, keeping existing translations.

    python tools/update_catalogs.py            # add new messages (Thai left empty: the test then fails until translated)
    python tools/update_catalogs.py --check    # exit 1 when a message is missing from a catalog
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "backend" / "locale"
KEYWORDS = {"N_": None, "_": None, "gettext": None}


def extracted() -> list[tuple[str, str | None, str]]:
    found = []
    for filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT / "backend"), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        if isinstance(message, str):
            found.append((message, context, filename))
    return found


def load(lang: str) -> Catalog:
    path = LOCALES / lang / "LC_MESSAGES" / "messages.po"
    if path.exists():
        with path.open("rb") as fh:
            return read_po(fh, locale=lang)
    return Catalog(locale=lang, project="MotoTrack", charset="utf-8")


def main() -> int:
    check = "--check" in sys.argv
    messages = extracted()
    missing = 0
    for lang in ("en", "th"):
        catalog = load(lang)
        for message, context, filename in messages:
            if catalog.get(message, context) is None:
                missing += 1
                if check:
                    print(f"{lang}: missing {message!r}")
                else:
                    catalog.add(message, "", locations=[(f"backend/{filename}", 0)], context=context)
        if not check:
            path = LOCALES / lang / "LC_MESSAGES" / "messages.po"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as fh:
                write_po(fh, catalog, width=120, omit_header=False, include_lineno=False)
    return 1 if (check and missing) else 0


if __name__ == "__main__":
    sys.exit(main())
