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
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{filename(view)}"',
            "Cache-Control": "private, no-store",
            "Content-Language": view.locale,
            "X-Content-Type-Options": "nosniff",
        })

    return [Route("/documents/{kind}/{document_id}.pdf", document_pdf, methods=["GET"])]
