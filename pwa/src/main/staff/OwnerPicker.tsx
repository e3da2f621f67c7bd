// Reception: whose is the new vehicle? Search the existing customers as you type (name, phone, email, registration),
// pick one, or enter a new owner.
import { useEffect, useState } from 'preact/hooks';
import { fetchCustomers } from '../../shared/customers';
import { t } from '../../shared/i18n';
import type { Customer } from '../../shared/types';
import { failureMessage } from './common';

export interface PickedOwner {
  id: string;
  name: string;
  phone: string | null;
}

export function OwnerSearch({ picked, onPick }: { picked: PickedOwner | null; onPick: (owner: PickedOwner | null) => void }) {
  const [search, setSearch] = useState('');
  const [hits, setHits] = useState<Customer[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const text = search.trim();
    if (text.length < 2) {
      setHits(null);
      return;
    }
    const ctrl = new AbortController();
    const timer = setTimeout(() => {
      fetchCustomers(text, null, ctrl.signal)
        .then((page) => {
          if (ctrl.signal.aborted) return;
          setHits(page.customers.slice(0, 8));
          setError(null);
        })
        .catch((e) => !ctrl.signal.aborted && setError(failureMessage(e)));
    }, 250);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [search]);

  if (picked) {
    return (
      <div class="picked-owner" data-testid="picked-owner" data-id={picked.id}>
        <p>
          <strong>{picked.name}</strong>
          {picked.phone && <span class="muted small"> · {picked.phone}</span>}
        </p>
        <button type="button" class="btn btn-inline" onClick={() => onPick(null)} data-testid="owner-change">
          {t('Choose another owner')}
        </button>
      </div>
    );
  }
  return (
    <div class="owner-search">
      <label class="field">
        <span class="field-label">{t('Existing customer')}</span>
        <input
          type="search"
          autocomplete="off"
          value={search}
          placeholder={t('Name, phone or email')}
          onInput={(e) => setSearch(e.currentTarget.value)}
          data-testid="owner-search"
          aria-describedby="owner-search-hint"
        />
        <span class="muted small" id="owner-search-hint">
          {t('Type two letters or more to find a customer, or enter a new owner below.')}
        </span>
      </label>
      {error && <p class="field-error">{error}</p>}
      {hits && hits.length === 0 && (
        <p class="muted small" data-testid="owner-no-hits">
          {t('No customer matches. Enter the new owner below.')}
        </p>
      )}
      {hits && hits.length > 0 && (
        <ul class="owner-hits" aria-label={t('Matching customers')} data-testid="owner-hits">
          {hits.map((c) => (
            <li key={c.id}>
              <button
                type="button"
                class="owner-hit"
                data-testid="owner-hit"
                data-id={c.id}
                onClick={() => onPick({ id: c.id, name: c.name, phone: c.phone ?? null })}
              >
                <span class="row-title">{c.name}</span>
                <span class="muted small">
                  {[c.phone, c.email, ...(c.vehicles ?? []).map((v) => v.registration)].filter(Boolean).join(' · ')}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
