// The parts of the job card that every role's card shows (the staff card and the technician's job detail): the
// complaint / cause / correction, the timeline, the clock entries, the "changed by" notice and the job sheet link.
import { useEffect, useRef, useState } from 'preact/hooks';
import { authedGraphql } from '../../shared/auth';
import { formatDateTime, formatNumber, t } from '../../shared/i18n';
import { statusLabel } from '../../shared/labels';
import { SHEET_URL, type CardEvent, type CardJob } from './api';
import './jobcard.css';

/** What an event of the timeline did, in the reader's language ("moved it from Assigned to In progress"). */
export function eventText(e: Pick<CardEvent, 'kind' | 'fromStatus' | 'toStatus' | 'note'>): string {
  switch (e.kind) {
    case 'CREATED':
      return t('opened the job card');
    case 'STATUS_CHANGED':
      return e.fromStatus && e.toStatus
        ? t('moved it from {from} to {to}', { from: statusLabel(e.fromStatus), to: statusLabel(e.toStatus) })
        : t('changed the status');
    case 'ASSIGNED':
      return t('assigned the technician');
    case 'NOTE':
      return e.note ? t('added a note') : t('updated the notes');
    case 'TASK_ADDED':
      return t('added a task');
    case 'TASK_COMPLETED':
      return t('completed a task');
    case 'TASK_REOPENED':
      return t('reopened a task');
    case 'TASK_REMOVED':
      return t('removed a task');
    case 'PARTS_REQUESTED':
      return t('requested parts');
    case 'PARTS_APPROVED':
      return t('approved a parts request');
    case 'PARTS_REJECTED':
      return t('rejected a parts request');
    case 'PARTS_ISSUED':
      return t('issued parts');
    case 'PARTS_RETURNED':
      return t('returned parts');
    case 'CLOCKED_ON':
      return t('clocked on');
    case 'CLOCKED_OFF':
      return t('clocked off');
    default:
      return e.kind;
  }
}

/**
 * Keeps the newest timeline event that arrived live (not the ones the card opened with), to say who changed what.
 * `timeline` is the card's current timeline; returns that event, or null before any live change.
 */
export function useLiveChange(timeline: CardEvent[] | undefined, live: boolean): CardEvent | null {
  const seen = useRef<Set<string> | null>(null);
  const [change, setChange] = useState<CardEvent | null>(null);
  useEffect(() => {
    if (!timeline) return;
    if (seen.current === null || !live) {
      seen.current = new Set(timeline.map((e) => e.id));
      return;
    }
    const fresh = timeline.filter((e) => !seen.current!.has(e.id));
    for (const e of fresh) seen.current.add(e.id);
    if (fresh.length) setChange(fresh[fresh.length - 1]);
  }, [timeline, live]);
  return change;
}

export function LiveChange({ change, onDismiss }: { change: CardEvent | null; onDismiss: () => void }) {
  if (!change) return null;
  return (
    <div class="notice jc-live" role="status" data-testid="live-change" data-kind={change.kind}>
      <p>
        <strong data-raw="">{change.actorLabel}</strong> {eventText(change)}
        {change.note && (
          <>
            {': '}
            <span data-raw="">{change.note}</span>
          </>
        )}
        <span class="muted small"> · {formatDateTime(change.at)}</span>
      </p>
      <button type="button" class="btn btn-ghost btn-inline" onClick={onDismiss} data-testid="live-change-dismiss">
        {t('Dismiss')}
      </button>
    </div>
  );
}

function Block({ label, text, testid }: { label: string; text: string | null; testid: string }) {
  return (
    <div class="jc-block">
      <h3 class="field-label">{label}</h3>
      <p class={text ? 'pre-text' : 'muted'} data-testid={testid} data-raw={text ? '' : undefined}>
        {text || t('Not written yet.')}
      </p>
    </div>
  );
}

/** Complaint, cause, correction (the three Cs), then the work-done and the manager's notes. */
export function Story({ job }: { job: Pick<CardJob, 'complaint' | 'cause' | 'correction' | 'workDoneNotes' | 'managerNotes' | 'issuesReported'> }) {
  return (
    <section class="card jc-story" data-testid="jc-story" aria-labelledby="jc-story-title">
      <h2 class="card-title" id="jc-story-title">
        {t('Complaint, cause, correction')}
      </h2>
      <Block label={t('Complaint')} text={job.complaint || job.issuesReported} testid="jc-complaint" />
      <Block label={t('Cause')} text={job.cause} testid="jc-cause" />
      <Block label={t('Correction')} text={job.correction} testid="jc-correction" />
      {job.workDoneNotes && <Block label={t('Work done')} text={job.workDoneNotes} testid="jc-work-done" />}
      {job.managerNotes && <Block label={t("Manager's notes")} text={job.managerNotes} testid="jc-manager-notes" />}
    </section>
  );
}

export function Timeline({ events }: { events: CardEvent[] }) {
  const newest = [...events].reverse();
  return (
    <section class="card" data-testid="jc-timeline" aria-labelledby="jc-timeline-title">
      <h2 class="card-title" id="jc-timeline-title">
        {t('Timeline')}
      </h2>
      {newest.length === 0 && <p class="muted">{t('Nothing has happened yet.')}</p>}
      <ol class="jc-timeline">
        {newest.map((e) => (
          <li key={e.id} data-testid="jc-event" data-kind={e.kind}>
            <span class="muted small jc-when">{formatDateTime(e.at)}</span>
            <span>
              <strong data-raw="">{e.actorLabel}</strong> {eventText(e)}
              {e.note && (
                <>
                  {': '}
                  <span data-raw="">{e.note}</span>
                </>
              )}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

export function ClockEntries({ job }: { job: Pick<CardJob, 'clockEntries' | 'clockedHours' | 'billedHours'> }) {
  return (
    <section class="card" data-testid="jc-clock" aria-labelledby="jc-clock-title">
      <h2 class="card-title" id="jc-clock-title">
        {t('Time clock')}
      </h2>
      <p class="jc-hours">
        <span>
          {t('Billed')} <strong data-testid="jc-billed-hours">{hours(job.billedHours)}</strong>
        </span>
        <span>
          {t('Clocked')} <strong data-testid="jc-clocked-hours">{hours(job.clockedHours)}</strong>
        </span>
      </p>
      {job.clockEntries.length === 0 ? (
        <p class="muted">{t('Nobody has clocked on yet.')}</p>
      ) : (
        <ul class="list">
          {job.clockEntries.map((c) => (
            <li key={c.id} class="row" data-testid="jc-clock-entry" data-open={c.endedAt ? 'false' : 'true'}>
              <div class="row-main">
                <span class="row-title" data-raw="">
                  {c.technician?.name ?? '—'}
                </span>
                <span>{hours(Number(c.hours))}</span>
              </div>
              <span class="muted small">
                {formatDateTime(c.startedAt)} – {c.endedAt ? formatDateTime(c.endedAt) : t('still clocked on')}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** "1.5 h" in the reader's language. */
export function hours(h: number | string): string {
  const n = Number(h);
  return t('{hours} h', { hours: formatNumber(n, 2) });
}

/**
 * The job sheet PDF for the bay, in English or Thai. Its link is signed for a few minutes, so it is asked for when
 * the user opens it, not when the card loads.
 */
export function PrintSheet({ jobId }: { jobId: string }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function open(locale: 'EN' | 'TH') {
    setBusy(locale);
    setError(null);
    // a window opened now, while the tap counts as the user's, is not blocked; the PDF goes into it
    const win = window.open('', '_blank');
    try {
      const d = await authedGraphql<{ job: { jobSheetUrl: string | null } | null }>(SHEET_URL, { id: jobId, locale });
      if (!d.job?.jobSheetUrl) throw new Error('missing');
      if (win) win.location.href = d.job.jobSheetUrl;
      else location.assign(d.job.jobSheetUrl);
    } catch {
      win?.close();
      setError(t('The job sheet could not be opened. Check your connection and try again.'));
    } finally {
      setBusy(null);
    }
  }
  return (
    <div class="jc-print" data-testid="jc-print">
      <button type="button" class="btn btn-secondary" disabled={busy !== null} onClick={() => void open('EN')} data-testid="jc-print-en">
        {t('Job sheet (English)')}
      </button>
      <button type="button" class="btn btn-secondary" disabled={busy !== null} onClick={() => void open('TH')} data-testid="jc-print-th">
        {t('Job sheet (Thai)')}
      </button>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

