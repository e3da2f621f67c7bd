// The billing queue: the site's jobs in BILLING, oldest first to the clerk, each turned into a draft invoice with
// one tap. The site's job board subscription keeps the list current; it is also fetched again when the screen gets
// the focus back (another clerk may still have invoiced a job meanwhile: the server then refuses, and says so).
import { useEffect, useState } from 'preact/hooks';
import { t } from '../../../shared/i18n';
import { subscribe } from '../../../shared/live';
import type { UserError } from '../../../shared/types';
import { href, navigate } from '../../router';
import type { ScreenProps } from '../../screens';
import { Empty, Failure, FormErrors, LoadMore, Loading, ScreenTitle, SitePicker, mutate, usePagedList, useSite, when } from '../common';
import { streamLabel } from '../../../shared/labels';
import { LiveBadge } from '../Board';
import { CREATE_FROM_JOB } from './api';
import { useAttemptKey } from './attempt';
import { useRefreshOnFocus } from './focus';
import './billing.css';

const JOB = `id number status operationsStream billingAt completedAt
  vehicle { registrationDisplay make model } customer { name taxId }
  tasks { id status } partsRequests { id status }`;
const QUEUE = `query BillingQueue($siteId: ID!, $after: String) {
  jobs(filter: { status: [BILLING], siteId: $siteId }, first: 20, after: $after) {
    edges { node { ${JOB} } }
    pageInfo { hasNextPage endCursor }
  }
}`;
// every job of the site as it changes: one moved to billing joins the queue, one invoiced (here or by another
// clerk) leaves it
const BOARD = `subscription BillingQueueLive($siteId: ID!) { jobBoard(siteId: $siteId) { ${JOB} } }`;

interface QueueJob {
  id: string;
  number: string;
  status: string;
  operationsStream: string;
  billingAt: string | null;
  completedAt: string | null;
  vehicle: { registrationDisplay: string; make: string | null; model: string | null } | null;
  customer: { name: string; taxId: string | null } | null;
  tasks: { id: string; status: string }[];
  partsRequests: { id: string; status: string }[];
}

export default function BillingQueueScreen(_props: ScreenProps) {
  const site = useSite();
  const list = usePagedList<QueueJob>(QUEUE, 'jobs', site.siteId ? { siteId: site.siteId } : null);
  const { rows: jobs, setRows: setJobs } = list;
  useRefreshOnFocus(list.reload);
  useEffect(() => {
    if (!site.siteId) return;
    let started = false;
    return subscribe<{ jobBoard: QueueJob }>(BOARD, { siteId: site.siteId }, {
      next: ({ jobBoard: job }) =>
        setJobs((old) => {
          if (!old) return old;
          const rest = old.filter((j) => j.id !== job.id);
          if (job.status !== 'BILLING') return rest;
          return old.some((j) => j.id === job.id) ? old.map((j) => (j.id === job.id ? job : j)) : [...old, job];
        }),
      onStart: () => {
        if (started) list.reload(); // events missed while the socket was down
        started = true;
      },
    });
  }, [site.siteId]);

  return (
    <section class="screen">
      <ScreenTitle
        extra={
          <span class="actions">
            <LiveBadge />
            <button type="button" class="btn btn-inline" disabled={list.busy} onClick={list.reload} data-testid="queue-refresh">
              {t('Refresh')}
            </button>
          </span>
        }
      >
        {t('Jobs to invoice')}
      </ScreenTitle>
      {site.sites && <SitePicker sites={site.sites} siteId={site.siteId} onChange={(id) => { if (id === site.siteId) return; setJobs(null); site.setSiteId(id); }} />}
      {(list.error || site.error) && <Failure message={(list.error || site.error)!} onRetry={list.reload} />}
      {!jobs && !list.error && !site.error && <Loading />}
      {jobs && jobs.length === 0 && <Empty testid="queue-empty">{t('No jobs wait to be invoiced.')}</Empty>}
      {jobs && jobs.length > 0 && (
        <ul class="list" data-testid="billing-queue">
          {jobs.map((j) => (
            <QueueRow key={j.id} job={j} onGone={list.reload} />
          ))}
        </ul>
      )}
      <LoadMore hasMore={list.hasMore && !!site.siteId} busy={list.busy} onMore={list.more} />
    </section>
  );
}

function QueueRow({ job, onGone }: { job: QueueJob; onGone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<UserError[]>([]);
  // a retry after a lost answer returns the same draft, never a second one
  const attempt = useAttemptKey();
  const done = job.tasks.filter((x) => x.status === 'COMPLETED').length;
  const parts = job.partsRequests.filter((p) => p.status === 'ISSUED' || p.status === 'COMPLETED').length;

  async function create() {
    const input = { jobId: job.id };
    const key = attempt.keyFor(input);
    setBusy(true);
    const r = await mutate<{ invoice: { id: string } | null; errors: UserError[] }>(
      CREATE_FROM_JOB,
      { ...input, clientMutationId: key },
      'createInvoiceFromJob',
    );
    setBusy(false);
    attempt.settle(input, key, r.errors);
    setErrors(r.errors);
    if (r.payload?.invoice && !r.errors.length) navigate(`invoices/${r.payload.invoice.id}`);
  }

  const vehicle = job.vehicle ? [job.vehicle.make, job.vehicle.model].filter(Boolean).join(' ') : '';
  return (
    <li class="card row" data-testid="queue-job" data-job-number={job.number}>
      <div class="row-main">
        <a class="row-title" href={href(`jobs/${job.id}`)} data-testid="queue-job-link">
          {job.number}
        </a>
        {job.vehicle && <span class="plate">{job.vehicle.registrationDisplay}</span>}
      </div>
      <p class="small">
        {job.customer ? <span data-testid="queue-customer">{job.customer.name}</span> : <span class="muted">{t('No customer')}</span>}
        {job.customer?.taxId && <span class="muted"> · {t('Tax ID {id}', { id: job.customer.taxId })}</span>}
      </p>
      <p class="muted small">
        {vehicle && <>{vehicle} · </>}
        {streamLabel(job.operationsStream)}
        {job.billingAt && <> · {when(job.billingAt)}</>}
      </p>
      <p class="small" data-testid="queue-tasks" data-count={done}>
        {t('Completed tasks: {count}', { count: done })}
        {parts > 0 && <> · {t('Parts issued: {count}', { count: parts })}</>}
      </p>
      <FormErrors errors={errors} />
      {errors.some((e) => e.code === 'INVALID_TRANSITION') && (
        <button type="button" class="btn btn-inline" onClick={onGone}>
          {t('Refresh')}
        </button>
      )}
      <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void create()} data-testid="queue-create-invoice">
        {busy ? t('Creating the invoice…') : t('Create invoice')}
      </button>
    </li>
  );
}
