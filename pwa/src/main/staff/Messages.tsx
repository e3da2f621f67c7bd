// Admin: the garage's outbox — every message to a customer or a user, by status (the failed ones first), with what
// became of it, and a Retry button on the failed or cancelled ones.
import { useState } from 'preact/hooks';
import { t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import type { ScreenProps } from '../screens';
import { eventLabel, messageStatusLabel } from './events';

export { messageStatusLabel };
import { ERRORS, Empty, EnumSelect, Failure, FormErrors, LoadMore, Loading, ScreenTitle, mutate, usePagedList, useSave, when } from './common';

const MESSAGE = 'id event channel channelLabel recipient status attempts lastError createdAt sentAt deliveredAt';
interface Message {
  id: string;
  event: string;
  channel: string;
  channelLabel: string;
  recipient: string | null;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
}
const LIST = `query AdminMessages($status: NotificationStatus, $after: String) {
  notifications(status: $status, first: 20, after: $after) {
    edges { node { ${MESSAGE} } } pageInfo { hasNextPage endCursor } } }`;
const RETRY = `mutation RetryMessage($input: RetryNotificationInput!) { retryNotification(input: $input) { notification { ${MESSAGE} } ${ERRORS} } }`;
type Payload = { notification: Message | null; errors: UserError[] };

export const MESSAGE_STATUSES = ['FAILED', 'QUEUED', 'SENDING', 'SENT', 'DELIVERED', 'CANCELLED'] as const;

export default function MessagesScreen(_props: ScreenProps) {
  const [status, setStatus] = useState('FAILED');
  const list = usePagedList<Message>(LIST, 'notifications', { status: status || null });
  const changed = (m: Message) => list.setRows((old) => (old ? old.map((r) => (r.id === m.id ? m : r)) : old));
  return (
    <section class="screen">
      <ScreenTitle>{t('Messages')}</ScreenTitle>
      <EnumSelect
        label={t('Status')}
        values={MESSAGE_STATUSES}
        labelOf={messageStatusLabel}
        value={status}
        onChange={setStatus}
        testid="message-status-filter"
        first={<option value="">{t('All messages')}</option>}
      />
      {list.error && <Failure message={list.error} onRetry={list.reload} />}
      {list.rows === null && !list.error && <Loading />}
      {list.rows && list.rows.length === 0 && <Empty testid="message-empty">{status ? t('No messages with this status.') : t('No messages yet.')}</Empty>}
      {list.rows && list.rows.length > 0 && (
        <ul class="list" data-testid="message-list" aria-busy={list.busy}>
          {list.rows.map((m) => (
            <MessageRow key={m.id} message={m} onChanged={changed} />
          ))}
        </ul>
      )}
      <LoadMore hasMore={list.hasMore} busy={list.busy} onMore={list.more} />
    </section>
  );
}

function MessageRow({ message: m, onChanged }: { message: Message; onChanged: (m: Message) => void }) {
  const { errors, busy, send } = useSave<Message>(onChanged);
  const retry = () => void send(() => mutate<Payload>(RETRY, { id: m.id }, 'retryNotification'), (p) => p.notification);
  const canRetry = m.status === 'FAILED' || m.status === 'CANCELLED';
  return (
    <li class="card row" data-testid="message-row" data-id={m.id} data-status={m.status}>
      <div class="row-main">
        <span class="row-title">{eventLabel(m.event)}</span>
        <span class={m.status === 'FAILED' ? 'tag-warn' : 'muted small'} data-testid="message-status">
          {messageStatusLabel(m.status)}
        </span>
      </div>
      <p class="small">
        {m.channelLabel}
        {m.recipient && <> · <span class="break">{m.recipient}</span></>}
      </p>
      <p class="muted small">
        {t('Attempts: {n}', { n: m.attempts })} · {when(m.sentAt ?? m.createdAt)}
      </p>
      {m.lastError && (
        <p class="small field-error" data-testid="message-error">
          {m.lastError}
        </p>
      )}
      <FormErrors errors={errors} testid="message-retry-errors" />
      {canRetry && (
        <div class="actions">
          <button type="button" class="btn btn-secondary" disabled={busy} onClick={retry} data-testid="message-retry">
            {busy ? t('Sending…') : t('Retry')}
          </button>
        </div>
      )}
    </li>
  );
}
