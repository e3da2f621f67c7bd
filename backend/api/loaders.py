"""DataLoader base: created once per operation by the context; each batch reads in its own short session."""

from __future__ import annotations

from aiodataloader import DataLoader


class Loader(DataLoader):
    def __init__(self, ctx) -> None:
        super().__init__()
        self.ctx = ctx

    def session(self):
        return self.ctx.loader_session()

    async def rows(self, query) -> list:
        async with self.session() as s:
            return list((await s.execute(query)).scalars())

    @property
    def garage_id(self):
        return self.ctx.actor.garage_id

    async def batch_load_fn(self, keys):  # pragma: no cover - abstract
        raise NotImplementedError
