// Reception's arrivals of the day: the site's appointments due today in time order, one tap on "Arrived" opens the
// job card from the appointment and goes to it. Live through the site's appointmentsChanged subscription.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../../../shared/i18n';
import { subscribe } from '../../../shared/live';
import type { UserError } from '../../../shared/types';
import type { ScreenProps } from '../../screens';
import { LiveBadge } from '../Board';
import { Empty, Failure, FormErrors, Loading, ScreenTitle, SitePicker, useQuery, useSite } from '../common';
import { markArrived } from './Panel';
import { ARRIVALS, LIVE, canBook, hhmm, localMinute, statusName, type Appointment } from './data';
import './calendar.css';

export default function ArrivalsScreen(_props: ScreenProps) {
  const { sites, siteId, setSiteId, error: siteError } = useSite();
  const list = useQuery<{ arrivalsToday: Appointment[] }>(ARRIVALS, siteId ? { siteId } : null);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const { reload } = list;

  useEffect(() => {
    if (!siteId) return;
    let started = false;
    return subscribe(LIVE, { siteId }, {
      next: () => reload(),
      onStart: () => {
        if (started) reload();
        started = true;
      },
    });
  }, [siteId, reload]);

  const rows = list.data?.arrivalsToday ?? [];
  return (
    <section class="screen arrivals-screen" data-testid="arrivals-screen">
      <ScreenTitle extra={<LiveBadge />}>{t('Arrivals today')}</ScreenTitle>
      {siteError && <Failure message={siteError} />}
      {sites && <SitePicker sites={sites} siteId={siteId} onChange={setSiteId} />}
      <FormErrors errors={errors} testid="arrivals-errors" />
      {list.error && <Failure message={list.error} onRetry={reload} />}
      {!list.data && list.loading && <Loading />}
      {list.data && !rows.length && <Empty testid="arrivals-empty">{t('No appointments today.')}</Empty>}
      <ul class="arrivals-list">
        {rows.map((a) => {
          const first = a.allocations[0];
          return (
            <li key={a.id} class={`card arrival status-${a.status.toLowerCase()}`} data-testid="arrival" data-appointment={a.id}>
              <div class="arrival-main">
                <span class="arrival-time">{first ? hhmm(localMinute(first.startsAt)) : '—'}</span>
                <span class="arrival-who">
                  <strong>{a.vehicle?.registration}</strong> {a.customer?.name}
                </span>
                <span class="muted small">
                  {[a.services.map((s) => s.name).join(', '), first?.technician?.name, first?.bay?.name].filter(Boolean).join(' · ')}
                </span>
                <span class={`badge cal-badge status-${a.status.toLowerCase()}`}>{statusName(a.status)}</span>
              </div>
              {a.job ? (
                <a class="btn btn-secondary" href={`#/jobs/${a.job.id}`} data-testid="arrival-job">
                  {t('Job card {number}', { number: a.job.number })}
                </a>
              ) : (
                canBook() && ['REQUESTED', 'CONFIRMED'].includes(a.status) && (
                  <button
                    type="button"
                    class="btn btn-primary"
                    disabled={busy === a.id}
                    onClick={async () => {
                      setBusy(a.id);
                      const errs = await markArrived(a);
                      setBusy(null);
                      setErrors(errs);
                      if (errs.length) reload();
                    }}
                    data-testid="arrival-arrived"
                  >
                    {t('Mark as arrived')}
                  </button>
                )
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
