"""UUIDv7 primary keys: time-ordered, so new rows append to indexes, and safe to choose on the client."""

import uuid

from uuid6 import uuid7


def new_id() -> uuid.UUID:
    return uuid.UUID(bytes=uuid7().bytes)
