// The job card (repair order) for the staff roles at `#/jobs/<id>`: the whole visit on one screen. Vehicle and
// owner, the status with only the actions this role may take now, tasks, parts, quotes, the three Cs, the timeline,
// the clock entries and the invoice. It follows jobUpdated live and says who changed what.
// (The technician's own card is technician/JobDetail.tsx, which works offline and shows these sections too.)
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { formatDateTime, formatMoney, formatNumber, getLocale, t } from '../../shared/i18n';
import { partsStatusLabel, statusLabel, streamLabel } from '../../shared/labels';
import { subscribe } from '../../shared/live';
import type { ScreenProps } from '../screens';
import { href } from '../router';
import { Empty, Failure, Loading, revenueLabel, useQuery } from '../staff/common';
import { LiveBadge } from '../staff/Board';
import { CARD_QUERY, CARD_SUBSCRIPTION, capsOf, cardVariables, garageCurrency, useRole, type CardJob, type Capability } from './api';
import { StatusActions, AddNote } from './actions';
import { ClockEntries, LiveChange, PrintSheet, Story, Timeline, hours, useLiveChange } from './sections';
import { quoteStatusLabel, decisionLabel } from '../quotes/labels';
import { invoiceStatusLabel } from '../staff/billing/money';
import { approvalsOf, approvalsText } from './approvals';
import { InspectionSummary } from '../inspection/InspectionSummary';
import { Attachments } from '../inspection/Attachments';
import { PartsOnOrder } from './PartsOnOrder';

export default function JobCard({ params }: ScreenProps) {
  const id = params.id;
  const role = useRole();
  const caps = useMemo(() => capsOf(role), [role]);
  const variables = useMemo(() => cardVariables(caps), [caps]);
  const card = useQuery<{ job: CardJob | null }>(CARD_QUERY, { id, ...variables });
  const { reload, setData } = card;
  const [live, setLive] = useState(false);

  useEffect(() => {
    let started = false;
    return subscribe<{ jobUpdated: CardJob }>(CARD_SUBSCRIPTION, { jobId: id, ...variables }, {
      next: (d) => {
        setLive(true);
        setData((old) => (!old?.job || d.jobUpdated.version >= old.job.version ? { job: d.jobUpdated } : old));
      },
      onStart: () => {
        if (started) reload(); // what changed while the socket was down is not replayed
        started = true;
      },
    });
  }, [id, variables, reload, setData]);

  const job = card.data?.job ?? null;
  const change = useLiveChange(job?.timeline, live);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const onChanged = useCallback((j: CardJob) => setData((old) => (!old?.job || j.version >= old.job.version ? { job: j } : old)), [setData]);

  if (card.error && !job) return <Failure message={card.error} onRetry={reload} />;
  if (!card.data) return <Loading />;
  if (!job) {
    return (
      <section class="screen" data-testid="job-card-missing">
        <Empty>{t('This job does not exist or you may not see it.')}</Empty>
      </section>
    );
  }
  return (
    <section class="screen jc" data-testid="job-card" data-job-id={job.id} data-status={job.status}>
      <nav class="jc-top" aria-label={t('Job card')}>
        <a class="back" href={href('board')} data-testid="jc-back">
          ‹ {t('Job board')}
        </a>
        <LiveBadge />
      </nav>
      <Head job={job} />
      <LiveChange change={change && change.id !== dismissed ? change : null} onDismiss={() => setDismissed(change?.id ?? null)} />
      <div class="jc-grid">
        <div class="jc-col">
          <StatusActions job={job} caps={caps} onChanged={onChanged} />
          <VehicleOwner job={job} />
          <Tasks job={job} caps={caps} />
          <Parts job={job} />
          <PartsOnOrder jobId={job.id} version={job.version} />
          <InspectionSummary jobId={job.id} role={role} workable={!['CANCELLED', 'INVOICED'].includes(job.status)} />
          {caps.has('quotes') && <Quotes job={job} caps={caps} />}
          {caps.has('invoices') && <Invoices job={job} caps={caps} />}
        </div>
        <div class="jc-col">
          <Story job={job} />
          <AddNote job={job} onChanged={onChanged} />
          <Attachments ownerType="job" ownerId={job.id} jobId={job.id} role={role} />
          <ClockEntries job={job} />
          <Timeline events={job.timeline} />
        </div>
      </div>
    </section>
  );
}

function Head({ job }: { job: CardJob }) {
  return (
    <header class="card jc-head">
      <div class="row-main">
        <h1 class="screen-title jc-number" data-testid="jc-number">
          <span data-raw="">{job.number}</span>
        </h1>
        <span class={`status status-${job.status.toLowerCase()}`} data-testid="jc-status" data-status={job.status}>
          {statusLabel(job.status)}
        </span>
      </div>
      <p class="jc-facts">
        <span class="plate plate-lg" data-raw="" data-testid="jc-registration">
          {job.vehicle?.registrationDisplay ?? '—'}
        </span>
        <span>{streamLabel(job.operationsStream)}</span>
        <span>{revenueLabel(job.revenueStream)}</span>
        {job.site && <span data-raw="">{job.site.name}</span>}
      </p>
      <p class="muted small">
        {t('Technician')}: <span data-testid="jc-technician" data-raw={job.technician ? '' : undefined}>{job.technician?.name ?? t('not assigned')}</span>
        {job.promisedAt && <> · {t('Promised for {when}', { when: formatDateTime(job.promisedAt) })}</>}
        {' · '}
        {t('Opened {when}', { when: formatDateTime(job.createdAt) })}
      </p>
      {job.status === 'ON_HOLD' && job.holdReason && (
        <p class="warn-text" data-testid="jc-hold-reason">
          {t('On hold')}: <span data-raw="">{job.holdReason}</span>
        </p>
      )}
      {job.status === 'CANCELLED' && job.cancelReason && (
        <p class="warn-text">
          {t('Cancelled')}: <span data-raw="">{job.cancelReason}</span>
        </p>
      )}
      <PrintSheet jobId={job.id} />
    </header>
  );
}

function VehicleOwner({ job }: { job: CardJob }) {
  const v = job.vehicle;
  const owner = job.customer;
  const others = owner?.vehicles.filter((o) => o.id !== v?.id) ?? [];
  return (
    <section class="card" data-testid="jc-vehicle" aria-labelledby="jc-vehicle-title">
      <h2 class="card-title" id="jc-vehicle-title">
        {t('Vehicle and owner')}
      </h2>
      {v && (
        <dl class="jc-dl">
          <dt>{t('Vehicle')}</dt>
          <dd data-raw="">{[v.make, v.model, v.year, v.colour].filter(Boolean).join(' ') || '—'}</dd>
          {v.vin && (
            <>
              <dt>{t('VIN')}</dt>
              <dd data-raw="" class="jc-break">
                {v.vin}
              </dd>
            </>
          )}
          <dt>{t('Mileage in')}</dt>
          <dd>{formatNumber(job.mileageIn)}</dd>
        </dl>
      )}
      {owner && (
        <div class="jc-owner" data-testid="jc-owner">
          <p class="row-title" data-raw="">
            {owner.name}
          </p>
          <p class="jc-contacts">
            {owner.phone && (
              <a class="btn btn-secondary btn-inline" href={`tel:${owner.phone.replace(/[^\d+]/g, '')}`} data-testid="jc-owner-phone">
                {t('Call')} <span data-raw="">{owner.phone}</span>
              </a>
            )}
            {owner.email && (
              <a class="btn btn-secondary btn-inline jc-break" href={`mailto:${owner.email}`} data-testid="jc-owner-email">
                {t('Mail')} <span data-raw="">{owner.email}</span>
              </a>
            )}
          </p>
          {others.length > 0 && (
            <>
              <h3 class="field-label">{t("The owner's other vehicles")}</h3>
              <ul class="jc-chips" data-testid="jc-other-vehicles">
                {others.map((o) => (
                  <li key={o.id}>
                    <span class="plate" data-raw="">
                      {o.registrationDisplay}
                    </span>{' '}
                    <span class="muted small" data-raw="">
                      {[o.make, o.model].filter(Boolean).join(' ')}
                    </span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}

function Tasks({ job, caps }: { job: CardJob; caps: Set<Capability> }) {
  const th = getLocale() === 'th';
  const prices = caps.has('prices');
  const labour = job.tasks.reduce((sum, task) => sum + (task.labourCost ?? 0), 0);
  return (
    <section class="card" data-testid="jc-tasks" aria-labelledby="jc-tasks-title">
      <h2 class="card-title" id="jc-tasks-title">
        {t('Tasks')}
      </h2>
      <p class="jc-hours">
        <span>
          {t('Billed')} <strong>{hours(job.billedHours)}</strong>
        </span>
        <span>
          {t('Clocked')} <strong>{hours(job.clockedHours)}</strong>
        </span>
        {prices && (
          <span>
            {t('Labour')} <strong data-testid="jc-labour-total">{formatMoney(labour, garageCurrency())}</strong>
          </span>
        )}
      </p>
      {job.tasks.length === 0 && <p class="muted">{t('No tasks yet.')}</p>}
      <ul class="list">
        {job.tasks.map((task) => (
          <li key={task.id} class={`row task-row ${task.status === 'COMPLETED' ? 'done' : ''}`} data-testid="jc-task" data-status={task.status}>
            <div class="row-main">
              <span class="row-title" data-raw="">
                {th && task.nameTh ? task.nameTh : task.name}
              </span>
              <span class={`chip ${task.status === 'COMPLETED' ? 'chip-done' : ''}`}>{task.status === 'COMPLETED' ? t('Done') : t('Open')}</span>
            </div>
            <span class="muted small">
              {hours(task.billedHours)}
              {prices && task.labourCost != null && <> · <span data-testid="jc-task-labour">{formatMoney(task.labourCost, garageCurrency())}</span></>}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Parts({ job }: { job: CardJob }) {
  const th = getLocale() === 'th';
  return (
    <section class="card" data-testid="jc-parts" aria-labelledby="jc-parts-title">
      <h2 class="card-title" id="jc-parts-title">
        {t('Parts')}
      </h2>
      {job.partsRequests.length === 0 && <p class="muted">{t('No parts requested.')}</p>}
      <ul class="list">
        {job.partsRequests.map((p) => (
          <li key={p.id} class="row" data-testid="jc-part" data-status={p.status}>
            <div class="row-main">
              <span class="row-title">
                {p.quantity} × <span data-raw="">{p.item ? (th && p.item.nameTh ? p.item.nameTh : p.item.nameEn) : '—'}</span>
              </span>
              <span class="status-pill">{partsStatusLabel(p.status)}</span>
            </div>
            <span class="muted small">
              <span data-raw="">{p.item?.sku}</span> · {formatDateTime(p.createdAt)}
            </span>
            {p.note && (
              <p class="small" data-raw="">
                {p.note}
              </p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Quotes({ job, caps }: { job: CardJob; caps: Set<Capability> }) {
  const quotes = job.quotes ?? [];
  const open = !['CANCELLED', 'INVOICED'].includes(job.status);
  const approvals = approvalsOf(quotes);
  return (
    <section class="card" data-testid="jc-quotes" aria-labelledby="jc-quotes-title">
      <h2 class="card-title" id="jc-quotes-title">
        {t('Quotes')}
      </h2>
      {approvals && (
        <p class="jc-approvals" data-testid="jc-approvals" data-approved={approvals.approved} data-lines={approvals.lines}>
          <strong>{approvalsText(approvals)}</strong>
        </p>
      )}
      {quotes.length === 0 && <p class="muted">{t('No quotes for this job.')}</p>}
      <ul class="list">
        {quotes.map((q) => (
          <li key={q.id} class="row" data-testid="jc-quote" data-status={q.status}>
            <div class="row-main">
              <a class="row-title" href={href(`quotes/${q.id}`)} data-testid="jc-quote-link">
                <span data-raw="">{q.number}</span>
              </a>
              <span class="status-pill">{quoteStatusLabel(q.status)}</span>
            </div>
            <ul class="jc-lines">
              {q.lines.map((l) => (
                <li key={l.id} data-testid="jc-quote-line" data-decision={l.decision}>
                  <span data-raw="">{l.description}</span>
                  <span class={`jc-decision jc-decision-${l.decision.toLowerCase()}`}>{decisionLabel(l.decision)}</span>
                </li>
              ))}
            </ul>
            <span class="muted small">
              {t('Total')} {formatMoney(q.total, q.currency)}
            </span>
          </li>
        ))}
      </ul>
      {caps.has('quotesWrite') && open && (
        <a class="btn btn-secondary btn-block" href={href(`jobs/${job.id}/quote`)} data-testid="jc-new-quote">
          + {t('New quote')}
        </a>
      )}
    </section>
  );
}

function Invoices({ job, caps }: { job: CardJob; caps: Set<Capability> }) {
  const invoices = job.invoices ?? [];
  return (
    <section class="card" data-testid="jc-invoices" aria-labelledby="jc-invoices-title">
      <h2 class="card-title" id="jc-invoices-title">
        {t('Invoice')}
      </h2>
      {invoices.length === 0 && <p class="muted">{t('Not invoiced yet.')}</p>}
      <ul class="list">
        {invoices.map((inv) => (
          <li key={inv.id} class="row" data-testid="jc-invoice" data-status={inv.status}>
            <div class="row-main">
              {caps.has('invoicesWrite') ? (
                <a class="row-title" href={href(`invoices/${inv.id}`)} data-testid="jc-invoice-link">
                  <span data-raw="">{inv.number ?? t('Draft invoice')}</span>
                </a>
              ) : (
                <span class="row-title" data-raw={inv.number ? '' : undefined}>
                  {inv.number ?? t('Draft invoice')}
                </span>
              )}
              <span class="status-pill">{invoiceStatusLabel(inv.status)}</span>
            </div>
            <span class="small">
              {t('Total')} {formatMoney(inv.total, inv.currency)} · {t('Balance due')}{' '}
              <strong data-testid="jc-invoice-balance" data-minor={inv.balanceDue}>
                {formatMoney(inv.balanceDue, inv.currency)}
              </strong>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
