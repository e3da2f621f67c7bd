// The global search box in the header: job number, registration, customer name or phone, invoice number; each hit
// opens its screen. "/" or Ctrl+K (Cmd+K) puts the cursor in it from anywhere; on a phone it is an icon button that
// opens a full-width box under the header. Answers arrive as you type (a short pause first), the newest wins.
import { useEffect, useRef, useState } from 'preact/hooks';
import { authStore, authedGraphql } from '../../shared/auth';
import { t } from '../../shared/i18n';
import { statusLabel } from '../../shared/labels';
import { useOnline } from '../../shared/online';
import { Icon, PanelButton, type IconName } from '../icons';
import { useStore } from '../../shared/store';
import { href, matchPath, navigate, useRoute } from '../router';
import { screensFor } from '../screens';
import { useMedia, WIDE } from '../useMedia';

const SEARCH = `query GlobalSearch($query: String!, $first: Int) {
  search(query: $query, first: $first) { kind id title subtitle status }
}`;
const MIN_CHARS = 2;
const PAUSE_MS = 250;

export interface SearchHit {
  kind: 'JOB' | 'VEHICLE' | 'CUSTOMER' | 'INVOICE';
  id: string;
  title: string;
  subtitle: string | null;
  status: string | null;
}

const KINDS: Record<SearchHit['kind'], { path: string; icon: IconName; label: () => string }> = {
  JOB: { path: 'jobs', icon: 'wrench', label: () => t('Job') },
  VEHICLE: { path: 'vehicles', icon: 'car', label: () => t('Vehicle') },
  CUSTOMER: { path: 'customers', icon: 'customers', label: () => t('Customer') },
  INVOICE: { path: 'invoices', icon: 'invoice', label: () => t('Invoice') },
};

export function hitPath(hit: SearchHit): string {
  return `${KINDS[hit.kind].path}/${encodeURIComponent(hit.id)}`;
}

type State =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'done'; hits: SearchHit[] }
  | { kind: 'failed'; message: string };

function typingInField(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

export function GlobalSearch() {
  const wide = useMedia(WIDE);
  const online = useOnline();
  const route = useRoute();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [state, setState] = useState<State>({ kind: 'idle' });
  const input = useRef<HTMLInputElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const seq = useRef(0);
  const shown = wide || open;
  const auth = useStore(authStore);
  const screens = screensFor(auth.status === 'signedIn' ? String(auth.user.role) : '');
  const opens = (hit: SearchHit) => screens.some((sc) => matchPath(sc.path, hitPath(hit)) !== null);

  // "/" and Ctrl+K / Cmd+K: to the search box from anywhere (not while typing in another field)
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const slash = e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey && !typingInField(e.target);
      const ctrlK = (e.ctrlKey || e.metaKey) && (e.key === 'k' || e.key === 'K');
      if (!slash && !ctrlK) return;
      e.preventDefault();
      setOpen(true);
      setTimeout(() => input.current?.focus(), 0);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // a hit opened (or any navigation): close the results
  useEffect(() => {
    setOpen(false);
    setText('');
    setState({ kind: 'idle' });
  }, [route]);

  useEffect(() => {
    const term = text.trim();
    const mine = ++seq.current;
    if (term.length < MIN_CHARS) {
      setState({ kind: 'idle' });
      return;
    }
    if (!online) {
      setState({ kind: 'failed', message: t('Search needs a connection to the server.') });
      return;
    }
    setState((s) => (s.kind === 'done' ? s : { kind: 'loading' }));
    const timer = setTimeout(() => {
      authedGraphql<{ search: SearchHit[] }>(SEARCH, { query: term, first: 10 })
        // only what opens a screen of this role (a hit that would lead nowhere is left out)
        .then((d) => mine === seq.current && setState({ kind: 'done', hits: d.search.filter(opens) }))
        .catch((e: unknown) => {
          if (mine !== seq.current) return;
          const message = e instanceof Error && e.message ? e.message : t('The search failed. Try again.');
          setState({ kind: 'failed', message });
        });
    }, PAUSE_MS);
    return () => clearTimeout(timer);
  }, [text, online]);

  // a tap outside or Escape closes the results (and, on a phone, the box)
  useEffect(() => {
    const onDown = (e: PointerEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) {
        setState({ kind: 'idle' });
        if (!wide) setOpen(false);
      }
    };
    window.addEventListener('pointerdown', onDown);
    return () => window.removeEventListener('pointerdown', onDown);
  }, [wide]);

  function onInputKey(e: KeyboardEvent) {
    if (e.key === 'Escape') {
      setText('');
      setState({ kind: 'idle' });
      if (!wide) setOpen(false);
      input.current?.blur();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      box.current?.querySelector<HTMLElement>('.search-hit')?.focus();
    } else if (e.key === 'Enter' && state.kind === 'done' && state.hits.length) {
      e.preventDefault();
      navigate(hitPath(state.hits[0]));
    }
  }

  function onListKey(e: KeyboardEvent) {
    const links = [...(box.current?.querySelectorAll<HTMLElement>('.search-hit') ?? [])];
    const at = links.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'ArrowDown' && at < links.length - 1) {
      e.preventDefault();
      links[at + 1].focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      (at > 0 ? links[at - 1] : input.current)?.focus();
    } else if (e.key === 'Escape') {
      input.current?.focus();
      setState({ kind: 'idle' });
    }
  }

  const term = text.trim();
  return (
    <div class={`global-search ${shown ? 'is-open' : ''}`} ref={box} data-testid="global-search">
      {!wide && (
        <PanelButton
          icon={open ? 'close' : 'search'}
          label={t('Search')}
          open={open}
          controls="global-search-box"
          testid="search-open"
          onClick={() => {
            setOpen(!open);
            if (!open) setTimeout(() => input.current?.focus(), 0);
          }}
        />
      )}
      {shown && (
        <div class="search-box" id="global-search-box" role="search">
          <Icon name="search" size={20} class="search-box-icon" />
          <input
            ref={input}
            type="search"
            value={text}
            data-testid="search-input"
            enterKeyHint="search"
            autocomplete="off"
            spellcheck={false}
            maxLength={100}
            aria-label={t('Search jobs, vehicles, customers and invoices')}
            placeholder={wide ? t('Search (press /)') : t('Job, plate, customer, invoice')}
            aria-describedby="search-status"
            onInput={(e) => setText(e.currentTarget.value)}
            onKeyDown={onInputKey}
          />
        </div>
      )}
      <p id="search-status" class="sr-only" aria-live="polite">
        {state.kind === 'done' ? t('Results: {count}', { count: state.hits.length }) : ''}
      </p>
      {shown && term.length >= MIN_CHARS && state.kind !== 'idle' && (
        <div class="search-results" data-testid="search-results" data-state={state.kind} onKeyDown={onListKey}>
          {state.kind === 'loading' && <p class="search-note muted">{t('Searching…')}</p>}
          {state.kind === 'failed' && (
            <p class="search-note" role="alert">
              {state.message}
            </p>
          )}
          {state.kind === 'done' && !state.hits.length && (
            <p class="search-note muted" data-testid="search-empty">
              {t('Nothing found for “{text}”.', { text: term })}
            </p>
          )}
          {state.kind === 'done' && state.hits.length > 0 && (
            <ul class="search-list">
              {state.hits.map((h) => (
                <li key={`${h.kind}-${h.id}`}>
                  <a class="search-hit" href={href(hitPath(h))} data-testid="search-hit" data-kind={h.kind}
                    data-id={h.id}>
                    <Icon name={KINDS[h.kind].icon} size={20} class="search-hit-icon" />
                    <span class="search-hit-text">
                      <span class="search-hit-title" data-raw="">
                        {h.title}
                      </span>
                      <span class="search-hit-sub">
                        {KINDS[h.kind].label()}
                        {h.kind === 'JOB' && h.status && <> · {statusLabel(h.status)}</>}
                        {h.subtitle && (
                          <>
                            {' · '}
                            <span data-raw="">{h.subtitle}</span>
                          </>
                        )}
                      </span>
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
