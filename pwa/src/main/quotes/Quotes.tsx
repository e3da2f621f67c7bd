// The quotes list (`#/quotes`), newest first, filtered by state, and a new quote for a vehicle (found by
// registration, VIN or owner as you type) before any job is opened.
import { useEffect, useState } from 'preact/hooks';
import { formatDateTime, formatMoney, t } from '../../shared/i18n';
import type { ScreenProps } from '../screens';
import { href, navigate } from '../router';
import { Empty, Failure, Field, LoadMore, Loading, ScreenTitle, usePagedList, useQuery } from '../staff/common';
import { capsOf, useRole } from '../jobcard/api';
import { quoteStatusLabel } from './labels';
import './quotes.css';

const LIST = `query QuoteList($status: [QuoteStatus!], $after: String) {
  quotes(filter: { status: $status }, first: 25, after: $after) {
    edges { node { id number status currency total createdAt vehicle { registrationDisplay } job { id number } customer { name } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const VEHICLES = `query QuoteVehicles($search: String) { vehicles(search: $search, first: 6) { edges { node { id registrationDisplay make model } } } }`;
const FILTERS: { key: string; label: () => string; status: string[] | null }[] = [
  { key: 'open', label: () => t('Waiting for the customer'), status: ['SENT', 'PARTIALLY_APPROVED'] },
  { key: 'draft', label: () => t('Drafts'), status: ['DRAFT'] },
  { key: 'all', label: () => t('All'), status: null },
];

interface Row {
  id: string;
  number: string;
  status: string;
  currency: string;
  total: number;
  createdAt: string;
  vehicle: { registrationDisplay: string } | null;
  job: { id: string; number: string } | null;
  customer: { name: string } | null;
}

export default function Quotes(_: ScreenProps) {
  const caps = capsOf(useRole());
  const [filter, setFilter] = useState('open');
  const status = FILTERS.find((f) => f.key === filter)?.status ?? null;
  const list = usePagedList<Row>(LIST, 'quotes', { status });
  return (
    <section class="screen quotes" data-testid="quotes">
      <ScreenTitle>{t('Quotes')}</ScreenTitle>
      {caps.has('quotesWrite') && <NewForVehicle />}
      <div class="quote-filters" role="group" aria-label={t('Show')}>
        {FILTERS.map((f) => (
          <button key={f.key} type="button" class="btn btn-secondary" aria-pressed={filter === f.key} onClick={() => setFilter(f.key)} data-testid={`quotes-filter-${f.key}`}>
            {f.label()}
          </button>
        ))}
      </div>
      {list.error && <Failure message={list.error} onRetry={list.reload} />}
      {!list.rows && !list.error && <Loading />}
      {list.rows && list.rows.length === 0 && <Empty testid="quotes-empty">{t('No quotes here.')}</Empty>}
      {list.rows && list.rows.length > 0 && (
        <ul class="list card" data-testid="quotes-list">
          {list.rows.map((q) => (
            <li key={q.id} class="row" data-testid="quotes-row" data-status={q.status}>
              <div class="row-main">
                <a class="row-title" href={href(`quotes/${q.id}`)} data-testid="quotes-row-link">
                  <span data-raw="">{q.number}</span>
                </a>
                <span class="status-pill">{quoteStatusLabel(q.status)}</span>
              </div>
              <span class="muted small">
                <span data-raw="">{[q.vehicle?.registrationDisplay, q.customer?.name].filter(Boolean).join(' · ')}</span>
                {q.job && <> · <span data-raw="">{q.job.number}</span></>} · {formatMoney(q.total, q.currency)} · {formatDateTime(q.createdAt)}
              </span>
            </li>
          ))}
        </ul>
      )}
      <LoadMore hasMore={list.hasMore} busy={list.busy} onMore={list.more} />
    </section>
  );
}

function NewForVehicle() {
  const [search, setSearch] = useState('');
  const [typed, setTyped] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setTyped(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);
  const found = useQuery<{ vehicles: { edges: { node: { id: string; registrationDisplay: string; make: string | null; model: string | null } }[] } }>(
    VEHICLES,
    typed.length >= 2 ? { search: typed } : null,
  );
  const vehicles = typed.length >= 2 ? (found.data?.vehicles.edges ?? []).map((e) => e.node) : [];
  return (
    <div class="card" data-testid="quote-for-vehicle">
      <h2 class="card-title">{t('New quote for a vehicle')}</h2>
      <Field label={t('Registration, VIN or owner')}>
        {(p) => <input {...p} type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} data-testid="quote-vehicle-search" />}
      </Field>
      <ul class="options">
        {vehicles.map((v) => (
          <li key={v.id}>
            <button type="button" class="option" data-testid="quote-vehicle-option" onClick={() => navigate(`vehicles/${v.id}/quote`)}>
              <span class="plate" data-raw="">
                {v.registrationDisplay}
              </span>{' '}
              <span class="muted small" data-raw="">
                {[v.make, v.model].filter(Boolean).join(' ')}
              </span>
            </button>
          </li>
        ))}
        {typed.length >= 2 && found.data && vehicles.length === 0 && <li class="muted small">{t('No vehicle matches.')}</li>}
      </ul>
    </div>
  );
}
