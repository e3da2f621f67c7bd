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

        tls = self.settings.smtp_tls
        try:
            await aiosmtplib.send(
                msg,
                hostname=self.settings.smtp_host,
                port=self.settings.smtp_port,
                username=self.settings.smtp_username or None,
                password=self.settings.smtp_password or None,
                use_tls=tls == "tls",
                start_tls=True if tls == "starttls" else False,
                timeout=30,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"recipient refused: {exc}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentError(f"SMTP {exc.code} {exc.message}") from exc
            raise
        return msg["Message-ID"]


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
    """The adapters of one process (one HTTP client, one aiohttp session)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.http = httpx.AsyncClient(timeout=15)
        self.mail = Mailer(settings)
        self.sms = SmsSender(settings, self.http)
        self.push = PushSender(settings)

    async def close(self) -> None:
        await self.http.aclose()
        await self.push.close()
