"""Channel adapters: mail (SMTP or .eml files), SMS (JSON webhook, Twilio-compatible, text files), web push.

Each `send` returns the provider's message id, raises `Cancelled` when the message must not go out (no device),
`PermanentError` when retrying cannot help (a 4xx, a refused address), and anything else for a temporary failure.

Duplicate protection across a crash between "provider accepted" and "marked SENT" (see delivery.py):
- webhook SMS: an `Idempotency-Key` header and a `reference`, both the outbox id: the provider drops a repeat;
- mail: a deterministic Message-ID `<outbox-id@domain>` (a repeat is recognisable, receivers may collapse it), and the
  .eml file adapter writes `<outbox-id>.eml` atomically, so it cannot duplicate at all;
- Twilio's Messages API has no idempotency key: a repeat inside that window is possible there;
- web push: the `Topic` header is the outbox id, so a push service replaces an undelivered twin.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import httpx

from backend.core.settings import Settings
from backend.notifications.receipts import status_url


class PermanentError(Exception):
    """Retrying will not help."""


class Cancelled(Exception):
    """Deliberately not sent (no consent, no device)."""


@dataclass
class Outgoing:
    id: uuid.UUID
    recipient: str | None
    subject: str | None
    text: str
    html: str | None = None
    sender_name: str | None = None
    unsubscribe_url: str | None = None
    url: str | None = None
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # (filename, mime type, content)
    hidden: list[str] = field(default_factory=list)  # secrets in the text (a portal token, a code): not stored


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------------------------------ mail


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        name, address = email.utils.parseaddr(settings.mail_from)
        self.from_name = name
        self.from_address = address or "no-reply@localhost"
        self.domain = self.from_address.rpartition("@")[2] or "localhost"
        self.mail_dir = Path(settings.mail_dir) if settings.mail_dir else Path(settings.data_dir) / "mail"
        self._pool: SmtpPool | None = None

    def message_id(self, ident: uuid.UUID) -> str:
        return f"<{ident}@{self.domain}>"

    def build(self, out: Outgoing) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = email.utils.formataddr((out.sender_name or self.from_name, self.from_address))
        msg["To"] = out.recipient
        msg["Subject"] = out.subject or ""
        msg["Date"] = email.utils.formatdate(localtime=False)
        msg["Message-ID"] = self.message_id(out.id)
        msg["X-MotoTrack-Notification"] = str(out.id)
        if out.unsubscribe_url:
            msg["List-Unsubscribe"] = f"<{out.unsubscribe_url}>"
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg.set_content(out.text)
        if out.html:
            msg.add_alternative(out.html, subtype="html")
        for filename, mime, content in out.attachments:
            maintype, _, subtype = mime.partition("/")
            msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
        return msg

    async def send(self, out: Outgoing) -> str:
        if not out.recipient:
            raise Cancelled("no email address")
        msg = self.build(out)
        if not self.settings.smtp_host:
            path = self.mail_dir / f"{out.id}.eml"
            await asyncio.to_thread(_atomic_write, path, bytes(msg))
            return msg["Message-ID"]
        import aiosmtplib

        try:
            await self.pool.send(msg)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"recipient refused: {exc}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentError(f"SMTP {exc.code} {exc.message}") from exc
            raise
        return msg["Message-ID"]

    @property
    def pool(self) -> "SmtpPool":
        if self._pool is None:
            self._pool = SmtpPool(self.settings)
        return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


class SmtpPool:
    """Open SMTP sessions kept between messages (connect, EHLO, STARTTLS and AUTH once, not per mail): at most `size`
    at a time, each carrying one message at a time. A session that fails is closed and never reused; a session found
    dead when reused (the server closed it while idle) is replaced once, before anything was accepted on it."""

    IDLE_SECONDS = 30.0  # servers drop idle sessions (often after a minute or more); ours are closed before that

    def __init__(self, settings: Settings, size: int = 8) -> None:
        self.settings = settings
        self._idle: list[tuple[object, float]] = []
        self._slots = asyncio.Semaphore(size)

    async def _connect(self):
        import aiosmtplib

        s = self.settings
        client = aiosmtplib.SMTP(hostname=s.smtp_host, port=s.smtp_port, use_tls=s.smtp_tls == "tls",
                                 start_tls=True if s.smtp_tls == "starttls" else False, timeout=30)
        await client.connect()
        if s.smtp_username:
            await client.login(s.smtp_username, s.smtp_password)
        return client

    async def _take(self) -> tuple[object, bool]:
        loop = asyncio.get_running_loop()
        while self._idle:
            client, since = self._idle.pop()
            if loop.time() - since < self.IDLE_SECONDS and client.is_connected:
                return client, True
            await self._discard(client)
        return await self._connect(), False

    async def _discard(self, client) -> None:
        try:
            if client.is_connected:
                await asyncio.wait_for(client.quit(), 5)
        except Exception:  # noqa: BLE001 - a broken session is simply dropped
            client.close()

    async def send(self, msg: EmailMessage) -> None:
        import aiosmtplib

        async with self._slots:
            client, reused = await self._take()
            try:
                await client.send_message(msg)
            except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                client.close()
                if not reused:
                    raise
                # the idle session had died: one fresh session. Had the server accepted the message before
                # dropping the line, the repeat carries the same Message-ID (see delivery.py)
                client = await self._connect()
                try:
                    await client.send_message(msg)
                except BaseException:
                    await self._discard(client)
                    raise
            except BaseException:
                await self._discard(client)
                raise
            self._idle.append((client, asyncio.get_running_loop().time()))

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client, _since in idle:
            await self._discard(client)


# ------------------------------------------------------------------------------------------------------------- SMS


def _http_error(response: httpx.Response) -> Exception:
    text = f"HTTP {response.status_code}: {response.text[:300]}"
    if 400 <= response.status_code < 500 and response.status_code not in (408, 409, 425, 429):
        return PermanentError(text)
    return RuntimeError(text)


class SmsSender:
    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.client = client
        self.kind = settings.sms_provider
        self.sms_dir = Path(settings.data_dir) / "sms"

    async def send(self, out: Outgoing) -> str:
        if not out.recipient:
            raise Cancelled("no phone number")
        if self.kind == "none":
            raise PermanentError("no SMS provider is configured (MOTOTRACK_SMS_PROVIDER)")
        if self.kind == "file":
            body = f"To: {out.recipient}\nReference: {out.id}\n\n{out.text}\n".encode()
            await asyncio.to_thread(_atomic_write, self.sms_dir / f"{out.id}.txt", body)
            return str(out.id)
        if self.kind == "webhook":
            return await self._webhook(out)
        return await self._twilio(out)

    async def _webhook(self, out: Outgoing) -> str:
        s = self.settings
        headers = {"Idempotency-Key": str(out.id)}
        if s.sms_username and not s.sms_password:
            headers["Authorization"] = f"Bearer {s.sms_username}"
        auth = (s.sms_username, s.sms_password) if s.sms_password else None
        payload = {"to": out.recipient, "text": out.text, "reference": str(out.id)}
        if s.sms_from:
            payload["from"] = s.sms_from
        if s.sms_webhook_secret and (callback := status_url(s, "webhook")):
            payload["status_url"] = callback  # signed delivery receipts (notifications/receipts.py)
        response = await self.client.post(s.sms_url, json=payload, headers=headers, auth=auth)
        if response.status_code >= 300:
            raise _http_error(response)
        try:
            data = response.json()
        except ValueError:
            data = {}
        return str(data.get("id") or data.get("message_id") or out.id) if isinstance(data, dict) else str(out.id)

    async def _twilio(self, out: Outgoing) -> str:
        s = self.settings
        base = (s.sms_url or "https://api.twilio.com").rstrip("/")
        url = f"{base}/2010-04-01/Accounts/{s.sms_username}/Messages.json"
        form = {"To": out.recipient, "From": s.sms_from, "Body": out.text}
        if callback := status_url(s, "twilio", out.id):
            form["StatusCallback"] = callback  # delivery receipts (notifications/receipts.py)
        response = await self.client.post(url, data=form, auth=(s.sms_username, s.sms_password))
        if response.status_code >= 300:
            raise _http_error(response)
        return str(response.json().get("sid") or out.id)


# ------------------------------------------------------------------------------------------------------------ push


@dataclass
class Device:
    id: uuid.UUID
    endpoint: str
    p256dh: str
    auth: str


class PushSender:
    """Sends to every device of a user; a device the push service says is gone (404/410) is reported for deletion."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._session = None

    async def _aiohttp(self):
        if self._session is None or self._session.closed:
            import aiohttp

            self._session = aiohttp.ClientSession()
        return self._session

    async def send(self, out: Outgoing, devices: list[Device], private_pem: str) -> tuple[str, list[uuid.UUID]]:
        """Returns (provider id, devices to delete)."""
        from py_vapid import Vapid
        from pywebpush import WebPushException, webpush_async

        if not devices:
            raise Cancelled("no device registered for push")
        vapid = Vapid.from_pem(private_pem.encode())
        payload = json.dumps({"title": out.subject or "", "body": out.text, "url": out.url or "/",
                              "tag": str(out.id)}, ensure_ascii=False)
        session = await self._aiohttp()
        gone: list[uuid.UUID] = []
        delivered = 0
        errors: list[str] = []
        for device in devices:
            try:
                await webpush_async(
                    {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}},
                    data=payload, vapid_private_key=vapid, vapid_claims={"sub": self.settings.vapid_subject},
                    ttl=24 * 3600, timeout=15, headers={"Topic": out.id.hex[:32], "Urgency": "normal"},
                    aiohttp_session=session,
                )
                delivered += 1
            except WebPushException as exc:
                status = exc.response.status if exc.response is not None and hasattr(exc.response, "status") \
                    else getattr(exc.response, "status_code", None)
                if status in (404, 410):
                    gone.append(device.id)
                else:
                    errors.append(f"{status}: {exc.message[:200]}")
        if delivered:
            return f"{delivered} device(s)", gone
        if gone and not errors:
            raise Cancelled("every registered device has expired", gone)
        raise RuntimeError("; ".join(errors) or "push failed")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class Senders:
    """The adapters of one process, created once and reused by every message: one HTTP client (kept-alive
    connections to the SMS provider), one aiohttp session (push), a pool of open SMTP sessions."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.http = httpx.AsyncClient(timeout=15)
        self.mail = Mailer(settings)
        self.sms = SmsSender(settings, self.http)
        self.push = PushSender(settings)

    async def close(self) -> None:
        await self.http.aclose()
        await self.push.close()
        await self.mail.close()
