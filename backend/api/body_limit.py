"""A size cap on what reaches the GraphQL endpoint, applied before anything is parsed.

An HTTP body above the cap is answered 413 with a GraphQL-shaped, localized error (as soon as Content-Length says
so, or as soon as the chunks read pass the cap, without reading the rest); a WebSocket message above it closes the
socket with 1009 (message too big) before the graphql-transport-ws handler decodes it.
"""

from __future__ import annotations

import json

from backend.api.documents import REQUEST_TOO_LARGE_MESSAGE
from backend.core.i18n import N_, negotiate, translate

REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
MESSAGE_TOO_BIG = 1009  # RFC 6455
MESSAGE_TOO_BIG_REASON = N_("Message too large")


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


class BodyLimit:
    def __init__(self, app, max_bytes: int, hold=None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.hold = hold  # an async callable(scope) run before a request's body is read (the refusal throttle)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _locale(self, scope) -> str:
        return negotiate(_header(scope, b"accept-language")) or "en"

    async def _http(self, scope, receive, send) -> None:
        if self.hold is not None:
            await self.hold(scope)
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope, send) -> None:
        locale = self._locale(scope)
        message = translate(locale, REQUEST_TOO_LARGE_MESSAGE, limit=self.max_bytes // 1024)
        payload = json.dumps({"errors": [{"message": message, "extensions": {
            "code": REQUEST_TOO_LARGE, "limit": self.max_bytes}}]}, ensure_ascii=False).encode()
        accept = (_header(scope, b"accept") or "").lower()
        media = "application/graphql-response+json" if "application/graphql-response+json" in accept \
            else "application/json"
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", media.encode() + b"; charset=utf-8"), (b"content-length", str(len(payload)).encode()),
            (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": payload})

    async def _websocket(self, scope, receive, send) -> None:
        closed = False

        async def guarded_receive():
            nonlocal closed
            message = await receive()
            if message["type"] == "websocket.receive":
                data = message.get("text")
                size = len(data.encode()) if data is not None else len(message.get("bytes") or b"")
                if size > self.max_bytes:
                    closed = True
                    reason = translate(self._locale(scope), MESSAGE_TOO_BIG_REASON)
                    await send({"type": "websocket.close", "code": MESSAGE_TOO_BIG, "reason": reason})
                    return {"type": "websocket.disconnect", "code": MESSAGE_TOO_BIG}
            return message

        async def guarded_send(message):
            if not closed:
                await send(message)

        await self.app(scope, guarded_receive, guarded_send)
