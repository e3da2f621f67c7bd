// The job card's read-only sections for the technician, under their offline job detail: the three Cs, the clock
// entries, the timeline (following jobUpdated, with who changed what) and the job sheet. They need the network;
// offline the card still works from the phone's copy and says these wait for a connection.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../../shared/i18n';
import { subscribe } from '../../shared/live';
import { useQuery } from '../staff/common';
import type { CardJob } from './api';
import { ClockEntries, LiveChange, PrintSheet, Story, Timeline, useLiveChange } from './sections';

// a technician's selection: no price of any kind, no owner's contacts, no quotes or invoices
const FIELDS = `id version issuesReported complaint cause correction workDoneNotes managerNotes clockedHours billedHours
  timeline { id at kind actorLabel fromStatus toStatus note }
  clockEntries { id startedAt endedAt hours technician { id name } }`;
const QUERY = `query TechnicianJobCard($id: ID!) { job(id: $id) { ${FIELDS} } }`;
const LIVE = `subscription TechnicianJobCardLive($jobId: ID!) { jobUpdated(jobId: $jobId) { ${FIELDS} } }`;

type More = Pick<CardJob, 'id' | 'version' | 'issuesReported' | 'complaint' | 'cause' | 'correction' | 'workDoneNotes' | 'managerNotes' | 'clockedHours' | 'billedHours' | 'timeline' | 'clockEntries'>;

export function TechnicianMore({ jobId }: { jobId: string }) {
  const card = useQuery<{ job: More | null }>(QUERY, { id: jobId });
  const { reload, setData } = card;
  const [live, setLive] = useState(false);
  const [dismissed, setDismissed] = useState<string | null>(null);
  useEffect(() => {
    let started = false;
    return subscribe<{ jobUpdated: More }>(LIVE, { jobId }, {
      next: (d) => {
        setLive(true);
        setData((old) => (!old?.job || d.jobUpdated.version >= old.job.version ? { job: d.jobUpdated } : old));
      },
      onStart: () => {
        if (started) reload();
        started = true;
      },
    });
  }, [jobId, reload, setData]);
  const job = card.data?.job ?? null;
  const change = useLiveChange(job?.timeline, live);
  if (!job) {
    return card.error ? (
      <p class="muted small center" data-testid="jc-more-offline">
        {t('The timeline and the clock entries show when you are online.')}
      </p>
    ) : null;
  }
  return (
    <div class="jc-col" data-testid="jc-more">
      <LiveChange change={change && change.id !== dismissed ? change : null} onDismiss={() => setDismissed(change?.id ?? null)} />
      <Story job={job} />
      <ClockEntries job={job} />
      <Timeline events={job.timeline} />
      <div class="card">
        <h2 class="card-title">{t('Print')}</h2>
        <PrintSheet jobId={job.id} />
      </div>
    </div>
  );
}
