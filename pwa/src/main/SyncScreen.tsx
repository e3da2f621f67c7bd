// Every change waiting on this phone, in the order it will be sent, with what needs the user.
import { t } from '../shared/i18n';
import { drain, syncingStore, useOutbox } from '../shared/outbox';
import { useOnline } from '../shared/online';
import { useStore } from '../shared/store';
import { describeOp, OpProblem } from './OpProblems';

export default function SyncScreen() {
  const ops = useOutbox();
  const online = useOnline();
  const syncing = useStore(syncingStore);
  return (
    <section class="screen" data-testid="sync-screen">
      <div class="screen-head">
        <h1 class="screen-title">{t('Unsent changes')}</h1>
      </div>
      {!ops.length ? (
        <div class="empty">
          <p class="empty-title">{t('All changes synced')}</p>
        </div>
      ) : (
        <>
          <p class="muted">
            {online ? t('Changes are sent in the order you made them.') : t('Offline: changes will be sent when the network returns.')}
          </p>
          <button type="button" class="btn btn-secondary btn-block" disabled={!online || syncing} data-testid="sync-now" onClick={() => void drain()}>
            {syncing ? t('Sending…') : t('Send now')}
          </button>
          <ol class="list op-list">
            {ops.map((op) => (
              <li key={op.id} class="row" data-testid="outbox-row" data-status={op.status}>
                <div class="row-main">
                  <span class="row-title">{describeOp(op)}</span>
                  <span class="muted small">
                    {op.status === 'queued' || op.status === 'sending' ? t('Waiting') : op.status === 'conflict' ? t('Conflict') : t('Refused')}
                  </span>
                </div>
                <OpProblem op={op} />
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
