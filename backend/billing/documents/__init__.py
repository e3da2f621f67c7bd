"""Billing documents: PDFs of quotes, invoices, credit notes and receipts, in English and Thai; signed links."""
