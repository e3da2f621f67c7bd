"""Over a real server (uvicorn on 127.0.0.1, its access log on): the portal's WebSocket subscription and the staff
job card hear the customer's decision live; nothing the server logs during the whole portal session holds the
token, even when the token is pasted into a path."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket

import httpx
import uvicorn
from websockets.asyncio.client import connect

from backend.core.permissions import Role
from tests.portal.helpers import DECIDE, PORTAL_QUERY, REQUEST_CODE, code_from_sms, token_from_sms, visit

PORTAL_LIVE = "subscription { portalJob { status quotes { id status approvals { approved declined pending } } } }"
STAFF_LIVE = "subscription($j: ID!) { jobUpdated(jobId: $j) { id status } }"


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()} {record.exc_text or ''}")


@contextlib.asynccontextmanager
async def serving(app):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="off", log_level="debug", access_log=True, log_config=None,
                            ws="websockets-sansio", ws_ping_interval=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


async def _subscribe(url: str, init: dict, query: str, variables: dict | None = None):
    ws = await connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10, ping_interval=None)
    await ws.send(json.dumps({"type": "connection_init", "payload": init}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query,
                                                                          "variables": variables or {}}}))
    return ws


async def _next(ws) -> dict:
    message = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert message["type"] == "next", message
    return message["payload"]


async def test_live_decision_and_no_token_in_any_log(app, db, garage, sms):
    handler = Captured()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # an earlier uvicorn in this process (its default log config) may have left these loggers off or unpropagated
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
        named = logging.getLogger(name)
        named.disabled, named.propagate = False, True
        named.handlers.clear()
    try:
        v = await visit(db, garage)
        token = await token_from_sms(app, sms)
        async with serving(app) as host, httpx.AsyncClient(base_url=f"http://{host}", timeout=10) as http:
            auth = {"Authorization": f"Portal {token}"}
            assert (await http.get("/p/")).status_code == 200
            assert (await http.get(f"/p/{token}")).status_code == 200  # pasted into a path: served, not logged
            view = (await http.post("/portal/graphql", json={"query": PORTAL_QUERY}, headers=auth)).json()
            [quote] = view["data"]["portal"]["quotes"]
            portal_ws = await _subscribe(f"ws://{host}/portal/graphql", {"portalToken": token}, PORTAL_LIVE)
            staff = {"Authorization": f"Bearer {garage.token(Role.SITE_MANAGER)}"}
            staff_ws = await _subscribe(f"ws://{host}/graphql", staff, STAFF_LIVE, {"j": str(v.job.id)})
            rejected = await connect(f"ws://{host}/portal/graphql", subprotocols=["graphql-transport-ws"])
            await rejected.send(json.dumps({"type": "connection_init", "payload": {"portalToken": token[:-1] + "Z"}}))
            with contextlib.suppress(Exception):
                await asyncio.wait_for(rejected.recv(), 5)
            assert rejected.close_code is not None and rejected.close_code >= 4000
            await asyncio.sleep(0.2)  # both subscriptions listening
            sent = (await http.post("/portal/graphql", headers=auth, json={"query": REQUEST_CODE, "variables": {
                "input": {"quoteId": quote["id"], "channel": "SMS"}}})).json()
            assert sent["data"]["requestApprovalCode"]["sent"] is True
            code = await code_from_sms(app, sms)
            labour, part = quote["lines"]
            decided = (await http.post("/portal/graphql", headers=auth, json={"query": DECIDE, "variables": {
                "input": {"quoteId": quote["id"], "version": quote["version"], "linesHash": quote["linesHash"],
                          "approve": [labour["id"]], "decline": [part["id"]], "name": "Ann Smith",
                          "code": code}}})).json()
            assert decided["data"]["decideQuote"]["errors"] == []
            live = (await _next(portal_ws))["data"]["portalJob"]
            assert live["status"] == "IN_PROGRESS"
            assert live["quotes"] == [{"id": quote["id"], "status": "PARTIALLY_APPROVED",
                                       "approvals": {"approved": 1, "declined": 1, "pending": 0}}]
            card = (await _next(staff_ws))["data"]["jobUpdated"]
            assert card == {"id": str(v.job.id), "status": "IN_PROGRESS"}
            await portal_ws.close()
            await staff_ws.close()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    from backend.core.models import AuditEntry
    from tests.portal.helpers import rows

    audited = {a.action for a in await rows(db, AuditEntry, AuditEntry.entity_type == "PortalLink")}
    assert {"view", "subscribe", "request_code", "decide_quote"} <= audited
    access = [line for line in handler.lines if line.startswith("uvicorn.access")]
    assert any("/portal/graphql" in line for line in access) and any("/p/…" in line for line in access), access
    client_side = ("httpx ", "httpcore", "websockets.client")  # this test's own clients, not the server
    leaked = [line for line in handler.lines if token in line and not line.startswith(client_side)]
    assert leaked == [], leaked
