"""Portal tokens and one-time codes, made from a random nonce and the application's secret.

A link row keeps `nonce` (24 bytes from `secrets`, base64url) and `token_hash` = SHA-256 of the token; the token is
HMAC-SHA256(key, nonce) cut to 22 base64url characters (132 bits, short enough for a Thai SMS; the nonce has 192
random bits), with a key derived from MOTOTRACK_SECRET_KEY under its own label. A message is rendered when it is
sent, possibly days after the link was made, so the token is made again from the row then; the database alone
(a backup, a leaked dump) holds no working token. A request's token is looked up by its hash.

A code is 6 digits from HMAC(key, "code:" + nonce) and is checked against HMAC(key, id + code), so it is
likewise not in the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

_KEY_LABEL = b"mototrack/portal/v1"
NONCE_BYTES = 24
TOKEN_CHARS = 22  # base64url: 132 bits
CODE_DIGITS = 6


def _key(secret: str) -> bytes:
    if not secret:
        raise ValueError("portal tokens need the application's secret key")
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def new_nonce() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(NONCE_BYTES)).rstrip(b"=").decode()


def token_for(nonce: str, secret: str) -> str:
    digest = hmac.new(_key(secret), b"token:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()[:TOKEN_CHARS]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(value: str | None) -> bool:
    return bool(value) and len(value) == TOKEN_CHARS and all(
        c.isascii() and (c.isalnum() or c in "-_") for c in value)


def code_for(nonce: str, secret: str) -> str:
    digest = hmac.new(_key(secret), b"code:" + nonce.encode(), hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def code_hash(code_id: uuid.UUID, code: str, secret: str) -> str:
    return hmac.new(_key(secret), f"{code_id}:{code}".encode(), hashlib.sha256).hexdigest()


def code_matches(code_id: uuid.UUID, given: str, stored_hash: str, secret: str) -> bool:
    return hmac.compare_digest(code_hash(code_id, given, secret), stored_hash)
