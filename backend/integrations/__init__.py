"""Integrations with other systems: outbound webhooks (webhooks/) and import from an earlier system (imports/)."""
