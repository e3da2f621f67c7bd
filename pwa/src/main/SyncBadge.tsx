import { t } from '../shared/i18n';
import { syncingStore, useOutbox } from '../shared/outbox';
import { useStore } from '../shared/store';
import { href } from './router';

/** "N changes waiting to sync", always visible while anything waits; red when something needs the user. */
export function SyncBadge() {
  const ops = useOutbox();
  const syncing = useStore(syncingStore);
  const problems = ops.filter((o) => o.status === 'failed' || o.status === 'conflict').length;
  if (!ops.length) {
    return (
      <span class="badge badge-synced" data-testid="sync-badge" data-count="0" role="status">
        {t('All changes synced')}
      </span>
    );
  }
  return (
    <a
      href={href('sync')}
      class={`badge ${problems ? 'badge-problem' : 'badge-waiting'}`}
      data-testid="sync-badge"
      data-count={ops.length}
      data-problems={problems}
      aria-live="polite"
    >
      {t('Changes waiting to sync: {count}', { count: ops.length })}
      {problems > 0 && <> · {t('Need your attention: {count}', { count: problems })}</>}
      {syncing && <span class="sr-only"> {t('Sending…')}</span>}
    </a>
  );
}
