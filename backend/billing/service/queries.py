"""Pieces of the billing lists: id filters and newest-first keyset pages."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_

from backend.core import validate as v
from backend.core.errors import Collector, DomainError, ErrorCode


def scoped_ids(query, filters):
    """`(value, column, field)`: rows whose column is the given id; a malformed id is NOT_FOUND on filter.<field>."""
    errors = Collector()
    for value, column, field in filters:
        if value is None:
            continue
        parsed = v.try_parse_id(value)
        if parsed is None:
            errors.add(ErrorCode.NOT_FOUND, f"filter.{field}")
        else:
            query = query.where(column == parsed)
    errors.raise_if_any()
    return query


def keyset(query, model, after: tuple[str, str] | None):
    """Newest first (created_at, id), continuing after the cursor's row."""
    if after is not None:
        try:
            at = dt.datetime.fromisoformat(after[0])
        except (TypeError, ValueError):
            raise DomainError(ErrorCode.INVALID_CURSOR, "after") from None
        last = v.try_parse_id(after[1])
        if at.tzinfo is None or last is None:
            raise DomainError(ErrorCode.INVALID_CURSOR, "after")
        query = query.where(or_(model.created_at < at, and_(model.created_at == at, model.id < last)))
    return query.order_by(model.created_at.desc(), model.id.desc())
