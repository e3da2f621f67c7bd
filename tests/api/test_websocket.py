"""GraphQL over WebSocket (graphql-transport-ws): sign-in in connection_init, operations scoped like HTTP."""

import json

import pytest
from httpx import AsyncClient
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport


def ws_client(app):
    return AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://testserver")


async def test_signed_in_operation_over_websocket(app, garage):
    async with ws_client(app) as client, aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send_text(json.dumps({"type": "connection_init",
                                       "payload": {"Authorization": f"Bearer {garage.token()}"}}))
        assert json.loads(await ws.receive_text())["type"] == "connection_ack"
        await ws.send_text(json.dumps({"id": "1", "type": "subscribe",
                                       "payload": {"query": "{ garage { name } me { role } }"}}))
        message = json.loads(await ws.receive_text())
        assert message["type"] == "next"
        assert message["payload"]["data"] == {"garage": {"name": "Garage One"}, "me": {"role": "ADMIN"}}
        assert json.loads(await ws.receive_text()) == {"id": "1", "type": "complete"}


async def test_websocket_without_valid_token_is_refused(app, garage):
    from httpx_ws import WebSocketDisconnect

    for payload in ({}, {"Authorization": "Bearer nonsense"}):
        async with ws_client(app) as client, \
                aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send_text(json.dumps({"type": "connection_init", "payload": payload}))
            with pytest.raises(WebSocketDisconnect) as info:
                await ws.receive_text()
            assert info.value.code == 4403
