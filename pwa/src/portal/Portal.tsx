import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ask, errorCode, follow } from './api';
import { formatDateTime, LOCALES, setLocale, t, toLocale, useLocale, type Locale } from './i18n';
import { InspectionReport } from './Inspection';
import { LinkProblem } from './LinkProblem';
import { Paying } from './Paying';
import { OPEN_BOOKING, PORTAL_JOB, PORTAL_QUERY, SET_LOCALE } from './queries';
import { QuoteCard } from './QuoteCard';
import type { Garage, PortalData, PortalJob } from './types';

type State = { kind: 'loading' } | { kind: 'ready'; data: PortalData } | { kind: 'problem'; code: string; extra: Record<string, unknown> };

const LINK_PROBLEMS = ['PORTAL_LINK_EXPIRED', 'PORTAL_LINK_REVOKED', 'PORTAL_LINK_INVALID', 'UNAUTHENTICATED'];

export function Portal() {
  useLocale();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const chosenLocale = useRef(false);

  const load = useCallback(async (): Promise<boolean> => {
    try {
      const { portal } = await ask<{ portal: PortalData }>(PORTAL_QUERY);
      const locale = toLocale(portal.locale);
      if (locale && !chosenLocale.current) setLocale(locale);
      setState({ kind: 'ready', data: portal });
      return true;
    } catch (e) {
      const code = errorCode(e);
      const first = (e as { errors?: { message?: string; extensions?: Record<string, unknown> }[] }).errors?.[0];
      // the server's own words (in the customer's language) for a limit; never a fault's internals
      // the message is in the customer's language: the page follows it (Thai script), unless the server names it
      const spoken = first?.message && /[\u0E00-\u0E7F]/.test(first.message) ? 'th' : first?.message ? 'en' : undefined;
      const extra = { locale: spoken, ...first?.extensions, message: code === 'RATE_LIMITED' ? first?.message : undefined };
      // a failed refresh keeps what is shown; a link that no longer opens replaces it
      setState((s) => (s.kind === 'ready' && !LINK_PROBLEMS.includes(code) ? s : { kind: 'problem', code, extra }));
      return false;
    }
  }, []);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stop = () => {};
    let mounted = true;
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void load(), 150);
    };
    // live once the page is shown (a link that opens nothing has nothing to follow); each (re)connect reloads,
    // so an event between the first read and the subscription is not missed
    void load().then((ok) => {
      if (ok && mounted) stop = follow(PORTAL_JOB, soon, soon);
    });
    return () => {
      mounted = false;
      clearTimeout(timer);
      stop();
    };
  }, [load]);

  const switchTo = async (locale: Locale) => {
    chosenLocale.current = true;
    setLocale(locale);
    try {
      await ask(SET_LOCALE, { locale: locale.toUpperCase() });
    } catch {
      /* the page still switches; the server keeps the old language for messages */
    }
    void load(); // labels (status, timeline) come localized from the server
  };

  if (state.kind === 'problem') return <LinkProblem code={state.code} extra={state.extra} onRetry={() => location.reload()} />;
  if (state.kind === 'loading') {
    return (
      <div class="p-page">
        <Bar garage={null} onSwitch={switchTo} />
        <main id="main" class="p-main" aria-busy="true">
          <p class="p-muted" role="status">{t('Loading…')}</p>
        </main>
      </div>
    );
  }
  const { data } = state;
  return (
    <div class="p-page">
      <Bar garage={data.garage} onSwitch={switchTo} />
      <main id="main" class="p-main" data-testid="portal">
        <JobStatus job={data.job} />
        {data.inspections.map((i) => <InspectionReport key={i.id} inspection={i} />)}
        {data.quotes.map((q) => <QuoteCard key={q.id} quote={q} onDecided={() => void load()} />)}
        <Paying data={data} />
        <NextVisit />
      </main>
      <footer class="p-foot">
        <Contact garage={data.garage} />
      </footer>
    </div>
  );
}

export function LanguageSwitch({ onSwitch }: { onSwitch: (l: Locale) => void }) {
  const current = useLocale();
  return (
    <div class="p-lang" role="group" aria-label={t('Language')}>
      {LOCALES.map((l) => (
        <button type="button" key={l} lang={l} class="p-lang-btn" aria-pressed={current === l} data-testid={`portal-lang-${l}`}
          onClick={() => current !== l && onSwitch(l)}>
          {l === 'en' ? 'English' : 'ไทย'}
        </button>
      ))}
    </div>
  );
}

export function Bar({ garage, onSwitch }: { garage: Garage | null; onSwitch: (l: Locale) => void }) {
  return (
    <header class="p-bar">
      <div class="p-bar-in">
        <div class="p-garage">
          <span class="p-garage-name" data-testid="portal-garage">{garage?.name ?? 'MotoTrack'}</span>
          {garage?.phone ? (
            <a class="p-call" href={`tel:${garage.phone}`} data-testid="portal-call">
              {t('Call {phone}', { phone: garage.phone })}
            </a>
          ) : (
            !garage && <span class="p-call" aria-hidden="true">&nbsp;</span> // the bar keeps its height while loading
          )}
        </div>
        <LanguageSwitch onSwitch={onSwitch} />
      </div>
    </header>
  );
}

function JobStatus({ job }: { job: PortalJob }) {
  const v = job.vehicle;
  return (
    <section class="p-card" aria-labelledby="p-job-h">
      <h1 id="p-job-h" class="p-h1">
        {v ? <span class="p-plate">{v.registration}</span> : null} {[v?.make, v?.model].filter(Boolean).join(' ')}
      </h1>
      <p class="p-muted">{t('Job {number}', { number: job.number })}</p>
      <p class="p-status" data-testid="portal-status" data-status={job.status}>{job.statusLabel}</p>
      {job.promisedAt && <p>{t('Promised for {when}', { when: formatDateTime(job.promisedAt) })}</p>}
      <h2 class="p-h2">{t('Progress')}</h2>
      <ol class="p-timeline" data-testid="portal-timeline">
        {job.timeline.map((e, i) => (
          <li key={`${e.status}-${e.at}`} class={i === job.timeline.length - 1 ? 'p-now' : undefined}>
            <span class="p-tl-label">{e.label}</span>
            <time class="p-muted" dateTime={e.at}>{formatDateTime(e.at)}</time>
          </li>
        ))}
      </ol>
    </section>
  );
}

export function Contact({ garage }: { garage: Pick<Garage, 'name' | 'phone' | 'email' | 'address'> }) {
  return (
    <address class="p-contact" data-testid="portal-contact">
      <strong>{garage.name}</strong>
      {garage.address && <span>{garage.address}</span>}
      {garage.phone && <a href={`tel:${garage.phone}`}>{garage.phone}</a>}
      {garage.email && <a href={`mailto:${garage.email}`}>{garage.email}</a>}
    </address>
  );
}

/** "Book your next visit": a booking link for this job's vehicle (its page, /b/#<token>). */
function NextVisit() {
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const open = async () => {
    setBusy(true);
    try {
      const r = await ask<{ openBooking: { url: string | null; errors: { message: string }[] } }>(OPEN_BOOKING);
      if (r.openBooking.url) location.assign(r.openBooking.url);
      else setProblem(t('Online booking is not open yet. Please call the garage.'));
    } catch {
      setProblem(t('No connection. Nothing was sent; try again.'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="p-card" aria-labelledby="p-next-h">
      <h2 id="p-next-h" class="p-h2">{t('Your next visit')}</h2>
      <button type="button" class="p-btn" disabled={busy} data-testid="portal-book" onClick={() => void open()}>
        {t('Book a visit online')}
      </button>
      {problem && <p class="p-error" role="alert">{problem}</p>}
    </section>
  );
}
