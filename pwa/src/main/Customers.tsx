import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../shared/api';
import { cachedCustomerPage, fetchCustomers, type CustomerPage } from '../shared/customers';
import { t, tn } from '../shared/i18n';
import type { Customer } from '../shared/types';
import { href } from './router';

type Failure = 'forbidden' | 'network' | 'other' | null;

function failureOf(e: unknown): Failure {
  if (e instanceof ApiError) {
    if (e.kind === 'forbidden') return 'forbidden';
    if (e.kind === 'network') return 'network';
  }
  return 'other';
}

export function CustomersScreen() {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState(''); // the debounced search actually sent
  const [page, setPage] = useState<CustomerPage | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [failure, setFailure] = useState<Failure>(null);
  const [attempt, setAttempt] = useState(0);
  const current = useRef<AbortController | null>(null);

  // Debounce typing so a search is sent when the user pauses.
  useEffect(() => {
    const id = setTimeout(() => setQuery(search.trim()), 300);
    return () => clearTimeout(id);
  }, [search]);

  useEffect(() => {
    current.current?.abort();
    const ctrl = new AbortController();
    current.current = ctrl;
    setLoading(true);
    setFailure(null);
    fetchCustomers(query, null, ctrl.signal)
      .then((p) => {
        if (!ctrl.signal.aborted) setPage(p);
      })
      .catch(async (e: unknown) => {
        if (ctrl.signal.aborted) return;
        const f = failureOf(e);
        if (f === 'network') {
          const cached = await cachedCustomerPage(query);
          if (ctrl.signal.aborted) return;
          setPage(cached);
        } else {
          setPage(null);
        }
        setFailure(f);
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setLoading(false);
      });
    return () => ctrl.abort();
  }, [query, attempt]);

  // Try again by itself when the connection comes back.
  useEffect(() => {
    const retry = () => setAttempt((n) => n + 1);
    window.addEventListener('online', retry);
    return () => window.removeEventListener('online', retry);
  }, []);

  async function loadMore() {
    if (!page?.endCursor || loadingMore) return;
    setLoadingMore(true);
    try {
      const next = await fetchCustomers(query, page.endCursor);
      setPage({ ...next, customers: [...page.customers, ...next.customers] });
      setFailure(null);
    } catch (e) {
      setFailure(failureOf(e));
    } finally {
      setLoadingMore(false);
    }
  }

  if (failure === 'forbidden') {
    return (
      <section class="screen">
        <h1 class="screen-title">{t('Customers')}</h1>
        <div class="card empty" role="status" data-testid="customers-forbidden">
          <p class="empty-title">{t('You do not have access to customers.')}</p>
          <p class="muted">{t('Your role does not include customer records. Ask an administrator if you need them.')}</p>
        </div>
      </section>
    );
  }

  const customers = page?.customers ?? [];
  return (
    <section class="screen">
      <div class="screen-head">
        <h1 class="screen-title">{t('Customers')}</h1>
        {page && !loading && (
          <span class="muted small" data-testid="customers-count">
            {tn('{count} customer shown', '{count} customers shown', customers.length)}
          </span>
        )}
      </div>

      <div class={`search ${search ? 'has-clear' : ''}`}>
        <svg class="search-icon" width="20" height="20" viewBox="0 0 24 24" aria-hidden="true">
          <circle cx="11" cy="11" r="7" fill="none" stroke="currentColor" stroke-width="2" />
          <path d="M20 20l-3.5-3.5" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
        </svg>
        <input
          type="search"
          enterKeyHint="search"
          placeholder={t('Name, phone, email or plate')}
          aria-label={t('Search customers')}
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
          data-testid="customer-search"
        />
        {search && (
          <button type="button" class="btn btn-inline" onClick={() => setSearch('')}>
            {t('Clear')}
          </button>
        )}
      </div>

      {failure === 'network' && (
        <p class="notice" role="status">
          {page?.fromCache
            ? t('You are offline. Showing customers saved on this device.')
            : t('Cannot reach the server. Check your connection and try again.')}
        </p>
      )}
      {failure === 'other' && (
        <div class="notice notice-error" role="alert">
          <p>{t('Something went wrong. Please try again.')}</p>
          <button type="button" class="btn btn-secondary" onClick={() => setAttempt((n) => n + 1)}>
            {t('Try again')}
          </button>
        </div>
      )}

      {loading && !page && <p class="muted center" role="status">{t('Loading…')}</p>}

      {page && customers.length === 0 && !loading && (
        <div class="card empty" data-testid="customers-empty">
          <p class="empty-title">{query ? t('No customers match your search.') : t('No customers yet.')}</p>
        </div>
      )}

      {customers.length > 0 && (
        <ul class={`list ${loading ? 'list-stale' : ''}`} data-testid="customer-list" aria-busy={loading}>
          {customers.map((c) => (
            <CustomerRow key={c.id} customer={c} />
          ))}
        </ul>
      )}

      {page?.hasNextPage && (
        <button
          type="button"
          class="btn btn-secondary btn-block"
          disabled={loadingMore}
          onClick={() => void loadMore()}
          data-testid="load-more"
        >
          {loadingMore ? t('Loading…') : t('Load more')}
        </button>
      )}
    </section>
  );
}

function CustomerRow({ customer }: { customer: Customer }) {
  return (
    <li class="card row" data-testid="customer-row">
      <div class="row-main">
        <a class="row-title" href={href(`customers/${customer.id}`)} data-testid="customer-link">
          {customer.name}
        </a>
        {customer.phone ? (
          <a class="row-phone" href={`tel:${customer.phone.replace(/[^\d+]/g, '')}`} aria-label={`${customer.phone} · ${t('Call {name}', { name: customer.name })}`}>
            {customer.phone}
          </a>
        ) : (
          <span class="muted small">{t('No phone number')}</span>
        )}
      </div>
      <ul class="vehicles" aria-label={t('Vehicles')}>
        {customer.vehicles.length === 0 && <li class="muted small">{t('No vehicles')}</li>}
        {customer.vehicles.map((v) => (
          <li class="vehicle" key={v.id}>
            <a class="plate" href={href(`vehicles/${v.id}`)}>
              {v.registration}
            </a>
            {(v.make || v.model) && <span class="muted small">{[v.make, v.model].filter(Boolean).join(' ')}</span>}
          </li>
        ))}
      </ul>
    </li>
  );
}

export default CustomersScreen;
