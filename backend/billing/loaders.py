"""DataLoaders for billing: one garage-scoped statement per batch, whatever the number of documents."""

from __future__ import annotations

from sqlalchemy import select

from backend.api.loaders import Loader, by_id, grouped
from backend.billing.models import CreditNote, CreditNoteLine, DeferredWork, Invoice, InvoiceLine, Payment, Quote, QuoteLine
from backend.billing.models import QuoteLineAttachment


class InvoiceLoader(Loader):
    async def batch_load_fn(self, keys):
        return by_id(await self.rows(select(Invoice).where(Invoice.id.in_(keys),
                                                            Invoice.garage_id == self.garage_id)), keys)


class QuoteLoader(Loader):
    async def batch_load_fn(self, keys):
        return by_id(await self.rows(select(Quote).where(Quote.id.in_(keys), Quote.garage_id == self.garage_id)),
                      keys)


class InvoiceLinesLoader(Loader):
    """An invoice's lines in order."""

    async def batch_load_fn(self, keys):
        return grouped(await self.rows(
            select(InvoiceLine).where(InvoiceLine.invoice_id.in_(keys), InvoiceLine.garage_id == self.garage_id)
            .order_by(InvoiceLine.position, InvoiceLine.id)), keys, "invoice_id")


class QuoteLinesLoader(Loader):
    async def batch_load_fn(self, keys):
        return grouped(await self.rows(
            select(QuoteLine).where(QuoteLine.quote_id.in_(keys), QuoteLine.garage_id == self.garage_id)
            .order_by(QuoteLine.position, QuoteLine.id)), keys, "quote_id")


class QuoteLinePhotosLoader(Loader):
    """A quote line's live attachments (an inspection finding's photos), in order."""

    async def batch_load_fn(self, keys):
        from backend.files.models import Attachment

        async with self.session() as session:
            rows = (await session.execute(
                select(QuoteLineAttachment.quote_line_id, Attachment)
                .join(Attachment, Attachment.id == QuoteLineAttachment.attachment_id)
                .where(QuoteLineAttachment.quote_line_id.in_(keys), QuoteLineAttachment.garage_id == self.garage_id,
                       Attachment.deleted_at.is_(None))
                .order_by(QuoteLineAttachment.position, QuoteLineAttachment.id))).all()
        groups: dict = {}
        for line_id, attachment in rows:
            groups.setdefault(line_id, []).append(attachment)
        return [groups.get(k, []) for k in keys]


class PaymentsByInvoiceLoader(Loader):
    async def batch_load_fn(self, keys):
        return grouped(await self.rows(
            select(Payment).where(Payment.invoice_id.in_(keys), Payment.garage_id == self.garage_id)
            .order_by(Payment.created_at, Payment.id)), keys, "invoice_id")


class CreditNotesByInvoiceLoader(Loader):
    async def batch_load_fn(self, keys):
        return grouped(await self.rows(
            select(CreditNote).where(CreditNote.invoice_id.in_(keys), CreditNote.garage_id == self.garage_id)
            .order_by(CreditNote.created_at, CreditNote.id)), keys, "invoice_id")


class CreditNoteLinesLoader(Loader):
    async def batch_load_fn(self, keys):
        return grouped(await self.rows(
            select(CreditNoteLine).where(CreditNoteLine.credit_note_id.in_(keys),
                                         CreditNoteLine.garage_id == self.garage_id)
            .order_by(CreditNoteLine.position, CreditNoteLine.id)), keys, "credit_note_id")


class DeferredWorkByVehicleLoader(Loader):
    """Open (unresolved) deferred work of a vehicle, oldest first."""

    async def batch_load_fn(self, keys):
        return grouped(await self.rows(
            select(DeferredWork).where(DeferredWork.vehicle_id.in_(keys), DeferredWork.garage_id == self.garage_id,
                                       DeferredWork.resolved_at.is_(None))
            .order_by(DeferredWork.created_at, DeferredWork.id)), keys, "vehicle_id")


class QuotesByJobLoader(Loader):
    """A job's quotes, oldest first (Job.quotes on the job card)."""

    async def batch_load_fn(self, keys):
        return grouped(await self.rows(
            select(Quote).where(Quote.job_id.in_(keys), Quote.garage_id == self.garage_id)
            .order_by(Quote.created_at, Quote.id)), keys, "job_id")


class InvoicesByJobLoader(Loader):
    """A job's invoices, oldest first: a voided one stays beside the invoice that replaced it."""

    async def batch_load_fn(self, keys):
        return grouped(await self.rows(
            select(Invoice).where(Invoice.job_id.in_(keys), Invoice.garage_id == self.garage_id)
            .order_by(Invoice.created_at, Invoice.id)), keys, "job_id")
