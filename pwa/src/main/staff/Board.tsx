// The live job board of a site, one column per status. The jobBoard subscription moves a card as soon as its job
// changes; after a reconnect the board is loaded again, so nothing that happened meanwhile is missed.
import { useEffect, useState } from 'preact/hooks';
import { authStore } from '../../shared/auth';
import { t } from '../../shared/i18n';
import { subscribe, useLiveStatus } from '../../shared/live';
import { useStore } from '../../shared/store';
import type { ScreenProps } from '../screens';
import {
  ERRORS,
  Failure,
  Field,
  FormErrors,
  Loading,
  ScreenTitle,
  SitePicker,
  mutate,
  newMutationId,
  useQuery,
  useSite,
} from './common';
import { statusLabel, streamLabel } from '../../shared/labels';
import type { UserError } from '../../shared/types';

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

export function JobBoard({ siteId }: { siteId: string }) {
  const board = useQuery<{ jobBoard: Column[] }>(BOARD_QUERY, { siteId });
  const user = useStore(authStore);
  const role = user.status === 'signedIn' ? user.user.role : '';
  const canAssign = role === 'SITE_MANAGER' || role === 'WORKSHOP_MANAGER' || role === 'ADMIN';
  const [technicians, setTechnicians] = useState<Technician[] | null>(null);
  const techs = useQuery<{ users: Technician[] }>(TECHNICIANS, canAssign ? {} : null);
  useEffect(() => {
    if (techs.data) setTechnicians(techs.data.users);
  }, [techs.data]);

  const { reload, setData } = board;
  useEffect(() => {
    let started = false;
    return subscribe<{ jobBoard: BoardJob }>(
      BOARD_SUBSCRIPTION,
      { siteId },
      {
        next: (data) => setData((old) => (old ? { jobBoard: placeJob(old.jobBoard, data.jobBoard) } : old)),
        onStart: () => {
          if (started) reload(); // events while the socket was down are not replayed
          started = true;
        },
      },
    );
  }, [siteId, reload, setData]);

  const columns = board.data?.jobBoard ?? [];
  const updateJob = (job: BoardJob) => setData((old) => (old ? { jobBoard: placeJob(old.jobBoard, job) } : old));

  return (
    <div class="board" data-testid="job-board" aria-busy={board.loading}>
      {board.error && <Failure message={board.error} onRetry={reload} />}
      {!board.data && board.loading && <Loading />}
      {columns.map((c) => (
        <section class="board-col" key={c.status} data-testid={`board-col-${c.status}`} aria-labelledby={`col-${c.status}`}>
          <h2 class="board-col-title" id={`col-${c.status}`}>
            {statusLabel(c.status)} <span class="count">{c.jobs.length}</span>
          </h2>
          {c.jobs.length > 0 && (
            <ul class="list">
              {c.jobs.map((j) => (
                <BoardCard key={j.id} job={j} technicians={canAssign ? technicians : null} onChanged={updateJob} />
              ))}
            </ul>
          )}
        </section>
      ))}
    </div>
  );
}

function BoardCard({
  job,
  technicians,
  onChanged,
}: {
  job: BoardJob;
  technicians: Technician[] | null;
  onChanged: (job: BoardJob) => void;
}) {
  const done = job.tasks.filter((x) => x.status === 'COMPLETED').length;
  const assignable = technicians && (job.status === 'RECEIVED' || job.status === 'ASSIGNED');
  return (
    <li class="card row job-card" data-testid="board-job" data-job-number={job.number} data-status={job.status}>
      <div class="row-main">
        <span class="row-title">{job.number}</span>
        {job.vehicle && <span class="plate">{job.vehicle.registrationDisplay}</span>}
      </div>
      <p class="muted small">
        {streamLabel(job.operationsStream)}
        {job.customer && <> · {job.customer.name}</>}
        {job.vehicle && (job.vehicle.make || job.vehicle.model) && (
          <> · {[job.vehicle.make, job.vehicle.model].filter(Boolean).join(' ')}</>
        )}
      </p>
      {job.issuesReported && <p class="clamp">{job.issuesReported}</p>}
      <p class="small">
        <span data-testid="job-technician">{job.technician ? job.technician.name : t('Not assigned')}</span>
        {job.tasks.length > 0 && (
          <>
            {' · '}
            <span data-testid="job-tasks-done" data-done={done} data-count={job.tasks.length}>{t('Tasks done: {done} of {count}', { done, count: job.tasks.length })}</span>
          </>
        )}
      </p>
      {assignable && <AssignForm job={job} technicians={technicians!} onAssigned={onChanged} />}
    </li>
  );
}

export function AssignForm({
  job,
  technicians,
  onAssigned,
}: {
  job: BoardJob;
  technicians: Technician[];
  onAssigned: (job: BoardJob) => void;
}) {
  const eligible = technicians.filter((x) => x.streams.includes(job.operationsStream));
  const [techId, setTechId] = useState(job.technician?.id ?? '');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [mutationId] = useState(newMutationId);

  async function submit(e: Event) {
    e.preventDefault();
    if (!techId) {
      setErrors([{ field: 'technicianId', code: 'REQUIRED', message: t('Choose a technician.') }]);
      return;
    }
    setBusy(true);
    const r = await mutate<{ job: BoardJob | null; errors: UserError[] }>(
      ASSIGN,
      { jobId: job.id, technicianId: techId, expectedVersion: job.version, clientMutationId: `${mutationId}-${techId}` },
      'assignJob',
    );
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.job) onAssigned(r.payload.job);
  }

  const fieldErrors = errors.filter((x) => x.field === 'technicianId').map((x) => x.message);
  return (
    <form class="inline-form" onSubmit={submit} data-testid="assign-form" noValidate>
      <Field label={t('Technician ({stream})', { stream: streamLabel(job.operationsStream) })} errors={fieldErrors}>
        {(p) => (
          <select {...p} value={techId} onChange={(e) => setTechId(e.currentTarget.value)} data-testid="assign-technician">
            <option value="">{eligible.length ? t('Choose…') : t('No technician works in this stream')}</option>
            {eligible.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <FormErrors errors={errors.filter((x) => x.field !== 'technicianId')} />
      <button type="submit" class="btn btn-primary" disabled={busy} data-testid="assign-submit">
        {job.technician ? t('Reassign') : t('Assign')}
      </button>
    </form>
  );
}

export default function BoardScreen(_props: ScreenProps) {
  const { sites, siteId, setSiteId, error } = useSite();
  return (
    <section class="screen">
      <ScreenTitle extra={<LiveBadge />}>{t('Job board')}</ScreenTitle>
      {error && <Failure message={error} />}
      {sites && <SitePicker sites={sites} siteId={siteId} onChange={setSiteId} />}
      {!sites && !error && <Loading />}
      {siteId && <JobBoard key={siteId} siteId={siteId} />}
    </section>
  );
}
