"""Cursor connections with a capped page size. Cursors are opaque: base64 of the sort key of the last row."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from backend.api.errors import bad_input
from backend.core.errors import ErrorCode

T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    node: T
    cursor: str


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def encode_cursor(values: Sequence[object]) -> str:
    raw = json.dumps([str(v) if v is not None else None for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, size: int, locale: str) -> list[str] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(values, list) or len(values) != size:
            raise ValueError
        return values
    except (ValueError, UnicodeDecodeError, json.JSONDecodeError):
        raise bad_input(locale, ErrorCode.INVALID_CURSOR, "after") from None


def page_size(info, first: int | None) -> int:
    settings = info.context.settings
    if first is None:
        return settings.default_page_size
    if first < 0 or first > settings.max_page_size:
        raise bad_input(info.context.locale, ErrorCode.PAGE_SIZE_TOO_LARGE, "first", max=settings.max_page_size)
    return first


def build(rows: list, limit: int, key: Callable[[object], Sequence[object]]) -> Connection:
    """`rows` was fetched with limit + 1 so we know whether another page follows."""
    has_next = len(rows) > limit
    rows = rows[:limit]
    edges = [Edge(node=row, cursor=encode_cursor(key(row))) for row in rows]
    return Connection(edges=edges, page_info=PageInfo(has_next_page=has_next,
                                                      end_cursor=edges[-1].cursor if edges else None))


def after_pair(info, after: str | None) -> tuple[str, str] | None:
    """The (sort value, id) pair of an `after` cursor, for lists ordered by one column then id."""
    values = decode_cursor(after, 2, info.context.locale)
    return (values[0], values[1]) if values is not None else None
