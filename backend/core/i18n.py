"""Translations from the Babel catalogs in backend/locale/<lang>/LC_MESSAGES/messages.po.

Messages are English source text marked with N_() where they are defined and translated when they reach a person.
The .po files are read directly (no compile step to forget); a test fails when a Thai message is missing or fuzzy.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
SUPPORTED_LOCALES = ("en", "th")
DEFAULT_LOCALE = "en"


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated later, where the reader's locale is known."""
    return message


@lru_cache(maxsize=None)
def _catalog(locale: str) -> dict[tuple[str | None, str], str]:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    out: dict[tuple[str | None, str], str] = {}
    for message in catalog:
        if not message.id or message.fuzzy or not message.string:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        msgstr = message.string if isinstance(message.string, str) else message.string[0]
        out[(message.context, msgid)] = msgstr
    return out


def normalize_locale(value: str | None) -> str | None:
    if not value:
        return None
    lang = value.strip().replace("_", "-").split("-")[0].lower()
    return lang if lang in SUPPORTED_LOCALES else None


def negotiate(accept_language: str | None) -> str | None:
    """Pick a supported locale from an Accept-Language header, honouring q values."""
    if not accept_language:
        return None
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        bits = part.strip().split(";")
        lang = normalize_locale(bits[0])
        if not lang:
            continue
        q = 1.0
        for bit in bits[1:]:
            bit = bit.strip()
            if bit.startswith("q="):
                try:
                    q = float(bit[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            choices.append((-q, index, lang))
    return min(choices)[2] if choices else None


ENUM_LABELS: dict[object, str] = {}


def register_labels(labels: dict) -> dict:
    """Human names (marked with N_) for enum values, used when a value appears inside a message."""
    ENUM_LABELS.update(labels)
    return labels


def label(locale: str | None, value: object) -> str:
    text = ENUM_LABELS.get(value)
    if text is None:
        return str(getattr(value, "value", value))
    return translate(locale, text)


def translate(locale: str | None, message: str, context: str | None = None, **params: object) -> str:
    params = {k: (label(locale, v) if v in ENUM_LABELS else v) if _hashable(v) else v for k, v in params.items()}
    text = message
    if locale and locale != "en":
        text = _catalog(locale).get((context, message), message)
    if params:
        try:
            text = text.format(**params)
        except (KeyError, IndexError, ValueError):
            text = message.format(**params)
    return text


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def buddhist_year(value: dt.date) -> int:
    """Thai documents count years in the Buddhist era (Gregorian + 543)."""
    return value.year + 543
