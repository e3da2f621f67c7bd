"""Passwords (argon2), access tokens (JWT), refresh tokens and API keys (random, stored as SHA-256)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
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
                      ttl: int, issued_at: dt.datetime | None = None) -> tuple[str, int]:
    """The same claims and issue time give the same token (HS256 is deterministic): a refresh answered again within
    the grace window hands out exactly the access token it first did."""
    now = issued_at or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
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


def read_access_token_unverified(token: str) -> dict:
    """The claims of an access token already verified by read_access_token (its expiry, its sign-in), or {}."""
    try:
        return jwt.decode(token, options={"verify_signature": False, "verify_exp": False})
    except jwt.PyJWTError:
        return {}


def new_opaque_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def successor_refresh_token(secret: str, token: str) -> str:
    """The refresh token a rotation of `token` gives: derived from it under the server's secret, so every request
    that rotates the same token (two tabs waking together) names the same successor, and only the server can."""
    mac = hmac.new(secret.encode(), b"refresh-successor\0" + token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_key() -> str:
    return new_opaque_token(API_KEY_PREFIX)


def looks_like_api_key(token: str) -> bool:
    return token.startswith(API_KEY_PREFIX)
