"""GraphQL for the owner's figures: kpis, kpiTrend, kpiDefinitions, goals; a job's advisor; an hourly cost."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry.tools import merge_types

from backend.accounts.schema import User
from backend.analytics import cash, facts
from backend.analytics import forecast as fc
from backend.analytics import kpis as k
from backend.analytics import service
from backend.api.errors import UserError
from backend.api.mutations import client_id, given, run, run_input
from backend.api.permissions import requires
from backend.api.queries import read
from backend.core.i18n import translate
from backend.core.permissions import Permission as P
from backend.workshop.schema.jobs import Job

KpiGroup = strawberry.enum(k.Group, name="KpiGroup", description="Whose figures: the whole garage, or one row per "
                                                                 "site, technician or service advisor.")
KpiPeriodKind = strawberry.enum(k.PeriodKind, name="KpiPeriodKind",
                                description="A local day, ISO week (from Monday), month, quarter or year in the "
                                            "garage's time zone around `date`; CUSTOM: from..to.")
KpiUnit = strawberry.enum(k.Unit, name="KpiUnit", description="RATIO: 0.85 is 85 %; MONEY: minor units; "
                                                              "MONEY_PER_HOUR: minor units an hour.")
Kpi = strawberry.enum(k.Kpi, name="Kpi")


GoalScope = strawberry.enum(k.GoalScope, name="KpiGoalScope")


@strawberry.input(description="The period: `kind` and any `date` inside it, or CUSTOM with from and to (both "
                              "days included).")
class KpiPeriodInput:
    kind: KpiPeriodKind
    date: dt.date | None = None
    from_: dt.date | None = strawberry.field(name="from", default=None)
    to: dt.date | None = None


@strawberry.type
class KpiDateRange:
    from_: dt.date = strawberry.field(name="from")
    to: dt.date


def _range(p: k.Period) -> KpiDateRange:
    return KpiDateRange(from_=p.start, to=p.end)


@strawberry.type(description="How a KPI is worked out, in the reader's language.")
class KpiDefinition:
    kpi: Kpi
    unit: KpiUnit
    name: str
    formula: str
    explanation: str
    higher_is_better: bool


def _definition(kpi: k.Kpi, locale: str) -> KpiDefinition:
    d = k.DEFINITIONS[kpi]
    return KpiDefinition(kpi=kpi, unit=d.unit, name=translate(locale, d.name), formula=translate(locale, d.formula),
                         explanation=translate(locale, d.explanation), higher_is_better=d.higher_is_better)


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@strawberry.type(description="A KPI's value with what it is made of (hours for hours, minor units for money).")
class KpiFigure:
    value: float | None = strawberry.field(description="Null when the denominator is zero (nothing to divide).")
    numerator: float
    denominator: float | None


def _figure(f: k.Figure) -> KpiFigure:
    return KpiFigure(value=_num(f.value), numerator=float(f.numerator), denominator=_num(f.denominator))


@strawberry.type
class KpiValue:
    kpi: Kpi
    definition: KpiDefinition
    current: KpiFigure
    previous: KpiFigure = strawberry.field(description="The period just before (as long).")
    last_year: KpiFigure = strawberry.field(description="The same period a year before.")
    goal: float | None = strawberry.field(description="The month's goal (MONTH periods, site and technician rows).")
    off_goal: bool | None = strawberry.field(description="Whether the value misses the goal (below it, or above "
                                                         "it for the comeback rate).")


@strawberry.type
class KpiRow:
    key: strawberry.ID | None = strawberry.field(description="The site, technician or advisor; null for GARAGE.")
    name: str | None
    jobs: int = strawberry.field(description="Invoiced jobs the figures come from.")
    imported_jobs: int = strawberry.field(description="Of those, how many were imported from another system.")
    values: list[KpiValue]


@strawberry.type(description="KPIs of a period against the previous period and the same period last year.")
class KpiReport:
    group: KpiGroup
    period_kind: KpiPeriodKind
    period: KpiDateRange
    previous_period: KpiDateRange
    last_year_period: KpiDateRange
    currency: str
    rows: list[KpiRow]


def _report(r: k.Report, locale: str) -> KpiReport:
    defs = {kpi: _definition(kpi, locale) for kpi in k.Kpi}
    return KpiReport(
        group=r.group, period_kind=r.kind, period=_range(r.period), previous_period=_range(r.previous),
        last_year_period=_range(r.last_year), currency=r.currency,
        rows=[KpiRow(key=strawberry.ID(str(row.key)) if row.key else None, name=row.name, jobs=row.jobs,
                     imported_jobs=row.imported_jobs,
                     values=[KpiValue(kpi=v.kpi, definition=defs[v.kpi], current=_figure(v.current),
                                      previous=_figure(v.previous), last_year=_figure(v.last_year),
                                      goal=_num(v.goal), off_goal=v.off_goal) for v in row.values])
              for row in r.rows])


@strawberry.type
class KpiTrendPoint:
    month: dt.date = strawberry.field(description="The first day of the month.")
    values: list[KpiValue]


@strawberry.type
class KpiGoal:
    id: strawberry.ID
    kpi: Kpi
    scope: GoalScope
    subject_id: strawberry.ID = strawberry.field(description="The site or the technician.")
    month: dt.date
    target: float
    alert_days: int = strawberry.field(description="Days off goal running before the admins are alerted.")
    off_since: dt.date | None = strawberry.field(description="First day of the current run off goal, if any.")
    alerts_sent: int
    version: int


def _goal(g) -> KpiGoal:
    return KpiGoal(id=strawberry.ID(str(g.id)), kpi=k.Kpi(g.kpi), scope=GoalScope[g.scope],
                   subject_id=strawberry.ID(str(g.subject_id)), month=g.month, target=float(g.target),
                   alert_days=g.alert_days, off_since=g.off_since, alerts_sent=g.alerts_sent, version=g.version)


@strawberry.type(description="The month's sales forecast (before tax, minor units), each method with its working.")
class KpiForecast:
    month: dt.date
    as_of: dt.date = strawberry.field(description="The last day counted as elapsed (local).")
    days_elapsed: int
    days_in_month: int
    sales_to_date: int
    run_rate_forecast: int
    run_rate_method: str
    booked_hours: float = strawberry.field(description="Technician hours booked after asOf to the month's end.")
    effective_labour_rate: int | None = strawberry.field(description="Month to date, minor units an hour.")
    bookings_forecast: int | None = strawberry.field(description="Null without billed hours to date (no rate).")
    bookings_method: str


async def _fresh(info) -> None:
    """Facts waiting for a recount (analytics_dirty) are recounted before the figures are read."""
    ctx = info.context
    async with ctx.db.read() as session:
        dirty = await facts.has_dirty(session, ctx.actor.garage_id)
    if dirty:
        async with ctx.db.transaction() as session:
            await facts.refresh_dirty(session, ctx.actor.garage_id)


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.ANALYTICS_READ), description=(
        "KPIs of a period in the garage's time zone, by garage, site, technician or advisor, against the previous "
        "period and the same period last year, each with its formula. A site manager sees their home site only."))
    async def kpis(self, info: strawberry.Info, period: KpiPeriodInput, group: KpiGroup = k.Group.GARAGE,
                   site_id: strawberry.ID | None = None, technician_id: strawberry.ID | None = None,
                   only: list[Kpi] | None = None) -> KpiReport:
        await _fresh(info)
        report = await read(info, k.kpi_report, group=group, kind=period.kind, date=period.date,
                            date_from=period.from_, date_to=period.to, site=site_id, technician=technician_id,
                            kpis=only)
        return _report(report, info.context.locale)

    @strawberry.field(extensions=requires(P.ANALYTICS_READ), description=(
        "Month by month, the `months` months up to the one holding `endMonth` (at most 36), for the garage or "
        "one site or technician."))
    async def kpi_trend(self, info: strawberry.Info, end_month: dt.date, months: int = 12,
                        site_id: strawberry.ID | None = None, technician_id: strawberry.ID | None = None,
                        only: list[Kpi] | None = None) -> list[KpiTrendPoint]:
        await _fresh(info)
        points = await read(info, k.kpi_trend, end_month=end_month, months=months, site=site_id,
                            technician=technician_id, kpis=only)
        defs = {kpi: _definition(kpi, info.context.locale) for kpi in k.Kpi}
        return [KpiTrendPoint(month=month, values=[
            KpiValue(kpi=v.kpi, definition=defs[v.kpi], current=_figure(v.current), previous=_figure(v.previous),
                     last_year=_figure(v.last_year), goal=None, off_goal=None) for v in values])
            for month, values in points]

    @strawberry.field(extensions=requires(P.ANALYTICS_READ), description="Every KPI's formula and explanation.")
    def kpi_definitions(self, info: strawberry.Info) -> list[KpiDefinition]:
        return [_definition(kpi, info.context.locale) for kpi in k.Kpi]

    @strawberry.field(extensions=requires(P.ANALYTICS_READ), description="The goals of a month (any day of it).")
    async def kpi_goals(self, info: strawberry.Info, month: dt.date) -> list[KpiGoal]:
        return [_goal(g) for g in await read(info, service.list_goals, month)]

    @strawberry.field(extensions=requires(P.ANALYTICS_READ), description=(
        "The month's sales: the run rate to date, and the sales to date plus the hours booked (appointments) for "
        "the rest of the month at the effective labour rate. asOf: today in the garage's time zone by default."))
    async def kpi_forecast(self, info: strawberry.Info, as_of: dt.date | None = None,
                           site_id: strawberry.ID | None = None) -> KpiForecast:
        await _fresh(info)
        f = await read(info, fc.month_forecast, as_of=as_of, site=site_id)
        locale = info.context.locale
        return KpiForecast(month=f.month, as_of=f.as_of, days_elapsed=f.days_elapsed, days_in_month=f.days_in_month,
                           sales_to_date=f.sales_to_date, run_rate_forecast=f.run_rate_forecast,
                           run_rate_method=translate(locale, fc.RUN_RATE_METHOD), booked_hours=float(f.booked_hours),
                           effective_labour_rate=f.effective_labour_rate, bookings_forecast=f.bookings_forecast,
                           bookings_method=translate(locale, fc.BOOKINGS_METHOD))


@strawberry.input(description="Set the month's goal of one KPI for a site or a technician (replaces the one set).")
class SetKpiGoalInput:
    id: strawberry.ID | None = strawberry.UNSET
    kpi: Kpi
    scope: GoalScope
    subject_id: strawberry.ID
    month: dt.date
    target: float = strawberry.field(description="In the KPI's unit: 0.85 for 85 %, minor units for money.")
    alert_days: int = 3
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class DeleteKpiGoalInput:
    id: strawberry.ID
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input(description="Make another member of staff (not a technician) the job's service advisor.")
class SetJobAdvisorInput:
    job_id: strawberry.ID
    advisor_id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input(description="What an hour of this person's time costs the garage (minor units; null: unknown).")
class SetUserHourlyCostInput:
    user_id: strawberry.ID
    hourly_cost: int | None


@strawberry.type
class KpiGoalPayload:
    goal: KpiGoal | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteKpiGoalPayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetJobAdvisorPayload:
    job: Job | None = None
    advisor: User | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetUserHourlyCostPayload:
    user: User | None = None
    hourly_cost: int | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.ANALYTICS_MANAGE), description=SetKpiGoalInput.__doc__)
    async def set_kpi_goal(self, info: strawberry.Info, input: SetKpiGoalInput) -> KpiGoalPayload:
        async def call(session, actor):
            target = Decimal(str(input.target)) if input.target is not None else None
            return await service.set_goal(session, actor, service.GoalData(
                kpi=input.kpi, scope=input.scope.value, subject_id=input.subject_id, month=input.month,
                target=target, alert_days=input.alert_days), client_id(input.id))

        goal, errors = await run_input(info, input, call, find=service.find_goal)
        return KpiGoalPayload(goal=_goal(goal) if goal is not None else None, errors=errors)

    @strawberry.mutation(extensions=requires(P.ANALYTICS_MANAGE), description="Delete a goal.")
    async def delete_kpi_goal(self, info: strawberry.Info, input: DeleteKpiGoalInput) -> DeleteKpiGoalPayload:
        deleted, errors = await run(info, service.delete_goal, input.id,
                                    client_mutation_id=given(input.client_mutation_id))
        return DeleteKpiGoalPayload(deleted_id=strawberry.ID(str(deleted)) if deleted else None, errors=errors)

    @strawberry.mutation(extensions=requires(P.JOBS_ASSIGN), description=SetJobAdvisorInput.__doc__)
    async def set_job_advisor(self, info: strawberry.Info, input: SetJobAdvisorInput) -> SetJobAdvisorPayload:
        result, errors = await run(info, service.set_job_advisor, input.job_id, input.advisor_id,
                                   given(input.expected_version), client_mutation_id=given(input.client_mutation_id))
        job, advisor = result if result else (None, None)
        return SetJobAdvisorPayload(job=job, advisor=advisor, errors=errors)

    @strawberry.mutation(extensions=requires(P.LABOUR_COSTS), description=SetUserHourlyCostInput.__doc__)
    async def set_user_hourly_cost(self, info: strawberry.Info, input: SetUserHourlyCostInput
                                   ) -> SetUserHourlyCostPayload:
        user, errors = await run(info, service.set_hourly_cost, input.user_id, input.hourly_cost)
        return SetUserHourlyCostPayload(user=user, hourly_cost=user.hourly_cost if user else None, errors=errors)


# ------------------------------------------------------------------------------------------------ forecasts


@strawberry.type
class KpiMonthForecast:
    month: dt.date = strawberry.field(description="The first day of the month.")
    same_month_last_year: int = strawberry.field(description="Its sales a year before (minor units).")
    forecast: int | None = strawberry.field(description="Null without sales a year before or a trend.")


@strawberry.type(description="The next three months' sales (before tax, minor units), with the method.")
class KpiSeasonalForecast:
    as_of: dt.date
    recent_sales: int = strawberry.field(description="The last three full months.")
    recent_sales_year_before: int = strawberry.field(description="The same three months a year before.")
    trend: float | None = strawberry.field(description="recentSales ÷ recentSalesYearBefore.")
    months: list[KpiMonthForecast]
    method: str


@strawberry.type
class KpiCapacityWeek:
    from_: dt.date = strawberry.field(name="from")
    to: dt.date
    available_hours: float = strawberry.field(description="From the technicians' shifts, less breaks and leave.")
    booked_hours: float = strawberry.field(description="Appointments (requested or confirmed) allocated to them.")
    free_hours: float
    load: float | None = strawberry.field(description="booked ÷ available (0.85 is 85 %); null: none available.")


@strawberry.type(description="Technician capacity for the next four weeks, seven days each from asOf.")
class KpiCapacity:
    weeks: list[KpiCapacityWeek]
    method: str


# ------------------------------------------------------------------------------------------------ cash

ExpenseCategory = strawberry.enum(cash.ExpenseCategory, name="ExpenseCategory")


@strawberry.type(description="What customers owe, by how long past the due date (minor units).")
class CashAging:
    customer_id: strawberry.ID | None = strawberry.field(description="Null in the total row, or an invoice "
                                                                     "without a customer.")
    customer_name: str | None
    invoices: int = strawberry.field(description="Invoices still owing.")
    current: int = strawberry.field(description="Not yet due (or due today).")
    days_1_to_30: int = strawberry.field(name="days1To30")
    days_31_to_60: int = strawberry.field(name="days31To60")
    days_61_to_90: int = strawberry.field(name="days61To90")
    over_90: int = strawberry.field(name="over90")
    total: int


def _aging(a: cash.Aging) -> CashAging:
    return CashAging(customer_id=strawberry.ID(str(a.customer_id)) if a.customer_id else None,
                     customer_name=a.customer_name, invoices=a.invoices, current=a.current, days_1_to_30=a.d1_30,
                     days_31_to_60=a.d31_60, days_61_to_90=a.d61_90, over_90=a.over_90, total=a.total)


@strawberry.type(description="Receivables by age as of a day: per customer (largest first) and in total.")
class CashReceivables:
    as_of: dt.date
    currency: str
    total: CashAging
    customers: list[CashAging]


@strawberry.type(description="Money the garage pays out: once, or every month from spentOn (until endsOn).")
class Expense:
    id: strawberry.ID
    category: ExpenseCategory
    description: str
    amount: int = strawberry.field(description="Minor units.")
    spent_on: dt.date
    site_id: strawberry.ID | None
    recurring: bool
    ends_on: dt.date | None
    version: int


def _expense(e) -> Expense:
    return Expense(id=strawberry.ID(str(e.id)), category=e.category, description=e.description, amount=e.amount,
                   spent_on=e.spent_on, site_id=strawberry.ID(str(e.site_id)) if e.site_id else None,
                   recurring=e.recurring, ends_on=e.ends_on, version=e.version)


@strawberry.type
class CashExpenseDue:
    day: dt.date = strawberry.field(description="The day it falls in the month.")
    expense: Expense


@strawberry.type(description="The month holding asOf: what came in, what is expected, what goes out, and the "
                             "projected cash at the month's end (minor units).")
class CashMonth:
    month: dt.date
    as_of: dt.date
    currency: str
    opening_balance: int | None = strawberry.field(description="As set for the month (null: not set, counted 0).")
    received: int = strawberry.field(description="Payments recorded from the 1st to asOf.")
    expected_incoming: int = strawberry.field(description="Balance due of invoices falling due asOf..month end.")
    expected_invoices: int
    expenses: list[CashExpenseDue]
    expenses_total: int
    supplier_deliveries: int = strawberry.field(description="Purchase-order receipts of the month (supplier "
                                                            "payables); for a site, those of the orders "
                                                            "delivered to its warehouse.")
    projected: int = strawberry.field(description="The cash projected at the month's end.")
    method: str


@strawberry.type
class CashQuery:
    @strawberry.field(extensions=requires(P.ANALYTICS_READ), description=(
        "The next three months' sales from the same months last year and the recent trend."))
    async def kpi_seasonal_forecast(self, info: strawberry.Info, as_of: dt.date | None = None,
                                    site_id: strawberry.ID | None = None) -> KpiSeasonalForecast:
        await _fresh(info)
        f = await read(info, fc.seasonal_forecast, as_of=as_of, site=site_id)
        return KpiSeasonalForecast(
            as_of=f.as_of, recent_sales=f.recent_sales, recent_sales_year_before=f.recent_sales_year_before,
            trend=_num(f.trend), method=translate(info.context.locale, fc.SEASONAL_METHOD),
            months=[KpiMonthForecast(month=m.month, same_month_last_year=m.same_month_last_year,
                                     forecast=m.forecast) for m in f.months])

    @strawberry.field(extensions=requires(P.ANALYTICS_READ), description=(
        "Technician capacity, four weeks from asOf (today by default): available hours from shifts against "
        "hours booked for appointments."))
    async def kpi_capacity(self, info: strawberry.Info, as_of: dt.date | None = None,
                           site_id: strawberry.ID | None = None,
                           technician_id: strawberry.ID | None = None) -> KpiCapacity:
        weeks = await read(info, fc.capacity, as_of=as_of, site=site_id, technician=technician_id)
        return KpiCapacity(method=translate(info.context.locale, fc.CAPACITY_METHOD), weeks=[
            KpiCapacityWeek(from_=w.start, to=w.end, available_hours=float(w.available_hours),
                            booked_hours=float(w.booked_hours), free_hours=float(w.free_hours),
                            load=_num(w.load)) for w in weeks])

    @strawberry.field(extensions=requires(P.CASH_MANAGE), description=(
        "Receivables by age (current, 1-30, 31-60, 61-90, over 90 days past due) per customer. Admins only."))
    async def cash_receivables(self, info: strawberry.Info, as_of: dt.date | None = None,
                               site_id: strawberry.ID | None = None) -> CashReceivables:
        scope, customers, total = await read(info, cash.receivables, as_of=as_of, site=site_id)
        return CashReceivables(as_of=scope.today, currency=scope.currency, total=_aging(total),
                               customers=[_aging(a) for a in customers])

    @strawberry.field(extensions=requires(P.CASH_MANAGE), description=(
        "The month's cash: opening balance, payments received, invoices falling due, expenses, supplier "
        "deliveries and the projected position at the month's end. Admins only."))
    async def cash_month(self, info: strawberry.Info, as_of: dt.date | None = None,
                         site_id: strawberry.ID | None = None) -> CashMonth:
        m = await read(info, cash.cash_month, as_of=as_of, site=site_id)
        return CashMonth(month=m.month, as_of=m.as_of, currency=m.currency, opening_balance=m.opening_balance,
                         received=m.received, expected_incoming=m.expected_incoming,
                         expected_invoices=m.expected_invoices,
                         expenses=[CashExpenseDue(day=d, expense=_expense(e)) for e, d in m.expenses],
                         expenses_total=m.expenses_total, supplier_deliveries=m.supplier_deliveries,
                         projected=m.projected, method=translate(info.context.locale, cash.POSITION_METHOD))


@strawberry.input(description="A new expense: once on spentOn, or every month from then (recurring) until endsOn.")
class CreateExpenseInput:
    id: strawberry.ID | None = strawberry.UNSET
    category: ExpenseCategory
    amount: int = strawberry.field(description="Minor units, more than 0.")
    spent_on: dt.date
    description: str = ""
    site_id: strawberry.ID | None = None
    recurring: bool = False
    ends_on: dt.date | None = None
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input(description="Change an expense (every field is set again).")
class UpdateExpenseInput:
    id: strawberry.ID
    category: ExpenseCategory
    amount: int
    spent_on: dt.date
    description: str = ""
    site_id: strawberry.ID | None = None
    recurring: bool = False
    ends_on: dt.date | None = None
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class DeleteExpenseInput:
    id: strawberry.ID
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input(description="The garage's cash at the start of a month (any day of it; negative: overdrawn).")
class SetCashOpeningInput:
    month: dt.date
    amount: int
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class ExpensePayload:
    expense: Expense | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteExpensePayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CashOpeningPayload:
    month: dt.date | None = None
    amount: int | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _expense_data(input) -> cash.ExpenseData:
    return cash.ExpenseData(category=input.category, description=input.description, amount=input.amount,
                            spent_on=input.spent_on, site_id=input.site_id, recurring=input.recurring,
                            ends_on=input.ends_on)


@strawberry.type
class CashMutation:
    @strawberry.mutation(extensions=requires(P.CASH_MANAGE), description=CreateExpenseInput.__doc__)
    async def create_expense(self, info: strawberry.Info, input: CreateExpenseInput) -> ExpensePayload:
        async def call(session, actor):
            return await cash.save_expense(session, actor, _expense_data(input), new_id_given=client_id(input.id))

        e, errors = await run_input(info, input, call, find=cash.find_expense)
        return ExpensePayload(expense=_expense(e) if e is not None else None, errors=errors)

    @strawberry.mutation(extensions=requires(P.CASH_MANAGE), description=UpdateExpenseInput.__doc__)
    async def update_expense(self, info: strawberry.Info, input: UpdateExpenseInput) -> ExpensePayload:
        async def call(session, actor):
            return await cash.save_expense(session, actor, _expense_data(input), input.id,
                                           given(input.expected_version))

        e, errors = await run_input(info, input, call, find=cash.find_expense, current_id=input.id)
        return ExpensePayload(expense=_expense(e) if e is not None else None, errors=errors)

    @strawberry.mutation(extensions=requires(P.CASH_MANAGE), description="Delete an expense.")
    async def delete_expense(self, info: strawberry.Info, input: DeleteExpenseInput) -> DeleteExpensePayload:
        deleted, errors = await run(info, cash.delete_expense, input.id,
                                    client_mutation_id=given(input.client_mutation_id))
        return DeleteExpensePayload(deleted_id=strawberry.ID(str(deleted)) if deleted else None, errors=errors)

    @strawberry.mutation(extensions=requires(P.CASH_MANAGE), description=SetCashOpeningInput.__doc__)
    async def set_cash_opening(self, info: strawberry.Info, input: SetCashOpeningInput) -> CashOpeningPayload:
        row, errors = await run(info, cash.set_opening, input.month, input.amount,
                                client_mutation_id=given(input.client_mutation_id))
        return CashOpeningPayload(month=row.month if row else None, amount=row.amount if row else None,
                                  errors=errors)


# the forecasts and the cash join the analytics root types (backend/schema.py merges each domain's Query/Mutation)
Query = merge_types("Query", (Query, CashQuery))
Mutation = merge_types("Mutation", (Mutation, CashMutation))
