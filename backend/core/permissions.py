"""The one role -> permission table. Resolvers name the permission they need; tests walk it role by role."""

from __future__ import annotations

import enum


class Role(enum.Enum):
    ADMIN = "ADMIN"
    SITE_MANAGER = "SITE_MANAGER"
    TECHNICIAN = "TECHNICIAN"
    WORKSHOP_MANAGER = "WORKSHOP_MANAGER"
    WAREHOUSE_MANAGER = "WAREHOUSE_MANAGER"
    BILLING = "BILLING"


class Permission(enum.Enum):
    GARAGE_READ = "garage:read"
    GARAGE_MANAGE = "garage:manage"
    SITES_READ = "sites:read"
    SITES_MANAGE = "sites:manage"
    USERS_READ = "users:read"
    USERS_MANAGE = "users:manage"
    API_KEYS_MANAGE = "api_keys:manage"
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"
    VEHICLES_READ = "vehicles:read"
    VEHICLES_WRITE = "vehicles:write"
    MILEAGE_RECORD = "mileage:record"
    JOBS_READ = "jobs:read"  # a technician reads only their own jobs (enforced in the service)
    JOBS_NOTE = "jobs:note"  # a free note in a job's timeline: any member of staff
    JOBS_CREATE = "jobs:create"
    JOBS_ASSIGN = "jobs:assign"
    JOBS_OVERRIDE_STREAM = "jobs:override_stream"  # assign outside the technician's streams, with a reason
    JOBS_WORK = "jobs:work"  # start, notes, tasks, complete: technicians on their own jobs
    JOBS_REVIEW = "jobs:review"  # review, move to billing
    JOBS_HOLD = "jobs:hold"  # hold / resume / cancel
    TASK_CATALOG_READ = "task_catalog:read"
    TASK_CATALOG_MANAGE = "task_catalog:manage"
    TIME_CLOCK = "time_clock:use"
    PARTS_READ = "parts:read"
    PARTS_REQUEST = "parts:request"
    PARTS_APPROVE = "parts:approve"
    PARTS_ISSUE = "parts:issue"
    INVENTORY_READ = "inventory:read"
    INVENTORY_MANAGE = "inventory:manage"
    # Cost prices and what is derived from them (an item's cost price, the cost a parts request or an invoice line
    # took at issue, the ledger's unit cost): those who buy and price stock and approve parts. Every field exposing a
    # cost names this one permission; a technician, reception and billing see quantities and sale prices only.
    COSTS_READ = "costs:read"
    AUDIT_READ = "audit:read"
    # billing
    QUOTES_READ = "quotes:read"
    QUOTES_WRITE = "quotes:write"  # create, edit, send, and record the customer's approval line by line
    INVOICES_READ = "invoices:read"
    INVOICES_WRITE = "invoices:write"  # create, edit drafts, issue, record payments, credit notes
    FINANCIAL_REPORTS = "financial_reports:read"  # financialReport, receivables, exports for the accountant
    # notifications and reminders
    PUSH_SUBSCRIBE = "push:subscribe"  # a member of staff registers their own device for web push
    NOTIFICATIONS_READ = "notifications:read"  # the outbox: what was sent, what failed and why
    NOTIFICATIONS_MANAGE = "notifications:manage"  # retry a failed message, edit templates and reminder settings
    REMINDERS_READ = "reminders:read"  # remindersDue, reminderHistory
    # attachments (photos and documents on a job, a vehicle or a customer one may read; a technician: own jobs)
    FILES_UPLOAD = "files:upload"  # every member of staff: photos from the bay, papers at the desk
    FILES_DELETE = "files:delete"  # managers delete any attachment; anyone deletes what they uploaded themselves
    FILES_SHARE = "files:share"  # mark an attachment as shared with the customer: those who talk to customers
    # inspections (a technician: only on the jobs assigned to them, enforced in the service)
    INSPECTIONS_READ = "inspections:read"
    INSPECTIONS_WRITE = "inspections:write"  # start, record results, complete
    INSPECTION_TEMPLATES_MANAGE = "inspection_templates:manage"
    # the customer portal
    PORTAL_LINKS_MANAGE = "portal_links:manage"  # a job's portal link: make a new one (revoking the old), revoke it
    PORTAL_ACCESS = "portal:access"  # held only by a portal token's actor: its own job through /portal/graphql
    # warehouses and purchasing (issue 18)
    TRANSFERS_MANAGE = "transfers:manage"  # make, approve, dispatch, receive and cancel transfers between warehouses
    TRANSFERS_REQUEST = "transfers:request"  # a site asks the central warehouse for stock, and receives it
    PURCHASING_READ = "purchasing:read"  # suppliers, purchase orders, reorder suggestions
    PURCHASING_MANAGE = "purchasing:manage"  # suppliers, orders: draft, send, receive, cancel
    PURCHASING_APPROVE = "purchasing:approve"  # an order above the garage's approval amount
    # import from an earlier system (customers, vehicles, service history, stock): admins only
    IMPORTS_MANAGE = "imports:manage"
    # analytics (backend/analytics): KPIs, goals against actuals; a site manager sees their home site's only
    ANALYTICS_READ = "analytics:read"
    ANALYTICS_ALL_SITES = "analytics:all_sites"  # every site's figures, the garage's included
    ANALYTICS_MANAGE = "analytics:manage"  # set and delete goals
    LABOUR_COSTS = "labour_costs:manage"  # read and set what an hour of a person's time costs (wages): admins only
    CASH_MANAGE = "cash:manage"  # the garage's money: receivables by age, expenses, the cash position: admins only
    # integrations
    WEBHOOKS_MANAGE = "webhooks:manage"  # outbound webhooks: endpoints, secrets, delivery log, redelivery
    # scheduling (a technician reads only the appointments allocated to them, enforced in the service)
    APPOINTMENTS_READ = "appointments:read"
    APPOINTMENTS_MANAGE = "appointments:manage"  # book, confirm, move, cancel, mark arrived or no-show
    SCHEDULING_MANAGE = "scheduling:manage"  # a site's bays, opening hours and closed days
    CALENDAR_FEEDS_MANAGE = "calendar_feeds:manage"  # make and revoke a technician's or a site's calendar URL
    # workforce: shift patterns, leave, the attendance view, clock corrections and alerts (a technician's own
    # attendance clock is time_clock:use)
    WORKFORCE_READ = "workforce:read"
    WORKFORCE_MANAGE = "workforce:manage"


P = Permission
# A portal token's actor (backend/portal): the customer of one job, nothing of the staff API.
PORTAL_PERMISSIONS = frozenset({Permission.PORTAL_ACCESS})
_STAFF_BASE = {P.GARAGE_READ, P.SITES_READ, P.JOBS_READ, P.JOBS_NOTE, P.TASK_CATALOG_READ, P.PARTS_READ,
               P.INVENTORY_READ, P.VEHICLES_READ, P.PUSH_SUBSCRIBE, P.FILES_UPLOAD}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SITE_MANAGER: frozenset(
        _STAFF_BASE | {P.ANALYTICS_READ}
        | {P.USERS_READ, P.CUSTOMERS_READ, P.CUSTOMERS_WRITE, P.VEHICLES_READ, P.VEHICLES_WRITE, P.MILEAGE_RECORD,
           P.JOBS_CREATE, P.JOBS_ASSIGN, P.JOBS_HOLD, P.QUOTES_READ, P.QUOTES_WRITE, P.INVOICES_READ,
           P.REMINDERS_READ, P.FILES_DELETE, P.FILES_SHARE, P.INSPECTIONS_READ, P.INSPECTIONS_WRITE,
           P.WORKFORCE_READ, P.WORKFORCE_MANAGE,
           P.PORTAL_LINKS_MANAGE, P.APPOINTMENTS_READ, P.APPOINTMENTS_MANAGE, P.SCHEDULING_MANAGE,
           P.CALENDAR_FEEDS_MANAGE, P.TRANSFERS_REQUEST}
    ),
    Role.WORKSHOP_MANAGER: frozenset(
        _STAFF_BASE | {P.USERS_READ, P.CUSTOMERS_READ, P.VEHICLES_READ, P.MILEAGE_RECORD, P.JOBS_ASSIGN,
                       P.JOBS_OVERRIDE_STREAM, P.JOBS_REVIEW, P.JOBS_HOLD, P.PARTS_APPROVE, P.QUOTES_READ,
                       P.COSTS_READ, P.FILES_DELETE, P.FILES_SHARE, P.INSPECTIONS_READ, P.INSPECTIONS_WRITE,
                       P.WORKFORCE_READ, P.WORKFORCE_MANAGE,
                       P.PORTAL_LINKS_MANAGE, P.APPOINTMENTS_READ, P.CALENDAR_FEEDS_MANAGE}
    ),
    # A technician looks vehicles up in the bay and reads the odometer, but does not browse customers' contacts.
    Role.TECHNICIAN: frozenset(
        _STAFF_BASE | {P.VEHICLES_READ, P.MILEAGE_RECORD, P.JOBS_WORK, P.TIME_CLOCK, P.PARTS_REQUEST,
                       P.INSPECTIONS_READ, P.INSPECTIONS_WRITE, P.APPOINTMENTS_READ}
    ),
    Role.WAREHOUSE_MANAGER: frozenset(_STAFF_BASE | {P.INVENTORY_MANAGE, P.PARTS_ISSUE, P.COSTS_READ,
                                                     P.TRANSFERS_MANAGE, P.TRANSFERS_REQUEST, P.PURCHASING_READ,
                                                     P.PURCHASING_MANAGE}),
    # Billing keeps customers' tax details right for invoices.
    Role.BILLING: frozenset(_STAFF_BASE | {P.CUSTOMERS_READ, P.CUSTOMERS_WRITE, P.VEHICLES_READ, P.QUOTES_READ,
                                           P.QUOTES_WRITE, P.INVOICES_READ, P.INVOICES_WRITE, P.FINANCIAL_REPORTS,
                                           P.REMINDERS_READ, P.FILES_SHARE, P.INSPECTIONS_READ}),
}


class ApiScope(enum.Enum):
    """What an integrator's API key may do: read or read-write, per domain."""

    ACCOUNTS_READ = "accounts:read"
    ACCOUNTS_WRITE = "accounts:write"
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"
    WORKSHOP_READ = "workshop:read"
    WORKSHOP_WRITE = "workshop:write"
    INVENTORY_READ = "inventory:read"
    INVENTORY_WRITE = "inventory:write"
    BILLING_READ = "billing:read"
    BILLING_WRITE = "billing:write"


SCOPE_PERMISSIONS: dict[ApiScope, frozenset[Permission]] = {
    ApiScope.ACCOUNTS_READ: frozenset({P.GARAGE_READ, P.SITES_READ, P.USERS_READ}),
    ApiScope.ACCOUNTS_WRITE: frozenset(
        {P.GARAGE_READ, P.SITES_READ, P.USERS_READ, P.GARAGE_MANAGE, P.SITES_MANAGE, P.USERS_MANAGE}
    ),
    ApiScope.CUSTOMERS_READ: frozenset({P.GARAGE_READ, P.CUSTOMERS_READ, P.VEHICLES_READ}),
    ApiScope.CUSTOMERS_WRITE: frozenset(
        {P.GARAGE_READ, P.CUSTOMERS_READ, P.VEHICLES_READ, P.CUSTOMERS_WRITE, P.VEHICLES_WRITE, P.MILEAGE_RECORD}
    ),
    # a job is about a vehicle: reading jobs reads their vehicles (not the owners' contacts)
    ApiScope.WORKSHOP_READ: frozenset({P.GARAGE_READ, P.SITES_READ, P.JOBS_READ, P.TASK_CATALOG_READ, P.PARTS_READ,
                                       P.VEHICLES_READ, P.APPOINTMENTS_READ}),
    # An integrator (a booking or DMS system) may open and route jobs; the bay's own steps stay with people.
    ApiScope.WORKSHOP_WRITE: frozenset({P.GARAGE_READ, P.SITES_READ, P.JOBS_READ, P.TASK_CATALOG_READ, P.PARTS_READ,
                                        P.VEHICLES_READ, P.JOBS_CREATE, P.JOBS_ASSIGN, P.JOBS_HOLD, P.JOBS_NOTE,
                                        P.TASK_CATALOG_MANAGE, P.APPOINTMENTS_READ, P.APPOINTMENTS_MANAGE}),
    ApiScope.INVENTORY_READ: frozenset({P.GARAGE_READ, P.INVENTORY_READ}),
    # a stock or purchasing system sets cost prices, so it reads them
    ApiScope.INVENTORY_WRITE: frozenset({P.GARAGE_READ, P.INVENTORY_READ, P.INVENTORY_MANAGE, P.COSTS_READ}),
    # an accounting or DMS integration reads quotes, invoices and reports, and may raise and settle invoices
    # (jobs:read too: the billing queue is the jobs in BILLING, and an invoice names its job)
    ApiScope.BILLING_READ: frozenset({P.GARAGE_READ, P.SITES_READ, P.QUOTES_READ, P.INVOICES_READ,
                                      P.FINANCIAL_REPORTS, P.JOBS_READ}),
    ApiScope.BILLING_WRITE: frozenset({P.GARAGE_READ, P.SITES_READ, P.QUOTES_READ, P.INVOICES_READ,
                                       P.FINANCIAL_REPORTS, P.QUOTES_WRITE, P.INVOICES_WRITE, P.JOBS_READ}),
}


def permissions_for_role(role: Role) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[role]


def permissions_for_scopes(scopes: list[ApiScope] | set[ApiScope]) -> frozenset[Permission]:
    out: set[Permission] = set()
    for scope in scopes:
        out |= SCOPE_PERMISSIONS[scope]
    # An API key never manages API keys, whatever its scopes.
    out.discard(P.API_KEYS_MANAGE)
    return frozenset(out)
