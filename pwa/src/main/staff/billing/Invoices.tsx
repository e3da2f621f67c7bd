// The invoices of the garage, newest first: filtered by status (or overdue), a page at a time with cursors.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../../../shared/i18n';
import { subscribe } from '../../../shared/live';
import { href } from '../../router';
import type { ScreenProps } from '../../screens';
import { Empty, Failure, Field, LoadMore, Loading, ScreenTitle, usePagedList } from '../common';
import { isOverdue } from './api';
import { useRefreshOnFocus } from './focus';
import { formatDate, formatMoney, invoiceStatusLabel, todayIso } from './money';
import './billing.css';

const ROW = `id status number issueDate dueDate currency total balanceDue createdAt buyerName
  customer { name } vehicle { registrationDisplay } job { number }`;
const LIST = `query Invoices($filter: InvoiceFilter, $after: String) {
  invoices(filter: $filter, first: 20, after: $after) {
    edges { node { ${ROW} } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const CHANGED = `subscription InvoicesChanged { invoiceChanged { ${ROW} } }`;

interface Row {
  id: string;
  status: string;
  number: string | null;
  issueDate: string | null;
  dueDate: string | null;
  currency: string;
  total: number;
  balanceDue: number;
  createdAt: string;
  buyerName: string | null;
  customer: { name: string } | null;
  vehicle: { registrationDisplay: string } | null;
  job: { number: string } | null;
}

const FILTERS = ['ALL', 'OPEN', 'OVERDUE', 'DRAFT', 'ISSUED', 'PARTIALLY_PAID', 'PAID', 'VOID'] as const;
type FilterKey = (typeof FILTERS)[number];

function filterLabel(f: FilterKey): string {
  switch (f) {
    case 'ALL':
      return t('All invoices');
    case 'OPEN':
      return t('Waiting for payment');
    case 'OVERDUE':
      return t('Overdue');
    default:
      return invoiceStatusLabel(f);
  }
}

function filterInput(f: FilterKey): Record<string, unknown> | null {
  switch (f) {
    case 'ALL':
      return null;
    case 'OPEN':
      return { status: ['ISSUED', 'PARTIALLY_PAID'] };
    case 'OVERDUE':
      return { overdue: true };
    default:
      return { status: [f] };
  }
}

const FILTER_KEY = 'mototrack.billing.invoiceFilter';
function savedFilter(): FilterKey {
  try {
    const v = sessionStorage.getItem(FILTER_KEY) as FilterKey | null;
    return v && (FILTERS as readonly string[]).includes(v) ? v : 'ALL';
  } catch {
    return 'ALL';
  }
}

export default function InvoicesScreen(_props: ScreenProps) {
  const [filter, setFilterState] = useState<FilterKey>(savedFilter);
  const list = usePagedList<Row>(LIST, 'invoices', { filter: filterInput(filter) });
  const { rows, setRows } = list;

  function setFilter(f: FilterKey) {
    try {
      sessionStorage.setItem(FILTER_KEY, f);
    } catch {
      /* ignore */
    }
    setRows(null);
    setFilterState(f);
  }

  useRefreshOnFocus(list.reload);
  // a change to a listed invoice updates its row; a new one that fits the filter comes in at the top
  useEffect(() => {
    let started = false;
    return subscribe<{ invoiceChanged: Row }>(CHANGED, {}, {
      next: ({ invoiceChanged: inv }) =>
        setRows((old) => {
          if (!old) return old;
          if (old.some((r) => r.id === inv.id)) return old.map((r) => (r.id === inv.id ? inv : r));
          const wanted = filterInput(filter);
          const fits = !wanted || (Array.isArray(wanted.status) && (wanted.status as string[]).includes(inv.status));
          return fits ? [inv, ...old] : old;
        }),
      onStart: () => {
        if (started) list.reload();
        started = true;
      },
    });
  }, [filter]);

  const today = todayIso();
  return (
    <section class="screen">
      <ScreenTitle
        extra={
          <button type="button" class="btn btn-inline" disabled={list.busy} onClick={list.reload} data-testid="invoices-refresh">
            {t('Refresh')}
          </button>
        }
      >
        {t('Invoices')}
      </ScreenTitle>
      <div class="filter-row">
        <Field label={t('Show')}>
          {(p) => (
            <select {...p} value={filter} onChange={(e) => setFilter(e.currentTarget.value as FilterKey)} data-testid="invoice-filter">
              {FILTERS.map((f) => (
                <option key={f} value={f}>
                  {filterLabel(f)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {list.error && <Failure message={list.error} onRetry={list.reload} />}
      {!rows && !list.error && <Loading />}
      {rows && rows.length === 0 && <Empty testid="invoices-empty">{t('No invoices match.')}</Empty>}
      {rows && rows.length > 0 && (
        <ul class="list" data-testid="invoice-list">
          {rows.map((r) => {
            const overdue = isOverdue(r, today);
            return (
              <li key={r.id} class="card row" data-testid="invoice-row" data-status={r.status} data-number={r.number ?? ''} data-job-number={r.job?.number ?? ''}>
                <a class="row-main" href={href(`invoices/${r.id}`)} data-testid="invoice-open">
                  <span class="row-title">{r.number ?? t('Draft invoice')}</span>
                  <span class="money">{formatMoney(r.total, r.currency)}</span>
                </a>
                <p class="small">
                  {r.buyerName ?? r.customer?.name ?? t('No customer')}
                  {r.vehicle && <> · <span class="plate">{r.vehicle.registrationDisplay}</span></>}
                  {r.job && <span class="muted"> · {r.job.number}</span>}
                </p>
                <p class="small">
                  <span class="status-pill" data-status={r.status}>
                    {invoiceStatusLabel(r.status)}
                  </span>
                  {overdue && <span class="tag-warn"> {t('Overdue')}</span>}
                  {(r.status === 'ISSUED' || r.status === 'PARTIALLY_PAID') && (
                    <span> · {t('Balance due: {amount}', { amount: formatMoney(r.balanceDue, r.currency) })}</span>
                  )}
                </p>
                <p class="muted small">
                  {r.issueDate ? t('Issued {date}', { date: formatDate(r.issueDate) }) : t('Created {date}', { date: formatDate(r.createdAt) })}
                  {r.dueDate && <> · {t('Due {date}', { date: formatDate(r.dueDate) })}</>}
                </p>
              </li>
            );
          })}
        </ul>
      )}
      <LoadMore hasMore={list.hasMore} busy={list.busy} onMore={list.more} />
    </section>
  );
}
