"""Billing's GraphQL fields (filled in as the domain grows)."""

from backend.billing import models  # noqa: F401  (the schema module imports every domain's models)
