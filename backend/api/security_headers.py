"""Security headers on every HTTP response, and CORS for integrators' origins (off unless configured).

The Content-Security-Policy fits the built PWA and the portal: they load only their own scripts, styles, images and
fonts, talk only to their own origin (HTTP and WebSocket), and are never framed. The few HTML pages the server writes
itself (unsubscribe, an expired link) carry inline styles: each is allowed by its hash, never by 'unsafe-inline'.
GraphiQL (outside production, an HTML GET of /graphql) loads its scripts from unpkg.com with an inline boot script, so
that page alone gets a looser policy. A response that sets its own policy (a sandboxed file) keeps it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re

from starlette.middleware.cors import CORSMiddleware

HSTS = "max-age=63072000; includeSubDomains"
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_STYLE_ELEMENT = re.compile(rb"<style\b[^>]*>(.*?)</style\s*>", re.S | re.I)
_STYLE_ATTRIBUTE = re.compile(rb"""\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_MAX_HASHED_HTML = 512 * 1024  # a larger HTML body is sent as it comes, its inline styles unhashed (none are)
_GRAPHIQL_CDN = "https://unpkg.com"


def _directives(host: str | None, style_hashes: list[str], graphiql: bool) -> str:
    connect = ["'self'"]
    if host and _HOST.match(host):
        connect += [f"ws://{host}", f"wss://{host}"]
    script = ["'self'"]
    style = ["'self'"]
    if graphiql:
        script += ["'unsafe-inline'", _GRAPHIQL_CDN]
        style += ["'unsafe-inline'", _GRAPHIQL_CDN]
    elif style_hashes:
        style += ["'unsafe-hashes'", *style_hashes]
    return "; ".join([
        "default-src 'self'",
        "script-src " + " ".join(script),
        "style-src " + " ".join(style),
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src " + " ".join(connect),
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def inline_style_hashes(body: bytes) -> list[str]:
    """CSP source expressions ('sha256-…') of each <style> element's text and each style="…" attribute value."""
    texts = [m.group(1) for m in _STYLE_ELEMENT.finditer(body)]
    for match in _STYLE_ATTRIBUTE.finditer(body):
        value = match.group(1) if match.group(1) is not None else match.group(2)
        texts.append(html.unescape(value.decode("utf-8", "replace")).encode())
    hashes = []
    for text in texts:
        digest = "'sha256-" + base64.b64encode(hashlib.sha256(text).digest()).decode() + "'"
        if digest not in hashes:
            hashes.append(digest)
    return hashes


class SecurityHeaders:
    """ASGI middleware: CSP, nosniff, Referrer-Policy (no-referrer on the portal's pages), HSTS in production."""

    def __init__(self, app, *, production: bool) -> None:
        self.app = app
        self.production = production

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        host = None
        for name, value in scope.get("headers", []):
            if name == b"host":
                host = value.decode("latin-1")
        portal = path == "/p" or path.startswith(("/p/", "/portal/"))
        graphiql_candidate = not self.production and path == "/graphql" and scope.get("method") == "GET"
        start: dict = {}
        body = bytearray()

        def finish_headers(html_body: bytes | None) -> list:
            headers = list(start.get("headers", []))
            names = {k.lower() for k, _ in headers}
            content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"").lower()
            is_html = content_type.startswith(b"text/html")
            if b"content-security-policy" not in names and not content_type.startswith(b"application/pdf"):
                hashes = inline_style_hashes(html_body) if html_body else []
                policy = _directives(host, hashes, graphiql_candidate and is_html)
                headers.append((b"content-security-policy", policy.encode()))
            if b"x-content-type-options" not in names:
                headers.append((b"x-content-type-options", b"nosniff"))
            if b"referrer-policy" not in names:
                referrer = b"no-referrer" if portal else b"strict-origin-when-cross-origin"
                headers.append((b"referrer-policy", referrer))
            if b"x-frame-options" not in names and is_html:
                headers.append((b"x-frame-options", b"DENY"))  # browsers without frame-ancestors
            if self.production and b"strict-transport-security" not in names:
                headers.append((b"strict-transport-security", HSTS.encode()))
            return headers

        buffering = False

        async def wrapped(message) -> None:
            nonlocal buffering
            if message["type"] == "http.response.start":
                start.update(message)
                headers = start.get("headers", [])
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"").lower()
                encoded = any(k.lower() == b"content-encoding" for k, _ in headers)
                buffering = content_type.startswith(b"text/html") and not encoded
                if not buffering:
                    await send({**message, "headers": finish_headers(None)})
                return
            if message["type"] == "http.response.body" and buffering:
                body.extend(message.get("body", b""))
                more = message.get("more_body", False)
                if more and len(body) <= _MAX_HASHED_HTML:
                    return
                buffering = False
                await send({**start, "headers": finish_headers(bytes(body) if not more else None)})
                await send({"type": "http.response.body", "body": bytes(body), "more_body": more})
                return
            await send(message)

        await self.app(scope, receive, wrapped)


def cors_origins(value: str) -> list[str]:
    return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]


def add_security_middleware(app, settings) -> None:
    """SecurityHeaders inside (added first: it sees the body before compression), CORS outside when configured."""
    app.add_middleware(SecurityHeaders, production=settings.is_production)


def add_cors_middleware(app, settings) -> None:
    origins = cors_origins(settings.cors_allowed_origins)
    if origins:  # off by default: a browser on another origin gets no CORS grant and its preflight is refused
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                           allow_headers=["authorization", "content-type", "accept", "accept-language",
                                          "x-mototrack-locale"],
                           expose_headers=["retry-after"], allow_credentials=False, max_age=600)
