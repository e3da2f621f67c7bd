"""Rules and helpers shared by customers and vehicles: registration, VIN, mileage, years, search terms."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from backend.core import validate as v
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.customers.vin import check_digit_ok

_UNSET = object()

MAX_SEARCH = 200
MAX_MILEAGE = 2_000_000
MIN_YEAR = 1900
MAX_REGISTRATION = 12
MAX_NOTES = 5000

# Plates: Latin letters, Thai consonants (ก..ฮ) and digits. Spaces, dashes and dots are only separators.
_REGISTRATION_RE = re.compile(r"^[A-Z0-9\u0e01-\u0e2e]{1,%d}$" % MAX_REGISTRATION)
_SEPARATORS_RE = re.compile(r"[\s\-.]+")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def normalize_registration(value: str | None) -> str:
    """'ab12 cde', 'AB-12-CDE' and 'ab.12.cde' all become 'AB12CDE'. Not validated here."""
    if value is None:
        return ""
    return _SEPARATORS_RE.sub("", v.clean(value) or "").translate(_THAI_DIGITS).upper()


def _registration(errors: Collector, value: object) -> tuple[str, str] | None:
    """(normalised, as typed) or None after adding an error."""
    display = v.clean(value if isinstance(value, str) else None)
    if display is None:
        errors.add(ErrorCode.REQUIRED, "registration")
        return None
    display = re.sub(r"\s+", " ", display)
    normalized = normalize_registration(display)
    if len(display) > 32 or not _REGISTRATION_RE.match(normalized):
        errors.add(ErrorCode.INVALID_REGISTRATION, "registration")
        return None
    return normalized, display


def _vin(errors: Collector, value: object) -> str | None:
    vin = v.clean(value if isinstance(value, str) else None)
    if vin is None:
        return None
    vin = re.sub(r"[\s\-]", "", vin).upper()
    if not _VIN_RE.match(vin):
        errors.add(ErrorCode.INVALID_VIN, "vin")
        return None
    if not check_digit_ok(vin):  # North American and Chinese VINs only, as the app decides
        errors.add(ErrorCode.VIN_CHECK_DIGIT, "vin", vin=vin)
        return None
    return vin


def _mileage(errors: Collector, value: object, field: str = "mileage") -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MILEAGE:
        errors.add(ErrorCode.INVALID_MILEAGE, field, min=0, max=MAX_MILEAGE)
        return None
    return value


def _year(errors: Collector, value: object) -> int | None:
    if value is None:
        return None
    top = utcnow().year + 1
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_YEAR <= value <= top:
        errors.add(ErrorCode.INVALID_YEAR, "year", min=MIN_YEAR, max=top)
        return None
    return value


def _date(errors: Collector, field: str, value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date) and MIN_YEAR <= value.year <= 2200:
        return value
    errors.add(ErrorCode.INVALID_VALUE, field)
    return None


def _enum_value(errors: Collector, field: str, value: object, cls, *, required: bool = False):
    if value is None:
        if required:
            errors.add(ErrorCode.REQUIRED, field)
        return None
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except ValueError:
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None


def _like_pattern(term: str) -> str:
    """A LIKE pattern matching `term` anywhere; % and _ typed by the user are literal."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_term(search: str | None) -> str | None:
    term = v.clean(search)
    if term is None:
        return None
    if len(term) > MAX_SEARCH:
        raise DomainError(ErrorCode.TOO_LONG, "search", max=MAX_SEARCH)
    return term


def _cursor_id(value: object) -> uuid.UUID | None:
    return v.try_parse_id(value)
