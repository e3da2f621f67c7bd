import { useEffect, useState } from 'preact/hooks';
import { authStore, authedGraphql } from '../../shared/auth';
import { db, type OutboxOp } from '../../shared/db';
import { t } from '../../shared/i18n';
import { subscribe } from '../../shared/live';
import { onlineStore } from '../../shared/online';
import { enqueue, useOutbox } from '../../shared/outbox';
import { useStore } from '../../shared/store';
import type { Job } from '../../shared/types';
import { JOB_SUBSCRIPTION, loadClock, loadMyJobs, refreshMyJobs, refreshReference, storeJob } from '../../shared/workshop';
import { href } from '../router';
import { statusLabel } from '../../shared/labels';
import { useDeviceValue, useRefresh, useUserId } from './useDevice';
import { OpProblem } from '../OpProblems';
import '../staff/attendance.css';

export default function MyJobs() {
  const userId = useUserId();
  const jobs = useDeviceValue(() => loadMyJobs(userId), [userId]);
  const clock = useDeviceValue(() => loadClock(userId), [userId]);
  const state = useRefresh(async () => {
    await refreshMyJobs(userId);
    await refreshReference().catch(() => undefined); // the catalog and items for offline work
  }, [userId]);

  // Live: each of my jobs as it changes (the list is refreshed on focus and reconnect as well).
  const ids = (jobs ?? []).map((j) => j.id).join(',');
  useEffect(() => {
    if (!ids) return;
    const stops = ids.split(',').map((jobId) =>
      subscribe<{ jobUpdated: Job }>(JOB_SUBSCRIPTION, { jobId }, { next: (d) => void storeJob(d.jobUpdated) }),
    );
    return () => stops.forEach((s) => s());
  }, [ids]);

  return (
    <section class="screen" data-testid="my-jobs">
      <div class="screen-head">
        <h1 class="screen-title">{t('My jobs')}</h1>
        {state === 'loading' && <span class="muted small">{t('Updating…')}</span>}
      </div>
      <ShiftBar userId={userId} />
      {state === 'offline' && jobs && (
        <p class="notice" role="status" data-testid="offline-copy">
          {t('Offline: showing the jobs saved on this phone.')}
        </p>
      )}
      {state === 'error' && (
        <p class="notice notice-error" role="alert">
          {t('The jobs could not be updated. Showing the last saved copy.')}
        </p>
      )}
      {jobs === undefined || (jobs === null && state === 'loading') ? (
        <p class="muted center">{t('Loading…')}</p>
      ) : !jobs || jobs.length === 0 ? (
        <div class="empty" data-testid="my-jobs-empty">
          <p class="empty-title">{jobs ? t('No jobs assigned to you') : t('Your jobs will appear here once you are online.')}</p>
        </div>
      ) : (
        <ul class="list job-list">
          {jobs.map((job) => {
            const open = job.tasks.filter((x) => x.status === 'OPEN').length;
            const pending = job.tasks.some((x) => x.pending) || job.partsRequests.some((p) => p.pending);
            return (
              <li key={job.id}>
                <a class="row job-row" href={href(`jobs/${job.id}`)} data-testid="job-row" data-job-id={job.id}>
                  <div class="row-main">
                    <span class="plate" data-raw="">
                      {job.vehicle?.registrationDisplay ?? '—'}
                    </span>
                    <span class={`status status-${job.status.toLowerCase()}`} data-testid="job-status">
                      {statusLabel(job.status)}
                    </span>
                  </div>
                  <div class="row-sub">
                    <span data-raw="" class="muted small">
                      {job.number}
                      {job.vehicle?.make ? ` · ${job.vehicle.make} ${job.vehicle.model ?? ''}` : ''}
                    </span>
                  </div>
                  {job.issuesReported && (
                    <p class="row-issue" data-raw="">
                      {job.issuesReported}
                    </p>
                  )}
                  <div class="row-sub small">
                    <span>{t('Open tasks: {count}', { count: open })}</span>
                    {clock?.jobId === job.id && <span class="chip chip-on">{t('Clocked on')}</span>}
                    {pending && <span class="chip chip-wait">{t('Waiting to sync')}</span>}
                  </div>
                </a>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

// ---- the attendance clock: clock in, break, back, clock out (through the outbox, so it works offline) --------------

type Attendance = 'IN' | 'ON_BREAK' | 'OUT' | 'ON_LEAVE';
interface ShiftState {
  status: Attendance;
  clockedInAt: string | null;
  onBreakSince: string | null;
}
const NO_SHIFT: ShiftState = { status: 'OUT', clockedInAt: null, onBreakSince: null };
const DAY = 'status clockedInAt onBreakSince';
const MY_ATTENDANCE = `query MyAttendance { myAttendance { ${DAY} } }`;
const SHIFT_OPS = {
  ClockIn: 'clockIn',
  StartBreak: 'startBreak',
  EndBreak: 'endBreak',
  ClockOut: 'clockOut',
} as const;
type ShiftOp = keyof typeof SHIFT_OPS;
const SHIFT_MUTATIONS: Record<ShiftOp, string> = {
  ClockIn: `mutation ClockIn($input: AttendanceClockInput!) { clockIn(input: $input) { attendance { ${DAY} } errors { field code message } } }`,
  StartBreak: `mutation StartBreak($input: AttendanceClockInput!) { startBreak(input: $input) { attendance { ${DAY} } errors { field code message } } }`,
  EndBreak: `mutation EndBreak($input: AttendanceClockInput!) { endBreak(input: $input) { attendance { ${DAY} } errors { field code message } } }`,
  ClockOut: `mutation ClockOut($input: AttendanceClockInput!) { clockOut(input: $input) { attendance { ${DAY} } errors { field code message } } }`,
};
const metaKey = (userId: string) => `attendance:${userId}`;

async function storedShift(userId: string): Promise<ShiftState> {
  return ((await (await db()).get('meta', metaKey(userId))) as ShiftState | undefined) ?? NO_SHIFT;
}

async function saveShift(userId: string, value: ShiftState | null): Promise<void> {
  await (await db()).put('meta', value ?? NO_SHIFT, metaKey(userId));
}

/** The server's last word with the changes still waiting to be sent on top (at the time they were made). */
function withQueued(state: ShiftState, ops: OutboxOp[]): ShiftState {
  let s = state;
  for (const op of ops) {
    if (!(op.operationName in SHIFT_OPS) || (op.status !== 'queued' && op.status !== 'sending')) continue;
    const at = String(op.variables.input.at ?? new Date(op.createdAt).toISOString());
    if (op.operationName === 'ClockIn') s = { status: 'IN', clockedInAt: at, onBreakSince: null };
    if (op.operationName === 'StartBreak') s = { ...s, status: 'ON_BREAK', onBreakSince: at };
    if (op.operationName === 'EndBreak') s = { ...s, status: 'IN', onBreakSince: null };
    if (op.operationName === 'ClockOut') s = NO_SHIFT;
  }
  return s;
}

function timeOf(iso: string | null): string {
  if (!iso) return '';
  const auth = authStore.get();
  const zone = auth.status === 'signedIn' ? auth.user.garage?.timeZone : undefined;
  try {
    return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone || undefined }).format(new Date(iso));
  } catch {
    return new Date(iso).toTimeString().slice(0, 5);
  }
}

function ShiftBar({ userId }: { userId: string }) {
  const ops = useOutbox();
  const online = useStore(onlineStore);
  const [server, setServer] = useState<ShiftState | null>(null);
  useEffect(() => {
    let live = true;
    void storedShift(userId).then((s) => live && setServer((old) => old ?? s));
    return () => {
      live = false;
    };
  }, [userId]);
  // the server's state, read again when the network returns and whenever a queued change has gone through
  const waiting = ops.filter((o) => o.operationName in SHIFT_OPS && (o.status === 'queued' || o.status === 'sending')).length;
  useEffect(() => {
    if (!online || waiting) return;
    let live = true;
    authedGraphql<{ myAttendance: ShiftState | null }>(MY_ATTENDANCE, {})
      .then(async (d) => {
        if (!live) return; // a change was made meanwhile: this answer may predate it
        setServer(d.myAttendance ?? NO_SHIFT);
        await saveShift(userId, d.myAttendance);
      })
      .catch(() => undefined); // offline or refused: the saved state stays
    return () => {
      live = false;
    };
  }, [userId, online, waiting]);
  if (!server) return null;
  const shift = withQueued(server, ops);
  const act = (op: ShiftOp) => void enqueue({ operationName: op, query: SHIFT_MUTATIONS[op], input: { at: new Date().toISOString() } });
  const clockedIn = shift.status === 'IN' || shift.status === 'ON_BREAK';
  return (
    <div class="card shift-bar" data-testid="shift-bar" data-status={shift.status}>
      <p class="shift-state" data-testid="shift-state">
        {shift.status === 'ON_BREAK'
          ? t('On a break since {time}', { time: timeOf(shift.onBreakSince) })
          : clockedIn
            ? t('Clocked in since {time}', { time: timeOf(shift.clockedInAt) })
            : t('Not clocked in')}
        {waiting > 0 && <span class="chip chip-wait">{t('Waiting to sync')}</span>}
      </p>
      {ops
        .filter((o) => o.operationName in SHIFT_OPS && (o.status === 'failed' || o.status === 'conflict'))
        .map((o) => (
          <OpProblem key={o.id} op={o} />
        ))}
      <div class="actions shift-actions">
        {!clockedIn && (
          <button type="button" class="btn btn-primary" onClick={() => act('ClockIn')} data-testid="clock-in">
            {t('Clock in')}
          </button>
        )}
        {shift.status === 'IN' && (
          <button type="button" class="btn btn-secondary" onClick={() => act('StartBreak')} data-testid="start-break">
            {t('Break')}
          </button>
        )}
        {shift.status === 'ON_BREAK' && (
          <button type="button" class="btn btn-primary" onClick={() => act('EndBreak')} data-testid="end-break">
            {t('Back to work')}
          </button>
        )}
        {clockedIn && (
          <button type="button" class="btn btn-secondary" onClick={() => act('ClockOut')} data-testid="clock-out">
            {t('Clock out')}
          </button>
        )}
      </div>
    </div>
  );
}
