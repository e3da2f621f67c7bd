"""Assembles the GraphQL schema from each domain's schema.py (the only module that knows them all)."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from backend.accounts import invitations_schema as invitations
from backend.accounts import schema as accounts
from backend.accounts import setup_schema as setup
from backend.analytics import export_schema as analytics_exports
from backend.analytics import schema as analytics
from backend.api.events import SharedEventExecution
from backend.api.extensions import OperationScope, ShapeErrors
from backend.audit import schema as audit
from backend.billing import schema as billing
from backend.customers import schema as customers
from backend.files import schema as files
from backend.inspections import schema as inspections
from backend.integrations.imports import schema as imports
from backend.integrations.imports import scheduled as scheduled_imports
from backend.integrations.webhooks import schema as webhooks
from backend.inventory import schema as inventory
from backend.notifications import schema as notifications
from backend.notifications import reminders_schema as reminders
from backend.notifications import templates_schema as notification_templates
from backend.portal import staff_schema as portal
from backend.purchasing import schema as purchasing
from backend.purchasing import screens_schema as purchasing_screens
from backend.purchasing import returns_schema as purchasing_returns
from backend.scheduling import schema as scheduling
from backend.search import schema as search
from backend.scheduling.booking import schema as booking
from backend.workforce import schema as workforce
from backend.workshop import schema as workshop

DOMAINS = (accounts, customers, workshop, inventory, audit, billing, reminders, notifications,
           notification_templates, search, files, inspections, portal, workforce, webhooks, scheduling)
DOMAINS += (imports,)  # import from an earlier system (backend/integrations/imports)
DOMAINS += (scheduled_imports,)  # a daily import from a file in the server's import folder (issue 17)
DOMAINS += (analytics,)  # KPIs, goals, a job's advisor, hourly costs
DOMAINS += (booking,)  # self-booking settings and links (issue 16)
DOMAINS += (analytics_exports,)  # the jobs behind a figure, XLSX/PDF exports with progress (issue 17)
DOMAINS += (purchasing,)  # suppliers, purchase orders, reorder (issue 18)
DOMAINS += (purchasing_screens,)  # small reads of the warehouse manager's screens (issue 18)
DOMAINS += (purchasing_returns,)  # returns to suppliers, core charges, parts ordered for jobs (issue 18)
DOMAINS += (setup, invitations)  # set-up in the browser, open sign-up, staff invitations (issue 19)


def _merge(name: str):
    types = tuple(t for t in (getattr(d, name, None) for d in DOMAINS) if t is not None)
    return merge_types(name, types) if types else None


Query = _merge("Query")
Mutation = _merge("Mutation")
Subscription = _merge("Subscription")


class MotoTrackSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        """Expected errors (sign-in, permission, bad input) are not logged; ShapeErrors logs unexpected ones."""


def build_schema(extra_extensions: list | None = None) -> strawberry.Schema:
    return MotoTrackSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[OperationScope, *(extra_extensions or []), ShapeErrors],
        execution_context_class=SharedEventExecution,  # a live event answered once per identical subscriber
    )


schema = build_schema()
