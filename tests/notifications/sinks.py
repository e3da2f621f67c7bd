"""Real local stand-ins: an SMTP server (aiosmtpd) and an HTTP server (SMS providers, a push service), on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import hmac
import json
import socket
import threading
import time
import urllib.parse

import aiohttp
from aiohttp import web
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """Every accepted message, parsed. `delay` seconds before accepting DATA (a slow-ish server). `received` counts
    every DATA handed over, on arrival (before the delay): a message cut during the delay counts there only."""

    def __init__(self, delay: float = 0.0) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.received = 0
        self.delay = delay
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            self.received += 1
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
    Idempotency-Key is answered like the first and not recorded twice (what a real provider does). `raw` holds every
    request on arrival (repeats and failures included); `delay` seconds before answering (a slow provider)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.requests: list[dict] = []
        self.raw: list[dict] = []
        self.delay = delay
        self.fail: list[int] = []
        self.seen_keys: dict[str, dict] = {}
        self.repeats = 0  # requests dropped because their Idempotency-Key was already kept
        self.port = free_port()
        self.runner: web.AppRunner | None = None
        # delivery receipts: when `receipt` is set ("delivered", "undelivered", ...), each accepted SMS is followed
        # by a POST to the status URL it came with, signed as the provider signs it; answers in `callbacks`
        self.receipt: str | None = None
        self.receipt_error: str | None = None
        self.webhook_secret = ""
        self.twilio_token = ""
        self.callbacks: list[tuple[str, int]] = []
        self._tasks: set[asyncio.Task] = set()

    def _call_back(self, url: str, **kwargs) -> None:
        async def post() -> None:
            async with aiohttp.ClientSession() as session:
                async with session.post(url, **kwargs) as response:
                    self.callbacks.append((url, response.status))

        task = asyncio.get_running_loop().create_task(post())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait for the receipts sent so far to be answered."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _receipt(self, request_path: str, body: bytes, headers: dict, provider_id: str) -> None:
        if self.receipt is None:
            return
        if request_path.endswith("/Messages.json"):  # Twilio: StatusCallback in the form, X-Twilio-Signature
            form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
            url = form.get("StatusCallback")
            if not url:
                return
            fields = {"MessageSid": provider_id, "MessageStatus": self.receipt, "AccountSid": "AC123",
                      "To": form.get("To", "")}
            if self.receipt_error:
                fields["ErrorCode"] = self.receipt_error
            signed = url + "".join(k + fields[k] for k in sorted(fields))
            signature = base64.b64encode(hmac.new(self.twilio_token.encode(), signed.encode(), "sha1").digest())
            self._call_back(url, data=fields, headers={"X-Twilio-Signature": signature.decode()})
            return
        payload = json.loads(body)
        if not payload.get("status_url"):
            return
        receipt = {"id": provider_id, "reference": payload.get("reference"), "status": self.receipt}
        if self.receipt_error:
            receipt["error_code"] = self.receipt_error
        raw = json.dumps(receipt).encode()
        digest = hmac.new(self.webhook_secret.encode(), raw, "sha256").hexdigest()
        self._call_back(payload["status_url"], data=raw, headers={"Content-Type": "application/json",
                                                                  "X-MotoTrack-Signature": f"sha256={digest}"})

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.raw.append({"method": request.method, "path": request.path, "headers": dict(request.headers),
                         "body": body})
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            status = self.fail.pop(0)
            return web.json_response({"error": "try later" if status >= 500 else "bad"}, status=status)
        record = {"method": request.method, "path": request.path, "headers": dict(request.headers), "body": body}
        key = request.headers.get("Idempotency-Key")
        if key and key in self.seen_keys:
            self.repeats += 1
            return web.json_response({"id": self.seen_keys[key]["id"]})
        self.requests.append(record)
        if request.path.endswith("/Messages.json"):
            sid = f"SM{len(self.requests):032d}"
            self._receipt(request.path, body, record["headers"], sid)
            return web.json_response({"sid": sid}, status=201)
        if request.path.startswith("/push/"):
            if request.path.endswith("/gone"):
                self.requests.pop()
                return web.Response(status=410)
            return web.Response(status=201)
        answer = {"id": f"msg-{len(self.requests)}"}
        if key:
            self.seen_keys[key] = answer
        self._receipt(request.path, body, record["headers"], answer["id"])
        return web.json_response(answer)

    async def start(self) -> "HttpSink":
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        await self.settle()
        if self.runner is not None:
            await self.runner.cleanup()


def basic_auth(header: str) -> tuple[str, str]:
    user, _, password = base64.b64decode(header.split(" ", 1)[1]).decode().partition(":")
    return user, password
