"""Admins' editor for message templates (reminders and the other customer and staff messages), over the garage's
overrides (models.NotificationTemplate) and the renderer (templates.py).

Every (event, channel) that has a file template can be overridden per language (en, th). The default text shown to
the admin is the file template in that language with each variable left as `{{ name }}`, so it is itself a valid
override to start from. An override is checked before it is saved: it must parse, use only the event's variables,
stay out of Python internals (the sandbox refuses them at send time too), and render with a sample context; a
failure names the line, in the admin's language, and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from functools import lru_cache

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.actor import Actor
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.notifications.models import Channel, NotificationTemplate
from backend.notifications.templates import (
    _BLOCKS,
    TEMPLATE_DIR,
    Rendered,
    _file_env,
    _render_block,
    render_file,
    render_override,
)

LOCALES = ("en", "th")
MAX_SUBJECT = 300
MAX_BODY = 5000
MAX_RENDERED = 10_000
# set at send time for every message (delivery._prepare) or usable in any template
COMMON = {"garage_name", "locale", "unsubscribe_url"}
# what the reminder scan puts in each reminder's context (scan._queue)
_REMINDER_CONTEXT = {"customer_name", "registration", "make", "model", "garage_name", "kind", "due_date",
                     "due_date_text", "days_left", "lead_days"}
EXTRA = {"reminder_mot": _REMINDER_CONTEXT, "reminder_service": _REMINDER_CONTEXT | {"due_mileage", "due_by"}}
_NOT_VARIABLES = {"_", "gettext", "ngettext", "range", "loop", "true", "false", "none"}

SAMPLES = {
    "customer_name": "Somchai Jaidee", "registration": "AB12 CDE", "make": "Toyota", "model": "Corolla",
    "garage_name": "MotoTrack Garage", "due_date": "2026-05-15", "due_date_text": "15 May 2026", "days_left": 30,
    "lead_days": 30, "due_mileage": 60000, "due_by": "DATE", "kind": "MOT", "locale": "en",
    "unsubscribe_url": "https://garage.example/unsubscribe?t=sample", "url": "https://garage.example/portal",
    "job_number": "JC-2026-000123", "number": "INV-2026-000045", "technician_name": "Anan", "total": "4,280.00",
}

# what validation renders with: a missing attribute or variable is an error, not an empty string
_checker = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)


@dataclass(frozen=True)
class TemplateView:
    event: str
    channel: Channel
    locale: str
    variables: list[str]
    default_subject: str | None
    default_body: str
    subject: str | None  # the garage's override, None without one
    body: str | None
    updated_at: dt.datetime | None

    @property
    def overridden(self) -> bool:
        return self.body is not None


@lru_cache(maxsize=None)
def editable() -> tuple[tuple[str, Channel], ...]:
    """Every (event, channel) a file template exists for."""
    out = []
    env = _file_env("en")
    for path in sorted(TEMPLATE_DIR.glob("*.txt")):
        template = env.get_template(path.name)
        for channel, (_subject, text_block) in _BLOCKS.items():
            if text_block in template.blocks:
                out.append((path.stem, channel))
    return tuple(out)


@lru_cache(maxsize=None)
def variables(event: str) -> frozenset[str]:
    source = (TEMPLATE_DIR / f"{event}.txt").read_text(encoding="utf-8")
    env = _file_env("en")
    found = meta.find_undeclared_variables(env.parse(source))
    return frozenset((found | COMMON | EXTRA.get(event, set())) - _NOT_VARIABLES)


def sample_context(event: str, locale: str) -> dict:
    ctx = {name: SAMPLES.get(name, name.replace("_", " ")) for name in variables(event)}
    ctx["locale"] = locale
    if locale == "th":
        ctx.update(customer_name="สมชาย ใจดี", due_date_text="15 พฤษภาคม 2569")
    return ctx


@lru_cache(maxsize=None)
def default_text(event: str, channel: Channel, locale: str) -> tuple[str | None, str]:
    """The file template in `locale`, each variable shown as {{ name }}."""
    placeholders = {name: "{{ " + name + " }}" for name in variables(event)}
    template = _file_env(locale).get_template(f"{event}.txt")
    subject_block, text_block = _BLOCKS[channel]
    try:
        body = _render_block(template, text_block, placeholders)
        subject = " ".join(_render_block(template, subject_block, placeholders).split()) if subject_block else None
    except Exception:  # noqa: BLE001 - a template that formats its values: show it with the sample values
        rendered = render_file(event, channel, locale, sample_context(event, locale))
        return rendered.subject, rendered.text
    return subject or None, body


def _check_key(event: str, channel: Channel, locale: str) -> None:
    if locale not in LOCALES:
        raise DomainError(ErrorCode.INVALID_VALUE, "locale")
    if (event, channel) not in editable():
        raise DomainError(ErrorCode.UNKNOWN_TEMPLATE, "channel", channel=channel.value)


def _template_line(exc: BaseException) -> int:
    """The template line a render error happened on (Jinja maps its frames to '<template>' lines)."""
    tb = exc.__traceback__
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def check_source(errors: Collector, field: str, source: str, event: str, locale: str) -> None:
    """Parse, look at the names used, render with a sample context; each failure is one error naming the line."""
    allowed = variables(event)
    try:
        tree = _checker.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        errors.add(ErrorCode.TEMPLATE_SYNTAX, field, line=exc.lineno or 1, detail=exc.message or "")
        return
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
        if isinstance(name, str) and name.startswith("_"):
            errors.add(ErrorCode.TEMPLATE_NOT_ALLOWED, field, line=node.lineno)
            return
    for node in tree.find_all(nodes.BinExpr):
        if node.operator in ("*", "**"):  # 'x' * 10**9 would fill the memory
            errors.add(ErrorCode.TEMPLATE_NOT_ALLOWED, field, line=node.lineno)
            return
    unknown = meta.find_undeclared_variables(tree) - allowed
    if unknown:
        lines = {n.name: n.lineno for n in sorted(tree.find_all(nodes.Name), key=lambda n: -n.lineno)
                 if n.name in unknown}
        name = min(unknown, key=lambda n: (lines.get(n, 1), n))
        errors.add(ErrorCode.TEMPLATE_UNKNOWN_VARIABLE, field, line=lines.get(name, 1), name=name,
                   names=", ".join(sorted(allowed)))
        return
    try:
        text = _checker.from_string(source).render(sample_context(event, locale))
    except SecurityError as exc:
        errors.add(ErrorCode.TEMPLATE_NOT_ALLOWED, field, line=_template_line(exc))
        return
    except Exception as exc:  # noqa: BLE001 - any other failure to render: report it with its line
        errors.add(ErrorCode.TEMPLATE_SYNTAX, field, line=_template_line(exc), detail=str(exc)[:200])
        return
    if len(text) > MAX_RENDERED:
        errors.add(ErrorCode.TOO_LONG, field, max=MAX_RENDERED)


def _validate(event: str, channel: Channel, locale: str, subject: str | None, body: str) -> tuple[str | None, str]:
    _check_key(event, channel, locale)
    errors = Collector()
    subject = (subject or "").strip() or None
    body = (body or "").strip()
    has_subject = _BLOCKS[channel][0] is not None
    if has_subject and subject is None:
        errors.add(ErrorCode.REQUIRED, "subject")
    if not body:
        errors.add(ErrorCode.REQUIRED, "body")
    if subject is not None and len(subject) > MAX_SUBJECT:
        errors.add(ErrorCode.TOO_LONG, "subject", max=MAX_SUBJECT)
    if len(body) > MAX_BODY:
        errors.add(ErrorCode.TOO_LONG, "body", max=MAX_BODY)
    if has_subject and subject is not None and len(subject) <= MAX_SUBJECT:
        check_source(errors, "subject", subject, event, locale)
    if body and len(body) <= MAX_BODY:
        check_source(errors, "body", body, event, locale)
    errors.raise_if_any()
    return (subject if has_subject else None), body


def _view(event: str, channel: Channel, locale: str, row: NotificationTemplate | None) -> TemplateView:
    subject, body = default_text(event, channel, locale)
    return TemplateView(event, channel, locale, sorted(variables(event)), subject, body,
                        row.subject if row else None, row.body if row else None, row.updated_at if row else None)


async def list_templates(session: AsyncSession, actor: Actor, event: str | None = None) -> list[TemplateView]:
    """Every editable (event, channel, locale), with the default text and this garage's override (one query)."""
    rows = {(r.event, r.channel, r.locale): r for r in (await session.execute(
        select(NotificationTemplate).where(NotificationTemplate.garage_id == actor.garage_id))).scalars()}
    return [_view(e, c, loc, rows.get((e, c, loc))) for e, c in editable() if event in (None, e) for loc in LOCALES]


async def _row(session, garage_id: uuid.UUID, event: str, channel: Channel, locale: str, lock: bool = False):
    stmt = select(NotificationTemplate).where(
        NotificationTemplate.garage_id == garage_id, NotificationTemplate.event == event,
        NotificationTemplate.channel == channel, NotificationTemplate.locale == locale)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def update_template(session: AsyncSession, actor: Actor, event: str, channel: Channel, locale: str,
                          subject: str | None, body: str) -> TemplateView:
    subject, body = _validate(event, channel, locale, subject, body)
    row = await _row(session, actor.garage_id, event, channel, locale, lock=True)
    if row is None:
        row = NotificationTemplate(garage_id=actor.garage_id, event=event, channel=channel, locale=locale)
        session.add(row)
    row.subject, row.body, row.html = subject, body, None  # the mail goes as the text the admin wrote
    await session.flush()
    return _view(event, channel, locale, row)


async def reset_template(session: AsyncSession, actor: Actor, event: str, channel: Channel,
                         locale: str) -> TemplateView:
    _check_key(event, channel, locale)
    await session.execute(delete(NotificationTemplate).where(
        NotificationTemplate.garage_id == actor.garage_id, NotificationTemplate.event == event,
        NotificationTemplate.channel == channel, NotificationTemplate.locale == locale))
    return _view(event, channel, locale, None)


async def preview_template(session: AsyncSession, actor: Actor, event: str, channel: Channel, locale: str,
                           subject: str | None = None, body: str | None = None,
                           vehicle_id: object = None) -> Rendered:
    """The message as a customer would get it: the text given (checked first), else the garage's current
    template, with a sample context, or with one of the garage's vehicles and its owner when `vehicle_id` is
    given."""
    _check_key(event, channel, locale)
    context = sample_context(event, locale)
    if vehicle_id is not None:
        context.update(await _vehicle_context(session, actor, vehicle_id, event, locale))
    if body is not None:
        subject, body = _validate(event, channel, locale, subject, body)
        return render_override(NotificationTemplate(subject=subject, body=body, html=None), context)
    row = await _row(session, actor.garage_id, event, channel, locale)
    if row is not None:
        return render_override(row, context)
    return render_file(event, channel, locale, context)


async def _vehicle_context(session, actor: Actor, vehicle_id: object, event: str, locale: str) -> dict:
    from backend.customers.models import Customer
    from backend.customers.service import get_vehicle
    from backend.notifications.reminders import due as due_rules
    from backend.notifications.reminders.scan import EVENTS, format_due

    vehicle = await get_vehicle(session, actor, vehicle_id, "vehicleId")
    out = {"registration": vehicle.registration_display, "make": vehicle.make or "", "model": vehicle.model or ""}
    if vehicle.owner_id is not None:
        owner = await session.get(Customer, vehicle.owner_id)
        if owner is not None and owner.garage_id == actor.garage_id:
            out["customer_name"] = owner.name
    info = (await due_rules.vehicles_due(session, actor.garage_id, [vehicle]))[vehicle.id]
    kind = {v: k for k, v in EVENTS.items()}.get(event)
    due = info.due_on(kind) if kind is not None else None
    if due is not None and event.startswith("reminder_"):
        out.update(due_date=due.isoformat(), due_date_text=format_due(due, locale))
        if event == "reminder_service" and info.service and info.service.due_mileage:
            out["due_mileage"] = info.service.due_mileage
    return out


