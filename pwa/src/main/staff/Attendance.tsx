// Managers' "Time" screen: today's (or a chosen day's) attendance of a site's technicians, clocks left running,
// a clock entry corrected with a reason, and each technician's weekly shifts and leave. Times are the garage's.
import { useState } from 'preact/hooks';
import { authStore } from '../../shared/auth';
import { formatDate, t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import type { ScreenProps } from '../screens';
import {
  ERRORS,
  Empty,
  Failure,
  Field,
  FormButtons,
  FormErrors,
  Loading,
  ScreenTitle,
  SitePicker,
  errorsFor,
  mutate,
  newMutationId,
  otherErrors,
  useQuery,
  useSite,
} from './common';
import './attendance.css';

// ---- garage-local time ---------------------------------------------------------------------------------------------

function zone(): string | undefined {
  const s = authStore.get();
  return (s.status === 'signedIn' && s.user.garage?.timeZone) || undefined;
}

function parts(ms: number): Record<string, number> {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone(),
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(ms))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO moment as the garage's wall clock, "YYYY-MM-DDTHH:MM" (a datetime-local input's value). */
export function toLocalInput(iso: string | number): string {
  const p = parts(typeof iso === 'number' ? iso : new Date(iso).getTime());
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** The garage's wall clock "YYYY-MM-DDTHH:MM" as an ISO moment (null when it cannot be read). */
export function fromLocalInput(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  const offset = (ms: number) => {
    const p = parts(ms);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - Math.floor(ms / 60000) * 60000;
  };
  let at = wall - offset(wall);
  at = wall - offset(at);
  return new Date(at).toISOString();
}

function timeOf(iso: string | null | undefined): string {
  return iso ? toLocalInput(iso).slice(11) : '';
}

function hours(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  return t('{h} h {m} min', { h: Math.floor(minutes / 60), m: pad(minutes % 60) });
}

const today = () => toLocalInput(Date.now()).slice(0, 10);

// ---- data ----------------------------------------------------------------------------------------------------------

interface Entry {
  id: string;
  kind?: 'SHIFT' | 'BREAK';
  startedAt: string;
  endedAt: string | null;
  job?: { id: string; number: string } | null;
}
interface Row {
  technician: { id: string; name: string };
  status: 'IN' | 'ON_BREAK' | 'OUT' | 'ON_LEAVE';
  clockedInAt: string | null;
  onBreakSince: string | null;
  attendedSeconds: number;
  scheduledSeconds: number;
  entries: Entry[];
  jobClockEntries: Entry[];
  scheduled: { start: string; end: string }[];
  absences: { id: string; kind: string }[];
}
interface Alert {
  id: string;
  clock: 'JOB' | 'ATTENDANCE';
  entryId: string;
  startedAt: string;
  shiftEndedAt: string;
  technician: { id: string; name: string } | null;
}
const DAY = `technician { id name } status clockedInAt onBreakSince attendedSeconds scheduledSeconds
  entries { id kind startedAt endedAt } jobClockEntries { id startedAt endedAt job { id number } }
  scheduled { start end } absences { id kind }`;
const ATTENDANCE = `query SiteAttendance($siteId: ID!, $day: Date) { attendance(siteId: $siteId, day: $day) { ${DAY} }
  clockAlerts { id clock entryId startedAt shiftEndedAt technician { id name } } }`;
const CORRECT = `mutation CorrectClockEntry($input: CorrectClockEntryInput!) { correctClockEntry(input: $input) {
  correction { id startedAt endedAt } ${ERRORS} } }`;
const PATTERN = `query TechnicianTime($id: ID!, $start: DateTime!, $end: DateTime!) {
  workPattern(technicianId: $id) { technicianId version validFrom shifts { weekday starts ends breaks { start end } } }
  workExceptions(start: $start, end: $end, technicianId: $id) { id kind startsAt endsAt note } }`;
const SET_PATTERN = `mutation SetWorkPattern($input: SetWorkPatternInput!) { setWorkPattern(input: $input) {
  pattern { technicianId version validFrom shifts { weekday starts ends breaks { start end } } } ${ERRORS} } }`;
const ADD_EXCEPTION = `mutation AddWorkException($input: AddWorkExceptionInput!) { addWorkException(input: $input) {
  exception { id kind startsAt endsAt note } ${ERRORS} } }`;
const REMOVE_EXCEPTION = `mutation RemoveWorkException($input: RemoveWorkExceptionInput!) { removeWorkException(input: $input) {
  exception { id } ${ERRORS} } }`;

function statusLabel(s: Row['status']): string {
  return { IN: t('At work'), ON_BREAK: t('On a break'), OUT: t('Not in'), ON_LEAVE: t('Away') }[s];
}

function kindLabel(k: string): string {
  return ({ LEAVE: t('Leave'), SICK: t('Sick'), TRAINING: t('Training'), EXTRA: t('Overtime') } as Record<string, string>)[k] ?? k;
}

const WEEKDAYS = () => [t('Monday'), t('Tuesday'), t('Wednesday'), t('Thursday'), t('Friday'), t('Saturday'), t('Sunday')];

// ---- the screen ----------------------------------------------------------------------------------------------------

export default function AttendanceScreen(_props: ScreenProps) {
  const { sites, siteId, setSiteId, error: siteError } = useSite();
  const [day, setDay] = useState(today());
  const [editing, setEditing] = useState<{ id: string; name: string } | null>(null);
  const q = useQuery<{ attendance: Row[]; clockAlerts: Alert[] }>(ATTENDANCE, siteId ? { siteId, day } : null);
  if (editing) return <TechnicianTime technician={editing} onClose={() => setEditing(null)} />;
  const rows = q.data?.attendance ?? null;
  const alerts = q.data?.clockAlerts ?? [];
  return (
    <section class="screen attendance" data-testid="attendance-screen">
      <ScreenTitle>{t('Time')}</ScreenTitle>
      <div class="attendance-filters">
        {sites && <SitePicker sites={sites} siteId={siteId} onChange={setSiteId} />}
        <Field label={t('Day')}>
          {(p) => <input {...p} type="date" value={day} onChange={(e) => setDay(e.currentTarget.value || today())} data-testid="attendance-day" />}
        </Field>
      </div>
      {siteError && <Failure message={siteError} />}
      {q.error && <Failure message={q.error} onRetry={q.reload} />}
      {alerts.length > 0 && (
        <div class="card attendance-alerts" role="status" data-testid="clock-alerts">
          <h2 class="section-title">{t('Clocks still running')}</h2>
          <ul class="plain">
            {alerts.map((a) => (
              <li key={a.id} data-testid="clock-alert">
                <strong data-raw="">{a.technician?.name ?? '—'}</strong>{' '}
                {a.clock === 'JOB'
                  ? t('job clock since {since}, the shift ended at {end}', { since: timeOf(a.startedAt), end: timeOf(a.shiftEndedAt) })
                  : t('clocked in since {since}, the shift ended at {end}', { since: timeOf(a.startedAt), end: timeOf(a.shiftEndedAt) })}
              </li>
            ))}
          </ul>
        </div>
      )}
      {(rows === null && !q.error) || (q.loading && !rows) ? <Loading /> : null}
      {rows && rows.length === 0 && <Empty testid="attendance-empty">{t('No technicians work at this site.')}</Empty>}
      {rows && rows.length > 0 && (
        <ul class="list attendance-list" data-testid="attendance-list">
          {rows.map((r) => (
            <TechnicianRow key={r.technician.id} row={r} onChanged={q.reload} onEdit={() => setEditing(r.technician)} />
          ))}
        </ul>
      )}
    </section>
  );
}

function TechnicianRow({ row: r, onChanged, onEdit }: { row: Row; onChanged: () => void; onEdit: () => void }) {
  const [correcting, setCorrecting] = useState<{ clock: 'JOB' | 'ATTENDANCE'; entry: Entry } | null>(null);
  const since = r.status === 'ON_BREAK' ? r.onBreakSince : r.clockedInAt;
  return (
    <li class="card attendance-row" data-testid="attendance-row" data-status={r.status} data-technician={r.technician.id}>
      <div class="row-main">
        <span class="row-title" data-raw="">
          {r.technician.name}
        </span>
        <span class={`chip attendance-${r.status.toLowerCase()}`} data-testid="attendance-status">
          {statusLabel(r.status)}
          {since ? ` · ${timeOf(since)}` : ''}
        </span>
      </div>
      <p class="muted small">
        {r.scheduledSeconds > 0
          ? t('Attended {attended} of {scheduled} scheduled', { attended: hours(r.attendedSeconds), scheduled: hours(r.scheduledSeconds) })
          : t('Attended {attended}; no shift scheduled', { attended: hours(r.attendedSeconds) })}
        {r.scheduled.length > 0 && ` · ${r.scheduled.map((s) => `${timeOf(s.start)}–${timeOf(s.end)}`).join(', ')}`}
        {r.absences.length > 0 && ` · ${r.absences.map((a) => kindLabel(a.kind)).join(', ')}`}
      </p>
      {(r.entries.length > 0 || r.jobClockEntries.length > 0) && (
        <ul class="plain attendance-entries">
          {r.entries.map((e) => (
            <EntryLine key={e.id} label={e.kind === 'BREAK' ? t('Break') : t('Shift')} entry={e} onCorrect={() => setCorrecting({ clock: 'ATTENDANCE', entry: e })} />
          ))}
          {r.jobClockEntries.map((e) => (
            <EntryLine key={e.id} label={t('Job {number}', { number: e.job?.number ?? '' })} entry={e} onCorrect={() => setCorrecting({ clock: 'JOB', entry: e })} />
          ))}
        </ul>
      )}
      {correcting && (
        <CorrectionForm
          clock={correcting.clock}
          entry={correcting.entry}
          onDone={() => {
            setCorrecting(null);
            onChanged();
          }}
          onCancel={() => setCorrecting(null)}
        />
      )}
      <div class="actions">
        <button type="button" class="btn btn-secondary" onClick={onEdit} data-testid="edit-shifts">
          {t('Shifts and leave')}
        </button>
      </div>
    </li>
  );
}

function EntryLine({ label, entry: e, onCorrect }: { label: string; entry: Entry; onCorrect: () => void }) {
  return (
    <li class="attendance-entry" data-testid="attendance-entry" data-entry={e.id} data-open={e.endedAt ? 'false' : 'true'}>
      <span>
        {label}: {timeOf(e.startedAt)}–{e.endedAt ? timeOf(e.endedAt) : t('running')}
      </span>
      <button type="button" class="btn btn-small btn-secondary" onClick={onCorrect} data-testid="correct-entry">
        {t('Correct')}
      </button>
    </li>
  );
}

function CorrectionForm({ clock, entry, onDone, onCancel }: { clock: 'JOB' | 'ATTENDANCE'; entry: Entry; onDone: () => void; onCancel: () => void }) {
  const [start, setStart] = useState(toLocalInput(entry.startedAt));
  const [end, setEnd] = useState(entry.endedAt ? toLocalInput(entry.endedAt) : '');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [key] = useState(newMutationId);
  const submit = async (ev: Event) => {
    ev.preventDefault();
    const problems: UserError[] = [];
    const startedAt = fromLocalInput(start);
    const endedAt = fromLocalInput(end);
    if (!startedAt) problems.push({ field: 'startedAt', code: 'REQUIRED', message: t('Enter the start.') });
    if (!endedAt) problems.push({ field: 'endedAt', code: 'REQUIRED', message: t('Enter the end.') });
    if (!reason.trim()) problems.push({ field: 'reason', code: 'REASON_REQUIRED', message: t('Give a reason.') });
    setErrors(problems);
    if (problems.length) return;
    setBusy(true);
    // a new clientMutationId for each attempt: a refused one replayed would answer with its refusal
    const r = await mutate<{ correction: unknown; errors: UserError[] }>(
      CORRECT,
      { clock, entryId: entry.id, startedAt, endedAt, reason, clientMutationId: `${key}-${Date.now()}` },
      'correctClockEntry',
    );
    setBusy(false);
    setErrors(r.errors);
    if (!r.errors.length && r.payload?.correction) onDone();
  };
  const shown = ['startedAt', 'endedAt', 'reason'];
  return (
    <form class="attendance-correct" onSubmit={submit} data-testid="correction-form">
      <Field label={t('Start')} errors={errorsFor(errors, 'startedAt')}>
        {(p) => <input {...p} type="datetime-local" value={start} onInput={(e) => setStart(e.currentTarget.value)} data-testid="correct-start" />}
      </Field>
      <Field label={t('End')} errors={errorsFor(errors, 'endedAt')}>
        {(p) => <input {...p} type="datetime-local" value={end} onInput={(e) => setEnd(e.currentTarget.value)} data-testid="correct-end" />}
      </Field>
      <Field label={t('Reason')} errors={errorsFor(errors, 'reason')}>
        {(p) => <input {...p} type="text" maxLength={500} value={reason} onInput={(e) => setReason(e.currentTarget.value)} data-testid="correct-reason" />}
      </Field>
      <FormErrors errors={otherErrors(errors, shown)} testid="correction-errors" />
      <FormButtons busy={busy} saveTestid="correct-save" saveLabel={t('Save the correction')} onCancel={onCancel} />
    </form>
  );
}

// ---- a technician's shifts and leave -------------------------------------------------------------------------------

interface Shift {
  weekday: number;
  starts: string;
  ends: string;
  breaks: { start: string; end: string }[];
}
interface Pattern {
  technicianId: string;
  version: number;
  validFrom: string | null;
  shifts: Shift[];
}
interface Absence {
  id: string;
  kind: string;
  startsAt: string;
  endsAt: string;
  note: string | null;
}
interface DayForm {
  on: boolean;
  starts: string;
  ends: string;
  breakStart: string;
  breakEnd: string;
  /** Breaks after the first (the API takes up to four): not edited here, sent back as they were. */
  moreBreaks: { start: string; end: string }[];
}

function formOf(pattern: Pattern | null): DayForm[] {
  return [0, 1, 2, 3, 4, 5, 6].map((d) => {
    const s = pattern?.shifts.find((x) => x.weekday === d);
    return s
      ? { on: true, starts: s.starts, ends: s.ends, breakStart: s.breaks[0]?.start ?? '', breakEnd: s.breaks[0]?.end ?? '',
          moreBreaks: s.breaks.slice(1).map((b) => ({ start: b.start, end: b.end })) }
      : { on: false, starts: '08:00', ends: '17:00', breakStart: '12:00', breakEnd: '13:00', moreBreaks: [] };
  });
}

function TechnicianTime({ technician, onClose }: { technician: { id: string; name: string }; onClose: () => void }) {
  const [range] = useState(() => {
    const start = fromLocalInput(`${today()}T00:00`) ?? new Date().toISOString();
    return { start, end: new Date(new Date(start).getTime() + 120 * 86400_000).toISOString() };
  });
  const q = useQuery<{ workPattern: Pattern; workExceptions: Absence[] }>(PATTERN, { id: technician.id, ...range });
  const [saved, setSaved] = useState(false);
  return (
    <section class="screen attendance" data-testid="technician-time">
      <ScreenTitle
        extra={
          <button type="button" class="btn btn-secondary" onClick={onClose} data-testid="technician-time-back">
            {t('Back')}
          </button>
        }
      >
        {technician.name}
      </ScreenTitle>
      {q.error && <Failure message={q.error} onRetry={q.reload} />}
      {!q.data && !q.error && <Loading />}
      {saved && (
        <p class="notice" role="status" data-testid="pattern-saved">
          {t('Shifts saved.')}
        </p>
      )}
      {q.data && (
        <PatternForm
          key={q.data.workPattern.version}
          technicianId={technician.id}
          pattern={q.data.workPattern}
          onChange={() => setSaved(false)}
          onSaved={() => {
            setSaved(true);
            q.reload();
          }}
        />
      )}
      {q.data && <Absences technicianId={technician.id} rows={q.data.workExceptions} onChanged={q.reload} />}
    </section>
  );
}

function PatternForm({ technicianId, pattern, onChange, onSaved }: { technicianId: string; pattern: Pattern; onChange: () => void; onSaved: () => void }) {
  const [days, setDays] = useState<DayForm[]>(() => formOf(pattern));
  const [validFrom, setValidFrom] = useState(today());
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const names = WEEKDAYS();
  const change = (i: number, patch: Partial<DayForm>) => {
    onChange();
    setDays((old) => old.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  };
  const indexes: number[] = [];
  const shifts = days.flatMap((d, weekday) => {
    if (!d.on) return [];
    indexes.push(weekday);
    const first = d.breakStart && d.breakEnd ? [{ start: d.breakStart, end: d.breakEnd }] : [];
    return [{ weekday, starts: d.starts, ends: d.ends, breaks: [...first, ...d.moreBreaks] }];
  });
  // the server names a shift by its place in the list sent: shifts.2 is the third day switched on
  const errorsOfDay = (weekday: number) => {
    const i = indexes.indexOf(weekday);
    return i < 0 ? [] : errors.filter((e) => e.field === `shifts.${i}` || e.field?.startsWith(`shifts.${i}.`)).map((e) => e.message);
  };
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setBusy(true);
    const r = await mutate<{ pattern: Pattern | null; errors: UserError[] }>(
      SET_PATTERN,
      { technicianId, shifts, validFrom, expectedVersion: pattern.version, clientMutationId: newMutationId() },
      'setWorkPattern',
    );
    setBusy(false);
    setErrors(r.errors);
    if (!r.errors.length) onSaved();
  };
  return (
    <form class="card pattern-form" onSubmit={submit} data-testid="pattern-form">
      <h2 class="section-title">{t('Weekly shifts')}</h2>
      {pattern.validFrom && <p class="muted small">{t('In effect since {day}', { day: formatDate(pattern.validFrom) })}</p>}
      <div class="pattern-days">
        {days.map((d, i) => (
          <fieldset key={i} class="pattern-day" data-testid="pattern-day" data-weekday={i}>
            <label class="pattern-on">
              <input type="checkbox" checked={d.on} onChange={(e) => change(i, { on: e.currentTarget.checked })} data-testid="pattern-on" />
              <span>{names[i]}</span>
            </label>
            {d.on && (
              <div class="pattern-times">
                <label>
                  <span class="small muted">{t('From')}</span>
                  <input type="time" value={d.starts} onInput={(e) => change(i, { starts: e.currentTarget.value })} data-testid="pattern-starts" />
                </label>
                <label>
                  <span class="small muted">{t('To')}</span>
                  <input type="time" value={d.ends} onInput={(e) => change(i, { ends: e.currentTarget.value })} data-testid="pattern-ends" />
                </label>
                <label>
                  <span class="small muted">{t('Break from')}</span>
                  <input type="time" value={d.breakStart} onInput={(e) => change(i, { breakStart: e.currentTarget.value })} data-testid="pattern-break-start" />
                </label>
                <label>
                  <span class="small muted">{t('Break to')}</span>
                  <input type="time" value={d.breakEnd} onInput={(e) => change(i, { breakEnd: e.currentTarget.value })} data-testid="pattern-break-end" />
                </label>
              </div>
            )}
            {errorsOfDay(i).map((m, k) => (
              <p key={k} class="field-error" data-testid="field-error">
                {m}
              </p>
            ))}
          </fieldset>
        ))}
      </div>
      <Field label={t('Applies from')}>
        {(p) => <input {...p} type="date" value={validFrom} onChange={(e) => setValidFrom(e.currentTarget.value || today())} data-testid="pattern-valid-from" />}
      </Field>
      <FormErrors errors={errors.filter((e) => !e.field?.startsWith('shifts.'))} testid="pattern-errors" />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="pattern-save">
          {t('Save the shifts')}
        </button>
      </div>
    </form>
  );
}

const KINDS = ['LEAVE', 'SICK', 'TRAINING', 'EXTRA'];

function Absences({ technicianId, rows, onChanged }: { technicianId: string; rows: Absence[]; onChanged: () => void }) {
  const [kind, setKind] = useState('LEAVE');
  const [from, setFrom] = useState(`${today()}T08:00`);
  const [to, setTo] = useState(`${today()}T17:00`);
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const add = async (ev: Event) => {
    ev.preventDefault();
    const startsAt = fromLocalInput(from);
    const endsAt = fromLocalInput(to);
    if (!startsAt || !endsAt) {
      setErrors([{ field: 'endsAt', code: 'REQUIRED', message: t('Enter the start and the end.') }]);
      return;
    }
    setBusy(true);
    const r = await mutate<{ exception: Absence | null; errors: UserError[] }>(
      ADD_EXCEPTION,
      { technicianId, kind, startsAt, endsAt, note: note || null, clientMutationId: newMutationId() },
      'addWorkException',
    );
    setBusy(false);
    setErrors(r.errors);
    if (!r.errors.length) {
      setNote('');
      onChanged();
    }
  };
  const remove = async (id: string) => {
    const r = await mutate<{ errors: UserError[] }>(REMOVE_EXCEPTION, { id, clientMutationId: newMutationId() }, 'removeWorkException');
    setErrors(r.errors);
    if (!r.errors.length) onChanged();
  };
  return (
    <div class="card absences" data-testid="absences">
      <h2 class="section-title">{t('Leave and overtime')}</h2>
      {rows.length === 0 ? (
        <p class="muted small">{t('Nothing planned in the next four months.')}</p>
      ) : (
        <ul class="plain">
          {rows.map((a) => (
            <li key={a.id} class="attendance-entry" data-testid="absence">
              <span>
                {kindLabel(a.kind)}: {toLocalInput(a.startsAt).replace('T', ' ')} – {toLocalInput(a.endsAt).replace('T', ' ')}
                {a.note && <span data-raw=""> · {a.note}</span>}
              </span>
              <button type="button" class="btn btn-small btn-secondary" onClick={() => void remove(a.id)} data-testid="absence-remove">
                {t('Remove')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={add} class="absence-form" data-testid="absence-form">
        <Field label={t('Kind')}>
          {(p) => (
            <select {...p} value={kind} onChange={(e) => setKind(e.currentTarget.value)} data-testid="absence-kind">
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {kindLabel(k)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('From')} errors={errorsFor(errors, 'startsAt')}>
          {(p) => <input {...p} type="datetime-local" value={from} onInput={(e) => setFrom(e.currentTarget.value)} data-testid="absence-from" />}
        </Field>
        <Field label={t('To')} errors={errorsFor(errors, 'endsAt')}>
          {(p) => <input {...p} type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} data-testid="absence-to" />}
        </Field>
        <Field label={t('Note')} errors={errorsFor(errors, 'note')}>
          {(p) => <input {...p} type="text" maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="absence-note" />}
        </Field>
        <FormErrors errors={otherErrors(errors, ['startsAt', 'endsAt', 'note'])} testid="absence-errors" />
        <div class="actions">
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="absence-add">
            {t('Add')}
          </button>
        </div>
      </form>
    </div>
  );
}
