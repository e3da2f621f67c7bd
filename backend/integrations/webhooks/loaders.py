"""DataLoaders: a delivery's attempts (one query however many deliveries are listed)."""

from __future__ import annotations

from sqlalchemy import select

from backend.api.loaders import Loader
from backend.integrations.webhooks.models import WebhookAttempt


class AttemptsLoader(Loader):
    """Key: delivery id -> its attempts, first to last."""

    async def batch_load_fn(self, keys):
        rows = await self.rows(select(WebhookAttempt).where(WebhookAttempt.garage_id == self.garage_id,
                                                            WebhookAttempt.delivery_id.in_(list(keys)))
                               .order_by(WebhookAttempt.delivery_id, WebhookAttempt.attempt, WebhookAttempt.at))
        found: dict = {}
        for row in rows:
            found.setdefault(row.delivery_id, []).append(row)
        return [found.get(key, []) for key in keys]
