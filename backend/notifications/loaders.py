"""DataLoaders: a customer's communications (one query per page shape, however many customers are listed)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select, tuple_

from backend.api.loaders import Loader
from backend.notifications.models import Notification


class CommunicationsLoader(Loader):
    """Key: (customer id, limit, after (created_at iso, id) or None) -> the customer's messages, newest first,
    up to limit + 1 rows (so the connection knows whether another page follows)."""

    async def batch_load_fn(self, keys):
        groups: dict[tuple, list[uuid.UUID]] = {}
        for customer_id, limit, after in keys:
            groups.setdefault((limit, after), []).append(customer_id)
        found: dict[tuple, list[Notification]] = {}
        for (limit, after), customer_ids in groups.items():
            ranked = select(
                Notification.id.label("nid"),
                func.row_number().over(partition_by=Notification.customer_id,
                                       order_by=(Notification.created_at.desc(), Notification.id.desc())).label("rn"),
            ).where(Notification.garage_id == self.garage_id, Notification.customer_id.in_(customer_ids))
            if after is not None:
                ranked = ranked.where(tuple_(Notification.created_at, Notification.id)
                                      < tuple_(dt.datetime.fromisoformat(after[0]), uuid.UUID(after[1])))
            ranked = ranked.subquery()
            rows = await self.rows(
                select(Notification).join(ranked, ranked.c.nid == Notification.id).where(ranked.c.rn <= limit + 1)
                .order_by(Notification.customer_id, Notification.created_at.desc(), Notification.id.desc()))
            for row in rows:
                found.setdefault((row.customer_id, limit, after), []).append(row)
        return [found.get(key, []) for key in keys]
