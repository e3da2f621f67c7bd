from __future__ import annotations

from sqlalchemy import select

from backend.accounts.models import Garage, Site, User
from backend.api.loaders import Loader


class SiteLoader(Loader):
    async def batch_load_fn(self, keys):
        rows = await self.rows(select(Site).where(Site.id.in_(keys), Site.garage_id == self.garage_id))
        found = {r.id: r for r in rows}
        return [found.get(k) for k in keys]


class UserLoader(Loader):
    async def batch_load_fn(self, keys):
        rows = await self.rows(select(User).where(User.id.in_(keys), User.garage_id == self.garage_id))
        found = {r.id: r for r in rows}
        return [found.get(k) for k in keys]


class GarageLoader(Loader):
    """Only the actor's own garage can be loaded."""

    async def batch_load_fn(self, keys):
        async with self.session() as s:
            found = await s.get(Garage, self.garage_id)
        return [found if k == self.garage_id else None for k in keys]
