"""Billing: quotes, invoices, payments, credit notes."""
