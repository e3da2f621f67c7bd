"""Real local stand-ins: an SMTP server (aiosmtpd) and an HTTP server (SMS providers, a push service), on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import socket
import threading
import time

from aiohttp import web
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """Every accepted message, parsed. `delay` seconds before accepting DATA (a slow-ish server)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.delay = delay
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def start(self) -> "SmtpSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < end:
            time.sleep(0.02)


class HttpSink:
    """Records every request. `fail` is a list of statuses to answer first (then 2xx). Webhook SMS: a repeated
    Idempotency-Key is answered like the first and not recorded twice (what a real provider does)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.fail: list[int] = []
        self.seen_keys: dict[str, dict] = {}
        self.port = free_port()
        self.runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.fail:
            status = self.fail.pop(0)
            return web.json_response({"error": "try later" if status >= 500 else "bad"}, status=status)
        record = {"method": request.method, "path": request.path, "headers": dict(request.headers), "body": body}
        key = request.headers.get("Idempotency-Key")
        if key and key in self.seen_keys:
            return web.json_response({"id": self.seen_keys[key]["id"]})
        self.requests.append(record)
        if request.path.endswith("/Messages.json"):
            return web.json_response({"sid": f"SM{len(self.requests):032d}"}, status=201)
        if request.path.startswith("/push/"):
            if request.path.endswith("/gone"):
                self.requests.pop()
                return web.Response(status=410)
            return web.Response(status=201)
        answer = {"id": f"msg-{len(self.requests)}"}
        if key:
            self.seen_keys[key] = answer
        return web.json_response(answer)

    async def start(self) -> "HttpSink":
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


def basic_auth(header: str) -> tuple[str, str]:
    user, _, password = base64.b64decode(header.split(" ", 1)[1]).decode().partition(":")
    return user, password
