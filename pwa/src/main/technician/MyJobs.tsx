import { useEffect } from 'preact/hooks';
import { t } from '../../shared/i18n';
import { subscribe } from '../../shared/live';
import type { Job } from '../../shared/types';
import { JOB_SUBSCRIPTION, loadClock, loadMyJobs, refreshMyJobs, refreshReference, storeJob } from '../../shared/workshop';
import { href } from '../router';
import { statusLabel } from '../../shared/labels';
import { useDeviceValue, useRefresh, useUserId } from './useDevice';

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
