"""The installation's VAPID key pair: made on first use, stored in the database (every API process and worker shares
it) and never regenerated, since every browser subscription is bound to the public key."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backend.core.db import utcnow
from backend.notifications.models import VapidKey

_cache: dict[str, tuple[str, str]] = {}


def _new_pair() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    raw = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return pem, base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def vapid_keys(db) -> tuple[str, str]:
    """(private key PEM, public key base64url). The first caller makes them; a concurrent twin's insert is a no-op."""
    cached = _cache.get(db.url)
    if cached:
        return cached
    async with db.read() as session:
        row = (await session.execute(select(VapidKey).where(VapidKey.id == 1))).scalar_one_or_none()
    if row is None:
        pem, public = _new_pair()
        async with db.transaction() as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            await session.execute(insert(VapidKey).values(id=1, private_key=pem, public_key=public,
                                                          created_at=utcnow()).on_conflict_do_nothing())
        async with db.read() as session:
            row = (await session.execute(select(VapidKey).where(VapidKey.id == 1))).scalar_one()
    _cache[db.url] = (row.private_key, row.public_key)
    return _cache[db.url]


def forget_cached_keys() -> None:
    _cache.clear()
