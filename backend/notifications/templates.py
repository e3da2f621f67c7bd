"""Rendering a message: a garage's override from the database when it has one for (event, channel, locale), else the
file template backend/templates/notifications/<event>.txt (and <event>.html for mail).

A file template is one Jinja2 file of blocks, one per channel: `email_subject`, `email_text`, `sms_text`,
`push_title`, `push_text`; the optional .html file renders the mail's HTML part. Their words are English msgids in
{% trans %} / _() so the Thai lives in the one Babel catalog (backend/locale/th/.../messages.po).
Overrides are written by a garage admin in one language, so they are rendered in a sandbox without translation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.i18n import translate
from backend.notifications.messages import FILTERS, salutation
from backend.notifications.models import Channel, NotificationTemplate

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "notifications"

_BLOCKS = {
    Channel.EMAIL: ("email_subject", "email_text"),
    Channel.SMS: (None, "sms_text"),
    Channel.PUSH: ("push_title", "push_text"),
}


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    text: str
    html: str | None = None


class TemplateMissing(LookupError):
    """No override and no file template for this event and channel: a programming error, reported as permanent."""


@lru_cache(maxsize=None)
def _file_env(locale: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        extensions=["jinja2.ext.i18n"],
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # compiled once per process and locale, no stat() of the file per message
    )

    def gettext(message: str) -> str:
        return translate(locale, message)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return translate(locale, singular if n == 1 else plural)

    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.filters.update(FILTERS)
    return env


_sandbox = SandboxedEnvironment(undefined=jinja2.ChainableUndefined, autoescape=False)
_sandbox_html = SandboxedEnvironment(undefined=jinja2.ChainableUndefined, autoescape=True)
_sandbox.filters.update(FILTERS)
_sandbox_html.filters.update(FILTERS)


def _clean(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:  # at most one blank line in a row
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out)


def _render_block(template: jinja2.Template, name: str, context: dict) -> str:
    block = template.blocks.get(name)
    if block is None:
        return ""
    ctx = template.new_context(context)
    return _clean("".join(block(ctx)))


@lru_cache(maxsize=None)
def _has_html(event: str) -> bool:
    return (TEMPLATE_DIR / f"{event}.html").exists()


def _words(context: dict, locale: str) -> dict:
    """A context without a salutation (a test, a preview) gets one from the customer's name, as a person's."""
    if "salutation" in context or context.get("customer_name") is None:
        return context
    return {**context, "salutation": salutation(locale, context["customer_name"], False)}


def render_file(event: str, channel: Channel, locale: str, context: dict) -> Rendered:
    context = _words(context, locale)
    env = _file_env(locale if locale in ("en", "th") else "en")
    try:
        template = env.get_template(f"{event}.txt")
    except jinja2.TemplateNotFound:
        raise TemplateMissing(f"no template for {event}") from None
    subject_block, text_block = _BLOCKS[channel]
    if text_block not in template.blocks:
        raise TemplateMissing(f"template {event} has no {text_block} block")
    text = _render_block(template, text_block, context)
    subject = " ".join(_render_block(template, subject_block, context).split()) if subject_block else None
    html = None
    if channel == Channel.EMAIL and _has_html(event):
        html = env.get_template(f"{event}.html").render(context).strip()
    return Rendered(subject=subject or None, text=text, html=html)


def render_override(row: NotificationTemplate, context: dict) -> Rendered:
    context = _words(context, context.get("locale") or "en")
    subject = _sandbox.from_string(row.subject).render(context) if row.subject else None
    text = _clean(_sandbox.from_string(row.body).render(context))
    html = _sandbox_html.from_string(row.html).render(context) if row.html else None
    return Rendered(subject=" ".join(subject.split()) if subject else None, text=text, html=html)


async def render(session: AsyncSession, garage_id: uuid.UUID, event: str, channel: Channel, locale: str,
                 context: dict) -> Rendered:
    """The message for this garage: its override for (event, channel, locale) if any, else the file template."""
    row = (await session.execute(
        select(NotificationTemplate).where(
            NotificationTemplate.garage_id == garage_id,
            NotificationTemplate.event == event,
            NotificationTemplate.channel == channel,
            NotificationTemplate.locale == locale,
        )
    )).scalar_one_or_none()
    if row is not None:
        return render_override(row, context)
    return render_file(event, channel, locale, context)
