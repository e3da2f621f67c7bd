"""GraphQL for technicians' working time (shift patterns, exceptions, the attendance clock, corrections, alerts)."""

from __future__ import annotations

from backend.workforce import models  # noqa: F401  (the domain's tables, for the schema and the migrations check)
