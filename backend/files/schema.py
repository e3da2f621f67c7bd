"""GraphQL for attachments: the `attachments` field of Job, Vehicle and Customer, and the delete/share mutations.

Uploading is HTTP multipart (backend/files/routes.py): GraphQL lists, links, shares and deletes.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

import strawberry

from backend.accounts.loaders import UserLoader
from backend.api.errors import UserError
from backend.api.loaders import Loader
from backend.api.mutations import given, run
from backend.api.permissions import requires
from backend.core.permissions import Permission as P
from backend.files import service
from backend.files.routes import signed_file_url


@strawberry.enum(description="A photo (JPEG, PNG, WebP) or a document (PDF or an image).")
class AttachmentKind(enum.Enum):
    PHOTO = "PHOTO"
    DOCUMENT = "DOCUMENT"


class AttachmentsByOwnerLoader(Loader):
    """(owner type, owner id) -> its live attachments, oldest first: one statement for every owner on the page."""

    async def batch_load_fn(self, keys):
        async with self.session() as session:
            return await service.list_for(session, self.garage_id, list(keys))


def _link(info: strawberry.Info, row, variant: str) -> str | None:
    user_id = info.context.actor.user_id
    if user_id is None or row.deleted_at is not None:
        return None  # an API key gets no download link: the route serves members of staff only
    return signed_file_url(row, variant, user_id, secret=info.context.settings.secret_key)


@strawberry.type(description="A photo or document attached to a job, a vehicle or a customer.")
class Attachment:
    id: strawberry.ID
    name: str = strawberry.field(description="The file's name as uploaded, without any folder.")
    content_type: str = strawberry.field(description="Sniffed from the bytes, never taken from the client.")
    size: int = strawberry.field(description="Bytes stored (after metadata was stripped from an image).")
    shared_with_customer: bool
    created_at: dt.datetime
    deleted_at: dt.datetime | None

    @strawberry.field
    def kind(self) -> AttachmentKind:
        return AttachmentKind(self.kind)  # type: ignore[attr-defined]

    @strawberry.field
    def created_by(self, info: strawberry.Info) -> Annotated["User", strawberry.lazy("backend.accounts.schema")] | None:
        user_id = self.created_by_id  # type: ignore[attr-defined]
        return info.context.loader(UserLoader).load(user_id) if user_id else None

    @strawberry.field(description="A signed link to the file, valid for five minutes (null for an API key).")
    def url(self, info: strawberry.Info) -> str | None:
        return _link(info, self, "file")

    @strawberry.field(description="A signed link to a JPEG thumbnail (images only), valid for five minutes.")
    def thumbnail_url(self, info: strawberry.Info) -> str | None:
        return _link(info, self, "thumbnail") if self.thumbnail_key else None  # type: ignore[attr-defined]


def _attachments(owner_type: str):
    def resolve(root, info: strawberry.Info) -> list[Attachment]:
        return info.context.loader(AttachmentsByOwnerLoader).load((owner_type, root.id))

    return resolve


DESCRIPTION = "Photos and documents attached here, oldest first (deleted ones are gone)."
job_attachments = strawberry.field(resolver=_attachments("job"), description=DESCRIPTION)
vehicle_attachments = strawberry.field(resolver=_attachments("vehicle"), description=DESCRIPTION)
customer_attachments = strawberry.field(resolver=_attachments("customer"), description=DESCRIPTION)


@strawberry.input
class DeleteAttachmentInput:
    id: strawberry.ID
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description="Makes a replay (an offline phone sending it again) change nothing.")


@strawberry.input
class SetAttachmentSharedInput:
    id: strawberry.ID
    shared: bool
    client_mutation_id: str | None = strawberry.field(
        default=strawberry.UNSET, description="Makes a replay (an offline phone sending it again) change nothing.")


@strawberry.type
class AttachmentPayload:
    attachment: Attachment | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _find_any(session, actor, ref):
    from sqlalchemy import select

    from backend.files.models import Attachment as Row
    from backend.core.validate import parse_id

    return (await session.execute(select(Row).where(Row.id == parse_id(ref), Row.garage_id == actor.garage_id))
            ).scalar_one_or_none()


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.FILES_UPLOAD), description=(
        "Delete an attachment (soft, audited): managers any, anyone else only what they uploaded."))
    async def delete_attachment(self, info: strawberry.Info, input: DeleteAttachmentInput) -> AttachmentPayload:
        row, errors = await run(info, service.delete_attachment, input.id,
                                client_mutation_id=given(input.client_mutation_id), replay=_find_any)
        return AttachmentPayload(attachment=row, errors=errors)

    @strawberry.mutation(extensions=requires(P.FILES_SHARE),
                         description="Show an attachment to the customer (in the portal) or stop showing it.")
    async def set_attachment_shared(self, info: strawberry.Info, input: SetAttachmentSharedInput
                                    ) -> AttachmentPayload:
        row, errors = await run(info, service.share_attachment, input.id, input.shared,
                                client_mutation_id=given(input.client_mutation_id), replay=_find_any)
        return AttachmentPayload(attachment=row, errors=errors)
