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


class PhotosByInspectionLoader(Loader):
    """inspection id -> {item key: [live attachments of the inspection's job]}."""

    async def batch_load_fn(self, keys):
        async with self.session() as session:
            return await service.photos_for(session, self.garage_id, list(keys))


class PreviousByInspectionLoader(Loader):
    """(inspection id, vehicle id, started at) -> {item key: the vehicle's previous value and rating}."""

    async def batch_load_fn(self, keys):
        async with self.session() as session:
            return await service.previous_for(session, self.garage_id, list(keys))
