// The live job board of a site, one column per status. The jobBoard subscription moves a card as soon as its job
// changes; after a reconnect (including the server's 4410 "Subscriber fell behind") the board is loaded again, so
// nothing that happened meanwhile is missed.
//
// On a desk the columns sit side by side and the board scrolls sideways a column at a time (scroll snap) with the
// column headers kept in view; on a phone they stack. Every card has the same height rhythm (each line clamped);
// its upper part opens the job card (`#/jobs/<id>`), its foot assigns. Filters (technician, stream, revenue
// stream) are remembered per user on the device.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { authStore } from '../../shared/auth';
import { t } from '../../shared/i18n';
import { subscribe, useLiveStatus } from '../../shared/live';
import { useStore } from '../../shared/store';
import { Icon } from '../icons';
import { href } from '../router';
import { useMedia, WIDE } from '../useMedia';
import type { ScreenProps } from '../screens';
import {
  ERRORS,
  EnumSelect,
  Failure,
  Field,
  FormErrors,
  Loading,
  REVENUE_STREAMS,
  STREAMS,
  ScreenTitle,
  SitePicker,
  mutate,
  newMutationId,
  revenueLabel,
  useQuery,
  useSite,
} from './common';
import { statusLabel, streamLabel } from '../../shared/labels';
import type { UserError } from '../../shared/types';
import { approvalsText, useBoardApprovals, type Approvals } from '../jobcard/approvals';

export const BOARD_JOB = `id number status operationsStream revenueStream version issuesReported updatedAt
  vehicle { id registrationDisplay make model } customer { id name } technician { id name }
  tasks { id status }`;

export interface BoardJob {
  id: string;
  number: string;
  status: string;
  operationsStream: string;
  revenueStream: string;
  version: number;
  issuesReported: string | null;
  updatedAt: string;
  vehicle: { id: string; registrationDisplay: string; make: string | null; model: string | null } | null;
  customer: { id: string; name: string } | null;
  technician: { id: string; name: string } | null;
  tasks: { id: string; status: string }[];
}

interface Column {
  status: string;
  jobs: BoardJob[];
}

const BOARD_QUERY = `query JobBoard($siteId: ID!) { jobBoard(siteId: $siteId) { status jobs { ${BOARD_JOB} } } }`;
const BOARD_SUBSCRIPTION = `subscription JobBoardLive($siteId: ID!) { jobBoard(siteId: $siteId) { ${BOARD_JOB} } }`;
const ASSIGN = `mutation AssignJob($input: AssignJobInput!) { assignJob(input: $input) { job { ${BOARD_JOB} } ${ERRORS} } }`;
const TECHNICIANS = `query Technicians { users(role: TECHNICIAN, active: true) { id name streams } }`;

/** Roles that may assign outside a technician's streams, with a reason (jobs:override_stream). */
const OVERRIDE_ROLES = ['WORKSHOP_MANAGER', 'ADMIN'];

export interface Technician {
  id: string;
  name: string;
  streams: string[];
}

/** Puts a changed job in its column (or takes it off the board when it has left it). */
export function placeJob(columns: Column[], job: BoardJob): Column[] {
  return columns.map((c) => {
    const rest = c.jobs.filter((j) => j.id !== job.id);
    if (c.status !== job.status) return rest.length === c.jobs.length ? c : { ...c, jobs: rest };
    const before = c.jobs.find((j) => j.id === job.id);
    if (before && before.version > job.version) return c; // an older event arriving late
    return { ...c, jobs: [job, ...rest] };
  });
}

export function LiveBadge() {
  const status = useLiveStatus();
  const text = status === 'open' ? t('Live') : status === 'connecting' ? t('Connecting…') : t('Not live');
  return (
    <span class={`badge live-${status}`} data-testid="live-status" data-status={status} role="status">
      <span class="dot" aria-hidden="true" />
      {text}
    </span>
  );
}

function useRole(): string {
  const user = useStore(authStore);
  return user.status === 'signedIn' ? String(user.user.role) : '';
}

// ---- filters, remembered per user -------------------------------------------------------------

/** '' is "all"; technician '-' is "not assigned". */
export interface BoardFilters {
  technician: string;
  stream: string;
  revenue: string;
}

const NO_FILTERS: BoardFilters = { technician: '', stream: '', revenue: '' };
const UNASSIGNED = '-';

function filterKey(): string | null {
  const auth = authStore.get();
  return auth.status === 'signedIn' ? `mototrack.board.filters.${auth.user.id}` : null;
}

function loadFilters(): BoardFilters {
  const key = filterKey();
  try {
    const saved = key ? JSON.parse(localStorage.getItem(key) ?? 'null') : null;
    return saved && typeof saved === 'object' ? { ...NO_FILTERS, ...saved } : NO_FILTERS;
  } catch {
    return NO_FILTERS;
  }
}

function saveFilters(filters: BoardFilters): void {
  const key = filterKey();
  try {
    if (key) localStorage.setItem(key, JSON.stringify(filters));
  } catch {
    /* private mode: the filters last for this visit */
  }
}

export function matches(job: BoardJob, f: BoardFilters): boolean {
  if (f.technician === UNASSIGNED ? job.technician !== null : f.technician && job.technician?.id !== f.technician)
    return false;
  if (f.stream && job.operationsStream !== f.stream) return false;
  if (f.revenue && job.revenueStream !== f.revenue) return false;
  return true;
}

function ShownCount({ shown, total, filtered }: { shown: number; total: number; filtered: boolean }) {
  return (
    <span class="muted small" data-testid="board-shown" data-shown={shown} data-total={total} role="status">
      {filtered ? t('Showing {shown} of {total} jobs', { shown, total }) : t('Jobs: {total}', { total })}
    </span>
  );
}

function Filters({
  filters,
  onChange,
  technicians,
  shown,
  total,
}: {
  filters: BoardFilters;
  onChange: (f: BoardFilters) => void;
  technicians: { id: string; name: string }[];
  shown: number;
  total: number;
}) {
  const count = [filters.technician, filters.stream, filters.revenue].filter(Boolean).length;
  const active = count > 0;
  const wide = useMedia(WIDE);
  const [open, setOpen] = useState(false);
  // on a phone the filters fold away under one button, so the board itself shows first
  if (!wide && !open) {
    return (
      <div class="board-filters-bar">
        <button
          type="button"
          class="btn btn-secondary btn-small"
          data-testid="filters-toggle"
          aria-expanded="false"
          onClick={() => setOpen(true)}
        >
          <Icon name="filter" size={18} />
          {active ? t('Filters ({count})', { count }) : t('Filters')}
        </button>
        <ShownCount shown={shown} total={total} filtered={active} />
      </div>
    );
  }
  return (
    <div class="board-filters" data-testid="board-filters" role="group" aria-label={t('Filters')}>
      <Field label={t('Technician')}>
        {(p) => (
          <select
            {...p}
            value={filters.technician}
            data-testid="filter-technician"
            onChange={(e) => onChange({ ...filters, technician: e.currentTarget.value })}
          >
            <option value="">{t('All technicians')}</option>
            <option value={UNASSIGNED}>{t('Not assigned')}</option>
            {technicians.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <EnumSelect
        label={t('Stream')}
        values={STREAMS}
        labelOf={streamLabel}
        value={filters.stream}
        onChange={(stream) => onChange({ ...filters, stream })}
        testid="filter-stream"
        first={<option value="">{t('All streams')}</option>}
      />
      <EnumSelect
        label={t('Revenue stream')}
        values={REVENUE_STREAMS}
        labelOf={revenueLabel}
        value={filters.revenue}
        onChange={(revenue) => onChange({ ...filters, revenue })}
        testid="filter-revenue"
        first={<option value="">{t('All revenue streams')}</option>}
      />
      <div class="board-filters-end">
        <ShownCount shown={shown} total={total} filtered={active} />
        {active && (
          <button type="button" class="btn btn-inline" data-testid="filter-clear" onClick={() => onChange(NO_FILTERS)}>
            <Icon name="close" size={18} />
            {t('Clear filters')}
          </button>
        )}
        {!wide && (
          <button
            type="button"
            class="btn btn-secondary btn-small"
            data-testid="filters-toggle"
            aria-expanded="true"
            onClick={() => setOpen(false)}
          >
            {t('Done')}
          </button>
        )}
      </div>
    </div>
  );
}

// ---- the board --------------------------------------------------------------------------------

export function JobBoard({ siteId }: { siteId: string }) {
  const board = useQuery<{ jobBoard: Column[] }>(BOARD_QUERY, { siteId });
  const role = useRole();
  const canAssign = role === 'SITE_MANAGER' || role === 'WORKSHOP_MANAGER' || role === 'ADMIN';
  const [technicians, setTechnicians] = useState<Technician[] | null>(null);
  const techs = useQuery<{ users: Technician[] }>(TECHNICIANS, canAssign ? {} : null);
  useEffect(() => {
    if (techs.data) setTechnicians(techs.data.users);
  }, [techs.data]);
  const [filters, setFilters] = useState<BoardFilters>(loadFilters);
  const changeFilters = (f: BoardFilters) => {
    setFilters(f);
    saveFilters(f);
  };

  const { reload, setData } = board;
  const [tick, setTick] = useState(0); // every live event: the customers' decisions are read again
  const approvals = useBoardApprovals(siteId, tick);
  useEffect(() => {
    let started = false;
    return subscribe<{ jobBoard: BoardJob }>(
      BOARD_SUBSCRIPTION,
      { siteId },
      {
        next: (data) => {
          setData((old) => (old ? { jobBoard: placeJob(old.jobBoard, data.jobBoard) } : old));
          setTick((n) => n + 1);
        },
        onStart: () => {
          if (started) {
            reload(); // events while the socket was down are not replayed
            setTick((n) => n + 1);
          }
          started = true;
        },
      },
    );
  }, [siteId, reload, setData]);

  const columns = board.data?.jobBoard ?? [];
  const updateJob = (job: BoardJob) => setData((old) => (old ? { jobBoard: placeJob(old.jobBoard, job) } : old));
  const total = columns.reduce((n, c) => n + c.jobs.length, 0);
  const shownColumns = columns.map((c) => ({ ...c, jobs: c.jobs.filter((j) => matches(j, filters)) }));
  const shown = shownColumns.reduce((n, c) => n + c.jobs.length, 0);
  // the technicians to filter by: everyone who may be assigned, and anyone already on a card
  const people = useMemo(() => {
    const byId = new Map<string, string>();
    for (const x of technicians ?? []) byId.set(x.id, x.name);
    for (const c of columns) for (const j of c.jobs) if (j.technician) byId.set(j.technician.id, j.technician.name);
    return [...byId].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
  }, [technicians, columns]);

  return (
    <>
      <Filters filters={filters} onChange={changeFilters} technicians={people} shown={shown} total={total} />
      {board.error && <Failure message={board.error} onRetry={reload} />}
      {!board.data && board.loading && <Loading />}
      <div
        class="board"
        data-testid="job-board"
        aria-busy={board.loading}
        tabIndex={0}
        role="region"
        aria-label={t('Job board')}
      >
        {shownColumns.map((c) => (
          <section
            class={`board-col ${c.jobs.length ? '' : 'board-col-empty'}`}
            key={c.status}
            data-testid={`board-col-${c.status}`}
            aria-labelledby={`col-${c.status}`}
          >
            <h2 class="board-col-title" id={`col-${c.status}`}>
              <span class="board-col-name">{statusLabel(c.status)}</span>{' '}
              <span class="count" data-testid="board-col-count">
                {c.jobs.length}
              </span>
            </h2>
            {c.jobs.length > 0 ? (
              <ul class="board-cards">
                {c.jobs.map((j) => (
                  <BoardCard key={j.id} job={j} technicians={canAssign ? technicians : null} onChanged={updateJob} approvals={approvals.get(j.id) ?? null} />
                ))}
              </ul>
            ) : (
              <p class="board-col-none muted small">{t('No jobs')}</p>
            )}
          </section>
        ))}
      </div>
    </>
  );
}

function BoardCard({
  job,
  technicians,
  onChanged,
  approvals,
}: {
  job: BoardJob;
  technicians: Technician[] | null;
  onChanged: (job: BoardJob) => void;
  approvals: Approvals | null;
}) {
  const [assigning, setAssigning] = useState(false);
  const done = job.tasks.filter((x) => x.status === 'COMPLETED').length;
  const assignable = technicians && (job.status === 'RECEIVED' || job.status === 'ASSIGNED');
  const vehicle = job.vehicle && [job.vehicle.make, job.vehicle.model].filter(Boolean).join(' ');
  return (
    <li
      class="board-card"
      data-testid="board-job"
      data-job-number={job.number}
      data-job-id={job.id}
      data-status={job.status}
      data-stream={job.operationsStream}
      data-revenue={job.revenueStream}
    >
      <a class="board-card-link" href={href(`jobs/${job.id}`)} data-testid="board-job-link">
        <span class="board-card-top">
          {job.vehicle && (
            <span class="plate" data-raw="">
              {job.vehicle.registrationDisplay}
            </span>
          )}
          <span class="board-card-number">{job.number}</span>
        </span>
        <span class="board-card-line muted small">
          {streamLabel(job.operationsStream)} · {revenueLabel(job.revenueStream)}
          {vehicle && <> · <span data-raw="">{vehicle}</span></>}
        </span>
        <span class="board-card-line small" data-raw="">
          {job.customer ? job.customer.name : '\u00a0'}
        </span>
        <span class="board-card-issue small muted" data-raw="">
          {job.issuesReported || '\u00a0'}
        </span>
        {/* on every card (blank without a quote with the customer), so the cards keep one height */}
        <span class="board-card-line small" data-testid="job-approvals" data-approved={approvals?.approved} data-lines={approvals?.lines}>
          {approvals ? approvalsText(approvals) : '\u00a0'}
        </span>
      </a>
      <div class="board-card-foot small">
        <span class="board-card-who">
          <Icon name="account" size={16} />
          <span data-testid="job-technician">{job.technician ? job.technician.name : t('Not assigned')}</span>
        </span>
        {job.tasks.length > 0 ? (
          <span class="board-card-tasks" data-testid="job-tasks-done" data-done={done} data-count={job.tasks.length}>
            {t('Tasks done: {done} of {count}', { done, count: job.tasks.length })}
          </span>
        ) : (
          <span class="board-card-tasks muted">{t('No tasks yet')}</span>
        )}
        {assignable && !assigning && (
          <button
            type="button"
            class="btn btn-secondary btn-small"
            data-testid="assign-open"
            onClick={() => setAssigning(true)}
          >
            {job.technician ? t('Reassign') : t('Assign')}
          </button>
        )}
      </div>
      {assignable && assigning && (
        <AssignForm
          job={job}
          technicians={technicians!}
          onAssigned={(j) => {
            setAssigning(false);
            onChanged(j);
          }}
          onCancel={() => setAssigning(false)}
        />
      )}
    </li>
  );
}

/** Assign (or reassign) a technician of the job's stream. When nobody works that stream it says so, and a
 *  workshop manager (or admin) may assign someone from another stream with a reason. */
export function AssignForm({
  job,
  technicians,
  onAssigned,
  onCancel,
}: {
  job: BoardJob;
  technicians: Technician[];
  onAssigned: (job: BoardJob) => void;
  onCancel?: () => void;
}) {
  const role = useRole();
  const eligible = technicians.filter((x) => x.streams.includes(job.operationsStream));
  const mayOverride = OVERRIDE_ROLES.includes(role);
  const overriding = eligible.length === 0 && mayOverride;
  const choices = overriding ? technicians : eligible;
  const [techId, setTechId] = useState(job.technician?.id ?? '');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [mutationId] = useState(newMutationId);

  async function submit(e: Event) {
    e.preventDefault();
    const missing: UserError[] = [];
    if (!techId) missing.push({ field: 'technicianId', code: 'REQUIRED', message: t('Choose a technician.') });
    if (overriding && !reason.trim())
      missing.push({
        field: 'streamOverrideReason',
        code: 'REQUIRED',
        message: t('Say why this job goes to a technician of another stream.'),
      });
    if (missing.length) {
      setErrors(missing);
      return;
    }
    setBusy(true);
    const input: Record<string, unknown> = {
      jobId: job.id,
      technicianId: techId,
      expectedVersion: job.version,
      clientMutationId: `${mutationId}-${techId}`,
    };
    if (overriding) input.streamOverrideReason = reason.trim();
    const r = await mutate<{ job: BoardJob | null; errors: UserError[] }>(ASSIGN, input, 'assignJob');
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.job && !r.errors.length) onAssigned(r.payload.job);
  }

  const fieldErrors = (f: string) => errors.filter((x) => x.field === f).map((x) => x.message);
  const stream = streamLabel(job.operationsStream);
  return (
    <form class="inline-form" onSubmit={submit} data-testid="assign-form" noValidate>
      {eligible.length === 0 && (
        <p class="notice" role="status" data-testid="assign-no-stream">
          {mayOverride
            ? t('No technician works in the {stream} stream. You may assign one from another stream; say why.', { stream })
            : t('No technician works in the {stream} stream. A workshop manager can assign one from another stream.', {
                stream,
              })}
        </p>
      )}
      {choices.length > 0 && (
        <Field
          label={overriding ? t('Technician (any stream)') : t('Technician ({stream})', { stream })}
          errors={fieldErrors('technicianId')}
        >
          {(p) => (
            <select {...p} value={techId} onChange={(e) => setTechId(e.currentTarget.value)} data-testid="assign-technician">
              <option value="">{t('Choose…')}</option>
              {choices.map((x) => (
                <option key={x.id} value={x.id}>
                  {overriding ? `${x.name} (${x.streams.map(streamLabel).join(', ')})` : x.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      {overriding && (
        <Field label={t('Reason for assigning outside the stream')} errors={fieldErrors('streamOverrideReason')}>
          {(p) => (
            <textarea
              {...p}
              rows={2}
              maxLength={500}
              value={reason}
              data-testid="assign-reason"
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          )}
        </Field>
      )}
      <FormErrors errors={errors.filter((x) => x.field !== 'technicianId' && x.field !== 'streamOverrideReason')} />
      <div class="actions">
        {choices.length > 0 && (
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="assign-submit">
            {job.technician ? t('Reassign') : t('Assign')}
          </button>
        )}
        {onCancel && (
          <button type="button" class="btn btn-secondary" onClick={onCancel} data-testid="assign-cancel">
            {t('Cancel')}
          </button>
        )}
      </div>
    </form>
  );
}

export default function BoardScreen(_props: ScreenProps) {
  const { sites, siteId, setSiteId, error } = useSite();
  return (
    <section class="screen screen-wide board-screen" data-testid="board-screen">
      <ScreenTitle extra={<LiveBadge />}>{t('Job board')}</ScreenTitle>
      {error && <Failure message={error} />}
      {sites && <SitePicker sites={sites} siteId={siteId} onChange={setSiteId} />}
      {!sites && !error && <Loading />}
      {siteId && <JobBoard key={siteId} siteId={siteId} />}
    </section>
  );
}
