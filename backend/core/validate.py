"""Small input checks shared by services. Each adds to a Collector so a form learns every bad field at once."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from backend.core.errors import Collector, DomainError, ErrorCode

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9 ()\-]{6,20}$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: str | None) -> str | None:
    """Trim and drop control characters; empty becomes None."""
    if value is None:
        return None
    value = _CONTROL_RE.sub("", value).strip()
    return value or None


def text(errors: Collector, field: str, value: str | None, *, required: bool = False, max_len: int = 200,
         min_len: int = 0) -> str | None:
    value = clean(value)
    if value is None:
        if required:
            errors.add(ErrorCode.REQUIRED, field)
        return None
    if len(value) > max_len:
        errors.add(ErrorCode.TOO_LONG, field, max=max_len)
        return None
    if len(value) < min_len:
        errors.add(ErrorCode.TOO_SHORT, field, min=min_len)
        return None
    return value


def email(errors: Collector, field: str, value: str | None, *, required: bool = False) -> str | None:
    value = text(errors, field, value, required=required, max_len=254)
    if value is None:
        return None
    if not EMAIL_RE.match(value):
        errors.add(ErrorCode.INVALID_EMAIL, field)
        return None
    return value.lower()


def phone(errors: Collector, field: str, value: str | None, *, required: bool = False) -> str | None:
    value = text(errors, field, value, required=required, max_len=40)
    if value is None:
        return None
    if not PHONE_RE.match(value) or sum(c.isdigit() for c in value) < 6:
        errors.add(ErrorCode.INVALID_PHONE, field)
        return None
    return value


def tax_id(errors: Collector, field: str, value: str | None) -> str | None:
    """Thai tax IDs have 13 digits with a check digit (python-stdnum's Thai rules: a person's ID card number or a
    company's registration number); other countries' (GSTIN, UK VAT) are letters and digits up to 20."""
    from stdnum.th import tin

    value = text(errors, field, value, max_len=20)
    if value is None:
        return None
    compact = re.sub(r"[\s\-]", "", value).upper()
    if not compact.isalnum():
        errors.add(ErrorCode.INVALID_TAX_ID, field)
        return None
    if compact.isdigit() and (len(compact) != 13 or not tin.is_valid(compact)):
        errors.add(ErrorCode.INVALID_TAX_ID, field)
        return None
    return compact


def branch_code(errors: Collector, field: str, value: str | None) -> str | None:
    """A buyer's branch as the Revenue Department writes it: 00000 for the head office (also typed "head office" or
    สำนักงานใหญ่), else the branch number, up to 5 digits, stored padded (1 -> 00001). Empty: no branch on file."""
    value = text(errors, field, value, max_len=40)
    if value is None:
        return None
    if value.lower() in ("head office", "สำนักงานใหญ่"):
        return "00000"
    if not (value.isdigit() and len(value) <= 5):
        errors.add(ErrorCode.INVALID_BRANCH_CODE, field)
        return None
    return value.zfill(5)


def parse_id(value: object, field: str = "id") -> uuid.UUID:
    """Parse an ID from a client; a malformed one is simply not found."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise DomainError(ErrorCode.NOT_FOUND, field) from None


def try_parse_id(value: object) -> uuid.UUID | None:
    try:
        return parse_id(value)
    except DomainError:
        return None


def check_version(record, expected_version: int | None, field: str = "expectedVersion") -> None:
    """A stale edit (the record changed since the client read it) gets CONFLICT; the payload then carries the
    current record."""
    if expected_version is not None and record.version != expected_version:
        raise DomainError(ErrorCode.CONFLICT, field, current=record.version)


async def ensure_new_id(session, model, record_id: uuid.UUID | None) -> None:
    """An id chosen by the client (an offline phone) must not be taken already.

    Ids are one key space for every garage, so an id another garage uses cannot be given out either. The refusal
    must not tell the caller which garage holds it: whether the row is the caller's own or another garage's, the
    answer is the same ALREADY_EXISTS on `id`, with no parameters. Only the key column is read (no row is loaded
    into the caller's session, where it could later be found by identity), and the query is the same primary-key
    probe whoever owns the row, so the two cases cost the same.
    """
    if record_id is None:
        return
    taken = (await session.execute(
        select(model.id).where(model.id == record_id).limit(1))).first()
    if taken is not None:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "id")
