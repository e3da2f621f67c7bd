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
from backend.notifications.messages import FILTERS
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
# a message to a customer: their name, and the salutation made from it and their kind at send time
_CUSTOMER = {"customer_name", "salutation"}
# what the reminder scan puts in each reminder's context (scan._queue)
_REMINDER_CONTEXT = _CUSTOMER | {"registration", "make", "model", "garage_name", "kind", "due_date",
                                 "due_date_text", "days_left", "lead_days"}
_WINDOW = {"window_start", "window_start_text"}
EXTRA = {"reminder_mot": _REMINDER_CONTEXT, "reminder_service": _REMINDER_CONTEXT | {"due_mileage", "due_by"},
         "reminder_vehicle_tax": _REMINDER_CONTEXT | _WINDOW | {"inspection_needed", "insurance_expiry",
                                                                 "insurance_expiry_text"},
         "reminder_inspection": _REMINDER_CONTEXT | _WINDOW, "reminder_insurance": _REMINDER_CONTEXT,
         "job_ready": _CUSTOMER, "quote_to_approve": _CUSTOMER | {"quote_id"},
         "invoice_issued": _CUSTOMER | {"invoice_id"}}
# the legal-duty reminders of one country, never offered to a garage of another (the service reminder is everyone's)
UK_ONLY = {"reminder_mot"}
THAI_ONLY = {"reminder_vehicle_tax", "reminder_inspection", "reminder_insurance"}
_NOT_VARIABLES = {"_", "gettext", "ngettext", "range", "loop", "true", "false", "none"}

# a preview fills every variable with one of these, in the language previewed (the garage's own name is added)
_NEUTRAL = {
    "due_date": "2026-05-15", "days_left": 30, "lead_days": 30, "due_mileage": 60000, "due_by": "DATE",
    "window_start": "2026-02-14", "inspection_needed": True, "insurance_expiry": "2026-08-31",
    "unsubscribe_url": "https://garage.example/s/Ab3dE9xQ", "url": "https://garage.example/s/Qm7Lp2Zr",
    "job_number": "JC-2026-000123", "invoice_number": "INV-2026-000045", "quote_number": "QT-2026-000017",
    "quote_id": "sample", "invoice_id": "sample", "quantity": 2,
    "portal_url": "https://garage.example/p/#Xk2pQ7aB9cD4eF6gH8iJ0k", "code": "123456", "minutes": 10,
    # self-booking (backend/scheduling/booking/messages.py)
    "booking_url": "https://garage.example/b/#Qm7Lp2ZrXk2pQ7aB9cD4eF", "cutoff_hours": 2,
    # messages to the garage's own staff (goals, webhooks)
    "days": 3, "failures": 5, "endpoint_url": "https://erp.example.com/hooks/mototrack", "goal_id": "sample",
    # a purchase order to a supplier
    "order_id": "sample", "order_number": "PO-2026-000031",
    "invitation_id": "sample", "hours": 72,
}
_WORDS = (  # variable: (English, Thai)
    ("customer_name", "John Smith", "สมชาย ใจดี"), ("salutation", "Dear John,", "เรียน คุณสมชาย"),
    ("registration", "AB12 CDE", "1กข 1234"), ("make", "Toyota", "โตโยต้า"), ("model", "Corolla", "โคโรลล่า อัลติส"),
    ("garage_name", "MotoTrack Garage", "อู่ตัวอย่าง"), ("garage_phone", "+44 20 7946 0321", "02 123 4567"),
    ("due_date_text", "15 May 2026", "15 พฤษภาคม 2569"), ("kind", "MOT", "VEHICLE_TAX"),
    ("window_start_text", "14 February 2026", "14 กุมภาพันธ์ 2569"),
    ("insurance_expiry_text", "31 August 2026", "31 สิงหาคม 2569"), ("total", "THB 4,280.00", "4,280.00 บาท"),
    ("technician_name", "Anan", "อนันต์"), ("vehicle", "Toyota Corolla", "โตโยต้า โคโรลล่า"),
    ("item", "Front brake pads", "ผ้าเบรกหน้า"), ("reason", "Out of stock until Friday", "สินค้าหมด เข้าวันศุกร์"),
    ("kpi", "Effective labour rate", "อัตราค่าแรงที่ได้จริง"), ("subject", "Rama 9 Service Centre", "สาขาพระราม 9"),
    ("value", "THB 780.00", "780.00 บาท"), ("target", "THB 850.00", "850.00 บาท"),
    ("day", "12 March 2026", "12 มีนาคม 2569"),
    ("supplier_name", "Mr Somchai", "คุณสมชาย"), ("expected_date", "14 March 2026", "14 มีนาคม 2569"),
    ("appointment_text", "Tuesday 23 March 2027 at 09:00", "วันอังคารที่ 23 มีนาคม 2570 เวลา 09:00 น."),
    ("appointment_short", "Tue 23 Mar 09:00", "23/3/70 09:00"), ("services", "Brake pads", "เปลี่ยนผ้าเบรก"),
    # a staff invitation (backend/accounts/invitations.py)
    ("invitee_name", "Somchai", "สมชาย"), ("inviter_name", "Anong", "อนงค์"),
    ("role_name", "technician", "ช่างเทคนิค"),
    # a scheduled import that failed (backend/integrations/imports/scheduled.py)
    ("import_file", "daily/history.csv", "daily/history.csv"),
    ("import_error", "The file could not be read.", "อ่านไฟล์ไม่ได้"),
)
SAMPLES = {"en": {**_NEUTRAL, **{name: en for name, en, _th in _WORDS}},
           "th": {**_NEUTRAL, **{name: th for name, _en, th in _WORDS}}}

# what validation renders with: a missing attribute or variable is an error, not an empty string
_checker = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)
_checker.filters.update(FILTERS)


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


def sample_context(event: str, locale: str, garage_name: str | None = None) -> dict:
    """A value for every variable of `event`, in `locale`, with the garage's own name when given."""
    samples = SAMPLES["th" if locale == "th" else "en"]
    ctx = {name: samples.get(name, "") for name in variables(event)}
    ctx["locale"] = locale
    if garage_name:
        ctx["garage_name"] = garage_name
    return ctx


def offered(event: str, thai: bool) -> bool:
    """Whether a garage (Thai or not) has this event's templates: never another country's legal reminders."""
    return event not in (UK_ONLY if thai else THAI_ONLY)


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


def _check_key(event: str, channel: Channel, locale: str, thai: bool | None = None) -> None:
    if locale not in LOCALES:
        raise DomainError(ErrorCode.INVALID_VALUE, "locale")
    if (event, channel) not in editable() or (thai is not None and not offered(event, thai)):
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


async def _garage(session: AsyncSession, actor: Actor) -> tuple[str, bool]:
    """The garage's name and whether it is Thai (its legal reminders are the Thai duties, not the MOT)."""
    from backend.accounts.models import Garage
    from backend.notifications.reminders.due import is_thai

    name, country, time_zone = (await session.execute(
        select(Garage.name, Garage.country, Garage.time_zone).where(Garage.id == actor.garage_id))).one()
    return name, is_thai(country, time_zone)


async def list_templates(session: AsyncSession, actor: Actor, event: str | None = None) -> list[TemplateView]:
    """Every (event, channel, locale) this garage can edit, with the default text and its override (two queries):
    a Thai garage has no MOT reminder, another garage none of the Thai duties."""
    _name, thai = await _garage(session, actor)
    rows = {(r.event, r.channel, r.locale): r for r in (await session.execute(
        select(NotificationTemplate).where(NotificationTemplate.garage_id == actor.garage_id))).scalars()}
    return [_view(e, c, loc, rows.get((e, c, loc))) for e, c in editable() if event in (None, e) and offered(e, thai)
            for loc in LOCALES]


async def _row(session, garage_id: uuid.UUID, event: str, channel: Channel, locale: str, lock: bool = False):
    stmt = select(NotificationTemplate).where(
        NotificationTemplate.garage_id == garage_id, NotificationTemplate.event == event,
        NotificationTemplate.channel == channel, NotificationTemplate.locale == locale)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def update_template(session: AsyncSession, actor: Actor, event: str, channel: Channel, locale: str,
                          subject: str | None, body: str) -> TemplateView:
    _check_key(event, channel, locale, (await _garage(session, actor))[1])
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
    _check_key(event, channel, locale, (await _garage(session, actor))[1])
    await session.execute(delete(NotificationTemplate).where(
        NotificationTemplate.garage_id == actor.garage_id, NotificationTemplate.event == event,
        NotificationTemplate.channel == channel, NotificationTemplate.locale == locale))
    return _view(event, channel, locale, None)


async def preview_template(session: AsyncSession, actor: Actor, event: str, channel: Channel, locale: str,
                           subject: str | None = None, body: str | None = None,
                           vehicle_id: object = None) -> Rendered:
    """The message as a customer would get it: the text given (checked first), else the garage's current
    template, with a sample context, or with one of the garage's vehicles and its owner when `vehicle_id` is
    given. Every variable has a sample in the language previewed, and the garage's own name."""
    garage_name, thai = await _garage(session, actor)
    _check_key(event, channel, locale, thai)
    context = sample_context(event, locale, garage_name)
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
    from backend.customers.models import Customer, CustomerKind
    from backend.customers.service import get_vehicle
    from backend.notifications.messages import salutation
    from backend.notifications.reminders import due as due_rules
    from backend.notifications.reminders import rules
    from backend.notifications.reminders.models import ReminderKind
    from backend.notifications.reminders.scan import EVENTS, format_due

    vehicle = await get_vehicle(session, actor, vehicle_id, "vehicleId")
    # the vehicle's own values where it has them; the samples stay for what it lacks (no empty variable)
    out = {k: val for k, val in (("registration", vehicle.registration_display), ("make", vehicle.make),
                                 ("model", vehicle.model)) if val}
    if vehicle.owner_id is not None:
        owner = await session.get(Customer, vehicle.owner_id)
        if owner is not None and owner.garage_id == actor.garage_id:
            out["customer_name"] = owner.name
            out["salutation"] = salutation(locale, owner.name, owner.kind == CustomerKind.COMPANY)
    info = (await due_rules.vehicles_due(session, actor.garage_id, [vehicle]))[vehicle.id]
    kind = {v: k for k, v in EVENTS.items()}.get(event)
    due = info.due_on(kind) if kind is not None else None
    if due is not None:
        out.update(due_date=due.isoformat(), due_date_text=format_due(due, locale))
        if event == "reminder_service" and info.service and info.service.due_mileage:
            out["due_mileage"] = info.service.due_mileage
        start = {ReminderKind.VEHICLE_TAX: rules.tax_window_start,
                 ReminderKind.INSPECTION: rules.inspection_window_start}.get(kind)
        if start is not None:
            out.update(window_start=start(due).isoformat(), window_start_text=format_due(start(due), locale))
        if kind == ReminderKind.VEHICLE_TAX:
            out["inspection_needed"] = info.duties is not None and info.duties.inspection_on is not None
    return out
