"""Extract N_() messages from backend/ into both catalogs, keeping existing translations.

    python tools/update_catalogs.py            # add new messages (Thai left empty: the test then fails until translated)
    python tools/update_catalogs.py --check    # exit 1 when a message is missing from a catalog
    python tools/update_catalogs.py --prune    # also drop backend messages no longer in the code (not the PWA's)
    python tools/update_catalogs.py --th FILE.json   # also fill Thai translations from {"msgid": "ไทย"}
                                                     # (a key "ctx\x04msgid" names a message with a context)

Several people may run it at once on one checkout: it holds an exclusive lock on backend/locale/.lock while it
reads and writes the catalogs.
"""

from __future__ import annotations

import fcntl
import json
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
    # Python sources, and the Jinja2 templates of documents, mail and SMS ({{ _("...") }}, {% trans %})
    method_map = [
        ("**.py", "python"),
        ("templates/**.html", "jinja2.ext:babel_extract"),
        ("templates/**.txt", "jinja2.ext:babel_extract"),
    ]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"},
               "templates/**.txt": {"extensions": "jinja2.ext.i18n"}}
    for filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT / "backend"), method_map=method_map, options_map=options, keywords=KEYWORDS
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


def thai_from_args(argv: list[str]) -> dict[tuple[str, str | None], str]:
    out: dict[tuple[str, str | None], str] = {}
    for i, arg in enumerate(argv):
        if arg == "--th" and i + 1 < len(argv):
            for key, value in json.loads(Path(argv[i + 1]).read_text(encoding="utf-8")).items():
                context, _, msgid = key.rpartition("\x04")
                out[(msgid, context or None)] = value
    return out


def main() -> int:
    LOCALES.mkdir(parents=True, exist_ok=True)
    with (LOCALES / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _update()


def _update() -> int:
    check = "--check" in sys.argv
    thai = thai_from_args(sys.argv)
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
        if "--prune" in sys.argv and not check:
            wanted = {(message, context) for message, context, _ in messages}
            for entry in list(catalog):
                if entry.id and entry.context != "pwa" and (entry.id, entry.context) not in wanted:
                    catalog.delete(entry.id, entry.context)
        if lang == "th" and not check:
            for (msgid, context), value in thai.items():
                entry = catalog.get(msgid, context)
                if entry is None:
                    catalog.add(msgid, value, context=context)
                else:
                    entry.string = value
                    entry.flags.discard("fuzzy")
        if not check:
            path = LOCALES / lang / "LC_MESSAGES" / "messages.po"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as fh:
                write_po(fh, catalog, width=120, omit_header=False, include_lineno=False)
    return 1 if (check and missing) else 0


if __name__ == "__main__":
    sys.exit(main())
