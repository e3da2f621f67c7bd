// The owner's dashboard (admins and site managers): the KPIs of a period in the garage's time zone as tiles with the
// goal and the change against the previous period and the same period last year; the formula and explanation of a
// tile on a tap; by site, technician or advisor with a bar per row; the 12-month trend; the month's forecast with its
// method; a tap on a figure lists the invoiced jobs it comes from (each opens its job card); every report exports to
// Excel or PDF, with the progress shown when the file takes more than a second.
import type { ComponentType } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { authStore, authedGraphql } from '../../../shared/auth';
import { formatDate, formatNumber, t } from '../../../shared/i18n';
import { useStore } from '../../../shared/store';
import type { UserError } from '../../../shared/types';
import type { ScreenProps } from '../../screens';
import { Empty, Failure, FormErrors, Loading, ScreenTitle, failureMessage, loadSites, money, newMutationId, useQuery } from '../common';
import type { Site } from '../common';
import { CAPACITY, CASH, EXPORT, FORECAST, JOBS, KPIS, SEASONAL, START_EXPORT, TREND } from './api';
import type { CapacityWeek, CashFigures, DrillList, ExportJob, Forecast, Seasonal, Group, KpiReport, KpiRow, KpiValue, Period, PeriodKind, TrendPoint, Unit } from './api';
import './dashboard.css';
import CashExpensesPanel from './Expenses';

// ---- the garage's calendar -----------------------------------------------------------------------------------------

function garageToday(): string {
  const s = authStore.get();
  const zone = s.status === 'signedIn' ? s.user.garage?.timeZone : undefined;
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: zone || undefined, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

function monthLabel(iso: string): string {
  const [y, m] = iso.split('-').map(Number);
  return new Intl.DateTimeFormat(document.documentElement.lang === 'th' ? 'th-TH' : 'en-GB', { month: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1)));
}

// ---- figures -------------------------------------------------------------------------------------------------------

export function formatValue(value: number | null | undefined, unit: Unit): string {
  if (value == null) return '—';
  switch (unit) {
    case 'RATIO':
      return `${formatNumber(value * 100, 1)} %`;
    case 'MONEY':
      return money(value);
    case 'MONEY_PER_HOUR':
      return t('{amount}/h', { amount: money(value) });
    case 'HOURS':
      return t('{hours} h', { hours: formatNumber(value, 2) });
    default:
      return formatNumber(value);
  }
}

/** A short axis label: 12,500 baht as 12.5k; 85 % as 85 %. */
function axisValue(value: number, unit: Unit): string {
  if (unit === 'RATIO') return `${formatNumber(value * 100, 0)} %`;
  const v = unit === 'MONEY' || unit === 'MONEY_PER_HOUR' ? value / 100 : value;
  if (Math.abs(v) >= 1000000) return `${formatNumber(v / 1000000, 1)}M`;
  if (Math.abs(v) >= 1000) return `${formatNumber(v / 1000, 1)}k`;
  return formatNumber(v, unit === 'HOURS' ? 1 : 0);
}

function change(current: number | null, before: number | null, unit: Unit): { text: string; direction: number } | null {
  if (current == null || before == null) return null;
  if (unit === 'RATIO') {
    const points = (current - before) * 100;
    return { text: t('{points} pts', { points: `${points >= 0 ? '+' : '−'}${formatNumber(Math.abs(points), 1)}` }), direction: Math.sign(points) };
  }
  if (before === 0) return null;
  const pct = ((current - before) / Math.abs(before)) * 100;
  return { text: `${pct >= 0 ? '+' : '−'}${formatNumber(Math.abs(pct), 1)} %`, direction: Math.sign(pct) };
}

// the figures that come from invoiced jobs: a tap lists the jobs (the others come from quotes, clocks or customers)
const FROM_JOBS = new Set([
  'SALES', 'INVOICED_JOBS', 'AVERAGE_REPAIR_ORDER', 'EFFECTIVE_LABOUR_RATE', 'EFFICIENCY', 'PROFICIENCY', 'HOURS_PER_REPAIR_ORDER',
  'CAR_COUNT', 'PARTS_GROSS_PROFIT', 'LABOUR_GROSS_PROFIT', 'INSPECTION_RATE', 'COMEBACK_RATE',
]);

// the tiles' order: what the garage took first, then how the work went, then the quotes and the customers
const ORDER = [
  'SALES', 'INVOICED_JOBS', 'AVERAGE_REPAIR_ORDER', 'CAR_COUNT', 'EFFECTIVE_LABOUR_RATE', 'EFFICIENCY', 'PRODUCTIVITY', 'PROFICIENCY',
  'HOURS_PER_REPAIR_ORDER', 'PARTS_GROSS_PROFIT', 'LABOUR_GROSS_PROFIT', 'QUOTE_CLOSING_VALUE', 'QUOTE_CLOSING_COUNT', 'INSPECTION_RATE',
  'COMEBACK_RATE', 'RETENTION',
];
function ordered(values: KpiValue[]): KpiValue[] {
  const at = (k: string) => (ORDER.indexOf(k) < 0 ? ORDER.length : ORDER.indexOf(k));
  return [...values].sort((a, b) => at(a.kpi) - at(b.kpi));
}

// ---- the screen ----------------------------------------------------------------------------------------------------

interface Drill {
  title: string;
  siteId?: string | null;
  technicianId?: string | null;
  advisorId?: string | null;
}

interface Charts {
  TrendChart: ComponentType<{ xLabel: string; labels: string[]; series: { label: string; values: (number | null)[]; colour: string; dash?: number[] }[]; format: (v: number) => string; testid: string }>;
  BarChart: ComponentType<{ labels: string[]; values: (number | null)[]; format: (v: number) => string; colour: string; testid: string }>;
}

/** The chart library, fetched the first time the dashboard draws a chart. */
function useCharts(): Charts | null {
  const [charts, setCharts] = useState<Charts | null>(null);
  useEffect(() => {
    let live = true;
    import('./Charts').then((m) => live && setCharts({ TrendChart: m.TrendChart, BarChart: m.BarChart }));
    return () => {
      live = false;
    };
  }, []);
  return charts;
}

export default function Dashboard(_props: ScreenProps) {
  const auth = useStore(authStore);
  const isAdmin = auth.status === 'signedIn' && auth.user.role === 'ADMIN';
  const [kind, setKind] = useState<PeriodKind>('MONTH');
  const [date, setDate] = useState(garageToday);
  const [from, setFrom] = useState(() => garageToday().slice(0, 8) + '01');
  const [to, setTo] = useState(garageToday);
  const [group, setGroup] = useState<Group>('GARAGE');
  const [siteId, setSiteId] = useState<string>('');
  const [sites, setSites] = useState<Site[]>([]);
  const [chosen, setChosen] = useState('SALES');
  const [drill, setDrill] = useState<Drill | null>(null);
  const charts = useCharts();
  useEffect(() => {
    if (isAdmin) loadSites().then(setSites, () => setSites([]));
  }, [isAdmin]);

  const period: Period = kind === 'CUSTOM' ? { kind, from, to } : { kind, date };
  const site = siteId || null;
  // the tiles: the garage's (or the chosen site's, which has its goals)
  const tiles = useQuery<{ kpis: KpiReport }>(KPIS, { period, group: site ? 'SITE' : 'GARAGE', siteId: site });
  const rows = useQuery<{ kpis: KpiReport }>(KPIS, group === 'GARAGE' ? null : { period, group, siteId: site });
  const endMonth = tiles.data?.kpis.period.to ?? null;
  const trend = useQuery<{ kpiTrend: TrendPoint[] }>(TREND, endMonth ? { endMonth, siteId: site, only: [chosen] } : null);
  const forecast = useQuery<{ kpiForecast: Forecast }>(FORECAST, { siteId: site });
  const seasonal = useQuery<{ kpiSeasonalForecast: Seasonal }>(SEASONAL, { siteId: site });
  const capacity = useQuery<{ kpiCapacity: { method: string; weeks: CapacityWeek[] } }>(CAPACITY, { siteId: site });
  const cash = useQuery<CashFigures>(CASH, isAdmin ? { siteId: site } : null);

  if (drill) {
    return <DrillView period={period} drill={drill} site={site} onBack={() => setDrill(null)} />;
  }
  const report = tiles.data?.kpis ?? null;
  const row = report?.rows[0] ?? null;
  const chosenValue = row?.values.find((v) => v.kpi === chosen) ?? null;
  return (
    <section class="screen dashboard">
      <ScreenTitle>{t('Dashboard')}</ScreenTitle>
      <div class="dash-controls" data-testid="dash-controls">
        <label class="field">
          <span class="field-label">{t('Period')}</span>
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as PeriodKind)} data-testid="dash-period-kind">
            <option value="DAY">{t('Day')}</option>
            <option value="WEEK">{t('Week')}</option>
            <option value="MONTH">{t('Month')}</option>
            <option value="QUARTER">{t('Quarter')}</option>
            <option value="YEAR">{t('Year')}</option>
            <option value="CUSTOM">{t('Custom')}</option>
          </select>
        </label>
        {kind === 'CUSTOM' ? (
          <>
            <label class="field">
              <span class="field-label">{t('From')}</span>
              <input type="date" value={from} onChange={(e) => e.currentTarget.value && setFrom(e.currentTarget.value)} data-testid="dash-from" />
            </label>
            <label class="field">
              <span class="field-label">{t('To')}</span>
              <input type="date" value={to} onChange={(e) => e.currentTarget.value && setTo(e.currentTarget.value)} data-testid="dash-to" />
            </label>
          </>
        ) : (
          <label class="field">
            <span class="field-label">{t('Any day in it')}</span>
            <input type="date" value={date} onChange={(e) => e.currentTarget.value && setDate(e.currentTarget.value)} data-testid="dash-date" />
          </label>
        )}
        <label class="field">
          <span class="field-label">{t('Figures by')}</span>
          <select value={group} onChange={(e) => setGroup(e.currentTarget.value as Group)} data-testid="dash-group">
            <option value="GARAGE">{t('Whole garage')}</option>
            <option value="SITE">{t('Site')}</option>
            <option value="TECHNICIAN">{t('Technician')}</option>
            <option value="ADVISOR">{t('Service advisor')}</option>
          </select>
        </label>
        {isAdmin && sites.length > 1 && (
          <label class="field">
            <span class="field-label">{t('Site')}</span>
            <select value={siteId} onChange={(e) => setSiteId(e.currentTarget.value)} data-testid="dash-site">
              <option value="">{t('All sites')}</option>
              {sites.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {report && (
        <p class="muted small dash-periods" data-testid="dash-periods">
          {t('{from} to {to}', { from: formatDate(report.period.from), to: formatDate(report.period.to) })} ·{' '}
          {t('compared with {from} to {to} and the same period last year', { from: formatDate(report.previousPeriod.from), to: formatDate(report.previousPeriod.to) })}
          {row && row.importedJobs > 0 && <> · {t('{n} of {total} jobs imported from another system', { n: row.importedJobs, total: row.jobs })}</>}
        </p>
      )}
      <ExportBar report="KPIS" period={period} group={group === 'GARAGE' && site ? 'SITE' : group} siteId={site} testid="export-kpis" />
      {tiles.error ? (
        <Failure message={tiles.error} onRetry={tiles.reload} />
      ) : !row ? (
        <Loading />
      ) : (
        <div class="dash-tiles" data-testid="dash-tiles">
          {ordered(row.values).map((v, i) => [
            <Tile
              key={v.kpi}
              value={v}
              chosen={v.kpi === chosen}
              onChoose={() => setChosen(v.kpi)}
              onDrill={FROM_JOBS.has(v.kpi) ? () => setDrill({ title: v.definition.name, siteId: site }) : null}
            />,
            i === 1 && <ForecastTile key="forecast" loaded={forecast.data?.kpiForecast ?? null} error={forecast.error} />,
            i === 1 && <SeasonalTile key="seasonal" loaded={seasonal.data?.kpiSeasonalForecast ?? null} error={seasonal.error} />,
          ])}
        </div>
      )}
      {chosenValue && (
        <div class="card dash-card" data-testid="dash-trend">
          <h2 class="card-title">{t('{name}: the last 12 months', { name: chosenValue.definition.name })}</h2>
          {trend.error ? (
            <Failure message={trend.error} onRetry={trend.reload} />
          ) : !trend.data || !charts ? (
            <Loading />
          ) : (
            <charts.TrendChart
              testid="dash-trend-chart"
              xLabel={t('Month')}
              labels={trend.data.kpiTrend.map((p) => monthLabel(p.month))}
              format={(x) => axisValue(x, chosenValue.definition.unit)}
              series={[
                { label: t('This year'), colour: '#c2410c', values: trend.data.kpiTrend.map((p) => p.values[0]?.current.value ?? null) },
                { label: t('A year before'), colour: '#64748b', dash: [6, 4], values: trend.data.kpiTrend.map((p) => p.values[0]?.lastYear.value ?? null) },
              ]}
            />
          )}
          <ExportBar report="TREND" period={period} group="GARAGE" siteId={site} testid="export-trend" />
        </div>
      )}
      <CapacityCard loaded={capacity.data?.kpiCapacity ?? null} error={capacity.error} site={site} />
      {isAdmin && <CashCard loaded={cash.data} error={cash.error} site={site} sites={sites} reload={cash.reload} />}
      {group !== 'GARAGE' && (
        <GroupCard
          period={period}
          site={site}
          loaded={rows.data?.kpis ?? null}
          error={rows.error}
          reload={rows.reload}
          group={group}
          chosen={chosen}
          setChosen={setChosen}
          charts={charts}
          onDrill={(r, name) =>
            setDrill({
              title: `${name} · ${r.name ?? ''}`,
              siteId: group === 'SITE' ? r.key : site,
              technicianId: group === 'TECHNICIAN' ? r.key : null,
              advisorId: group === 'ADVISOR' ? r.key : null,
            })
          }
        />
      )}
    </section>
  );
}

// ---- a tile --------------------------------------------------------------------------------------------------------

function Change({ label, value, before, unit, higherIsBetter, testid }: { label: string; value: number | null; before: number | null; unit: Unit; higherIsBetter: boolean; testid: string }) {
  const c = change(value, before, unit);
  const good = c && c.direction !== 0 ? (c.direction > 0) === higherIsBetter : null;
  return (
    <span class={`dash-change ${good === true ? 'good' : good === false ? 'bad' : ''}`} data-testid={testid}>
      {label} {c ? c.text : '—'}
    </span>
  );
}

function Tile({ value: v, chosen, onChoose, onDrill }: { value: KpiValue; chosen: boolean; onChoose: () => void; onDrill: (() => void) | null }) {
  const [open, setOpen] = useState(false);
  const d = v.definition;
  const figure = formatValue(v.current.value, d.unit);
  return (
    <article class={`dash-tile${chosen ? ' chosen' : ''}${v.offGoal ? ' off-goal' : ''}`} data-testid={`tile-${v.kpi}`}>
      <button
        type="button"
        class="dash-tile-name"
        aria-expanded={open}
        onClick={() => {
          setOpen(!open);
          onChoose();
        }}
        data-testid={`tile-name-${v.kpi}`}
      >
        {d.name}
        <span class="dash-info" aria-hidden="true">
          i
        </span>
      </button>
      {onDrill ? (
        <button type="button" class="dash-figure" onClick={onDrill} data-testid={`tile-figure-${v.kpi}`} aria-label={t('{name}: {value}. Show the jobs', { name: d.name, value: figure })}>
          {figure}
        </button>
      ) : (
        <span class="dash-figure plain" data-testid={`tile-figure-${v.kpi}`}>
          {figure}
        </span>
      )}
      {v.goal != null && (
        <span class="dash-goal" data-testid={`tile-goal-${v.kpi}`}>
          {t('Goal {value}', { value: formatValue(v.goal, d.unit) })}
          {v.offGoal ? ` · ${t('off goal')}` : ''}
        </span>
      )}
      <Change label={t('vs previous')} value={v.current.value} before={v.previous.value} unit={d.unit} higherIsBetter={d.higherIsBetter} testid={`tile-prev-${v.kpi}`} />
      <Change label={t('vs last year')} value={v.current.value} before={v.lastYear.value} unit={d.unit} higherIsBetter={d.higherIsBetter} testid={`tile-year-${v.kpi}`} />
      {open && (
        <div class="dash-formula" data-testid={`tile-formula-${v.kpi}`}>
          <p class="dash-formula-text">{d.formula}</p>
          <p class="muted small">{d.explanation}</p>
        </div>
      )}
    </article>
  );
}

function ForecastTile({ loaded, error }: { loaded: Forecast | null; error: string | null }) {
  const [open, setOpen] = useState(false);
  return (
    <article class="dash-tile dash-forecast" data-testid="tile-forecast">
      <button type="button" class="dash-tile-name" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="tile-name-forecast">
        {t("This month's sales forecast")}
        <span class="dash-info" aria-hidden="true">
          i
        </span>
      </button>
      {error ? (
        <span class="muted small">{error}</span>
      ) : !loaded ? (
        <span class="muted small">{t('Loading…')}</span>
      ) : (
        <>
          <span class="dash-figure plain" data-testid="forecast-run-rate">
            {money(loaded.runRateForecast)}
          </span>
          <span class="dash-change">{t('To date {amount} ({days} of {total} days)', { amount: money(loaded.salesToDate), days: loaded.daysElapsed, total: loaded.daysInMonth })}</span>
          <span class="dash-change" data-testid="forecast-bookings">
            {t('With the bookings: {amount}', { amount: loaded.bookingsForecast == null ? '—' : money(loaded.bookingsForecast) })}
          </span>
          {open && (
            <div class="dash-formula" data-testid="forecast-method">
              <p class="dash-formula-text">{loaded.runRateMethod}</p>
              <p class="dash-formula-text">{loaded.bookingsMethod}</p>
            </div>
          )}
        </>
      )}
    </article>
  );
}

function SeasonalTile({ loaded, error }: { loaded: Seasonal | null; error: string | null }) {
  const [open, setOpen] = useState(false);
  return (
    <article class="dash-tile dash-forecast" data-testid="tile-seasonal">
      <button type="button" class="dash-tile-name" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="tile-name-seasonal">
        {t('The next three months')}
        <span class="dash-info" aria-hidden="true">
          i
        </span>
      </button>
      {error ? (
        <span class="muted small">{error}</span>
      ) : !loaded ? (
        <span class="muted small">{t('Loading…')}</span>
      ) : (
        <>
          {loaded.months.map((m) => (
            <span class="dash-change dash-month" key={m.month} data-testid="seasonal-month">
              <span>{monthLabel(m.month)}</span> <strong>{m.forecast == null ? '—' : money(m.forecast)}</strong>
            </span>
          ))}
          {open && (
            <div class="dash-formula" data-testid="seasonal-method">
              <p class="dash-formula-text">{loaded.method}</p>
              {loaded.trend != null && <p class="muted small">{t('Recent trend ×{trend}', { trend: formatNumber(loaded.trend, 2) })}</p>}
            </div>
          )}
        </>
      )}
    </article>
  );
}

function CapacityCard({ loaded, error, site }: { loaded: { method: string; weeks: CapacityWeek[] } | null; error: string | null; site: string | null }) {
  return (
    <div class="card dash-card" data-testid="dash-capacity">
      <h2 class="card-title">{t('Technician capacity, the next four weeks')}</h2>
      {error ? (
        <Failure message={error} />
      ) : !loaded ? (
        <Loading />
      ) : (
        <>
          <ul class="dash-rows">
            {loaded.weeks.map((w) => (
              <li key={w.from} class="dash-row" data-testid="capacity-week">
                <span class="dash-row-name">{t('{from} to {to}', { from: formatDate(w.from), to: formatDate(w.to) })}</span>
                <span class="small">{t('{booked} of {available} h booked', { booked: formatNumber(w.bookedHours, 1), available: formatNumber(w.availableHours, 1) })}</span>
                <span class="dash-row-figure plain">{w.load == null ? '—' : `${formatNumber(w.load * 100, 0)} %`}</span>
              </li>
            ))}
          </ul>
          <p class="muted small">{loaded.method}</p>
        </>
      )}
      <ExportBar report="CAPACITY" period={{ kind: 'MONTH', date: garageToday() }} group="GARAGE" siteId={site} testid="export-capacity" />
    </div>
  );
}

function CashCard({ loaded, error, site, sites, reload }: { loaded: CashFigures | null; error: string | null; site: string | null; sites: Site[]; reload: () => void }) {
  if (error) return <Failure message={error} />;
  if (!loaded) return null;
  const m = loaded.cashMonth;
  const r = loaded.cashReceivables.total;
  const line = (label: string, value: number, testid?: string) => (
    <li class="dash-row" data-testid={testid}>
      <span class="dash-row-name">{label}</span>
      <span class="dash-row-figure plain">{money(value)}</span>
    </li>
  );
  return (
    <div class="card dash-card" data-testid="dash-cash">
      <h2 class="card-title">{t('Cash this month')}</h2>
      <ul class="dash-rows">
        {line(t('Received so far'), m.received)}
        {line(t('Invoices falling due'), m.expectedIncoming)}
        {line(t('Expenses'), m.expensesTotal)}
        {m.supplierDeliveries > 0 && line(t('Supplier deliveries'), m.supplierDeliveries)}
        {line(t('Projected at the month’s end'), m.projected, 'cash-projected')}
      </ul>
      <p class="muted small">{m.method}</p>
      <CashExpensesPanel site={site} sites={sites} onChanged={reload} />
      <h3 class="dash-sub">{t('Receivables by age')}</h3>
      <ul class="dash-rows">
        {line(t('Not yet due'), r.current)}
        {line(t('1–30 days'), r.days1To30)}
        {line(t('31–60 days'), r.days31To60)}
        {line(t('61–90 days'), r.days61To90)}
        {line(t('Over 90 days'), r.over90)}
        {line(t('Total owed'), r.total, 'cash-owed')}
      </ul>
      <ExportBar report="RECEIVABLES" period={{ kind: 'MONTH', date: garageToday() }} group="GARAGE" siteId={site} testid="export-receivables" />
    </div>
  );
}

// ---- by site, technician or advisor ----------------------------------------------------------------------------------

function GroupCard({ loaded, error, reload, group, chosen, setChosen, charts, onDrill, period, site }: {
  period: Period;
  site: string | null;
  loaded: KpiReport | null;
  error: string | null;
  reload: () => void;
  group: Group;
  chosen: string;
  setChosen: (kpi: string) => void;
  charts: Charts | null;
  onDrill: (row: KpiRow, kpiName: string) => void;
}) {
  const heading = group === 'SITE' ? t('By site') : group === 'TECHNICIAN' ? t('By technician') : t('By service advisor');
  if (error) return <Failure message={error} onRetry={reload} />;
  if (!loaded) return <Loading />;
  const kpis = loaded.rows[0]?.values.map((v) => ({ kpi: v.kpi, name: v.definition.name, unit: v.definition.unit })) ?? [];
  const current = kpis.find((k) => k.kpi === chosen) ?? kpis[0];
  const values = loaded.rows.map((r) => r.values.find((v) => v.kpi === current?.kpi) ?? null);
  return (
    <div class="card dash-card" data-testid="dash-group-card">
      <div class="dash-card-head">
        <h2 class="card-title">{heading}</h2>
        {current && (
          <select value={current.kpi} onChange={(e) => setChosen(e.currentTarget.value)} aria-label={t('Figure')} data-testid="dash-group-kpi">
            {kpis.map((k) => (
              <option key={k.kpi} value={k.kpi}>
                {k.name}
              </option>
            ))}
          </select>
        )}
      </div>
      {loaded.rows.length === 0 ? (
        <Empty testid="dash-group-empty">{t('No figures for this period.')}</Empty>
      ) : (
        <>
          {charts && current && (
            <charts.BarChart
              testid="dash-bar-chart"
              labels={loaded.rows.map((r) => (r.name ?? t('Not assigned')).split(' ')[0])}
              values={values.map((v) => v?.current.value ?? null)}
              format={(x) => axisValue(x, current.unit)}
              colour="#f97316"
            />
          )}
          <ul class="dash-rows" data-testid="dash-group-rows">
            {loaded.rows.map((r, i) => {
              const v = values[i];
              const text = formatValue(v?.current.value, current?.unit ?? 'COUNT');
              return (
                <li key={r.key ?? i} class="dash-row" data-testid="dash-group-row">
                  <span class="dash-row-name">{r.name ?? t('Not assigned')}</span>
                  <span class="muted small">{t('{n} jobs', { n: r.jobs })}</span>
                  {v?.goal != null && <span class={`small ${v.offGoal ? 'warn-text' : ''}`}>{t('Goal {value}', { value: formatValue(v.goal, current.unit) })}</span>}
                  {current && FROM_JOBS.has(current.kpi) ? (
                    <button type="button" class="dash-row-figure" onClick={() => onDrill(r, current.name)} data-testid="dash-row-figure">
                      {text}
                    </button>
                  ) : (
                    <span class="dash-row-figure plain">{text}</span>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}
      <ExportBar report="KPIS" period={period} group={group} siteId={site} testid="export-group" />
    </div>
  );
}

// ---- the jobs behind a figure --------------------------------------------------------------------------------------

function DrillView({ period, drill, site, onBack }: { period: Period; drill: Drill; site: string | null; onBack: () => void }) {
  const vars = { period, siteId: drill.siteId ?? site, technicianId: drill.technicianId ?? null, advisorId: drill.advisorId ?? null };
  const list = useQuery<{ kpiJobs: DrillList }>(JOBS, vars);
  const data = list.data?.kpiJobs ?? null;
  return (
    <section class="screen dashboard" data-testid="dash-drill">
      <ScreenTitle
        extra={
          <button type="button" class="btn btn-secondary" onClick={onBack} data-testid="dash-drill-back">
            {t('Back to the figures')}
          </button>
        }
      >
        {drill.title}
      </ScreenTitle>
      {data && (
        <p class="muted small" data-testid="dash-drill-count">
          {t('{n} invoiced jobs, {from} to {to}', { n: data.total, from: formatDate(data.period.from), to: formatDate(data.period.to) })}
        </p>
      )}
      <ExportBar report="JOBS" period={period} group="GARAGE" siteId={vars.siteId} technicianId={vars.technicianId} advisorId={vars.advisorId} testid="export-jobs" />
      {list.error ? (
        <Failure message={list.error} onRetry={list.reload} />
      ) : !data ? (
        <Loading />
      ) : data.rows.length === 0 ? (
        <Empty testid="dash-drill-empty">{t('No invoiced jobs in this period.')}</Empty>
      ) : (
        <ul class="list dash-jobs" data-testid="dash-drill-rows">
          {data.rows.map((r) => (
            <li key={r.jobId}>
              <a class="row dash-job" href={r.imported && r.vehicleId ? `#/vehicles/${r.vehicleId}` : `#/jobs/${r.jobId}`} data-testid="dash-drill-row">
                <span class="row-main">
                  <span class="row-title">
                    {r.jobNumber ?? '—'} {r.registration && <span class="plate">{r.registration}</span>}
                  </span>
                  <span class="row-sub">
                    {formatDate(r.day)}
                    {r.invoiceNumber ? ` · ${r.invoiceNumber}` : ''}
                    {r.technicianName ? ` · ${r.technicianName}` : ''}
                    {r.cameBack ? ` · ${t('came back')}` : ''}
                    {r.imported ? ` · ${t('imported')}` : ''}
                  </span>
                </span>
                <span class="dash-job-amount">
                  {money(r.sales)}
                  <span class="muted small">{t('{hours} h', { hours: formatNumber(r.billedHours, 2) })}</span>
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// ---- exports -------------------------------------------------------------------------------------------------------

const SHOW_PROGRESS_AFTER_MS = 1000;
const POLL_MS = 700;

function ExportBar({ report, period, group, siteId, technicianId, advisorId, testid }: {
  report: 'KPIS' | 'TREND' | 'JOBS' | 'RECEIVABLES' | 'CAPACITY';
  period: Period;
  group: Group;
  siteId: string | null;
  technicianId?: string | null;
  advisorId?: string | null;
  testid: string;
}) {
  const [job, setJob] = useState<ExportJob | null>(null);
  const [slow, setSlow] = useState(false);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const live = useRef(true);
  useEffect(
    () => () => {
      live.current = false;
    },
    [],
  );

  async function start(format: 'XLSX' | 'PDF') {
    setErrors([]);
    setFailure(null);
    setSlow(false);
    setJob(null);
    const begun = Date.now();
    const timer = setTimeout(() => live.current && setSlow(true), SHOW_PROGRESS_AFTER_MS);
    try {
      const d = await authedGraphql<{ startKpiExport: { export: ExportJob | null; errors: UserError[] } }>(START_EXPORT, {
        input: { report, format, period, group, siteId, technicianId: technicianId ?? null, advisorId: advisorId ?? null, clientMutationId: newMutationId() },
      });
      let current = d.startKpiExport.export;
      if (!current) {
        clearTimeout(timer);
        setErrors(d.startKpiExport.errors);
        return;
      }
      setJob(current);
      while (live.current && (current.status === 'QUEUED' || current.status === 'RUNNING')) {
        await new Promise((r) => setTimeout(r, Date.now() - begun < SHOW_PROGRESS_AFTER_MS ? 250 : POLL_MS));
        current = (await authedGraphql<{ kpiExport: ExportJob }>(EXPORT, { id: current.id })).kpiExport;
        if (live.current) setJob(current);
      }
    } catch (e) {
      if (live.current) setFailure(failureMessage(e));
    } finally {
      clearTimeout(timer);
    }
  }

  const busy = job !== null && (job.status === 'QUEUED' || job.status === 'RUNNING');
  return (
    <div class="dash-export" data-testid={testid}>
      <span class="muted small">{t('Export')}</span>
      <button type="button" class="btn btn-secondary btn-small" disabled={busy} onClick={() => start('XLSX')} data-testid={`${testid}-xlsx`}>
        {t('Excel')}
      </button>
      <button type="button" class="btn btn-secondary btn-small" disabled={busy} onClick={() => start('PDF')} data-testid={`${testid}-pdf`}>
        {t('PDF')}
      </button>
      {busy && slow && (
        <span class="dash-progress" role="status" data-testid={`${testid}-progress`}>
          <progress max={job.rowsTotal || 1} value={job.rowsDone} />
          {!job.rowsTotal
            ? t('Preparing the file…')
            : job.rowsDone < job.rowsTotal
              ? t('Preparing the file: {done} of {total} rows', { done: job.rowsDone, total: job.rowsTotal })
              : t('All {total} rows in: making the file…', { total: job.rowsTotal })}
        </span>
      )}
      {job?.status === 'DONE' && job.downloadUrl && (
        <a class="btn btn-primary btn-small" href={job.downloadUrl} download={job.fileName ?? true} data-testid={`${testid}-download`}>
          {t('Download {name}', { name: job.fileName ?? '' })}
        </a>
      )}
      {job?.status === 'FAILED' && <span class="warn-text small">{t('The export failed. Try again.')}</span>}
      {failure && <span class="warn-text small">{failure}</span>}
      <FormErrors errors={errors} />
    </div>
  );
}
