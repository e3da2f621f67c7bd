"""DataLoaders for inspections: one garage-scoped statement per batch, whatever the number of inspections or items."""

from __future__ import annotations

from backend.api.loaders import Loader
from backend.inspections import service


class InspectionsByJobLoader(Loader):
    """job id -> its inspections, oldest first."""

    async def batch_load_fn(self, keys):
        async with self.session() as session:
            return await service.inspections_of_jobs(session, self.garage_id, list(keys))


class ResultsByInspectionLoader(Loader):
    """inspection id -> {item key: result}."""

    async def batch_load_fn(self, keys):
        async with self.session() as session:
            return await service.results_of(session, self.garage_id, list(keys))


class PhotosByItemLoader(Loader):
    """(inspection id, item key) -> the item's live photos (attachments of the inspection's job), one statement for
    every item of every inspection on the page. A result's field returns the future itself (no coroutine per row)."""

    async def batch_load_fn(self, keys):
        inspection_ids = list(dict.fromkeys(inspection_id for inspection_id, _ in keys))
        async with self.session() as session:
            found = dict(zip(inspection_ids, await service.photos_for(session, self.garage_id, inspection_ids)))
        return [found[inspection_id].get(item_key, []) for inspection_id, item_key in keys]


class PreviousByItemLoader(Loader):
    """((inspection id, vehicle id, started at), item key) -> the item in the vehicle's previous inspection."""

    async def batch_load_fn(self, keys):
        inspections = list(dict.fromkeys(inspection for inspection, _ in keys))
        async with self.session() as session:
            found = dict(zip(inspections, await service.previous_for(session, self.garage_id, inspections)))
        return [found[inspection].get(item_key) for inspection, item_key in keys]
