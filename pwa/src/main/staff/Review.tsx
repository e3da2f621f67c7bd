// The workshop manager's review: completed jobs get the manager's notes and are confirmed, then move to billing.
import { useState } from 'preact/hooks';
import { t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import type { ScreenProps } from '../screens';
import { href } from '../router';
import {
  ERRORS,
  Empty,
  Failure,
  Field,
  FormErrors,
  LoadMore,
  Loading,
  ScreenTitle,
  money,
  mutate,
  newMutationId,
  useOnOnline,
  usePagedList,
  when,
} from './common';
import { partsStatusLabel, statusLabel, streamLabel } from '../../shared/labels';

const JOB = `id number status version operationsStream workDoneNotes managerNotes completedAt clockedHours billedHours
  vehicle { registrationDisplay make model } customer { name } technician { name }
  tasks { id displayName status labourCost billedHours }
  partsRequests { id quantity status item { name } }`;

interface ReviewJob {
  id: string;
  number: string;
  status: string;
  version: number;
  operationsStream: string;
  workDoneNotes: string | null;
  managerNotes: string | null;
  completedAt: string | null;
  clockedHours: number;
  billedHours: number;
  vehicle: { registrationDisplay: string; make: string | null; model: string | null } | null;
  customer: { name: string } | null;
  technician: { name: string } | null;
  tasks: { id: string; displayName: string; status: string; labourCost: number; billedHours: string }[];
  partsRequests: { id: string; quantity: number; status: string; item: { name: string } | null }[];
}

const LIST = `query JobsToReview($after: String) {
  jobs(filter: { status: [COMPLETED, MANAGER_REVIEW] }, first: 20, after: $after) {
    edges { node { ${JOB} } } pageInfo { hasNextPage endCursor }
  }
}`;
const REVIEW = `mutation ReviewJob($input: ReviewJobInput!) { reviewJob(input: $input) { job { ${JOB} } ${ERRORS} } }`;
const TO_BILLING = `mutation MoveJobToBilling($input: MoveJobToBillingInput!) {
  moveJobToBilling(input: $input) { job { ${JOB} } ${ERRORS} } }`;

export default function ReviewScreen(_props: ScreenProps) {
  const list = usePagedList<ReviewJob>(LIST, 'jobs', {});
  useOnOnline(list.reload);
  const jobs = list.rows;
  const replace = (job: ReviewJob) => list.setRows((old) => old && old.map((j) => (j.id === job.id ? job : j)));
  return (
    <section class="screen">
      <ScreenTitle
        extra={
          <button type="button" class="btn btn-inline" disabled={list.busy} onClick={list.reload} data-testid="review-refresh">
            {t('Refresh')}
          </button>
        }
      >
        {t('Jobs to review')}
      </ScreenTitle>
      {list.error && <Failure message={list.error} onRetry={list.reload} />}
      {!jobs && !list.error && <Loading />}
      {jobs && jobs.length === 0 && <Empty testid="review-empty">{t('No completed jobs wait for review.')}</Empty>}
      {jobs && jobs.length > 0 && (
        <ul class="list" data-testid="review-list">
          {jobs.map((j) => (
            <ReviewCard key={j.id} job={j} onChanged={replace} />
          ))}
        </ul>
      )}
      <LoadMore hasMore={list.hasMore} busy={list.busy} onMore={list.more} />
    </section>
  );
}

function ReviewCard({ job, onChanged }: { job: ReviewJob; onChanged: (j: ReviewJob) => void }) {
  const [notes, setNotes] = useState(job.managerNotes ?? '');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [mutationId] = useState(newMutationId);

  async function review(e: Event) {
    e.preventDefault();
    setBusy(true);
    const r = await mutate<{ job: ReviewJob | null; errors: UserError[] }>(
      REVIEW,
      { jobId: job.id, managerNotes: notes.trim() || null, expectedVersion: job.version, clientMutationId: `${mutationId}-review` },
      'reviewJob',
    );
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.job && !r.errors.length) onChanged(r.payload.job);
  }

  async function toBilling() {
    setBusy(true);
    const r = await mutate<{ job: ReviewJob | null; errors: UserError[] }>(
      TO_BILLING,
      { jobId: job.id, expectedVersion: job.version, clientMutationId: `${mutationId}-billing` },
      'moveJobToBilling',
    );
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.job && !r.errors.length) onChanged(r.payload.job);
  }

  return (
    <li class="card row" data-testid="review-job" data-job-number={job.number} data-status={job.status}>
      <div class="row-main">
        <a class="row-title" href={href(`jobs/${job.id}`)} data-testid="review-job-link">
          {job.number}
        </a>
        {job.vehicle && <span class="plate">{job.vehicle.registrationDisplay}</span>}
      </div>
      <p class="muted small">
        {streamLabel(job.operationsStream)}
        {job.customer && <> · {job.customer.name}</>}
        {job.technician && <> · {job.technician.name}</>}
        {job.completedAt && <> · {when(job.completedAt)}</>}
      </p>
      <p class="small">
        <span class="status-pill" data-testid="review-status">{statusLabel(job.status)}</span>{' '}
        {t('{billed} h billed, {clocked} h clocked', { billed: Number(job.billedHours).toFixed(2), clocked: Number(job.clockedHours).toFixed(2) })}
      </p>
      {job.workDoneNotes && (
        <p class="quote">
          <span class="visually-hidden">{t('Work done:')} </span>
          {job.workDoneNotes}
        </p>
      )}
      {job.tasks.length > 0 && (
        <ul class="mini-list" aria-label={t('Tasks')}>
          {job.tasks.map((x) => (
            <li key={x.id}>
              {x.displayName} <span class="muted small">· {statusLabel(x.status)} · {money(x.labourCost)}</span>
            </li>
          ))}
        </ul>
      )}
      {job.partsRequests.length > 0 && (
        <ul class="mini-list" aria-label={t('Parts')}>
          {job.partsRequests.map((p) => (
            <li key={p.id}>
              {p.quantity} × {p.item?.name ?? '—'} <span class="muted small">· {partsStatusLabel(p.status)}</span>
            </li>
          ))}
        </ul>
      )}
      {job.status === 'COMPLETED' && (
        <form class="inline-form" onSubmit={review} noValidate>
          <Field label={t("Manager's notes")} errors={errors.filter((e) => e.field === 'managerNotes').map((e) => e.message)}>
            {(p) => <textarea {...p} rows={2} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} data-testid="review-notes" />}
          </Field>
          <FormErrors errors={errors.filter((e) => e.field !== 'managerNotes')} />
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="review-confirm">
            {t('Confirm review')}
          </button>
        </form>
      )}
      {job.status === 'MANAGER_REVIEW' && (
        <>
          {job.managerNotes && <p class="muted small">{job.managerNotes}</p>}
          <FormErrors errors={errors} />
          <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void toBilling()} data-testid="review-to-billing">
            {t('Move to billing')}
          </button>
        </>
      )}
      {job.status === 'BILLING' && (
        <p class="outcome" role="status" data-testid="review-outcome">
          {t('In the billing queue')}
        </p>
      )}
    </li>
  );
}
