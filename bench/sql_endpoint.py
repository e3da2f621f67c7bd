"""The hand-written baseline for the jobBoard benchmark: the same JSON as

    query($s: ID!) { jobBoard(siteId: $s) { status jobs { id number status operationsStream
      vehicle { registration make model owner { name phone } } technician { name }
      tasks { name status } partsRequests { quantity status item { sku } } } } }

built from four SQL statements and json.dumps, behind the same bearer-token check as /graphql. Served by
`uvicorn bench.sql_endpoint:create_app --factory` on POST /board with {"siteId": ...}; bench/jobboard.sh runs it
side by side with the real server.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict

from sqlalchemy import bindparam, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.accounts.service import actor_from_token
from backend.app import bearer_token
from backend.core.db import Database
from backend.core.settings import get_settings

BOARD_STATUSES = ["RECEIVED", "ASSIGNED", "IN_PROGRESS", "AWAITING_PARTS", "COMPLETED", "MANAGER_REVIEW",
                  "BILLING", "ON_HOLD"]


def _id(db: Database, value: uuid.UUID) -> object:
    return value.hex if db.is_sqlite else value


def create_app() -> Starlette:
    settings = get_settings()
    db = Database(settings.database_url)

    async def board(request: Request) -> Response:
        async with db.read() as s:
            actor = await actor_from_token(s, settings, bearer_token(request.headers.get("authorization")) or "")
        if actor is None:
            return Response(status_code=401)
        site_id = uuid.UUID((await request.json())["siteId"])
        async with db.read() as s:
            jobs = (await s.execute(text(
                "SELECT j.id, j.number, j.status, j.operations_stream, j.technician_id, j.created_at, "
                "v.registration, v.make, v.model, c.name AS owner_name, c.phone AS owner_phone, u.name AS tech_name "
                "FROM jobs j JOIN vehicles v ON v.id = j.vehicle_id LEFT JOIN customers c ON c.id = v.owner_id "
                "LEFT JOIN users u ON u.id = j.technician_id "
                "WHERE j.garage_id = :g AND j.site_id = :s AND j.status IN :st ORDER BY j.created_at, j.id"
            ).bindparams(bindparam("st", expanding=True)),
                {"g": _id(db, actor.garage_id), "s": _id(db, site_id), "st": BOARD_STATUSES})).all()
            ids = [j.id for j in jobs]
            tasks = defaultdict(list)
            parts = defaultdict(list)
            if ids:
                for t in (await s.execute(text(
                        "SELECT job_id, name, status FROM job_tasks WHERE job_id IN :ids ORDER BY position, id"
                ).bindparams(bindparam("ids", expanding=True)), {"ids": ids})).all():
                    tasks[t.job_id].append({"name": t.name, "status": t.status})
                for p in (await s.execute(text(
                        "SELECT p.job_id, p.quantity, p.status, i.sku FROM parts_requests p "
                        "JOIN warehouse_items i ON i.id = p.item_id WHERE p.job_id IN :ids ORDER BY p.created_at, p.id"
                ).bindparams(bindparam("ids", expanding=True)), {"ids": ids})).all():
                    parts[p.job_id].append({"quantity": p.quantity, "status": p.status, "item": {"sku": p.sku}})
        columns = {status: [] for status in BOARD_STATUSES}
        for j in jobs:
            owner = {"name": j.owner_name, "phone": j.owner_phone} if j.owner_name is not None else None
            columns[j.status].append({
                "id": str(uuid.UUID(str(j.id))), "number": j.number, "status": j.status,
                "operationsStream": j.operations_stream,
                "vehicle": {"registration": j.registration, "make": j.make, "model": j.model, "owner": owner},
                "technician": {"name": j.tech_name} if j.tech_name is not None else None,
                "tasks": tasks[j.id], "partsRequests": parts[j.id],
            })
        body = {"data": {"jobBoard": [{"status": status, "jobs": columns[status]} for status in BOARD_STATUSES]}}
        return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")

    return Starlette(routes=[Route("/board", board, methods=["POST"])])
