"""HTTP for attachments: the upload (multipart, a member of staff's bearer token) and the signed download links.

POST /files/upload   multipart/form-data with uploadId, ownerType (job|vehicle|customer), ownerId,
                     kind (PHOTO|DOCUMENT), optional name and sharedWithCustomer, and one part `file`.
    201 {"attachment": {...}, "replayed": false}; the same uploadId again: 200 with the first one, "replayed": true
    (nothing stored twice). Refusals are JSON {"error": {"code", "message"}} in the user's language:
    401, 403, 404 (owner not in the garage), 409 (uploadId used for another file), 413 (too large: refused as soon
    as the body passes the cap, never read whole), 415 (not a JPEG/PNG/WebP, or PDF for a document), 400.
GET /files/{id}/{file|thumbnail}?exp=..&g=..&u=..&sig=..   from Attachment.url / thumbnailUrl: a bad, tampered or
    expired link is 403 with a localized page; a deleted attachment or one outside the signed garage is 404.
"""

from __future__ import annotations

import uuid

import anyio.to_thread
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from backend.billing.documents import signing
from backend.billing.documents.routes import _error
from backend.core.i18n import N_, negotiate, normalize_locale, translate
from backend.core.permissions import Permission as P
from backend.files import service
from backend.files.service import FileError
from backend.files.storage import storage_for

UPLOAD_PATH = "/files/upload"
VARIANTS = ("file", "thumbnail")
LINK_TTL_SECONDS = 300
FORM_OVERHEAD = 64 * 1024  # the multipart boundaries and the small fields around the file

MSG_LINK_INVALID = N_("This file link is not valid. Please open the file again from MotoTrack.")
MSG_LINK_EXPIRED = N_("This file link has expired. Please open the file again from MotoTrack.")
MSG_FILE_NOT_FOUND = N_("File not found.")


def file_path(attachment_id: uuid.UUID, variant: str) -> str:
    return f"/files/{attachment_id}/{variant}"


def signed_file_url(attachment, variant: str, user_id: uuid.UUID, *, secret: str) -> str:
    return signing.sign_url(file_path(attachment.id, variant), garage_id=attachment.garage_id, user_id=user_id,
                            ttl_seconds=LINK_TTL_SECONDS, secret=secret)


class _TooLarge(Exception):
    pass


def _capped(receive, limit: int):
    """The request's receive, raising _TooLarge as soon as more than `limit` body bytes have arrived."""
    seen = 0

    async def receive_capped():
        nonlocal seen
        message = await receive()
        if message.get("type") == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLarge()
        return message

    return receive_capped


def _bearer(request: Request) -> str | None:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _json_error(locale: str | None, exc: FileError) -> JSONResponse:
    message = translate(locale, exc.message, **exc.params)
    return JSONResponse({"error": {"code": exc.code, "message": message}}, status_code=exc.status,
                        headers={"Cache-Control": "no-store", "Content-Language": locale or "en"})


def _view(row) -> dict:
    return {"id": str(row.id), "kind": row.kind, "name": row.name, "contentType": row.content_type,
            "size": row.size, "ownerType": row.owner_type, "ownerId": str(row.owner_id),
            "sharedWithCustomer": row.shared_with_customer, "createdAt": row.created_at.isoformat()}


def file_routes(services) -> list[Route]:
    settings = services.settings

    async def upload(request: Request) -> Response:
        locale = negotiate(request.headers.get("accept-language"))
        token = _bearer(request)
        actor = await services.authenticate(token) if token else None
        if actor is None:
            return _json_error(locale, FileError(401, "UNAUTHENTICATED", service.MSG_UNAUTHENTICATED))
        locale = normalize_locale(actor.locale) or locale
        if not actor.can(P.FILES_UPLOAD) or actor.user_id is None:
            return _json_error(locale, FileError(403, "FORBIDDEN", service.MSG_FORBIDDEN))
        limit = settings.max_upload_bytes
        too_large = FileError(413, "FILE_TOO_LARGE", service.MSG_TOO_LARGE, max=limit // (1024 * 1024))
        try:
            declared = int(request.headers.get("content-length") or 0)
        except ValueError:
            declared = 0
        if declared > limit + FORM_OVERHEAD:
            return _json_error(locale, too_large)
        capped = Request(request.scope, _capped(request.receive, limit + FORM_OVERHEAD))
        try:
            async with capped.form(max_files=1, max_fields=10) as form:
                upload_file = form.get("file")
                fields = {k: v for k, v in form.items() if isinstance(v, str)}
                if upload_file is None or isinstance(upload_file, str):
                    raise FileError(400, "INVALID_VALUE", service.MSG_BAD_REQUEST)
                if (upload_file.size or 0) > limit:
                    raise too_large
                wanted = service.parse_request(fields | {"name": fields.get("name") or upload_file.filename or ""})
                async with services.db.read() as session:
                    first = await service.replayed(session, actor, wanted)
                if first is not None:
                    return JSONResponse({"attachment": _view(first), "replayed": True}, status_code=200)
                data = await upload_file.read(limit + 1)
            if len(data) > limit:
                raise too_large
            cleaned = await anyio.to_thread.run_sync(service.clean, data, wanted.kind)
            row, created = await service.store(services.db, storage_for(settings), actor, wanted, cleaned, len(data))
        except _TooLarge:
            return _json_error(locale, too_large)
        except FileError as exc:
            return _json_error(locale, exc)
        return JSONResponse({"attachment": _view(row), "replayed": not created}, status_code=201 if created else 200)

    async def download(request: Request) -> Response:
        variant = request.path_params["variant"]
        try:
            attachment_id = uuid.UUID(request.path_params["attachment_id"])
        except ValueError:
            return _error(request, 404, MSG_FILE_NOT_FOUND)
        if variant not in VARIANTS:
            return _error(request, 404, MSG_FILE_NOT_FOUND)
        try:
            signed = signing.verify_url(file_path(attachment_id, variant), request.query_params,
                                        secret=settings.secret_key)
        except signing.SignatureExpired:
            return _error(request, 403, MSG_LINK_EXPIRED)
        except signing.SignatureError:
            return _error(request, 403, MSG_LINK_INVALID)
        from backend.accounts.models import User

        async with services.db.read() as session:
            if "pl" in signed.params:  # a portal link's: only what that link may see, while it still opens
                from backend.portal.files import portal_may_fetch

                if not await portal_may_fetch(session, signed, attachment_id):
                    return _error(request, 404, MSG_FILE_NOT_FOUND)
            else:
                active = (await session.execute(select(User.active).where(
                    User.id == signed.user_id, User.garage_id == signed.garage_id))).scalar_one_or_none()
                if not active:  # removed or deactivated since the link was made
                    return _error(request, 403, MSG_LINK_INVALID)
            row = await service.live_attachment(session, signed.garage_id, attachment_id)
        key = None if row is None else (row.storage_key if variant == "file" else row.thumbnail_key)
        storage = storage_for(settings)
        if key is None or not await storage.exists(key):
            return _error(request, 404, MSG_FILE_NOT_FOUND)
        media_type = row.content_type if variant == "file" else "image/jpeg"
        safe_name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in row.name)
        return StreamingResponse(storage.get(key), media_type=media_type, headers={
            "Content-Disposition": f'inline; filename="{safe_name}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        })

    return [Route(UPLOAD_PATH, upload, methods=["POST"]),
            Route("/files/{attachment_id}/{variant}", download, methods=["GET"])]
