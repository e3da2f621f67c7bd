// Small building blocks the staff screens share: loading data, sending a mutation and showing its payload errors
// next to the fields, labels of the staff-only enums (the shared ones are in shared/labels.ts), and form fields.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../../shared/api';
import { authStore, authedGraphql } from '../../shared/auth';
import { formatDateTime, formatMoney, t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import { useStore } from '../../shared/store';
import { chooseSite, rememberSite } from '../site';
import './staff.css';

export const ERRORS = 'errors { field code message }';

export function newMutationId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** A failure that is not a payload error, as one localized sentence. */
export function failureMessage(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.kind === 'network') return t('Cannot reach the server. Check your connection and try again.');
    if (e.kind === 'forbidden') return t('Your role does not allow this.');
    if (e.kind === 'unauthenticated') return t('Your session has ended. Please sign in again.');
    if (e.kind === 'graphql' && e.message) return e.message;
  }
  return t('Something went wrong. Please try again.');
}

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
  setData: (update: (old: T | null) => T | null) => void;
}

/** Runs a query when the inputs change (and again on reload() or when the network returns). */
export function useQuery<T>(query: string, variables: Record<string, unknown> | null): Loaded<T> {
  const [data, setDataState] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [attempt, setAttempt] = useState(0);
  const key = variables === null ? null : JSON.stringify(variables);
  useEffect(() => {
    if (key === null) {
      setLoading(false);
      return;
    }
    const ctrl = new AbortController();
    setLoading(true);
    authedGraphql<T>(query, JSON.parse(key), { signal: ctrl.signal })
      .then((d) => {
        if (ctrl.signal.aborted) return;
        setDataState(d);
        setError(null);
      })
      .catch((e: unknown) => {
        if (!ctrl.signal.aborted) setError(failureMessage(e));
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setLoading(false);
      });
    return () => ctrl.abort();
  }, [query, key, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  useOnOnline(reload);
  const setData = useCallback((update: (old: T | null) => T | null) => setDataState(update), []);
  return { data, error, loading, reload, setData };
}

/** Calls `fn` each time the browser gets its network back. */
export function useOnOnline(fn: () => void): void {
  useEffect(() => {
    window.addEventListener('online', fn);
    return () => window.removeEventListener('online', fn);
  }, [fn]);
}

type Connection<T> = { edges: { node: T }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

export interface PagedList<T> {
  /** null until the first page is in */
  rows: T[] | null;
  setRows: (next: T[] | null | ((old: T[] | null) => T[] | null)) => void;
  error: string | null;
  busy: boolean;
  hasMore: boolean;
  /** fetches the next page and adds the rows not listed yet */
  more: () => void;
  /** fetches the first page again */
  reload: () => void;
}

/**
 * A list read a page at a time from a GraphQL connection (`edges { node } pageInfo { hasNextPage endCursor }`):
 * `query` takes the `variables` plus `$after`, and `field` names the connection in its answer. The first page is
 * fetched when the variables change and on reload(); null variables fetch nothing (e.g. no site chosen yet). The
 * rows stay as they are while another first page loads.
 */
export function usePagedList<T extends { id: string }>(
  query: string,
  field: string,
  variables: Record<string, unknown> | null,
): PagedList<T> {
  const [rows, setRowsState] = useState<T[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const key = variables === null ? null : JSON.stringify(variables);

  async function load(after: string | null, live: { on: boolean } = { on: true }) {
    if (key === null) return;
    setBusy(true);
    try {
      const d = await authedGraphql<Record<string, Connection<T>>>(query, { ...JSON.parse(key), after });
      if (!live.on) return;
      const page = d[field].edges.map((e) => e.node);
      setRowsState((old) => (after && old ? [...old, ...page.filter((r) => !old.some((o) => o.id === r.id))] : page));
      setCursor(d[field].pageInfo.endCursor);
      setHasMore(d[field].pageInfo.hasNextPage);
      setError(null);
    } catch (e) {
      if (live.on) setError(failureMessage(e));
    } finally {
      if (live.on) setBusy(false);
    }
  }

  useEffect(() => {
    const live = { on: true };
    void load(null, live);
    return () => {
      live.on = false;
    };
  }, [query, field, key, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { rows, setRows: setRowsState, error, busy, hasMore, more: () => void load(cursor), reload };
}

/** The "Load more" button under a paged list (nothing when there is no more). */
export function LoadMore({ hasMore, busy, onMore }: { hasMore: boolean; busy: boolean; onMore: () => void }) {
  if (!hasMore) return null;
  return (
    <button type="button" class="btn btn-secondary btn-block" disabled={busy} onClick={onMore} data-testid="load-more">
      {busy ? t('Loading…') : t('Load more')}
    </button>
  );
}

/** The card a list shows instead of its rows when it has none. */
export function Empty({ testid, children }: { testid?: string; children: ComponentChildren }) {
  return (
    <div class="card empty" data-testid={testid}>
      <p class="empty-title">{children}</p>
    </div>
  );
}

export interface MutationResult<P> {
  payload: P | null;
  errors: UserError[];
}

/**
 * Sends a mutation and returns its payload and errors: payload errors (already localized by the server) and
 * transport failures alike come back as a list the form shows, so nothing the user typed is dropped.
 */
export async function mutate<P extends { errors: UserError[] }>(
  query: string,
  input: Record<string, unknown>,
  field: string,
  variables: Record<string, unknown> = {}, // the document's other variables, beside $input
): Promise<MutationResult<P>> {
  try {
    const data = await authedGraphql<Record<string, P>>(query, { ...variables, input });
    const payload = data[field];
    return { payload, errors: payload?.errors ?? [] };
  } catch (e) {
    return { payload: null, errors: [{ field: null, code: 'FAILED', message: failureMessage(e) }] };
  }
}

/** The errors of one field (`field` or a nested `field.sub` as the server names it). */
export function errorsFor(errors: UserError[], ...fields: string[]): string[] {
  return errors.filter((e) => e.field && fields.includes(e.field)).map((e) => e.message);
}

/** The errors not shown next to any of the form's fields. */
export function otherErrors(errors: UserError[], shown: string[]): UserError[] {
  return errors.filter((e) => !e.field || !shown.includes(e.field));
}

export function FormErrors({ errors, testid }: { errors: UserError[]; testid?: string }) {
  if (!errors.length) return null;
  return (
    <div class="form-errors" role="alert" data-testid={testid ?? 'form-errors'}>
      {errors.map((e, i) => (
        <p key={i}>{e.message}</p>
      ))}
    </div>
  );
}

/** The "Save" (submit) and "Cancel" buttons under a form; both are off while it is being sent. */
export function FormButtons({ busy, saveTestid, saveLabel, onCancel }: { busy: boolean; saveTestid: string; saveLabel?: string; onCancel: () => void }) {
  return (
    <div class="actions">
      <button type="submit" class="btn btn-primary" disabled={busy} data-testid={saveTestid}>
        {saveLabel ?? t('Save')}
      </button>
      <button type="button" class="btn btn-secondary" disabled={busy} onClick={onCancel}>
        {t('Cancel')}
      </button>
    </div>
  );
}

type Send<P> = () => Promise<MutationResult<P>>;

/**
 * The errors and busy state of a form (or a row's button) that saves with one mutation. send() runs the mutation,
 * shows its errors in place of the ones shown, and hands the saved row (`saved` picks it from the payload) to
 * `onSaved` when there were none. save() first shows the form's own `problems` (clearing the old errors) and sends
 * only when there are none.
 */
export function useSave<T>(onSaved: (row: T) => void) {
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  async function send<P extends { errors: UserError[] }>(run: Send<P>, saved: (payload: P) => T | null) {
    setBusy(true);
    const r = await run();
    setBusy(false);
    setErrors(r.errors);
    const row = r.payload ? saved(r.payload) : null;
    if (row && !r.errors.length) onSaved(row);
  }
  async function save<P extends { errors: UserError[] }>(problems: UserError[], run: Send<P>, saved: (payload: P) => T | null) {
    setErrors(problems);
    if (!problems.length) await send(run, saved);
  }
  return { errors, busy, send, save };
}

interface FieldProps {
  label: string;
  errors?: string[];
  hint?: string;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ComponentChildren;
}

let fieldSeq = 0;

/** A labelled field with its error messages under it. */
export function Field({ label, errors = [], hint, children }: FieldProps) {
  const id = useRef(`f${++fieldSeq}`).current;
  const describedBy = errors.length ? `${id}-err` : hint ? `${id}-hint` : undefined;
  return (
    <div class="field">
      <label class="field-label" for={id}>
        {label}
      </label>
      {children({ id, 'aria-invalid': errors.length > 0, 'aria-describedby': describedBy })}
      {hint && !errors.length && (
        <span class="muted small" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {errors.length > 0 && (
        <span class="field-error" id={`${id}-err`} data-testid="field-error">
          {errors.join(' ')}
        </span>
      )}
    </div>
  );
}

/** A labelled dropdown of an enum's values, each shown by `labelOf` (e.g. streamLabel); `first` goes before them. */
export function EnumSelect({
  label,
  errors,
  values,
  labelOf,
  value,
  onChange,
  testid,
  first,
}: {
  label: string;
  errors?: string[];
  values: readonly string[];
  labelOf: (value: string) => string;
  value: string;
  onChange: (value: string) => void;
  testid: string;
  first?: ComponentChildren;
}) {
  return (
    <Field label={label} errors={errors}>
      {(p) => (
        <select {...p} value={value} onChange={(e) => onChange(e.currentTarget.value)} data-testid={testid}>
          {first}
          {values.map((v) => (
            <option key={v} value={v}>
              {labelOf(v)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function Failure({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div class="notice notice-error" role="alert">
      <p>{message}</p>
      {onRetry && (
        <button type="button" class="btn btn-secondary" onClick={onRetry}>
          {t('Try again')}
        </button>
      )}
    </div>
  );
}

export function Loading() {
  return (
    <p class="muted center" role="status">
      {t('Loading…')}
    </p>
  );
}

export function ScreenTitle({ children, extra }: { children: ComponentChildren; extra?: ComponentChildren }) {
  return (
    <div class="screen-head">
      <h1 class="screen-title">{children}</h1>
      {extra}
    </div>
  );
}

// ---- enums ---------------------------------------------------------------------------------

export const STREAMS = ['MECHANICAL', 'BODY', 'ELECTRICAL', 'INTERIOR'] as const;
export const REVENUE_STREAMS = ['WALK_IN', 'SCHEDULED', 'SPARE_PARTS'] as const;
export const ROLES = ['ADMIN', 'SITE_MANAGER', 'TECHNICIAN', 'WORKSHOP_MANAGER', 'WAREHOUSE_MANAGER', 'BILLING'] as const;

export function revenueLabel(s: string): string {
  switch (s) {
    case 'WALK_IN':
      return t('Walk-in');
    case 'SCHEDULED':
      return t('Scheduled');
    case 'SPARE_PARTS':
      return t('Spare parts');
    default:
      return s;
  }
}

/** Minor units in the garage's currency, in the app's language, e.g. 125050 -> "฿1,250.50". */
export function money(minor: number | null | undefined): string {
  const auth = authStore.get();
  return formatMoney(minor, (auth.status === 'signedIn' && auth.user.garage?.currency) || 'THB');
}

/** "12.50" -> 1250; null when it is not an amount. */
export function toMinor(text: string): number | null {
  const v = text.trim().replace(/,/g, '');
  if (!/^\d+(\.\d{1,2})?$/.test(v)) return null;
  return Math.round(parseFloat(v) * 100);
}

/** A moment in the app's language ("2 ธ.ค. 2569 16:40" in Thai). */
export const when = formatDateTime;

/** Keeps the list of sites (for the board and intake) for the page's life. */
let sitesCache: Promise<Site[]> | null = null;
export interface Site {
  id: string;
  name: string;
  code: string | null;
}
export function loadSites(): Promise<Site[]> {
  sitesCache ??= authedGraphql<{ sites: Site[] }>('query Sites { sites { id name code } }').then(
    (d) => d.sites,
    (e) => {
      sitesCache = null;
      throw e;
    },
  );
  return sitesCache;
}

// the site chosen first (remembered per user, else their home site): ../site.ts
export { rememberSite, rememberedSite } from '../site';

/** The site the user works at: the last one they chose, else their home site, else the first. */
export function useSite(): { sites: Site[] | null; siteId: string | null; setSiteId: (id: string) => void; error: string | null } {
  const [sites, setSites] = useState<Site[] | null>(null);
  const [siteId, setSite] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const auth = useStore(authStore);
  const homeId = auth.status === 'signedIn' ? (auth.user.homeSite?.id ?? null) : null;
  useEffect(() => {
    let live = true;
    loadSites()
      .then((list) => {
        if (!live) return;
        setSites(list);
        setSite(chooseSite(list)); // again when the home site arrives with the first `me` after sign-in
      })
      .catch((e) => live && setError(failureMessage(e)));
    return () => {
      live = false;
    };
  }, [homeId]);
  return {
    sites,
    siteId,
    error,
    setSiteId: (id) => {
      rememberSite(id);
      setSite(id);
    },
  };
}

export function SitePicker({ sites, siteId, onChange }: { sites: Site[]; siteId: string | null; onChange: (id: string) => void }) {
  if (sites.length < 2) return null;
  return (
    <Field label={t('Site')}>
      {(p) => (
        <select {...p} value={siteId ?? ''} onChange={(e) => onChange(e.currentTarget.value)} data-testid="site-picker">
          {sites.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
