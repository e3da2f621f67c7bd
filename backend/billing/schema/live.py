"""Live billing: invoiceChanged, fed by the events the billing services emit on `<garage>:billing` after commit."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from backend.api.errors import bad_input
from backend.api.events import subscribe
from backend.api.permissions import check
from backend.billing.loaders import InvoiceLoader
from backend.billing.schema.types import Invoice
from backend.billing.service.common import billing_channel
from backend.core.errors import ErrorCode
from backend.core.permissions import Permission as P
from backend.core.validate import try_parse_id


@strawberry.type
class Subscription:
    @strawberry.subscription(description="An invoice each time it changes: created, edited, issued, paid, credited "
                                         "or voided (all of the garage's, or only `invoiceId`). A deleted draft is "
                                         "not delivered.")
    async def invoice_changed(self, info: strawberry.Info, invoice_id: strawberry.ID | None = None
                              ) -> AsyncGenerator[Invoice, None]:
        check(info, P.INVOICES_READ)
        only = None
        if invoice_id is not None:
            only = try_parse_id(invoice_id)
            if only is None:
                raise bad_input(info.context.locale, ErrorCode.NOT_FOUND, "invoiceId")
        # the channel is the subscriber's own garage; every event is re-authorized by subscribe()
        async for message in subscribe(info, P.INVOICES_READ, billing_channel(info.context.actor.garage_id)):
            if message.get("kind") != "invoice":
                continue
            iid = try_parse_id(message.get("id"))
            if iid is None or (only is not None and iid != only):
                continue
            invoice = await info.context.loader(InvoiceLoader).load(iid)  # garage-scoped, loaded fresh
            if invoice is not None:
                yield invoice
