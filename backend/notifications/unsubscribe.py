"""Signed one-click unsubscribe links: per customer and channel, no expiry (a mail read a year later still works).

GET or POST /unsubscribe?c=<customer id>&ch=EMAIL|SMS&s=<signature> turns that consent off at once and answers with a
small page in the customer's language. POST is what mail clients send for List-Unsubscribe-Post (RFC 8058).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import uuid
from urllib.parse import urlencode

from sqlalchemy import update

from backend.core import audit
from backend.core.actor import Actor
from backend.core.i18n import N_, translate
from backend.notifications.models import Channel


def _signature(secret: str, customer_id: uuid.UUID, channel: Channel) -> str:
    message = f"unsubscribe:{customer_id}:{channel.value}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def unsubscribe_url(settings, customer_id: uuid.UUID, channel: Channel) -> str:
    base = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    query = urlencode({"c": str(customer_id), "ch": channel.value,
                       "s": _signature(settings.secret_key, customer_id, channel)})
    return f"{base}/unsubscribe?{query}"


def verify(settings, customer: str | None, channel: str | None, signature: str | None) -> tuple[uuid.UUID, Channel] | None:
    try:
        customer_id = uuid.UUID(customer or "")
        ch = Channel(channel)
    except ValueError:
        return None
    if ch not in (Channel.EMAIL, Channel.SMS) or not signature:
        return None
    if not hmac.compare_digest(_signature(settings.secret_key, customer_id, ch), signature):
        return None
    return customer_id, ch


TITLE = N_("Unsubscribed")
DONE = {
    Channel.EMAIL: N_("You will receive no more emails from %(garage)s."),
    Channel.SMS: N_("You will receive no more text messages from %(garage)s."),
}
BAD_LINK = N_("This unsubscribe link is not valid. Please contact the garage.")
BAD_TITLE = N_("Link not valid")


def page(locale: str, title: str, text: str) -> str:
    return (f"<!doctype html><html lang=\"{locale}\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{html.escape(title)}"
            f"</title></head><body style=\"font-family: sans-serif; max-width: 32em; margin: 3em auto; padding: 0 1em\">"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>")


async def unsubscribe(db, settings, params, accept_locale: str | None) -> tuple[int, str]:
    """Turn the consent off; returns (HTTP status, HTML page)."""
    from backend.accounts.models import Garage
    from backend.customers.models import Customer

    checked = verify(settings, params.get("c"), params.get("ch"), params.get("s"))
    locale = accept_locale or "en"
    if checked is None:
        return 400, page(locale, translate(locale, BAD_TITLE), translate(locale, BAD_LINK))
    customer_id, channel = checked
    column = "consent_email" if channel == Channel.EMAIL else "consent_sms"
    async with db.transaction() as session:
        customer = await session.get(Customer, customer_id)
        if customer is None:
            return 404, page(locale, translate(locale, BAD_TITLE), translate(locale, BAD_LINK))
        await session.execute(update(Customer).where(Customer.id == customer_id)
                              .values({column: False, "version": Customer.version + 1}))
        before = getattr(customer, column)
        if before:
            actor = Actor(garage_id=customer.garage_id, permissions=frozenset(), name="customer (unsubscribe link)")
            audit.record(session, actor, "Customer", customer_id, "unsubscribe",
                         audit.diff({column: True}, {column: False}))
        garage = await session.get(Garage, customer.garage_id)
        locale = customer.locale.value if customer.locale else (accept_locale or garage.default_locale.value)
        name = garage.name
    text = translate(locale, DONE[channel]).replace("%(garage)s", name)
    return 200, page(locale, translate(locale, TITLE), text)
