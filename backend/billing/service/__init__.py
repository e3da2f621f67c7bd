"""Billing services: quotes, invoices, payments, credit notes."""

from backend.billing.service import credit_notes, invoices, payments, quotes  # noqa: F401
