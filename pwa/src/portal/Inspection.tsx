import { useRef, useState } from 'preact/hooks';
import { formatDateTime, formatNumber, t } from './i18n';
import type { Condition, Inspection, PortalFile } from './types';

export function conditionLabel(c: Condition | null): string {
  return c === 'URGENT' ? t('Needs attention now') : c === 'ADVISE' ? t('Advised soon') : c === 'GOOD' ? t('Good') : t('Not checked');
}

/** The inspection report: every item with its colour (and the colour's words), notes and photos, worst first. */
export function InspectionReport({ inspection }: { inspection: Inspection }) {
  const order: Record<string, number> = { URGENT: 0, ADVISE: 1, GOOD: 2 };
  const items = [...inspection.items].sort((a, b) => (order[a.condition ?? ''] ?? 3) - (order[b.condition ?? ''] ?? 3));
  const { good, advise, urgent } = inspection.counts;
  const id = `p-insp-${inspection.id}`;
  return (
    <section class="p-card" aria-labelledby={id} data-testid="portal-inspection">
      <h2 id={id} class="p-h2">{t('Inspection: {name}', { name: inspection.name })}</h2>
      {inspection.completedAt && <p class="p-muted">{formatDateTime(inspection.completedAt)}</p>}
      <p class="p-counts">
        {urgent > 0 && <span class="p-chip p-urgent">{t('{count} urgent', { count: urgent })}</span>}
        {advise > 0 && <span class="p-chip p-advise">{t('{count} advised', { count: advise })}</span>}
        {good > 0 && <span class="p-chip p-good">{t('{count} good', { count: good })}</span>}
      </p>
      <ul class="p-list">
        {items.map((r, i) => (
          <li key={i} class="p-result" data-testid="portal-result" data-condition={r.condition ?? ''}>
            <div class="p-result-head">
              <span class={`p-dot p-${(r.condition ?? 'none').toLowerCase()}`} aria-hidden="true" />
              <span class="p-result-title">{r.title}<span class="p-muted p-section"> · {r.sectionTitle}</span></span>
              <span class={`p-chip p-${(r.condition ?? 'none').toLowerCase()}`}>{conditionLabel(r.condition)}</span>
            </div>
            {(r.value != null || r.note) && (
              <p class="p-muted">
                {[r.value != null ? `${formatNumber(Number(r.value), 2)}${r.unit ? ` ${r.unit}` : ''}` : null, r.note].filter(Boolean).join(' · ')}
              </p>
            )}
            {r.photos.length > 0 && <Photos photos={r.photos} what={r.title} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Thumbnails that open the full-size photo in a dialog (Escape or the close button returns to the page). */
export function Photos({ photos, what }: { photos: PortalFile[]; what: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState<PortalFile | null>(null);
  const show = (p: PortalFile) => {
    setOpen(p);
    dialog.current?.showModal();
  };
  return (
    <>
      <ul class="p-photos">
        {photos.map((p, i) => (
          <li key={i}>
            <button type="button" class="p-thumb" onClick={() => show(p)} data-testid="portal-photo"
              aria-label={t('Photo {n} of {count}: {what}', { n: i + 1, count: photos.length, what })}>
              <img src={p.thumbnailUrl ?? p.url} alt="" width={96} height={72} loading="lazy" decoding="async" />
            </button>
          </li>
        ))}
      </ul>
      <dialog ref={dialog} class="p-viewer" aria-label={what} onClose={() => setOpen(null)} data-testid="portal-photo-viewer">
        {open && <img src={open.url} alt={what} data-testid="portal-photo-full" />}
        <form method="dialog">
          <button type="submit" class="p-btn p-primary">{t('Close')}</button>
        </form>
      </dialog>
    </>
  );
}
