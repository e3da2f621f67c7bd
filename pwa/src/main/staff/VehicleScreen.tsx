// One vehicle (`#/vehicles/<id>`): details, the dates it is due back (service, MOT or the Thai duties), its
// service history (each job with the work done, opening its job card), the work its owner put off, the mileage log
// and who has owned it.
import { formatDate, formatMoney, formatNumber, t } from '../../shared/i18n';
import { statusLabel, streamLabel } from '../../shared/labels';
import { href } from '../router';
import type { ScreenProps } from '../screens';
import { useRole } from './CustomerScreen';
import { Empty, Failure, Loading, ScreenTitle, useQuery } from './common';
import { reminderKindLabel } from './events';
import './reception.css';
import { Attachments } from '../inspection/Attachments';

// the roles that may open a quote (the quote-new-vehicle screen of staff/screens.ts)
const QUOTE_WRITERS = ['ADMIN', 'SITE_MANAGER', 'BILLING'];

interface VehicleView {
  id: string;
  registrationDisplay: string;
  vin: string | null;
  make: string | null;
  model: string | null;
  year: number | null;
  colour: string | null;
  fuel: string | null;
  kind: string | null;
  insuranceExpiry: string | null;
  firstRegistrationDate: string | null;
  mileage: number | null;
  notes: string | null;
  owner: { id: string; name: string; phone: string | null } | null;
  ownershipHistory: { startedAt: string; endedAt: string | null; note: string | null; customer: { id: string; name: string } }[];
  mileageLog: { mileage: number; recordedAt: string; reason: string | null }[];
  jobs: {
    id: string;
    number: string;
    status: string;
    operationsStream: string;
    createdAt: string;
    mileageIn: number | null;
    complaint: string | null;
    issuesReported: string | null;
    correction: string | null;
    workDoneNotes: string | null;
    tasks: { id: string; displayName: string; status: string }[];
  }[];
  deferredWork: { id: string; description: string; amount: number; currency: string; createdAt: string }[];
  serviceHistory: {
    id: string;
    visitedOn: string;
    mileage: number | null;
    description: string | null;
    technicianName: string | null;
    totalAmount: number | null;
    currency: string;
  }[];
  serviceDue: { date: string; mileage: number | null } | null;
  motDue: string | null;
  dutiesDue: { kind: string; dueOn: string; from: string | null }[];
}

const VEHICLE = `query VehicleScreen($id: ID!) { vehicle(id: $id) {
  id registrationDisplay vin make model year colour fuel kind insuranceExpiry firstRegistrationDate mileage notes
  owner { id name phone }
  ownershipHistory { startedAt endedAt note customer { id name } }
  mileageLog { mileage recordedAt reason }
  jobs { id number status operationsStream createdAt mileageIn complaint issuesReported correction workDoneNotes
    tasks { id displayName status } }
  deferredWork { id description amount currency createdAt }
  serviceHistory { id visitedOn mileage description technicianName totalAmount currency }
  serviceDue { date mileage } motDue dutiesDue { kind dueOn from } } }`;

export default function VehicleScreen({ params }: ScreenProps) {
  const q = useQuery<{ vehicle: VehicleView | null }>(VEHICLE, { id: params.id });
  const v = q.data?.vehicle ?? null;
  const role = useRole();
  return (
    <section class="screen" data-testid="vehicle-screen" data-vehicle-id={params.id}>
      {v?.owner && (
        <p class="small">
          <a href={href(`customers/${v.owner.id}`)} data-testid="vehicle-owner-link">
            {t('← {name}', { name: v.owner.name })}
          </a>
        </p>
      )}
      <ScreenTitle>{v ? <span class="plate">{v.registrationDisplay}</span> : t('Vehicle')}</ScreenTitle>
      {v && QUOTE_WRITERS.includes(role) && (
        <p>
          <a class="btn btn-secondary" href={href(`vehicles/${v.id}/quote`)} data-testid="vehicle-new-quote">
            {t('New quote')}
          </a>
        </p>
      )}
      {q.error && <Failure message={q.error} onRetry={q.reload} />}
      {!q.data && !q.error && <Loading />}
      {q.data && !v && <Empty testid="vehicle-missing">{t('This vehicle does not exist or you may not see it.')}</Empty>}
      {v && (
        <div class="detail-grid">
          <div class="card" data-testid="vehicle-details">
            <h2>{t('Details')}</h2>
            <dl class="facts">
              {(
                [
                  [t('Vehicle kind'), v.kind === 'MOTORCYCLE' ? t('Motorcycle') : t('Car')],
                  [t('Make'), v.make],
                  [t('Model'), v.model],
                  [t('Year'), v.year ? String(v.year) : null],
                  [t('Colour'), v.colour],
                  [t('VIN'), v.vin],
                  [t('First registered'), v.firstRegistrationDate ? formatDate(v.firstRegistrationDate) : null],
                  [t('Compulsory insurance (พ.ร.บ.) expires'), v.insuranceExpiry ? formatDate(v.insuranceExpiry) : null],
                  [t('Mileage'), v.mileage != null ? t('{km} km', { km: formatNumber(v.mileage) }) : null],
                  [t('Owner'), v.owner?.name ?? null],
                  [t('Notes'), v.notes],
                ] as [string, string | null][]
              )
                .filter(([, value]) => value)
                .map(([k, value]) => (
                  <>
                    <dt>{k}</dt>
                    <dd data-raw="">{value}</dd>
                  </>
                ))}
            </dl>
          </div>

          <div class="card" data-testid="vehicle-due">
            <h2>{t('Due next')}</h2>
            <dl class="facts">
              {v.serviceDue && (
                <>
                  <dt>{t('Service')}</dt>
                  <dd data-testid="due-service">
                    {formatDate(v.serviceDue.date)}
                    {v.serviceDue.mileage != null && <> · {t('{km} km', { km: formatNumber(v.serviceDue.mileage) })}</>}
                  </dd>
                </>
              )}
              {v.dutiesDue.length === 0 && v.motDue && (
                <>
                  <dt>{t('MOT')}</dt>
                  <dd data-testid="due-mot">{formatDate(v.motDue)}</dd>
                </>
              )}
              {v.dutiesDue.map((d) => (
                <>
                  <dt>{reminderKindLabel(d.kind)}</dt>
                  <dd data-testid="due-duty" data-kind={d.kind}>
                    {formatDate(d.dueOn)}
                    {d.from && <span class="muted small"> · {t('from {date}', { date: formatDate(d.from) })}</span>}
                  </dd>
                </>
              ))}
            </dl>
            {!v.serviceDue && !v.motDue && v.dutiesDue.length === 0 && <p class="muted">{t('Nothing on record yet.')}</p>}
          </div>

          <div class="card" data-testid="vehicle-history">
            <h2>{t('Service history')}</h2>
            {v.jobs.length === 0 ? (
              v.serviceHistory.length === 0 && <p class="muted">{t('No visits yet.')}</p>
            ) : (
              <ul class="plain-list">
                {v.jobs.map((j) => {
                  const done = j.tasks.filter((x) => x.status === 'COMPLETED');
                  const work = j.correction || j.workDoneNotes;
                  return (
                    <li key={j.id} data-testid="vehicle-job" data-id={j.id}>
                      <span class="line-between">
                        <a href={href(`jobs/${j.id}`)} data-testid="vehicle-job-link">
                          {j.number}
                        </a>
                        <span class="small">{statusLabel(j.status)}</span>
                      </span>
                      <span class="muted small">
                        {formatDate(j.createdAt)} · {streamLabel(j.operationsStream)}
                        {j.mileageIn != null && <> · {t('{km} km', { km: formatNumber(j.mileageIn) })}</>}
                      </span>
                      {(j.complaint || j.issuesReported) && <span class="small" data-raw="">{j.complaint || j.issuesReported}</span>}
                      {done.length > 0 && (
                        <span class="small" data-testid="vehicle-job-work">
                          {t('Work done: {tasks}', { tasks: done.map((x) => x.displayName).join(', ') })}
                        </span>
                      )}
                      {work && <span class="small muted" data-raw="">{work}</span>}
                    </li>
                  );
                })}
              </ul>
            )}
            {v.serviceHistory.length > 0 && (
              <>
                <h3>{t('Earlier visits (from the previous system)')}</h3>
                <ul class="plain-list" data-testid="vehicle-imported-history">
                  {v.serviceHistory.map((h) => (
                    <li key={h.id} data-testid="vehicle-imported-visit">
                      <span class="line-between">
                        <span>{formatDate(h.visitedOn)}</span>
                        {h.totalAmount != null && <span class="money">{formatMoney(h.totalAmount, h.currency)}</span>}
                      </span>
                      {(h.mileage != null || h.technicianName) && (
                        <span class="muted small">
                          {[h.mileage != null ? t('{km} km', { km: formatNumber(h.mileage) }) : null, h.technicianName]
                            .filter(Boolean)
                            .join(' · ')}
                        </span>
                      )}
                      {h.description && <span class="small" data-raw="">{h.description}</span>}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>

          <div class="card" data-testid="vehicle-deferred">
            <h2>{t('Work put off')}</h2>
            {v.deferredWork.length === 0 ? (
              <p class="muted">{t('Nothing put off.')}</p>
            ) : (
              <ul class="plain-list">
                {v.deferredWork.map((w) => (
                  <li key={w.id} data-testid="vehicle-deferred-item">
                    <span class="line-between">
                      <span data-raw="">{w.description}</span>
                      <span class="money">{formatMoney(w.amount, w.currency)}</span>
                    </span>
                    <span class="muted small">{t('Declined on {date}', { date: formatDate(w.createdAt) })}</span>
                  </li>
                ))}
              </ul>
            )}
          </div>

          <div class="card" data-testid="vehicle-mileage">
            <h2>{t('Mileage log')}</h2>
            {v.mileageLog.length === 0 ? (
              <p class="muted">{t('No readings yet.')}</p>
            ) : (
              <ul class="plain-list">
                {[...v.mileageLog].reverse().map((m, i) => (
                  <li key={`${m.recordedAt}-${i}`} data-testid="vehicle-mileage-row">
                    <span class="line-between">
                      <span>{t('{km} km', { km: formatNumber(m.mileage) })}</span>
                      <span class="muted small">{formatDate(m.recordedAt)}</span>
                    </span>
                    {m.reason && <span class="small muted" data-raw="">{m.reason}</span>}
                  </li>
                ))}
              </ul>
            )}
          </div>

          <div class="card" data-testid="vehicle-owners">
            <h2>{t('Owners')}</h2>
            <ul class="plain-list">
              {[...v.ownershipHistory].reverse().map((o, i) => (
                <li key={`${o.customer.id}-${i}`} data-testid="vehicle-owner-row">
                  <a href={href(`customers/${o.customer.id}`)}>{o.customer.name}</a>
                  <span class="muted small">
                    {o.endedAt
                      ? t('{from} to {to}', { from: formatDate(o.startedAt), to: formatDate(o.endedAt) })
                      : t('Since {date}', { date: formatDate(o.startedAt) })}
                  </span>
                  {o.note && <span class="small muted" data-raw="">{o.note}</span>}
                </li>
              ))}
            </ul>
          </div>

          <Attachments ownerType="vehicle" ownerId={v.id} role={role} />
        </div>
      )}
    </section>
  );
}
