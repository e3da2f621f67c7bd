"""Short-lived signed URLs for documents a browser fetches without a bearer token (PDFs, export downloads).

A signed URL carries the garage, the user it was issued to, an expiry and any extra parameters, with an
HMAC-SHA256 over the path and all of those. The key is derived from the application's secret
(MOTOTRACK_SECRET_KEY), so a signature made for one deployment means nothing to another, and the derived key is
never the one that signs access tokens.

    url = signed_pdf_url("invoice", invoice.id, garage_id, user_id, secret=settings.secret_key, locale="th")
    # -> /documents/invoice/<id>.pdf?exp=...&g=...&lang=th&u=...&sig=...
    signed = verify_signed_pdf("invoice", invoice.id, request.query_params, secret=settings.secret_key)
    # raises SignatureInvalid / SignatureExpired

The secret is always passed by the caller (the serving application's settings), never taken from a process-wide
default: two applications in one process (tests) must not sign with each other's key.

`sign_url` / `verify_url` are the generic pair for any other download path.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode


DOCUMENT_KINDS = ("quote", "invoice", "credit_note", "receipt")
SIGNATURE_PARAM = "sig"
_RESERVED = ("exp", "g", "u", SIGNATURE_PARAM)
_KEY_LABEL = b"mototrack/signed-url/v1"
MAX_TTL_SECONDS = 7 * 24 * 3600



class SignatureError(Exception):
    """A signed URL that must not be honoured."""

    status_code = 403


class SignatureInvalid(SignatureError):
    """Missing, malformed or tampered signature (or signed for another path)."""

    status_code = 403


class SignatureExpired(SignatureError):
    """A genuine signature whose time is up."""

    status_code = 410


@dataclasses.dataclass(frozen=True)
class SignedUrl:
    path: str
    garage_id: uuid.UUID
    user_id: uuid.UUID | None
    expires_at: dt.datetime
    params: dict[str, str]


@dataclasses.dataclass(frozen=True)
class SignedDocument:
    kind: str
    document_id: uuid.UUID
    garage_id: uuid.UUID
    user_id: uuid.UUID | None
    locale: str | None
    expires_at: dt.datetime


def _key(secret: str) -> bytes:
    if not secret:
        raise ValueError("signing needs the application's secret key")
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def _canonical(path: str, params: Mapping[str, str]) -> bytes:
    items = sorted((k, v) for k, v in params.items() if k != SIGNATURE_PARAM)
    return (path + "\n" + urlencode(items)).encode()


def _sign(path: str, params: Mapping[str, str], secret: str) -> str:
    digest = hmac.new(_key(secret), _canonical(path, params), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_url(path: str, *, garage_id: uuid.UUID, user_id: uuid.UUID | None, ttl_seconds: int = 300,
             secret: str, now: float | None = None, **params: Any) -> str:
    """`path` with a query string that proves, until `ttl_seconds` from now, who it was issued to."""
    if not path.startswith("/"):
        raise ValueError("sign_url takes an absolute path")
    if ttl_seconds <= 0 or ttl_seconds > MAX_TTL_SECONDS:
        raise ValueError(f"ttl_seconds must be between 1 and {MAX_TTL_SECONDS}")
    clash = set(params) & set(_RESERVED)
    if clash:
        raise ValueError(f"reserved query parameters: {sorted(clash)}")
    values = {k: str(v) for k, v in params.items() if v is not None}
    values["exp"] = str(int(now if now is not None else time.time()) + ttl_seconds)
    values["g"] = str(garage_id)
    values["u"] = str(user_id) if user_id else ""
    values[SIGNATURE_PARAM] = _sign(path, values, secret)
    return quote(path) + "?" + urlencode(sorted(values.items()))


def _plain_params(query_params: Any) -> dict[str, str]:
    if hasattr(query_params, "multi_items"):
        pairs = list(query_params.multi_items())
    elif isinstance(query_params, Mapping):
        pairs = [(k, v) for k, v in query_params.items()]
    else:
        pairs = list(query_params)
    out: dict[str, str] = {}
    for key, value in pairs:
        if key in out:
            raise SignatureInvalid(f"repeated query parameter {key!r}")
        if isinstance(value, list | tuple):
            if len(value) != 1:
                raise SignatureInvalid(f"repeated query parameter {key!r}")
            value = value[0]
        out[key] = str(value)
    return out


def verify_url(path: str, query_params: Any, *, secret: str, now: float | None = None) -> SignedUrl:
    """Check a signed URL's query string against `path`; raise SignatureInvalid or SignatureExpired."""
    params = _plain_params(query_params)
    given = params.get(SIGNATURE_PARAM)
    if not given or "exp" not in params or "g" not in params or "u" not in params:
        raise SignatureInvalid("missing signature")
    expected = _sign(path, params, secret)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise SignatureInvalid("bad signature")
    try:
        expires = int(params["exp"])
        garage_id = uuid.UUID(params["g"])
        user_id = uuid.UUID(params["u"]) if params["u"] else None
    except ValueError as exc:  # signed by us, so only a different code version could get here
        raise SignatureInvalid("malformed signed parameters") from exc
    if (now if now is not None else time.time()) >= expires:
        raise SignatureExpired("link expired")
    extra = {k: v for k, v in params.items() if k not in _RESERVED}
    return SignedUrl(path, garage_id, user_id, dt.datetime.fromtimestamp(expires, dt.UTC), extra)


def document_path(kind: str, document_id: uuid.UUID) -> str:
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    return f"/documents/{kind}/{document_id}.pdf"


def signed_pdf_url(kind: str, document_id: uuid.UUID, garage_id: uuid.UUID, user_id: uuid.UUID | None, *,
                   secret: str, ttl_seconds: int = 300, locale: str | None = None) -> str:
    """Relative URL of a document's PDF (a receipt is keyed by its payment's id)."""
    return sign_url(document_path(kind, document_id), garage_id=garage_id, user_id=user_id,
                    ttl_seconds=ttl_seconds, secret=secret, lang=locale)


def verify_signed_pdf(kind: str, document_id: uuid.UUID, query_params: Any, *, secret: str,
                      now: float | None = None) -> SignedDocument:
    signed = verify_url(document_path(kind, document_id), query_params, secret=secret, now=now)
    return SignedDocument(kind, document_id, signed.garage_id, signed.user_id, signed.params.get("lang") or None,
                          signed.expires_at)
