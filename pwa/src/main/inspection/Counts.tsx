// The colours of an inspection as three counts (good / advise / urgent), with words beside the dots.
import { t } from '../../shared/i18n';
import type { Inspection } from './data';

export function Counts({ counts }: { counts: Inspection['counts'] }) {
  return (
    <p class="insp-counts" data-testid="inspection-counts" data-good={counts.good} data-advise={counts.advise} data-urgent={counts.urgent}>
      <span class="insp-dot insp-good">{t('{n} good', { n: counts.good })}</span>
      <span class="insp-dot insp-advise">{t('{n} advise', { n: counts.advise })}</span>
      <span class="insp-dot insp-urgent">{t('{n} urgent', { n: counts.urgent })}</span>
    </p>
  );
}
