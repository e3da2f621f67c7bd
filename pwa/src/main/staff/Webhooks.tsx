// Admin: outbound webhooks — the garage's endpoints (URL, description, events, on/off), the signing secret shown once
// when an endpoint is made or its secret rotated, a test ping, and each endpoint's delivery log with Send again.
import { useRef, useState } from 'preact/hooks';
import { t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import type { ScreenProps } from '../screens';
import { ERRORS, Empty, Failure, Field, FormButtons, FormErrors, LoadMore, Loading, ScreenTitle, errorsFor, mutate, otherErrors, usePagedList, useQuery, useSave, when } from './common';

const ENDPOINT = 'id url description events active disabledAt consecutiveFailures secretHint version';
interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  active: boolean;
  disabledAt: string | null;
  consecutiveFailures: number;
  secretHint: string;
  version: number;
}
interface Attempt {
  attempt: number;
  at: string;
  succeeded: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}
interface Delivery {
  id: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
  redeliveryOfId: string | null;
  attemptLog: Attempt[];
}
const LIST = `query WebhookEndpoints { webhookEndpoints { ${ENDPOINT} } webhookEventTypes }`;
const CREATE = `mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { ${ENDPOINT} } secret ${ERRORS} } }`;
const UPDATE = `mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { endpoint { ${ENDPOINT} } ${ERRORS} } }`;
const ROTATE = `mutation RotateWebhookSecret($input: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $input) { endpoint { ${ENDPOINT} } secret ${ERRORS} } }`;
const DELETE = `mutation DeleteWebhookEndpoint($input: WebhookEndpointIdInput!) { deleteWebhookEndpoint(input: $input) { deletedId ${ERRORS} } }`;
const DELIVERY = 'id eventType status attempts lastStatusCode lastError lastAttemptAt createdAt redeliveryOfId attemptLog { attempt at succeeded statusCode durationMs error }';
const TEST = `mutation TestWebhookEndpoint($input: WebhookEndpointIdInput!) { testWebhookEndpoint(input: $input) { delivery { ${DELIVERY} } ${ERRORS} } }`;
const DELIVERIES = `query WebhookDeliveries($endpointId: ID!, $after: String) {
  webhookDeliveries(endpointId: $endpointId, first: 20, after: $after) {
    edges { node { ${DELIVERY} } } pageInfo { hasNextPage endCursor } } }`;
const REDELIVER = `mutation RedeliverWebhook($input: RedeliverWebhookInput!) { redeliverWebhook(input: $input) { delivery { ${DELIVERY} } ${ERRORS} } }`;

type EndpointPayload = { endpoint: Endpoint | null; secret?: string | null; errors: UserError[] };
type DeliveryPayload = { delivery: Delivery | null; errors: UserError[] };
type Secret = { url: string; value: string };

export function webhookEventLabel(event: string): string {
  switch (event) {
    case 'job.status_changed':
      return t('Job status changed');
    case 'quote.approved':
      return t('Quote approved');
    case 'invoice.issued':
      return t('Invoice issued');
    case 'payment.recorded':
      return t('Payment recorded');
    case 'appointment.booked':
      return t('Appointment booked');
    case 'appointment.changed':
      return t('Appointment changed');
    case 'stock.low':
      return t('Stock low');
    case 'ping':
      return t('Test message');
    default:
      return event;
  }
}

/** An attempt's error without the HTTP status the line already shows ("HTTP 500: <the answer's start>"). */
function answerText(a: Attempt): string {
  const prefix = a.statusCode !== null ? `HTTP ${a.statusCode}` : '';
  const text = a.error ?? '';
  return prefix && text.startsWith(prefix) ? text.slice(prefix.length).replace(/^:\s*/, '') : text;
}

function deliveryStatusLabel(status: string): string {
  switch (status) {
    case 'QUEUED':
      return t('Waiting to send');
    case 'SENDING':
      return t('Sending…');
    case 'SUCCEEDED':
      return t('Delivered');
    case 'FAILED':
      return t('Failed');
    case 'CANCELLED':
      return t('Not sent');
    default:
      return status;
  }
}

export default function WebhooksScreen(_props: ScreenProps) {
  const list = useQuery<{ webhookEndpoints: Endpoint[]; webhookEventTypes: string[] }>(LIST, {});
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<Secret | null>(null);
  const events = list.data?.webhookEventTypes ?? [];
  const upsert = (e: Endpoint) =>
    list.setData((old) => {
      if (!old) return old;
      const known = old.webhookEndpoints.some((x) => x.id === e.id);
      return { ...old, webhookEndpoints: known ? old.webhookEndpoints.map((x) => (x.id === e.id ? e : x)) : [...old.webhookEndpoints, e] };
    });
  const remove = (id: string) => list.setData((old) => (old ? { ...old, webhookEndpoints: old.webhookEndpoints.filter((x) => x.id !== id) } : old));
  return (
    <section class="screen">
      <ScreenTitle
        extra={
          !adding && (
            <button type="button" class="btn btn-primary" onClick={() => setAdding(true)} data-testid="webhook-add">
              {t('Add endpoint')}
            </button>
          )
        }
      >
        {t('Webhooks')}
      </ScreenTitle>
      <p class="muted small">{t('Your other programs hear what happens here: MotoTrack sends each event you choose to their web address, signed with the endpoint’s secret.')}</p>
      {secret && <SecretCard secret={secret} onDone={() => setSecret(null)} />}
      {adding && (
        <EndpointForm
          events={events}
          onDone={(e, value) => {
            if (e) upsert(e);
            if (e && value) setSecret({ url: e.url, value });
            setAdding(false);
          }}
        />
      )}
      {list.error && <Failure message={list.error} onRetry={list.reload} />}
      {!list.data && list.loading && <Loading />}
      {list.data && list.data.webhookEndpoints.length === 0 && !adding && <Empty testid="webhook-empty">{t('No endpoints yet.')}</Empty>}
      {list.data && list.data.webhookEndpoints.length > 0 && (
        <ul class="list" data-testid="webhook-list">
          {list.data.webhookEndpoints.map((e) => (
            <EndpointRow key={e.id} endpoint={e} events={events} onChanged={upsert} onRemoved={remove} onSecret={setSecret} />
          ))}
        </ul>
      )}
    </section>
  );
}

function SecretCard({ secret, onDone }: { secret: Secret; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = () =>
    void navigator.clipboard?.writeText(secret.value).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  return (
    <div class="card form" role="status" data-testid="webhook-secret">
      <h2 class="form-title">{t('Signing secret')}</h2>
      <p class="small break">{t('For {url}. Copy it into the receiving program now: it is not shown again.', { url: secret.url })}</p>
      <p>
        <code class="break" data-testid="webhook-secret-value">{secret.value}</code>
      </p>
      <div class="actions">
        <button type="button" class="btn btn-secondary" onClick={copy} data-testid="webhook-secret-copy">
          {copied ? t('Copied') : t('Copy')}
        </button>
        <button type="button" class="btn btn-primary" onClick={onDone} data-testid="webhook-secret-done">
          {t('I have saved it')}
        </button>
      </div>
    </div>
  );
}

function EndpointRow({ endpoint: e, events, onChanged, onRemoved, onSecret }: {
  endpoint: Endpoint;
  events: string[];
  onChanged: (e: Endpoint) => void;
  onRemoved: (id: string) => void;
  onSecret: (s: Secret) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [open, setOpen] = useState(false);
  const [confirm, setConfirm] = useState<'' | 'rotate' | 'delete'>('');
  const [tested, setTested] = useState(0);
  const { errors, busy, send } = useSave<Endpoint>(onChanged);

  if (editing) {
    return (
      <li class="card row">
        <EndpointForm endpoint={e} events={events} onDone={(saved) => { if (saved) onChanged(saved); setEditing(false); }} />
      </li>
    );
  }
  const toggle = () => void send(() => mutate<EndpointPayload>(UPDATE, { id: e.id, active: !e.active, expectedVersion: e.version }, 'updateWebhookEndpoint'), (p) => p.endpoint);
  const rotate = async () => {
    await send(() => mutate<EndpointPayload>(ROTATE, { id: e.id, expectedVersion: e.version }, 'rotateWebhookSecret'), (p) => {
      if (p.endpoint && p.secret) onSecret({ url: p.endpoint.url, value: p.secret });
      return p.endpoint;
    });
    setConfirm('');
  };
  const remove = async () => {
    await send(() => mutate<{ deletedId: string | null; errors: UserError[] }>(DELETE, { id: e.id }, 'deleteWebhookEndpoint'), (p) => {
      if (p.deletedId) onRemoved(p.deletedId);
      return null;
    });
    setConfirm('');
  };
  const test = () =>
    void send(() => mutate<DeliveryPayload>(TEST, { id: e.id }, 'testWebhookEndpoint'), (p) => {
      if (p.delivery) {
        setOpen(true);
        setTested((n) => n + 1);
      }
      return null;
    });
  return (
    <li class={`card row ${e.active ? '' : 'inactive'}`} data-testid="webhook-row" data-id={e.id} data-active={String(e.active)}>
      <div class="row-main">
        <span class="row-title break" data-testid="webhook-url">{e.url}</span>
        {e.active ? (
          <span class="muted small">{t('On')}</span>
        ) : (
          <span class="tag-warn" data-testid="webhook-off">{e.disabledAt ? t('Switched off after {n} failed deliveries', { n: e.consecutiveFailures }) : t('Off')}</span>
        )}
      </div>
      {e.description && <p class="small">{e.description}</p>}
      <p class="small muted" data-testid="webhook-events">{e.events.map(webhookEventLabel).join(' · ')}</p>
      <p class="small muted">{t('Secret ending {hint}', { hint: e.secretHint })}</p>
      <FormErrors errors={errors} testid="webhook-row-errors" />
      <div class="actions">
        <button type="button" class="btn btn-secondary" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="webhook-deliveries-toggle">
          {open ? t('Hide deliveries') : t('Deliveries')}
        </button>
        <button type="button" class="btn btn-secondary" disabled={busy || !e.active} onClick={test} data-testid="webhook-test">
          {t('Send test')}
        </button>
        <button type="button" class="btn btn-secondary" onClick={() => setEditing(true)} data-testid="webhook-edit">
          {t('Edit')}
        </button>
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={toggle} data-testid="webhook-toggle">
          {e.active ? t('Switch off') : t('Switch on')}
        </button>
        {confirm === 'rotate' ? (
          <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void rotate()} data-testid="webhook-rotate-confirm">
            {t('Yes, make a new secret')}
          </button>
        ) : (
          <button type="button" class="btn btn-secondary" onClick={() => setConfirm('rotate')} data-testid="webhook-rotate">
            {t('New secret')}
          </button>
        )}
        {confirm === 'delete' ? (
          <button type="button" class="btn btn-primary btn-danger" disabled={busy} onClick={() => void remove()} data-testid="webhook-delete-confirm">
            {t('Yes, delete it')}
          </button>
        ) : (
          <button type="button" class="btn btn-secondary" onClick={() => setConfirm('delete')} data-testid="webhook-delete">
            {t('Delete')}
          </button>
        )}
      </div>
      {open && <Deliveries endpointId={e.id} refresh={tested} />}
    </li>
  );
}

function Deliveries({ endpointId, refresh }: { endpointId: string; refresh: number }) {
  const list = usePagedList<Delivery>(DELIVERIES, 'webhookDeliveries', { endpointId, refresh });
  const changed = (d: Delivery) => list.setRows((old) => (old ? (old.some((r) => r.id === d.id) ? old.map((r) => (r.id === d.id ? d : r)) : [d, ...old]) : old));
  return (
    <div class="group" data-testid="webhook-deliveries">
      <div class="actions">
        <button type="button" class="btn btn-secondary" disabled={list.busy} onClick={list.reload} data-testid="webhook-deliveries-reload">
          {t('Refresh')}
        </button>
      </div>
      {list.error && <Failure message={list.error} onRetry={list.reload} />}
      {list.rows === null && !list.error && <Loading />}
      {list.rows && list.rows.length === 0 && <Empty testid="webhook-deliveries-empty">{t('Nothing sent yet.')}</Empty>}
      {list.rows && list.rows.length > 0 && (
        <ul class="list">
          {list.rows.map((d) => (
            <DeliveryRow key={d.id} delivery={d} onChanged={changed} />
          ))}
        </ul>
      )}
      <LoadMore hasMore={list.hasMore} busy={list.busy} onMore={list.more} />
    </div>
  );
}

function DeliveryRow({ delivery: d, onChanged }: { delivery: Delivery; onChanged: (d: Delivery) => void }) {
  const { errors, busy, send } = useSave<Delivery>(onChanged);
  const again = () => void send(() => mutate<DeliveryPayload>(REDELIVER, { id: d.id }, 'redeliverWebhook'), (p) => p.delivery);
  const finished = d.status !== 'QUEUED' && d.status !== 'SENDING';
  return (
    <li class="card row" data-testid="webhook-delivery" data-status={d.status}>
      <div class="row-main">
        <span class="row-title">{webhookEventLabel(d.eventType)}</span>
        <span class={d.status === 'FAILED' ? 'tag-warn' : 'muted small'} data-testid="webhook-delivery-status">{deliveryStatusLabel(d.status)}</span>
      </div>
      <p class="muted small">
        {when(d.lastAttemptAt ?? d.createdAt)} · {t('Attempts: {n}', { n: d.attempts })}
        {d.lastStatusCode !== null && <> · HTTP {d.lastStatusCode}</>}
      </p>
      {d.attemptLog.length > 0 && (
        <ol class="small" data-testid="webhook-attempts">
          {d.attemptLog.map((a) => (
            <li key={a.attempt} class={a.succeeded ? '' : 'field-error'}>
              {when(a.at)} · {a.statusCode !== null ? `HTTP ${a.statusCode}` : t('No answer')} · {t('{ms} ms', { ms: a.durationMs })}
              {a.error && <span class="clamp break">{answerText(a)}</span>}
            </li>
          ))}
        </ol>
      )}
      <FormErrors errors={errors} testid="webhook-redeliver-errors" />
      {finished && (
        <div class="actions">
          <button type="button" class="btn btn-secondary" disabled={busy} onClick={again} data-testid="webhook-redeliver">
            {busy ? t('Sending…') : t('Send again')}
          </button>
        </div>
      )}
    </li>
  );
}

function EndpointForm({ endpoint, events, onDone }: { endpoint?: Endpoint; events: string[]; onDone: (e: Endpoint | null, secret?: string) => void }) {
  const [url, setUrl] = useState(endpoint?.url ?? 'https://');
  const [description, setDescription] = useState(endpoint?.description ?? '');
  const [chosen, setChosen] = useState<string[]>(endpoint?.events ?? []);
  const made = useRef<string | undefined>(undefined); // the secret of a new endpoint, shown once by the screen
  const { errors, busy, save } = useSave<Endpoint>((e) => onDone(e, made.current));

  async function submit(ev: Event) {
    ev.preventDefault();
    const problems: UserError[] = [];
    if (!/^https?:\/\/[^\s/]+/i.test(url.trim())) problems.push({ field: 'url', code: 'INVALID_WEBHOOK_URL', message: t('Type the full address, starting with https://') });
    if (!chosen.length) problems.push({ field: 'events', code: 'REQUIRED', message: t('Choose at least one event.') });
    const input = { url: url.trim(), description: description.trim() || null, events: chosen };
    await save(
      problems,
      () => (endpoint
        ? mutate<EndpointPayload>(UPDATE, { id: endpoint.id, expectedVersion: endpoint.version, ...input }, 'updateWebhookEndpoint')
        : mutate<EndpointPayload>(CREATE, input, 'createWebhookEndpoint')),
      (p) => {
        made.current = p.secret ?? undefined;
        return p.endpoint;
      },
    );
  }
  const toggle = (name: string) => setChosen((old) => (old.includes(name) ? old.filter((x) => x !== name) : [...old, name]));
  const eventErrors = errors.filter((e) => e.field === 'events' || (e.field ?? '').startsWith('events.')).map((e) => e.message);
  return (
    <form class="card form" onSubmit={submit} noValidate data-testid="webhook-form">
      <h2 class="form-title">{endpoint ? t('Edit endpoint') : t('New endpoint')}</h2>
      <Field label={t('Web address (URL)')} errors={errorsFor(errors, 'url')} hint={t('Only public addresses: MotoTrack does not send to addresses inside your network.')}>
        {(p) => <input {...p} type="url" inputmode="url" autocomplete="off" value={url} onInput={(e) => setUrl(e.currentTarget.value)} data-testid="webhook-url-input" />}
      </Field>
      <Field label={t('Description (optional)')} errors={errorsFor(errors, 'description')}>
        {(p) => <input {...p} value={description} onInput={(e) => setDescription(e.currentTarget.value)} data-testid="webhook-description-input" />}
      </Field>
      <fieldset class="group">
        <legend>{t('Events to send')}</legend>
        {events.map((name) => (
          <label class="check" key={name}>
            <input type="checkbox" checked={chosen.includes(name)} onChange={() => toggle(name)} data-testid={`webhook-event-${name}`} />
            {webhookEventLabel(name)}
          </label>
        ))}
        {eventErrors.length > 0 && <p class="field-error">{eventErrors.join(' ')}</p>}
      </fieldset>
      <FormErrors errors={otherErrors(errors, ['url', 'description', 'events']).filter((e) => !(e.field ?? '').startsWith('events.'))} />
      <FormButtons busy={busy} saveTestid="webhook-save" saveLabel={endpoint ? t('Save') : t('Add endpoint')} onCancel={() => onDone(null)} />
    </form>
  );
}
