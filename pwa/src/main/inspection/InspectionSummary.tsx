// The inspection section of the job card (staff) and of the technician's job: each inspection with its colours,
// the way into it (start or continue, `#/jobs/<id>/inspection`), and for those who may quote the amber and red
// findings not yet quoted with "Quote the findings" (`#/jobs/<id>/findings`). Read from the device copy, so the
// technician sees it offline too.
import { useEffect } from 'preact/hooks';
import { formatDate, t } from '../../shared/i18n';
import { useOnline } from '../../shared/online';
import { useDeviceValue } from '../technician/useDevice';
import { href } from '../router';
import { INSPECTORS, QUOTERS, loadInspections, refreshInspections, watchInspectionOps, type Inspection } from './data';
import { Counts } from './Counts';
import './inspection.css';

export function openFindings(list: Inspection[]): number {
  return list.reduce((n, i) => n + i.results.filter((r) => (r.condition === 'ADVISE' || r.condition === 'URGENT') && !r.quoted).length, 0);
}

export function InspectionSummary({ jobId, role, workable = true }: { jobId: string; role: string; workable?: boolean }) {
  const online = useOnline();
  const list = useDeviceValue(() => loadInspections(jobId), [jobId]);
  useEffect(() => watchInspectionOps(), []);
  useEffect(() => {
    if (online) void refreshInspections(jobId).catch(() => undefined);
  }, [jobId, online]);

  const inspections = list ?? [];
  const findings = openFindings(inspections);
  const current = [...inspections].reverse().find((i) => i.status === 'IN_PROGRESS');
  const mayInspect = INSPECTORS.includes(role) && workable;
  return (
    <section class="card" data-testid="jc-inspections" aria-labelledby="jc-insp-title">
      <h2 class="card-title" id="jc-insp-title">
        {t('Inspection')}
      </h2>
      {list === undefined && <p class="muted small">{t('Loading…')}</p>}
      {list === null && <p class="muted small">{t('The inspections show when you are online.')}</p>}
      {list && inspections.length === 0 && <p class="muted">{t('No inspection yet.')}</p>}
      <ul class="list">
        {inspections.map((i) => (
          <li key={i.id} class="row" data-testid="jc-inspection" data-status={i.status}>
            <div class="row-main">
              <span class="row-title" data-raw="">
                {i.template?.name ?? t('Inspection')}
              </span>
              <span class={`chip ${i.status === 'COMPLETED' ? 'chip-done' : 'chip-wait'}`}>{i.status === 'COMPLETED' ? t('Completed') : t('In progress')}</span>
            </div>
            <Counts counts={i.counts} />
            <span class="muted small">
              {formatDate(i.startedAt)}
              {i.startedBy && (
                <>
                  {' · '}
                  <span data-raw="">{i.startedBy.name}</span>
                </>
              )}
              {i.pending && <> · {t('Waiting to sync')}</>}
            </span>
          </li>
        ))}
      </ul>
      <div class="op-actions">
        {(inspections.length > 0 || mayInspect) && (
          <a class="btn btn-secondary" href={href(`jobs/${jobId}/inspection`)} data-testid="jc-open-inspection">
            {current && mayInspect ? t('Continue the inspection') : inspections.length ? t('Open the inspection') : t('Start an inspection')}
          </a>
        )}
        {QUOTERS.includes(role) && findings > 0 && (
          <a class="btn btn-primary" href={href(`jobs/${jobId}/findings`)} data-testid="jc-quote-findings">
            {t('Quote the findings ({n})', { n: findings })}
          </a>
        )}
      </div>
    </section>
  );
}
