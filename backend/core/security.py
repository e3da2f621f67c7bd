"""Passwords (argon2), access tokens (JWT), refresh tokens and API keys (random, stored as SHA-256)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# A hash to verify against when the account does not exist, so timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))

ACCESS_ALGORITHM = "HS256"
API_KEY_PREFIX = "mtk_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def make_access_token(secret: str, *, user_id: uuid.UUID, garage_id: uuid.UUID, session_id: uuid.UUID,
                      ttl: int) -> tuple[str, int]:
    now = dt.datetime.now(dt.UTC)
    claims = {
        "sub": str(user_id),
        "gid": str(garage_id),
        "sid": str(session_id),
        "typ": "access",
        "iat": int(now.timestamp()),
        "exp": int((now + dt.timedelta(seconds=ttl)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ACCESS_ALGORITHM), ttl


def read_access_token(secret: str, token: str) -> dict | None:
    try:
        claims = jwt.decode(token, secret, algorithms=[ACCESS_ALGORITHM], options={"require": ["exp", "sub", "gid"]})
    except jwt.PyJWTError:
        return None
    return claims if claims.get("typ") == "access" else None


def new_opaque_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_key() -> str:
    return new_opaque_token(API_KEY_PREFIX)


def looks_like_api_key(token: str) -> bool:
    return token.startswith(API_KEY_PREFIX)
