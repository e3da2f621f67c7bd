"""Attachments: checking, cleaning and storing an upload; finding, listing, sharing and soft-deleting.

An upload is trusted for nothing but its bytes: the type is sniffed from the first bytes (JPEG, PNG, WebP for a
photo; those or PDF for a document), an image is decoded and encoded again by Pillow with no metadata (EXIF, GPS,
XMP, ICC, comments), turned upright first by its EXIF orientation, and a JPEG thumbnail is made. The owner (a job,
a vehicle or a customer) must be in the uploader's garage and one they may read (a technician: their own jobs).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.i18n import N_
from backend.core.permissions import Permission as P
from backend.core.permissions import Role
from backend.files.models import KINDS, OWNER_TYPES, Attachment
from backend.files.storage import Storage

THUMBNAIL_SIZE = 320
MAX_PIXELS = 40_000_000  # a decompression bomb is refused, not decoded
MAX_UPLOAD_ID = 100
MAX_NAME = 200

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
DOCUMENT_TYPES = PHOTO_TYPES + ("application/pdf",)
_PIL_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_EXTENSION = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}


class FileError(Exception):
    """An upload refused: HTTP status, a stable code and an English message (translated for the reader)."""

    def __init__(self, status: int, code: str, message: str, **params) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.params = params


MSG_TOO_LARGE = N_("The file is too large: at most {max} MB.")
MSG_UNSUPPORTED_PHOTO = N_("This file is not a photo MotoTrack accepts: send a JPEG, PNG or WebP image.")
MSG_UNSUPPORTED_DOCUMENT = N_("This file type is not accepted: send a PDF or a JPEG, PNG or WebP image.")
MSG_TOO_MANY_PIXELS = N_("The image has too many pixels: at most {max} megapixels.")
MSG_BROKEN_IMAGE = N_("The image could not be read. It may be damaged; take or choose it again.")
MSG_BROKEN_PDF = N_("The PDF could not be read. It may be damaged; save or scan it again.")
MSG_ENCRYPTED_PDF = N_("This PDF is protected by a password. Save a copy without the password and send that.")
MSG_OWNER_NOT_FOUND = N_("The job, vehicle or customer to attach the file to was not found.")
MSG_FORBIDDEN = N_("You are not allowed to do that.")
MSG_UNAUTHENTICATED = N_("Please sign in again.")
MSG_BAD_REQUEST = N_("The upload is incomplete: it needs an upload id, what to attach it to, the kind and the file.")
MSG_UPLOAD_ID_REUSED = N_("This upload id was already used for another file.")


def sniff(head: bytes) -> str | None:
    """The content type the bytes themselves say, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


@dataclasses.dataclass(frozen=True)
class Cleaned:
    content_type: str
    data: bytes
    thumbnail: bytes | None


def clean(data: bytes, kind: str) -> Cleaned:
    """Check and clean an upload (runs in a worker thread: decoding is CPU work)."""
    content_type = sniff(data[:16])
    allowed = PHOTO_TYPES if kind == "PHOTO" else DOCUMENT_TYPES
    if content_type not in allowed:
        raise FileError(415, "UNSUPPORTED_FILE_TYPE",
                        MSG_UNSUPPORTED_PHOTO if kind == "PHOTO" else MSG_UNSUPPORTED_DOCUMENT)
    if content_type == "application/pdf":
        return Cleaned(content_type, strip_pdf(data), None)
    image, thumbnail = _reencode(data, content_type)
    return Cleaned(content_type, image, thumbnail)


def strip_jpeg_metadata(data: bytes) -> bytes:
    """A JPEG without its APP1..APP15 segments (EXIF, GPS, XMP, IPTC...) and comments, the pixels untouched (no
    re-encoding): the marker segments before the scan are walked and copied, all but those."""
    if not data.startswith(b"\xff\xd8"):
        return data
    out, pos = bytearray(b"\xff\xd8"), 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            break
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        if 0xE1 <= marker <= 0xEF or marker == 0xFE:
            pos += 2 + length
            continue
        out += data[pos:pos + 2 + length]
        pos += 2 + length
    return bytes(out + data[pos:])


def strip_pdf(data: bytes) -> bytes:
    """The PDF written again without its document information (author, creator, producer, dates, any custom entry
    such as a location), its XMP metadata (document, pages and images), private application data, and with the
    EXIF/GPS of its embedded JPEG images removed. Pages, forms and outlines stay."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, StreamObject

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileError(415, "ENCRYPTED_DOCUMENT", MSG_ENCRYPTED_PDF)
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None
        for holder in [writer._root_object, *writer.pages]:
            for name in ("/Metadata", "/PieceInfo"):
                if name in holder:
                    del holder[name]
        for number in range(1, len(writer._objects) + 1):
            obj = writer._objects[number - 1]
            if not isinstance(obj, StreamObject):
                continue
            if "/Metadata" in obj:
                del obj[NameObject("/Metadata")]
            if obj.get("/Type") == "/Metadata":  # an XMP packet, now referred to by nothing: emptied all the same
                obj._data = b""
            if obj.get("/Subtype") == "/Image" and obj.get("/Filter") == "/DCTDecode":
                obj._data = strip_jpeg_metadata(obj._data)  # the raw stream is the JPEG file; /Length follows
        out = io.BytesIO()
        writer.write(out)
    except FileError:
        raise
    except Exception as exc:  # noqa: BLE001  a hostile or damaged file may fail anywhere in the parser
        raise FileError(400, "BROKEN_DOCUMENT", MSG_BROKEN_PDF) from exc
    return out.getvalue()


def _reencode(data: bytes, content_type: str) -> tuple[bytes, bytes]:
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != _PIL_FORMAT[content_type]:
                raise FileError(415, "UNSUPPORTED_FILE_TYPE", MSG_UNSUPPORTED_PHOTO)
            if probe.size[0] * probe.size[1] > MAX_PIXELS:  # checked before a pixel is decoded
                raise FileError(413, "IMAGE_TOO_LARGE", MSG_TOO_MANY_PIXELS, max=MAX_PIXELS // 1_000_000)
            probe.verify()
        with Image.open(io.BytesIO(data)) as source:
            source.load()
            upright = ImageOps.exif_transpose(source)
    except FileError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, SyntaxError, ValueError) as exc:
        raise FileError(400, "BROKEN_IMAGE", MSG_BROKEN_IMAGE) from exc
    # a fresh image from the pixels alone: no EXIF, GPS, XMP, ICC profile, comments or text chunks come along
    mode = upright.mode if upright.mode in ("RGB", "RGBA", "L", "LA") else (
        "RGBA" if "A" in upright.getbands() or "transparency" in upright.info else "RGB")
    if content_type == "image/jpeg" and mode in ("RGBA", "LA"):
        mode = "RGB"
    pixels = upright.convert(mode)
    clean_image = Image.new(pixels.mode, pixels.size)
    clean_image.paste(pixels)
    out = io.BytesIO()
    fmt = _PIL_FORMAT[content_type]
    options = {"quality": 88} if fmt in ("JPEG", "WEBP") else {"optimize": True}
    clean_image.save(out, fmt, **options)
    thumb = clean_image.convert("RGB")
    thumb.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, "JPEG", quality=80)
    return out.getvalue(), thumb_out.getvalue()


def storage_key(garage_id: uuid.UUID, attachment_id: uuid.UUID, thumbnail: bool = False) -> str:
    return f"{garage_id}/{attachment_id}{'.thumb' if thumbnail else ''}"


def display_name(name: str | None, content_type: str) -> str:
    """The name shown in lists: the client's name without any folder, trimmed, else a plain one."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(ch for ch in base if ch.isprintable())[:MAX_NAME]
    return base or f"file.{_EXTENSION[content_type]}"


def may_read_owner_type(actor: Actor, owner_type: str) -> bool:
    needed = {"job": P.JOBS_READ, "vehicle": P.VEHICLES_READ, "customer": P.CUSTOMERS_READ}[owner_type]
    return actor.can(needed)


async def check_owner(session: AsyncSession, actor: Actor, owner_type: str, owner_id: uuid.UUID) -> None:
    """The owner is in the actor's garage and theirs to read; else the same NOT_FOUND (another garage's id is
    answered exactly like an id that does not exist)."""
    from backend.customers.models import Customer, Vehicle
    from backend.workshop.models import Job

    if owner_type not in OWNER_TYPES:
        raise FileError(400, "INVALID_VALUE", MSG_BAD_REQUEST)
    if not may_read_owner_type(actor, owner_type):
        raise FileError(403, "FORBIDDEN", MSG_FORBIDDEN)
    if owner_type == "job":
        row = (await session.execute(select(Job.technician_id).where(
            Job.id == owner_id, Job.garage_id == actor.garage_id))).one_or_none()
        if row is not None and actor.role == Role.TECHNICIAN and row[0] != actor.user_id:
            row = None
    else:
        model = Vehicle if owner_type == "vehicle" else Customer
        row = (await session.execute(select(model.id).where(
            model.id == owner_id, model.garage_id == actor.garage_id))).one_or_none()
    if row is None:
        raise FileError(404, "NOT_FOUND", MSG_OWNER_NOT_FOUND)


async def find_by_upload_id(session: AsyncSession, garage_id: uuid.UUID, upload_id: str) -> Attachment | None:
    return (await session.execute(select(Attachment).where(
        Attachment.garage_id == garage_id, Attachment.upload_id == upload_id))).scalar_one_or_none()


def _same_target(row: Attachment, owner_type: str, owner_id: uuid.UUID, kind: str) -> bool:
    return (row.owner_type, row.owner_id, row.kind) == (owner_type, owner_id, kind)


@dataclasses.dataclass(frozen=True)
class UploadRequest:
    upload_id: str
    owner_type: str
    owner_id: uuid.UUID
    kind: str
    name: str | None
    shared_with_customer: bool


def parse_request(fields: dict[str, str]) -> UploadRequest:
    upload_id = (fields.get("uploadId") or "").strip()
    owner_type = (fields.get("ownerType") or "").strip().lower()
    kind = (fields.get("kind") or "").strip().upper()
    try:
        owner_id = uuid.UUID((fields.get("ownerId") or "").strip())
    except ValueError as exc:
        raise FileError(400, "INVALID_VALUE", MSG_BAD_REQUEST) from exc
    if not upload_id or len(upload_id) > MAX_UPLOAD_ID or owner_type not in OWNER_TYPES or kind not in KINDS:
        raise FileError(400, "INVALID_VALUE", MSG_BAD_REQUEST)
    shared = (fields.get("sharedWithCustomer") or "").strip().lower() in ("1", "true", "yes")
    return UploadRequest(upload_id, owner_type, owner_id, kind, fields.get("name"), shared)


async def replayed(session: AsyncSession, actor: Actor, request: UploadRequest) -> Attachment | None:
    """The attachment an earlier delivery of this upload id stored (the outbox replays), or None."""
    row = await find_by_upload_id(session, actor.garage_id, request.upload_id)
    if row is not None and not _same_target(row, request.owner_type, request.owner_id, request.kind):
        raise FileError(409, "UPLOAD_ID_REUSED", MSG_UPLOAD_ID_REUSED)
    return row


async def store(db, storage: Storage, actor: Actor, request: UploadRequest, cleaned: Cleaned,
                original_size: int) -> tuple[Attachment, bool]:
    """Store the cleaned bytes and record the attachment; (attachment, created). Two deliveries of one upload id
    racing each other: the second finds the first's row, its own bytes are removed, and it answers with the first."""
    if request.shared_with_customer and not actor.can(P.FILES_SHARE):
        raise FileError(403, "FORBIDDEN", MSG_FORBIDDEN)
    attachment_id = uuid.uuid4()
    key = storage_key(actor.garage_id, attachment_id)
    thumb_key = storage_key(actor.garage_id, attachment_id, thumbnail=True) if cleaned.thumbnail else None
    await storage.put(key, cleaned.data)
    if thumb_key:
        await storage.put(thumb_key, cleaned.thumbnail)
    row = Attachment(
        id=attachment_id, garage_id=actor.garage_id, owner_type=request.owner_type, owner_id=request.owner_id,
        kind=request.kind, name=display_name(request.name, cleaned.content_type), content_type=cleaned.content_type,
        size=len(cleaned.data), sha256=hashlib.sha256(cleaned.data).hexdigest(), storage_key=key,
        thumbnail_key=thumb_key, upload_id=request.upload_id, shared_with_customer=request.shared_with_customer,
        created_by_id=actor.user_id, created_at=utcnow(),
    )
    try:
        async with db.transaction() as session:
            await check_owner(session, actor, request.owner_type, request.owner_id)
            session.add(row)
            await session.flush()
            audit.record(session, actor, "attachment", row.id, "attachment.uploaded", audit.created(
                row, ("owner_type", "owner_id", "kind", "name", "content_type", "size", "sha256",
                      "shared_with_customer")) | {"original_size": {"before": None, "after": original_size}})
    except BaseException as exc:
        await storage.delete(key)
        if thumb_key:
            await storage.delete(thumb_key)
        if isinstance(exc, IntegrityError):
            async with db.read() as session:
                first = await replayed(session, actor, request)
            if first is not None:
                return first, False
        raise
    return row, True


# ------------------------------------------------------------------------------------------------ reading and changing


async def list_for(session: AsyncSession, garage_id: uuid.UUID, keys: list[tuple[str, uuid.UUID]]
                   ) -> list[list[Attachment]]:
    """The live attachments of each (owner type, owner id), oldest first: one statement for all the keys."""
    if not keys:
        return []
    owner_ids = {owner_id for _, owner_id in keys}
    rows = (await session.execute(
        select(Attachment).where(Attachment.garage_id == garage_id, Attachment.owner_id.in_(owner_ids),
                                 Attachment.deleted_at.is_(None))
        .order_by(Attachment.created_at, Attachment.id))).scalars()
    groups: dict[tuple[str, uuid.UUID], list[Attachment]] = {}
    for row in rows:
        groups.setdefault((row.owner_type, row.owner_id), []).append(row)
    return [groups.get(key, []) for key in keys]


async def live_attachment(session: AsyncSession, garage_id: uuid.UUID, attachment_id: uuid.UUID
                          ) -> Attachment | None:
    return (await session.execute(select(Attachment).where(
        Attachment.id == attachment_id, Attachment.garage_id == garage_id,
        Attachment.deleted_at.is_(None)))).scalar_one_or_none()


async def may_see(session: AsyncSession, actor: Actor, row: Attachment) -> bool:
    """Whether the actor may read the attachment's owner (a technician: only their own jobs' files)."""
    try:
        await check_owner(session, actor, row.owner_type, row.owner_id)
    except FileError:
        return False
    return True


async def delete_attachment(session: AsyncSession, actor: Actor, attachment_id: object) -> Attachment:
    from backend.core.errors import DomainError, ErrorCode
    from backend.core.validate import parse_id

    row = await live_attachment(session, actor.garage_id, parse_id(attachment_id))
    if row is None or not await may_see(session, actor, row):
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    if not actor.can(P.FILES_DELETE) and row.created_by_id != actor.user_id:
        raise DomainError(ErrorCode.FORBIDDEN, "id")
    row.deleted_at = utcnow()
    row.deleted_by_id = actor.user_id
    audit.record(session, actor, "attachment", row.id, "attachment.deleted", {
        "deleted_at": {"before": None, "after": row.deleted_at.isoformat()}})
    await session.flush()
    return row


async def share_attachment(session: AsyncSession, actor: Actor, attachment_id: object, shared: bool) -> Attachment:
    from backend.core.errors import DomainError, ErrorCode
    from backend.core.validate import parse_id

    row = await live_attachment(session, actor.garage_id, parse_id(attachment_id))
    if row is None or not await may_see(session, actor, row):
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    if row.shared_with_customer != shared:
        before = row.shared_with_customer
        row.shared_with_customer = shared
        audit.record(session, actor, "attachment", row.id, "attachment.shared" if shared else "attachment.unshared",
                     {"shared_with_customer": {"before": before, "after": shared}})
        await session.flush()
    return row
