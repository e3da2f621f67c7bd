"""Short links for SMS: https://<the garage's host>/s/<8 characters> redirects to a longer signed link (a quote's PDF,
the unsubscribe link), so a Thai SMS, whose UCS-2 parts hold 70 characters (67 each when concatenated), stays within
two parts.

The target keeps its own signature and expiry: the redirect only spares the customer the long address, and the route
the target names checks it exactly as before. A short link expires when its target does (the signed link's `exp`),
never when the target never does (unsubscribe); the same target in one garage gets the same code, so a retry does not
make a new one. Codes are 8 random letters and digits (62^8, about 2 x 10^14), unguessable like the tokens they stand
for, and a code is looked up by its primary key alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import string
import uuid
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from backend.core.db import utcnow
from backend.core.i18n import N_, negotiate, translate
from backend.notifications.models import ShortLink

PREFIX = "/s/"
CODE_LENGTH = 8
_ALPHABET = string.ascii_letters + string.digits
GONE_TITLE = N_("Link expired")
GONE = N_("This link has expired. Please ask the garage for a new one.")
UNKNOWN_TITLE = N_("Link not valid")
UNKNOWN = N_("This link is not valid. Please check the message or ask the garage.")


def _expiry(target: str) -> dt.datetime | None:
    """The signed link's own expiry (`exp`, seconds since the epoch), None when it has none."""
    values = parse_qs(urlsplit(target).query).get("exp")
    try:
        return dt.datetime.fromtimestamp(int(values[0]), dt.UTC) if values else None
    except (ValueError, OverflowError, OSError):
        return None


def base_url(settings) -> str:
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


async def shorten(session: AsyncSession, settings, garage_id: uuid.UUID, target: str) -> str:
    """The short absolute URL for `target` (made once per garage and target)."""
    digest = hashlib.sha256(target.encode()).hexdigest()
    code = (await session.execute(select(ShortLink.code).where(
        ShortLink.garage_id == garage_id, ShortLink.target_hash == digest, ShortLink.target == target))).scalar()
    if code is None:
        code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
        session.add(ShortLink(code=code, garage_id=garage_id, target=target, target_hash=digest,
                              expires_at=_expiry(target)))
        await session.flush()
    return f"{base_url(settings)}{PREFIX}{code}"


async def resolve(session: AsyncSession, code: str, now: dt.datetime | None = None) -> tuple[str | None, bool]:
    """(target, expired) of a code; (None, False) when there is no such code."""
    if not code or len(code) > 16 or any(c not in _ALPHABET for c in code):
        return None, False
    row = await session.get(ShortLink, code)
    if row is None:
        return None, False
    if row.expires_at is not None and row.expires_at <= (now or utcnow()):
        return None, True
    return row.target, False


def _page(locale: str, title: str, text: str) -> str:
    from backend.notifications.unsubscribe import page

    return page(locale, translate(locale, title), translate(locale, text))


def short_link_routes(services) -> list[Route]:
    db = services.db

    async def follow(request: Request) -> Response:
        locale = negotiate(request.headers.get("accept-language")) or "en"
        async with db.read() as session:
            target, expired = await resolve(session, request.path_params["code"])
        if target is not None:
            return RedirectResponse(target, status_code=302, headers={"Cache-Control": "no-store",
                                                                       "Referrer-Policy": "no-referrer"})
        if expired:
            return HTMLResponse(_page(locale, GONE_TITLE, GONE), status_code=410)
        return HTMLResponse(_page(locale, UNKNOWN_TITLE, UNKNOWN), status_code=404)

    return [Route(PREFIX + "{code}", follow, methods=["GET", "HEAD"])]
