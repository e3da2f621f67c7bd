"""The run of one import: rows -> checked values -> records, in batches.

Each batch of rows is one transaction: its rows are checked (every problem of every row is kept, as a code and
parameters), the source ids it names are looked up in `import_links` in one statement, and only then is anything
written: new records with one multi-row INSERT per table, changed ones with one executemany UPDATE, links likewise;
a row whose hash equals its link's is left alone. No ORM object is made per row. A dry run does the same reading
and checking and writes nothing but the job's progress. A run that stops half-way can be run again: what was
committed is found by its source id and left as it is.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import and_, bindparam, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.db import utcnow
from backend.core.errors import ErrorCode
from backend.core.i18n import N_
from backend.core.ids import new_id
from backend.customers.models import ContactChannel, Customer, CustomerKind, MileageReading, Vehicle, \
    VehicleOwnership
from backend.integrations.imports import fields as F
from backend.integrations.imports.models import ImportJob, ImportLink, ServiceHistory
from backend.integrations.imports.reader import Table
from backend.inventory.models import WarehouseItem

BATCH = 2000
LOOKUP_CHUNK = 500
MAX_ERRORS = 5000  # kept on the job; the count of rows with errors is always complete

MSG_UNKNOWN_COLUMN = N_("The mapping names a column “{column}” that the file does not have.")
MSG_UNKNOWN_FIELD = N_("“{name}” is not a field of this kind of import.")
MSG_NOT_JOINABLE = N_("Only one column can fill “{label}”.")
MSG_REQUIRED_FIELD = N_("Choose the column for “{label}”: it is required.")
MSG_NEEDS_VEHICLE_COLUMN = N_("Choose a column for the vehicle: its registration or its id in the old system.")
OPENING_BALANCE = N_("Opening balance imported from {source}")

Progress = Callable[[int, int], Awaitable[None] | None]


class MappingError(Exception):
    """The mapping does not fit the file or the kind: [(message, params)], nothing was read or written."""

    def __init__(self, problems: list[tuple[str, dict]]) -> None:
        super().__init__("; ".join(m for m, _ in problems))
        self.problems = problems


@dataclasses.dataclass
class Outcome:
    total: int = 0
    done: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_rows: int = 0
    problems: list[F.Problem] = dataclasses.field(default_factory=list)


def resolve_mapping(kind: str, columns: list[str], mapping: dict[str, str]) -> dict[str, list[int]]:
    """{column name: field} -> {field: [column indexes]}; MappingError when it does not fit."""
    known = F.field_map(kind)
    index = {c: i for i, c in enumerate(columns)}
    lower = {c.lower(): i for i, c in enumerate(columns)}
    out: dict[str, list[int]] = {}
    problems: list[tuple[str, dict]] = []
    for column, field in mapping.items():
        if not field:
            continue
        i = index.get(column, lower.get(column.strip().lower()))
        if i is None:
            problems.append((MSG_UNKNOWN_COLUMN, {"column": column}))
            continue
        if field not in known:
            problems.append((MSG_UNKNOWN_FIELD, {"name": field}))
            continue
        out.setdefault(field, []).append(i)
    for name, cols in out.items():
        if len(cols) > 1 and not known[name].joinable:
            problems.append((MSG_NOT_JOINABLE, {"label": known[name].label}))
    for f in F.FIELDS[kind]:
        if f.required and f.name not in out:
            problems.append((MSG_REQUIRED_FIELD, {"label": f.label}))
    if kind == "service_history" and not ({"registration", "vehicle_ref"} & set(out)):
        problems.append((MSG_NEEDS_VEHICLE_COLUMN, {}))
    if problems:
        raise MappingError(problems)
    return out


def guess_mapping(kind: str, columns: list[str]) -> dict[str, str]:
    """A first guess: a column whose name is a field's name or English label (any case, _ or space)."""
    def norm(s: str) -> str:
        return "".join(ch for ch in s.lower() if ch.isalnum())

    by_name: dict[str, str] = {}
    for f in F.FIELDS[kind]:
        by_name.setdefault(norm(f.name), f.name)
        by_name.setdefault(norm(f.label), f.name)
    by_name.setdefault("id", "source_id")
    used: set[str] = set()
    out: dict[str, str] = {}
    for column in columns:
        field = by_name.get(norm(column))
        if field and field not in used:
            out[column] = field
            used.add(field)
    return out


def row_hash(values: dict) -> str:
    text = json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@dataclasses.dataclass
class _Row:
    number: int  # as the spreadsheet numbers it (header = 1)
    values: dict
    columns: dict  # field -> the column name(s) it came from (for problems)
    hash: str = ""


class Run:
    def __init__(self, session_factory, garage_id: uuid.UUID, kind: str, table: Table, mapping: dict[str, str], *,
                 source: str, dry_run: bool, ctx: F.Context, actor=None, job_id: uuid.UUID | None = None,
                 progress: Progress | None = None, batch: int = BATCH) -> None:
        self.transaction = session_factory
        self.garage_id = garage_id
        self.kind = kind
        self.table = table
        self.fields = resolve_mapping(kind, table.columns, mapping)
        self.known = F.field_map(kind)
        # (field name, field, column indexes, the column name(s) a problem names), worked out once for every row
        self._plan = [(name, self.known[name], idxs, ", ".join(table.columns[i] for i in idxs))
                      for name, idxs in self.fields.items()]
        self._columns = {name: column for name, _f, _i, column in self._plan}
        self.source = source
        self.dry_run = dry_run
        self.ctx = ctx
        self.actor = actor  # whom the services called for stock items act for (audit)
        self.job_id = job_id
        self.progress = progress
        self.batch = batch
        self.outcome = Outcome(total=len(table.rows))
        self._seen_ids: dict[str, int] = {}
        self._seen_unique: dict[str, int] = {}  # registration / SKU -> the row that had it first

    # ---------------------------------------------------------------------------------------------- checking

    def _problem(self, row: int, column: str | None, code: str, **params) -> None:
        self._row_problems.append(F.Problem(row, column, code, {k: str(p) for k, p in params.items()}))

    def _parse(self, number: int, cells: list) -> _Row | None:
        values: dict = {}
        errors: list = []
        width = len(cells)
        for name, field, idxs, column in self._plan:
            if len(idxs) == 1:
                raw = cells[idxs[0]] if idxs[0] < width else None
            else:
                parts = [F.cell_text(cells[i]) for i in idxs if i < width]
                raw = ", ".join(p for p in parts if p) or None
            value = F.convert(errors, field, column, raw, self.ctx)
            if value is not None:
                values[name] = value
        columns = self._columns
        for column, code, params in errors:
            self._problem(number, column, code, **params)
        source_id = values.get("source_id")
        if source_id is not None:
            first = self._seen_ids.get(source_id)
            if first is not None:
                self._problem(number, columns["source_id"], F.DUPLICATE_ID, ref=source_id, first=first)
                return None
            self._seen_ids[source_id] = number
        if errors:
            return None
        if self.kind == "vehicles":
            registration, display = values["registration"]
            values["registration"], values["registration_display"] = registration, display
            if self._unique(number, columns["registration"], registration, F.DUPLICATE_REGISTRATION,
                            registration=display):
                return None
        elif self.kind == "service_history":
            if "registration" in values:
                values["registration"] = values["registration"][0]
            if "registration" not in values and "vehicle_ref" not in values:
                self._problem(number, None, F.NEEDS_VEHICLE)
                return None
        elif self.kind == "stock_items":
            values["sku"] = values["sku"].upper()
            if self._unique(number, columns["sku"], values["sku"], ErrorCode.SKU_TAKEN.value, sku=values["sku"]):
                return None
        return _Row(number, values, columns, row_hash(values))

    def _unique(self, number: int, column: str, key: str, code: str, **params) -> bool:
        first = self._seen_unique.get(key)
        if first is not None:
            self._problem(number, column, code, first=first, **params)
            return True
        self._seen_unique[key] = number
        return False

    # ---------------------------------------------------------------------------------------------- the run

    async def run(self) -> Outcome:
        rows = self.table.rows
        for start in range(0, len(rows), self.batch):
            self._row_problems: list[F.Problem] = []
            parsed = [r for r in (self._parse(start + i + 2, cells)
                                  for i, cells in enumerate(rows[start:start + self.batch])) if r is not None]
            async with self.transaction() as session:
                if session.bind.dialect.name == "postgresql":
                    # plan each lookup with its own ids and the table's size now: a generic plan cached while the
                    # links table was empty scans it whole for every chunk once it holds 100,000 rows
                    await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
                await self._batch(session, parsed)
                self._row_problems.sort(key=lambda p: p.row)
                self.outcome.error_rows += len({p.row for p in self._row_problems})
                room = MAX_ERRORS - len(self.outcome.problems)
                self.outcome.problems.extend(self._row_problems[:max(room, 0)])
                self.outcome.done = min(start + self.batch, len(rows))
                if self.job_id is not None:
                    await self._save_progress(session)
            if self.progress is not None:
                result = self.progress(self.outcome.done, self.outcome.total)
                if result is not None:
                    await result
        return self.outcome

    async def _save_progress(self, session: AsyncSession, **extra) -> None:
        o = self.outcome
        await session.execute(update(ImportJob).where(ImportJob.id == self.job_id).values(
            rows_done=o.done, total_rows=o.total, created_count=o.created, updated_count=o.updated,
            unchanged_count=o.unchanged, error_rows=o.error_rows, errors=[p.as_dict() for p in o.problems],
            **extra))

    async def _links(self, session: AsyncSession, kind: str, ids: list[str]) -> dict[str, tuple]:
        out: dict[str, tuple] = {}
        for start in range(0, len(ids), LOOKUP_CHUNK):
            chunk = ids[start:start + LOOKUP_CHUNK]
            result = await session.execute(select(ImportLink.source_id, ImportLink.record_id, ImportLink.row_hash)
                                           .where(ImportLink.garage_id == self.garage_id,
                                                  ImportLink.source == self.source, ImportLink.kind == kind,
                                                  ImportLink.source_id.in_(chunk)))
            for source_id, record_id, hash_ in result:
                out[source_id] = (record_id, hash_)
        return out

    async def _lookup(self, session: AsyncSession, query_for, keys: list) -> list:
        out: list = []
        for start in range(0, len(keys), LOOKUP_CHUNK):
            out.extend((await session.execute(query_for(keys[start:start + LOOKUP_CHUNK]))).all())
        return out

    async def _batch(self, session: AsyncSession, rows: list[_Row]) -> None:
        if not rows:
            return
        links = await self._links(session, self.kind, [r.values["source_id"] for r in rows])
        await getattr(self, f"_resolve_{self.kind}")(session, rows, links)
        rows = [r for r in rows if not r.values.get("_bad")]
        new = [r for r in rows if r.values["source_id"] not in links]
        changed = [r for r in rows if r.values["source_id"] in links and links[r.values["source_id"]][1] != r.hash]
        self.outcome.unchanged += len(rows) - len(new) - len(changed)
        if not self.dry_run and (new or changed):
            for r in new:
                r.values["_id"] = new_id()
            for r in changed:
                r.values["_id"] = links[r.values["source_id"]][0]
            await getattr(self, f"_write_{self.kind}")(session, new, changed)
            new = [r for r in new if not r.values.get("_bad")]  # refused by a service on the way in
            changed = [r for r in changed if not r.values.get("_bad")]
        self.outcome.created += len(new)
        self.outcome.updated += len(changed)
        if self.dry_run or not (new or changed):
            return
        if new:
            await session.execute(insert(ImportLink.__table__), [
                {"garage_id": self.garage_id, "source": self.source, "kind": self.kind,
                 "source_id": r.values["source_id"], "record_id": r.values["_id"], "row_hash": r.hash} for r in new])
        if changed:
            await session.execute(
                update(ImportLink.__table__).where(and_(
                    ImportLink.garage_id == self.garage_id, ImportLink.source == self.source,
                    ImportLink.kind == self.kind, ImportLink.source_id == bindparam("b_source_id")))
                .values(row_hash=bindparam("b_hash"), record_id=bindparam("b_record")),
                [{"b_source_id": r.values["source_id"], "b_hash": r.hash, "b_record": r.values["_id"]}
                 for r in changed])

    async def _update(self, session, model, rows: list[_Row], values, *, version: bool = False) -> None:
        """One executemany UPDATE of `model` for `rows` by their ids, setting `values(row)` (the same keys for
        every row); with `version`, the record's version goes up by one and updated_at is now."""
        t = model.__table__
        extra = {"version": t.c.version + 1, "updated_at": utcnow()} if version else {}
        await session.execute(
            update(t).where(t.c.id == bindparam("b_id"), t.c.garage_id == self.garage_id)
            .values(**extra, **{k: bindparam("b_" + k) for k in values(rows[0])}),
            [{"b_id": r.values["_id"], **{"b_" + k: val for k, val in values(r).items()}} for r in rows])

    def _bad(self, row: _Row, field: str | None, code: str, **params) -> None:
        self._problem(row.number, row.columns.get(field) if field else None, code, **params)
        row.values["_bad"] = True

    # ---------------------------------------------------------------------------------------------- customers

    async def _resolve_customers(self, session, rows, links) -> None:
        pass

    async def _write_customers(self, session, new, changed) -> None:
        now = utcnow()

        def values(r: _Row) -> dict:
            x = r.values
            return {"name": x["name"], "kind": CustomerKind(x.get("kind") or "PERSON"), "phone": x.get("phone"),
                    "email": x.get("email"), "address": x.get("address"), "tax_id": x.get("tax_id"),
                    "notes": x.get("notes")}

        if new:
            await session.execute(insert(Customer.__table__), [
                {"id": r.values["_id"], "garage_id": self.garage_id, "contact_channel": ContactChannel.SMS,
                 "consent_sms": False, "consent_email": False, "version": 1, "created_at": now, "updated_at": now,
                 **values(r)} for r in new])
        if changed:
            await self._update(session, Customer, changed, values, version=True)

    # ---------------------------------------------------------------------------------------------- vehicles

    async def _owners(self, session, rows: list[_Row]) -> None:
        """Each row's customer: by the source's customer id, else by phone, else by email (exactly one match)."""
        refs = sorted({r.values["customer_ref"] for r in rows if "customer_ref" in r.values})
        by_ref = {k: v[0] for k, v in (await self._links(session, "customers", refs)).items()}
        phones = sorted({r.values["customer_phone"] for r in rows
                         if "customer_ref" not in r.values and "customer_phone" in r.values})
        emails = sorted({r.values["customer_email"] for r in rows
                         if "customer_ref" not in r.values and "customer_phone" not in r.values
                         and "customer_email" in r.values})
        by_phone: dict[str, list] = {}
        for cid, phone in await self._lookup(session, lambda chunk: select(Customer.id, Customer.phone).where(
                Customer.garage_id == self.garage_id, Customer.phone.in_(chunk)), phones):
            by_phone.setdefault(phone, []).append(cid)
        by_email: dict[str, list] = {}
        for cid, email in await self._lookup(session, lambda chunk: select(Customer.id, func.lower(Customer.email))
                                             .where(Customer.garage_id == self.garage_id,
                                                    func.lower(Customer.email).in_(chunk)), emails):
            by_email.setdefault(email, []).append(cid)
        for r in rows:
            x = r.values
            if "customer_ref" in x:
                x["_owner"] = by_ref.get(x["customer_ref"])
                if x["_owner"] is None:
                    self._bad(r, "customer_ref", F.UNKNOWN_CUSTOMER, ref=x["customer_ref"])
                continue
            for field, index in (("customer_phone", by_phone), ("customer_email", by_email)):
                if field in x:
                    found = index.get(x[field], [])
                    if len(found) == 1:
                        x["_owner"] = found[0]
                    elif found:
                        self._bad(r, field, F.AMBIGUOUS_CUSTOMER, count=len(found))
                    else:
                        self._bad(r, field, F.UNKNOWN_CUSTOMER, ref=x[field])
                    break

    async def _resolve_vehicles(self, session, rows, links) -> None:
        await self._owners(session, rows)
        regs = [r.values["registration"] for r in rows]
        taken = dict((reg, vid) for vid, reg in await self._lookup(
            session, lambda chunk: select(Vehicle.id, Vehicle.registration).where(
                Vehicle.garage_id == self.garage_id, Vehicle.registration.in_(chunk)), regs))
        vins = [r.values["vin"] for r in rows if "vin" in r.values]
        vin_taken = dict((vin, vid) for vid, vin in await self._lookup(
            session, lambda chunk: select(Vehicle.id, Vehicle.vin).where(
                Vehicle.garage_id == self.garage_id, Vehicle.vin.in_(chunk)), vins))
        for r in rows:
            x = r.values
            mine = links.get(x["source_id"], (None,))[0]
            holder = taken.get(x["registration"])
            if holder is not None and holder != mine:
                self._bad(r, "registration", ErrorCode.REGISTRATION_TAKEN.value,
                          registration=x["registration_display"])
            holder = vin_taken.get(x.get("vin"))
            if holder is not None and holder != mine:
                self._bad(r, "vin", ErrorCode.VIN_TAKEN.value, vin=x["vin"])

    async def _write_vehicles(self, session, new, changed) -> None:
        now = utcnow()

        def values(r: _Row) -> dict:
            x = r.values
            return {"registration": x["registration"], "registration_display": x["registration_display"],
                    "vin": x.get("vin"), "make": x.get("make"), "model": x.get("model"), "year": x.get("year"),
                    "colour": x.get("colour"), "notes": x.get("notes"), "owner_id": x.get("_owner")}

        readings = []
        if new:
            await session.execute(insert(Vehicle.__table__), [
                {"id": r.values["_id"], "garage_id": self.garage_id, "version": 1, "created_at": now,
                 "updated_at": now, "mileage": r.values.get("mileage"),
                 "mileage_recorded_at": now if "mileage" in r.values else None, **values(r)} for r in new])
            owned = [{"id": new_id(), "garage_id": self.garage_id, "vehicle_id": r.values["_id"],
                      "customer_id": r.values["_owner"], "started_at": now} for r in new if r.values.get("_owner")]
            if owned:
                await session.execute(insert(VehicleOwnership.__table__), owned)
            readings += [r for r in new if "mileage" in r.values]
        if changed:
            current = dict((vid, (owner, mileage)) for vid, owner, mileage in await self._lookup(
                session, lambda chunk: select(Vehicle.id, Vehicle.owner_id, Vehicle.mileage).where(
                    Vehicle.garage_id == self.garage_id, Vehicle.id.in_(chunk)), [r.values["_id"] for r in changed]))
            await self._update(session, Vehicle, changed, values, version=True)
            moved = [r for r in changed if current.get(r.values["_id"], (None,))[0] != r.values.get("_owner")]
            if moved:
                await session.execute(
                    update(VehicleOwnership.__table__).where(
                        VehicleOwnership.vehicle_id == bindparam("b_vehicle"), VehicleOwnership.ended_at.is_(None))
                    .values(ended_at=now), [{"b_vehicle": r.values["_id"]} for r in moved])
                owned = [{"id": new_id(), "garage_id": self.garage_id, "vehicle_id": r.values["_id"],
                          "customer_id": r.values["_owner"], "started_at": now}
                         for r in moved if r.values.get("_owner")]
                if owned:
                    await session.execute(insert(VehicleOwnership.__table__), owned)
            higher = [r for r in changed if "mileage" in r.values
                      and r.values["mileage"] > (current.get(r.values["_id"], (None, None))[1] or -1)]
            if higher:
                await self._update(session, Vehicle, higher, lambda r: {
                    "mileage": r.values["mileage"], "mileage_recorded_at": now})
            readings += higher
        if readings:
            await session.execute(insert(MileageReading.__table__), [
                {"id": new_id(), "garage_id": self.garage_id, "vehicle_id": r.values["_id"],
                 "mileage": r.values["mileage"], "recorded_at": now, "reason": f"import:{self.source}"}
                for r in readings])

    # ---------------------------------------------------------------------------------------------- history

    async def _resolve_service_history(self, session, rows, links) -> None:
        refs = sorted({r.values["vehicle_ref"] for r in rows if "vehicle_ref" in r.values})
        by_ref = {k: v[0] for k, v in (await self._links(session, "vehicles", refs)).items()}
        regs = sorted({r.values["registration"] for r in rows if "vehicle_ref" not in r.values})
        by_reg = dict((reg, vid) for vid, reg in await self._lookup(
            session, lambda chunk: select(Vehicle.id, Vehicle.registration).where(
                Vehicle.garage_id == self.garage_id, Vehicle.registration.in_(chunk)), regs))
        for r in rows:
            x = r.values
            if "vehicle_ref" in x:
                x["_vehicle"] = by_ref.get(x["vehicle_ref"])
                if x["_vehicle"] is None:
                    self._bad(r, "vehicle_ref", F.UNKNOWN_VEHICLE, ref=x["vehicle_ref"])
            else:
                x["_vehicle"] = by_reg.get(x["registration"])
                if x["_vehicle"] is None:
                    self._bad(r, "registration", F.UNKNOWN_VEHICLE, ref=x["registration"])
        ok = [r for r in rows if not r.values.get("_bad")]
        owners = dict(await self._lookup(session, lambda chunk: select(Vehicle.id, Vehicle.owner_id).where(
            Vehicle.garage_id == self.garage_id, Vehicle.id.in_(chunk)), sorted({r.values["_vehicle"] for r in ok})))
        crefs = sorted({r.values["customer_ref"] for r in ok if "customer_ref" in r.values})
        by_cref = {k: v[0] for k, v in (await self._links(session, "customers", crefs)).items()}
        for r in ok:
            x = r.values
            if "customer_ref" in x:
                x["_customer"] = by_cref.get(x["customer_ref"])
                if x["_customer"] is None:
                    self._bad(r, "customer_ref", F.UNKNOWN_CUSTOMER, ref=x["customer_ref"])
            else:
                x["_customer"] = owners.get(x["_vehicle"])

    async def _write_service_history(self, session, new, changed) -> None:
        def values(r: _Row) -> dict:
            x = r.values
            total = x.get("total_amount")
            if total is None and ("labour_amount" in x or "parts_amount" in x):
                total = x.get("labour_amount", 0) + x.get("parts_amount", 0)
            return {"vehicle_id": x["_vehicle"], "customer_id": x.get("_customer"), "visited_on": x["visited_on"],
                    "mileage": x.get("mileage"), "description": x.get("description"),
                    "technician_name": x.get("technician"), "billed_hours": x.get("billed_hours"),
                    "labour_amount": x.get("labour_amount"), "parts_amount": x.get("parts_amount"),
                    "total_amount": total, "currency": self.ctx.currency}

        if new:
            await session.execute(insert(ServiceHistory.__table__), [
                {"id": r.values["_id"], "garage_id": self.garage_id, "source": self.source,
                 "source_id": r.values["source_id"], "created_at": utcnow(), **values(r)} for r in new])
        if changed:
            await self._update(session, ServiceHistory, changed, values)

    # ---------------------------------------------------------------------------------------------- stock

    async def _resolve_stock_items(self, session, rows, links) -> None:
        taken = dict((sku, iid) for iid, sku in await self._lookup(
            session, lambda chunk: select(WarehouseItem.id, WarehouseItem.sku).where(
                WarehouseItem.garage_id == self.garage_id, WarehouseItem.sku.in_(chunk)),
            [r.values["sku"] for r in rows]))
        for r in rows:
            holder = taken.get(r.values["sku"])
            if holder is not None and holder != links.get(r.values["source_id"], (None,))[0]:
                self._bad(r, "sku", ErrorCode.SKU_TAKEN.value, sku=r.values["sku"])

    async def _write_stock_items(self, session, new, changed) -> None:
        """Through the inventory service, item by item (a stock file is thousands of rows, not 100,000): the
        opening quantity enters the ledger of the central warehouse as the service does it; on an update the
        quantity is left alone (stock moves only through the ledger)."""
        from backend.core.errors import DomainError, DomainErrors
        from backend.inventory import service as inventory

        def data(r: _Row):
            x = r.values
            return inventory.ItemInput(sku=x["sku"], name_en=x["name_en"], name_th=x.get("name_th"),
                                       unit=x.get("unit") or "pcs", cost_price=x.get("cost_price", 0),
                                       sale_price=x.get("sale_price", 0), reorder_point=x.get("reorder_point", 0),
                                       bin_location=x.get("bin_location"))

        for r in new + changed:
            try:
                async with session.begin_nested():
                    if r in new:
                        await inventory.create_item(session, self.actor, data(r), r.values["_id"],
                                                    initial_quantity=r.values.get("quantity") or None,
                                                    reason=OPENING_BALANCE.format(source=self.source))
                    else:
                        await inventory.update_item(session, self.actor, r.values["_id"], data(r))
            except (DomainError, DomainErrors) as exc:
                for e in exc.errors if isinstance(exc, DomainErrors) else [exc]:
                    self._bad(r, None, e.code.value, **e.params)
