"""Outbound webhooks: a garage's endpoints hear its business events, signed, through the outbox (see service.py,
delivery.py and docs/webhooks.md)."""
