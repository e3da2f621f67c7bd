"""Billing services: quotes, invoices, payments, credit notes."""

from backend.billing.service import invoices, quotes  # noqa: F401
