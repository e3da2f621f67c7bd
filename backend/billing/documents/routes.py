"""GET /documents/{kind}/{id}.pdf — a billing document as PDF, from a signed, short-lived link.

The link (signing.signed_pdf_url) names the garage and user it was issued to; the document is looked up in that
garage only. A bad signature is 403, an expired link 410, a document not in the signed garage 404. Rendering runs
in a worker thread so the event loop keeps serving other requests.
"""

from __future__ import annotations

import uuid

import anyio.to_thread
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from backend.accounts.models import User
from backend.billing.documents import signing
from backend.billing.documents.render import filename, render_pdf
from backend.billing.documents.views import document_view
from backend.core.i18n import N_, negotiate, normalize_locale, translate

MSG_INVALID = N_("This document link is not valid. Please open the document again from MotoTrack.")
MSG_EXPIRED = N_("This document link has expired. Please open the document again from MotoTrack.")
MSG_NOT_FOUND = N_("Document not found.")


def _error(request: Request, status: int, message: str) -> Response:
    locale = normalize_locale(request.query_params.get("lang")) or negotiate(request.headers.get("accept-language"))
    return PlainTextResponse(translate(locale, message), status_code=status,
                             headers={"Cache-Control": "no-store", "Content-Language": locale or "en"})


class LinkRefused(Exception):
    """A signed download link that must not be honoured; `response` is the localized answer to send."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def verified_link(request: Request, path: str, secret: str) -> signing.SignedUrl:
    """The signed link of `path` issued to a user: 410 when expired, 403 when tampered, re-pathed or without a
    user (raised as LinkRefused)."""
    try:
        signed = signing.verify_url(path, request.query_params, secret=secret)
    except signing.SignatureExpired:
        raise LinkRefused(_error(request, 410, MSG_EXPIRED)) from None
    except signing.SignatureError:
        raise LinkRefused(_error(request, 403, MSG_INVALID)) from None
    if signed.user_id is None:
        raise LinkRefused(_error(request, 403, MSG_INVALID))
    return signed


async def link_user(request: Request, session, signed: signing.SignedUrl, permission=None) -> User:
    """The user the link was issued to, still in its garage, active and (with `permission`) still allowed: else 403
    (they were removed, deactivated or lost the role since the link was made)."""
    from backend.core.permissions import permissions_for_role

    user = (await session.execute(select(User).where(
        User.id == signed.user_id, User.garage_id == signed.garage_id))).scalar_one_or_none()
    if user is None or not user.active or (permission is not None and permission not in
                                           permissions_for_role(user.role)):
        raise LinkRefused(_error(request, 403, MSG_INVALID))
    return user


def pdf_response(pdf: bytes, filename: str, locale: str) -> Response:
    """A rendered document shown in the browser: never cached, in its language."""
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": "private, no-store",
        "Content-Language": locale,
        "X-Content-Type-Options": "nosniff",
    })


def document_routes(services) -> list[Route]:
    settings = services.settings

    async def document_pdf(request: Request) -> Response:
        kind = request.path_params["kind"]
        try:
            document_id = uuid.UUID(request.path_params["document_id"])
        except ValueError:
            return _error(request, 404, MSG_NOT_FOUND)
        if kind not in signing.DOCUMENT_KINDS:
            return _error(request, 404, MSG_NOT_FOUND)
        try:
            signed = signing.verify_signed_pdf(kind, document_id, request.query_params, secret=settings.secret_key)
        except signing.SignatureExpired:
            return _error(request, 410, MSG_EXPIRED)
        except signing.SignatureError:
            return _error(request, 403, MSG_INVALID)
        async with services.db.read() as session:
            if signed.user_id is not None:
                active = (await session.execute(
                    select(User.active).where(User.id == signed.user_id, User.garage_id == signed.garage_id)
                )).scalar_one_or_none()
                if not active:  # the user was removed or deactivated since the link was made
                    return _error(request, 403, MSG_INVALID)
            view = await document_view(session, kind, signed.garage_id, document_id, signed.locale)
        if view is None:
            return _error(request, 404, MSG_NOT_FOUND)
        pdf = await anyio.to_thread.run_sync(render_pdf, view)
        return pdf_response(pdf, filename(view), view.locale)

    return [Route("/documents/{kind}/{document_id}.pdf", document_pdf, methods=["GET"])]
