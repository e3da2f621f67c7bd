"""GraphQL for admins' message templates: notificationTemplates, updateNotificationTemplate,
resetNotificationTemplate, previewNotificationTemplate (all NOTIFICATIONS_MANAGE)."""

from __future__ import annotations

import datetime as dt

import strawberry

from backend.accounts.schema import Locale
from backend.api.errors import UserError
from backend.api.mutations import given, run
from backend.api.permissions import requires
from backend.api.queries import read
from backend.core.enums import Locale as LocaleEnum
from backend.core.permissions import Permission as P
from backend.notifications import template_editor as editor
from backend.notifications.schema import NotificationChannel


@strawberry.type(description="A message template for one event, channel and language: the default text and this "
                             "garage's own wording, when it has one. Variables are written {{ name }}.")
class NotificationTemplate:
    event: str
    channel: NotificationChannel
    locale: Locale
    variables: list[str] = strawberry.field(description="The variables a template for this event may use.")
    default_subject: str | None
    default_body: str
    subject: str | None = strawberry.field(description="The garage's own subject; null without an override.")
    body: str | None = strawberry.field(description="The garage's own text; null without an override.")
    overridden: bool
    updated_at: dt.datetime | None


def _out(v: editor.TemplateView) -> NotificationTemplate:
    return NotificationTemplate(event=v.event, channel=v.channel, locale=LocaleEnum(v.locale), variables=v.variables,
                                default_subject=v.default_subject, default_body=v.default_body, subject=v.subject,
                                body=v.body, overridden=v.overridden, updated_at=v.updated_at)


@strawberry.type(description="A message as a customer would get it.")
class NotificationPreview:
    subject: str | None
    body: str


@strawberry.input
class UpdateNotificationTemplateInput:
    event: str
    channel: NotificationChannel
    locale: Locale
    subject: str | None = strawberry.field(default=None, description="Required for mail and push; none for SMS.")
    body: str


@strawberry.input
class ResetNotificationTemplateInput:
    event: str
    channel: NotificationChannel
    locale: Locale


@strawberry.input
class PreviewNotificationTemplateInput:
    event: str
    channel: NotificationChannel
    locale: Locale
    subject: str | None = strawberry.UNSET
    body: str | None = strawberry.field(default=strawberry.UNSET, description="Text to try; without it, the "
                                                                              "garage's current template.")
    vehicle_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description="One of the garage's "
                                                        "vehicles and its owner instead of the sample ones.")


@strawberry.type
class NotificationTemplatePayload:
    template: NotificationTemplate | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.NOTIFICATIONS_MANAGE),
                      description="Every message template (event, channel, language), or one event's.")
    async def notification_templates(self, info: strawberry.Info, event: str | None = None
                                     ) -> list[NotificationTemplate]:
        return [_out(v) for v in await read(info, editor.list_templates, event)]

    @strawberry.field(extensions=requires(P.NOTIFICATIONS_MANAGE),
                      description="Render a template with a sample (or given) vehicle and customer.")
    async def preview_notification_template(self, info: strawberry.Info,
                                            input: PreviewNotificationTemplateInput) -> NotificationPreview:
        rendered = await read(info, editor.preview_template, input.event, input.channel, input.locale.value.lower(),
                              subject=given(input.subject), body=given(input.body), vehicle_id=given(input.vehicle_id))
        return NotificationPreview(subject=rendered.subject, body=rendered.text)


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.NOTIFICATIONS_MANAGE),
                         description="The garage's own wording for one event, channel and language; it must read "
                                     "and render with the event's variables, or nothing is saved.")
    async def update_notification_template(self, info: strawberry.Info, input: UpdateNotificationTemplateInput
                                           ) -> NotificationTemplatePayload:
        view, errors = await run(info, editor.update_template, input.event, input.channel,
                                 input.locale.value.lower(), input.subject, input.body)
        return NotificationTemplatePayload(template=_out(view) if view else None, errors=errors)

    @strawberry.mutation(extensions=requires(P.NOTIFICATIONS_MANAGE), description="Back to the default text.")
    async def reset_notification_template(self, info: strawberry.Info, input: ResetNotificationTemplateInput
                                          ) -> NotificationTemplatePayload:
        view, errors = await run(info, editor.reset_template, input.event, input.channel, input.locale.value.lower())
        return NotificationTemplatePayload(template=_out(view) if view else None, errors=errors)
