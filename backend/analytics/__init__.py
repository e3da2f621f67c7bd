"""Analytics: KPI facts kept from the workshop and billing tables, the KPIs, goals and their alerts."""

from backend.analytics import facts as _facts

_facts.install()  # the flush listener that marks what the facts must recount (backend/analytics/facts.py)
