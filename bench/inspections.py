"""Job.inspections on the job card: a job with `--inspections` inspections of `--items` items, each item rated with
a photo and the vehicle's previous values, read through GraphQL as the PWA asks for it, against the same answer from
hand-written SQL (the four statements the loaders run, shaped into the same JSON by hand).

    .venv/bin/python bench/inspections.py [--items 30] [--inspections 2] [--rounds 200] [--database-url ...]

Prints the mean and p95 milliseconds per request of both, their ratio, and the SQL statements of one GraphQL request
(the same for any number of items). Default database: a fresh SQLite file in a temporary directory (a PostgreSQL URL
is emptied first: never point it at data you keep).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERY = """query($id: ID!) { job(id: $id) { id inspections { id version status startedAt
  template { name sections { key title items { key title kind unit adviseAt urgentAt photoRequired } } }
  counts { good advise urgent }
  results { itemKey title condition value note quoted photos { id name thumbnailUrl } previous { value condition } }
} } }"""


async def _seed(app, items: int, inspections: int):
    from backend.core.permissions import Role
    from backend.files.models import Attachment
    from backend.inspections import service
    from tests.conftest import make_garage
    from tests.inspections.helpers import started_job
    from tests.workshop.helpers import make_site, make_vehicle

    db = app.state.services.db
    world = await make_garage(app, "Bench Garage")
    tech = world.actor(Role.TECHNICIAN)
    site, vehicle = await make_site(db, world), await make_vehicle(db, world)
    data = service.TemplateData(name_en="Bench", sections=[service.SectionData(key="main", title_en="Main", items=[
        service.ItemData(key=f"i{n}", title_en=f"Item {n}", kind="MEASUREMENT", unit="mm", advise_at="3",
                         urgent_at="1.6") for n in range(items)])])
    async with db.transaction() as session:
        template = await service.create_template(session, world.actor(Role.ADMIN), data)
    job = None
    for round_ in range(inspections):  # on one vehicle, so every later inspection carries the earlier values
        job = await started_job(db, world, vehicle, site)
        async with db.transaction() as session:
            inspection = await service.start_inspection(session, tech, uuid.uuid4(), job.id, template.id)
            for n in range(items):
                upload_id = str(uuid.uuid4())
                session.add(Attachment(garage_id=world.id, owner_type="job", owner_id=job.id, kind="PHOTO",
                                       name=f"p{n}.jpg", content_type="image/jpeg", size=1, sha256="0" * 64,
                                       storage_key=f"{world.id}/{upload_id}", thumbnail_key=f"{world.id}/t",
                                       upload_id=upload_id, created_by_id=tech.user_id))
                await service.record_result(session, tech, inspection.id, f"i{n}", service.ResultData(
                    value=str(1 + (n + round_) % 5), note="checked", photo_upload_ids=[upload_id]))
    return world, job


def _hand_written(conn, garage_id, job_id) -> dict:
    """The same answer from SQL written by hand (sync, on the raw DB-API connection of the engine)."""
    g, j = garage_id.hex, job_id.hex
    cur = conn.cursor()
    cur.execute("SELECT id, version, status, started_at, name_en, sections, vehicle_id FROM inspections "
                "WHERE garage_id = ? AND job_id = ? ORDER BY started_at, id", (g, j))
    inspections = cur.fetchall()
    ids = [row[0] for row in inspections]
    marks = ",".join("?" * len(ids)) or "NULL"
    cur.execute(f"SELECT inspection_id, item_key, condition, value, note, quote_line_id FROM inspection_results "
                f"WHERE garage_id = ? AND inspection_id IN ({marks})", (g, *ids))
    results: dict = {}
    for inspection_id, key, condition, value, note, quoted in cur.fetchall():
        results.setdefault(inspection_id, {})[key] = (condition, value, note, quoted)
    cur.execute(f"SELECT p.inspection_id, p.item_key, a.id, a.name FROM inspection_photos p JOIN inspections i "
                f"ON i.id = p.inspection_id JOIN attachments a ON a.garage_id = p.garage_id AND a.upload_id = "
                f"p.upload_id AND a.owner_type = 'job' AND a.owner_id = i.job_id WHERE p.garage_id = ? AND "
                f"p.inspection_id IN ({marks}) AND a.deleted_at IS NULL ORDER BY p.created_at, p.id", (g, *ids))
    photos: dict = {}
    for inspection_id, key, attachment_id, name in cur.fetchall():
        photos.setdefault((inspection_id, key), []).append({"id": attachment_id, "name": name})
    vehicles = {row[6] for row in inspections}
    vmarks = ",".join("?" * len(vehicles)) or "NULL"
    cur.execute(f"SELECT i.vehicle_id, i.id, i.started_at, r.item_key, r.value, r.condition FROM inspections i "
                f"JOIN inspection_results r ON r.inspection_id = i.id WHERE i.garage_id = ? AND i.vehicle_id IN "
                f"({vmarks}) ORDER BY i.started_at DESC, i.id DESC", (g, *vehicles))
    history = cur.fetchall()
    out = []
    for inspection_id, version, status, started_at, name, sections, vehicle_id in inspections:
        previous: dict = {}
        for v_id, other_id, other_started, key, value, condition in history:
            if v_id == vehicle_id and (other_started, other_id) < (started_at, inspection_id):
                previous.setdefault(key, {"value": value, "condition": condition})
        rows = results.get(inspection_id, {})
        items = [item for section in json.loads(sections) for item in section["items"]]
        conditions = [r[0] for r in rows.values()]
        out.append({"id": inspection_id, "version": version, "status": status, "name": name,
                    "counts": {c: conditions.count(c.upper()) for c in ("good", "advise", "urgent")},
                    "results": [{"itemKey": item["key"], "title": item["title_en"],
                                 "condition": rows.get(item["key"], (None,))[0],
                                 "value": rows.get(item["key"], (None, None))[1],
                                 "photos": photos.get((inspection_id, item["key"]), []),
                                 "previous": previous.get(item["key"])} for item in items]})
    return {"job": {"id": j, "inspections": out}}


async def main(items: int, inspections: int, rounds: int, database_url: str | None) -> None:
    import httpx
    from sqlalchemy import event

    from backend.app import create_app
    from backend.core.permissions import Role
    from tests.conftest import StatementCounter, make_settings
    from tests.fresh_db import fresh_schema

    folder = Path(tempfile.mkdtemp())
    url = database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
    app = create_app(make_settings(url, file_storage_dir=folder / "files"))
    db = app.state.services.db
    await fresh_schema(db)
    world, job = await _seed(app, items, inspections)
    token = world.token(Role.TECHNICIAN)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 12345))
    body = {"query": QUERY, "variables": {"id": str(job.id)}}
    headers = {"Authorization": f"Bearer {token}"}
    count = StatementCounter()

    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        first = (await client.post("/graphql", json=body, headers=headers)).json()
        assert not first.get("errors"), first
        shown = first["data"]["job"]["inspections"]
        assert len(shown) == 1 and len(shown[0]["results"]) == items and all(r["photos"] for r in shown[0]["results"])
        for engine in db.engines:
            event.listen(engine.sync_engine, "before_cursor_execute", count)
        await client.post("/graphql", json=body, headers=headers)
        for engine in db.engines:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
        graphql_ms = []
        for _ in range(rounds):
            started = time.perf_counter()
            response = await client.post("/graphql", json=body, headers=headers)
            graphql_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    sql_ms = []
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split("///", 1)[1])
        for _ in range(rounds):
            started = time.perf_counter()
            json.dumps(_hand_written(conn, world.id, job.id), default=str)
            sql_ms.append((time.perf_counter() - started) * 1000)
        conn.close()
    await db.dispose()

    def stats(values):
        ordered = sorted(values)
        return statistics.mean(values), ordered[int(len(ordered) * 0.95) - 1]

    g_mean, g_p95 = stats(graphql_ms)
    print(f"Job.inspections: 1 inspection of {items} items on the job (+{inspections - 1} earlier on the vehicle), "
          f"each with a photo and previous values; {rounds} rounds on {url.split(':', 1)[0]}")
    print(f"  GraphQL (in-process ASGI, signed links, loaders): mean {g_mean:.2f} ms, p95 {g_p95:.2f} ms, "
          f"{count.count} SQL statements per request")
    if sql_ms:
        s_mean, s_p95 = stats(sql_ms)
        print(f"  hand-written SQL + JSON (sqlite3, no HTTP, no auth): mean {s_mean:.2f} ms, p95 {s_p95:.2f} ms; "
              f"GraphQL / SQL = {g_mean / s_mean:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--inspections", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    asyncio.run(main(args.items, args.inspections, args.rounds, args.database_url))
