"""Billing documents for customer notifications: the invoice PDF attached to the "invoice issued" mail, and the link
to a quote in the "quote to approve" message.

The quote link (a choice, until a customer portal exists): a signed link to the quote's PDF in the customer's
language, made at SEND time (so a retry a day later still gets a fresh link) and valid for 7 days, the most
backend.billing.documents.signing allows. It carries no user (`u=` empty): the customer is not a user, and the PDF
route only checks a user's standing when the link names one. The absolute URL starts with settings.public_url (the
address customers reach the API at), else http://<host>:<port>.
"""

from __future__ import annotations

import uuid

import anyio

from backend.billing.documents import signing

QUOTE_LINK_TTL_SECONDS = signing.MAX_TTL_SECONDS  # 7 days


def public_base(settings) -> str:
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def quote_link(settings, garage_id: uuid.UUID, quote_id: uuid.UUID, locale: str) -> str:
    """Absolute signed URL of the quote's PDF in `locale`, valid for 7 days."""
    path = signing.signed_pdf_url("quote", quote_id, garage_id, None, ttl_seconds=QUOTE_LINK_TTL_SECONDS,
                                  locale=locale, secret=settings.secret_key)
    return public_base(settings) + path


def money_text(amount: int | None, currency: str) -> str:
    """1234550 satang, THB -> "12,345.50 THB" (for a message's text)."""
    from backend.billing.documents.render import format_amount

    return f"{format_amount(amount, currency)} {currency}"


async def invoice_pdf_for_notification(db, garage_id: uuid.UUID, invoice_id: uuid.UUID,
                                       locale: str) -> tuple[str, bytes]:
    """(filename, PDF bytes) of an invoice in `locale`, rendered now (CPU work in a worker thread).

    Raises LookupError when the invoice is not this garage's (the notification then fails for good)."""
    from backend.billing.documents.render import filename, render_pdf
    from backend.billing.documents.views import invoice_view

    async with db.read() as session:
        view = await invoice_view(session, garage_id, invoice_id, locale)
    if view is None:
        raise LookupError(f"invoice {invoice_id} not found in garage {garage_id}")
    pdf = await anyio.to_thread.run_sync(render_pdf, view)
    return filename(view), pdf
