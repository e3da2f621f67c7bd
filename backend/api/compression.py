"""Response compression: brotli or gzip, as the client accepts, for text responses above a small size.

A pure ASGI middleware over the whole app:
- HTTP only: a WebSocket (the GraphQL subscriptions) passes through untouched;
- only types that gain from it (JSON, GraphQL responses, JavaScript, CSS, HTML, SVG, manifests, plain text); never a
  PDF (already deflated inside), an image, an archive or a server-sent event stream (which must flush as it goes);
- never twice: a response that already has a Content-Encoding, a partial (206) one or one marked no-transform is
  sent as it is;
- below `minimum_size` bytes the body goes out as it is (the headers cost more than the saving);
- every response of a compressible type carries `Vary: Accept-Encoding`, compressed or not, so a shared cache never
  hands a compressed body to a client that did not ask for it; a compressed response's ETag is marked with its
  encoding (one ETag per representation).

The PWA's static files are compressed on the fly by the same middleware (one code path; brotli at a moderate
quality so a 100 KB script costs a few milliseconds).
"""

from __future__ import annotations

import zlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

try:  # optional: present with WeasyPrint's font tools; gzip alone without it
    import brotli
except ImportError:  # pragma: no cover - depends on the installation
    brotli = None

COMPRESSIBLE = ("text/", "application/json", "application/graphql-response+json", "application/javascript",
                "application/manifest+json", "application/xml", "image/svg+xml", "application/x-javascript")
NEVER = ("text/event-stream",)
BROTLI_QUALITY = 5
GZIP_LEVEL = 6


def accepted_encoding(accept_encoding: str | None) -> str | None:
    """"br" or "gzip" from an Accept-Encoding header (q-values honoured, q=0 refuses; brotli preferred)."""
    if not accept_encoding:
        return None
    weights: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip().lower()
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name:
            weights[name] = q
    star = weights.get("*", 0.0)
    choices = (["br"] if brotli is not None else []) + ["gzip"]
    best = max(choices, key=lambda name: weights.get(name, star))
    return best if weights.get(best, star) > 0 else None


def compressible(content_type: str | None) -> bool:
    kind = (content_type or "").split(";")[0].strip().lower()
    return bool(kind) and kind.startswith(COMPRESSIBLE) and not kind.startswith(NEVER)


class _Encoder:
    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        if encoding == "br":
            self._br = brotli.Compressor(quality=BROTLI_QUALITY)
        else:
            self._gz = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip framing

    def chunk(self, data: bytes) -> bytes:
        if self.encoding == "br":
            return self._br.process(data) + self._br.flush()
        return self._gz.compress(data) + self._gz.flush(zlib.Z_SYNC_FLUSH)

    def finish(self) -> bytes:
        return self._br.finish() if self.encoding == "br" else self._gz.flush(zlib.Z_FINISH)


class CompressionMiddleware:
    def __init__(self, app: ASGIApp, minimum_size: int = 1024) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        encoding = accepted_encoding(Headers(scope=scope).get("accept-encoding"))
        await _Responder(self.app, encoding, self.minimum_size)(scope, receive, send)


class _Responder:
    def __init__(self, app: ASGIApp, encoding: str | None, minimum_size: int) -> None:
        self.app = app
        self.encoding = encoding
        self.minimum_size = minimum_size
        self.start: Message | None = None
        self.encoder: _Encoder | None = None
        self.passthrough = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.send = send
        await self.app(scope, receive, self.on_send)

    async def on_send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            headers = Headers(raw=message["headers"])
            eligible = (compressible(headers.get("content-type")) and "content-encoding" not in headers
                        and message["status"] != 206 and "content-range" not in headers
                        and "no-transform" not in headers.get("cache-control", "").lower())
            if eligible:
                MutableHeaders(raw=message["headers"]).add_vary_header("Accept-Encoding")
            if not eligible or self.encoding is None:
                self.passthrough = True
                await self.send(message)
            else:
                self.start = message  # held until the first body shows how big the response is
            return
        if kind != "http.response.body" or self.passthrough:
            await self.send(message)
            return
        body, more = message.get("body", b""), message.get("more_body", False)
        if self.start is not None:  # the first body
            start, self.start = self.start, None
            if not more and len(body) < self.minimum_size:
                self.passthrough = True
                await self.send(start)
                await self.send(message)
                return
            self.encoder = _Encoder(self.encoding)
            headers = MutableHeaders(raw=start["headers"])
            headers["Content-Encoding"] = self.encoding
            etag = headers.get("etag")
            if etag:
                headers["ETag"] = etag[:-1] + f'-{self.encoding}"' if etag.endswith('"') else etag
            if more:
                del headers["Content-Length"]  # streamed: chunked transfer
                await self.send(start)
            else:
                data = self.encoder.chunk(body) + self.encoder.finish()
                headers["Content-Length"] = str(len(data))
                await self.send(start)
                await self.send({"type": "http.response.body", "body": data, "more_body": False})
                return
        data = self.encoder.chunk(body) if body else b""
        if not more:
            data += self.encoder.finish()
        await self.send({"type": "http.response.body", "body": data, "more_body": more})
