// The managers' parts queues: the workshop manager approves or rejects pending requests, the warehouse manager
// issues approved ones. Both follow partsRequestsChanged, so a request appears or leaves without a reload.
import { useEffect, useState } from 'preact/hooks';
import { authedGraphql } from '../../shared/auth';
import { t } from '../../shared/i18n';
import { subscribe } from '../../shared/live';
import type { UserError } from '../../shared/types';
import { LiveBadge } from './Board';
import { href } from '../router';
import {
  ERRORS,
  Empty,
  Failure,
  Field,
  FormErrors,
  LoadMore,
  Loading,
  ScreenTitle,
  failureMessage,
  mutate,
  newMutationId,
  when,
} from './common';
import { partsStatusLabel } from '../../shared/labels';
import { useRole } from '../jobcard/api';

const REQUEST = `id quantity status note rejectReason version createdAt
  job { id number status vehicle { registrationDisplay } }
  item { id sku name unit quantityOnHand binLocation }
  siteStock { warehouseName onHand available held canIssue }
  requestedBy { id name }`;

export interface PartsRequestRow {
  id: string;
  quantity: number;
  status: string;
  note: string | null;
  rejectReason: string | null;
  version: number;
  createdAt: string;
  job: { id: string; number: string; status: string; vehicle: { registrationDisplay: string } | null } | null;
  item: { id: string; sku: string; name: string; unit: string; quantityOnHand: number; binLocation: string | null } | null;
  // the item's stock at the job's site warehouse, where the parts are issued from (quantityOnHand is the garage's)
  siteStock: { warehouseName: string; onHand: number; available: number; held: number; canIssue: number } | null;
  requestedBy: { id: string; name: string } | null;
}

const QUEUE = `query PartsQueue($queue: PartsQueue!, $after: String) {
  pendingPartsRequests(queue: $queue, first: 20, after: $after) {
    edges { node { ${REQUEST} } } pageInfo { hasNextPage endCursor }
  }
}`;
const CHANGED = `subscription PartsRequestsChanged { partsRequestsChanged { ${REQUEST} } }`;
const APPROVE = `mutation ApprovePartsRequest($input: PartsRequestActionInput!) {
  approvePartsRequest(input: $input) { partsRequest { ${REQUEST} } ${ERRORS} } }`;
const REJECT = `mutation RejectPartsRequest($input: RejectPartsRequestInput!) {
  rejectPartsRequest(input: $input) { partsRequest { ${REQUEST} } ${ERRORS} } }`;
const ISSUE = `mutation IssuePartsRequest($input: PartsRequestActionInput!) {
  issuePartsRequest(input: $input) { partsRequest { ${REQUEST} } ${ERRORS} } }`;

const SUPPLIERS = 'query QueueSuppliers { suppliers(first: 100) { edges { node { id name active } } } }';
const ORDER = `mutation OrderPartsRequest($input: OrderPartsRequestInput!) {
  orderPartsRequest(input: $input) { line { id quantity } purchaseOrderId ${ERRORS} } }`;
// those who pick suppliers (purchasing:manage in backend/core/permissions.py)
const BUYERS = ['ADMIN', 'WAREHOUSE_MANAGER'];

type Queue = 'APPROVAL' | 'ISSUE';
interface Page {
  rows: PartsRequestRow[];
  endCursor: string | null;
  hasNextPage: boolean;
}
type Conn = { pendingPartsRequests: { edges: { node: PartsRequestRow }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };

const belongs = (queue: Queue, status: string) => (queue === 'APPROVAL' ? status === 'PENDING' : status === 'APPROVED');

export function PartsQueueScreen({ queue }: { queue: Queue }) {
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [attempt, setAttempt] = useState(0);
  // requests decided here stay visible with their outcome until the screen is left
  const [done, setDone] = useState<Record<string, PartsRequestRow>>({});

  async function load(after: string | null): Promise<Page> {
    const d = await authedGraphql<Conn>(QUEUE, { queue, after });
    const c = d.pendingPartsRequests;
    return { rows: c.edges.map((e) => e.node), endCursor: c.pageInfo.endCursor, hasNextPage: c.pageInfo.hasNextPage };
  }

  useEffect(() => {
    let live = true;
    load(null)
      .then((p) => {
        if (!live) return;
        setPage(p);
        setError(null);
      })
      .catch((e) => live && setError(failureMessage(e)));
    return () => {
      live = false;
    };
  }, [queue, attempt]);

  useEffect(() => {
    let started = false;
    return subscribe<{ partsRequestsChanged: PartsRequestRow }>(CHANGED, {}, {
      next: ({ partsRequestsChanged: r }) =>
        setPage((p) => {
          if (!p) return p;
          const rest = p.rows.filter((x) => x.id !== r.id);
          if (!belongs(queue, r.status)) return { ...p, rows: rest };
          const known = p.rows.some((x) => x.id === r.id);
          return { ...p, rows: known ? p.rows.map((x) => (x.id === r.id ? r : x)) : [...p.rows, r] };
        }),
      onStart: () => {
        if (started) setAttempt((n) => n + 1);
        started = true;
      },
    });
  }, [queue]);

  async function more() {
    if (!page?.endCursor) return;
    setLoadingMore(true);
    try {
      const next = await load(page.endCursor);
      setPage({ ...next, rows: [...page.rows, ...next.rows.filter((r) => !page.rows.some((x) => x.id === r.id))] });
    } catch (e) {
      setError(failureMessage(e));
    } finally {
      setLoadingMore(false);
    }
  }

  const decided = (r: PartsRequestRow) => setDone((d) => ({ ...d, [r.id]: r }));
  const rows = page ? [...page.rows.filter((r) => !done[r.id]), ...Object.values(done)] : [];
  const waiting = page ? page.rows.filter((r) => !done[r.id]).length : 0;
  return (
    <section class="screen">
      <ScreenTitle extra={<LiveBadge />}>{queue === 'APPROVAL' ? t('Parts to approve') : t('Parts to issue')}</ScreenTitle>
      {error && <Failure message={error} onRetry={() => setAttempt((n) => n + 1)} />}
      {!page && !error && <Loading />}
      {page && waiting === 0 && (
        <Empty testid="parts-empty">
          {queue === 'APPROVAL' ? t('No parts requests wait for approval.') : t('No approved parts wait to be issued.')}
        </Empty>
      )}
      {rows.length > 0 && (
        <ul class="list" data-testid="parts-queue">
          {rows.map((r) => (
            <PartsRow key={r.id} request={r} queue={queue} settled={!!done[r.id]} onDecided={decided} />
          ))}
        </ul>
      )}
      <LoadMore hasMore={!!page?.hasNextPage} busy={loadingMore} onMore={() => void more()} />
    </section>
  );
}

function PartsRow({
  request: r,
  queue,
  settled,
  onDecided,
}: {
  request: PartsRequestRow;
  queue: Queue;
  settled: boolean;
  onDecided: (r: PartsRequestRow) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [mutationId] = useState(newMutationId);

  async function act(kind: 'approve' | 'reject' | 'issue') {
    if (kind === 'reject' && !reason.trim()) {
      setErrors([{ field: 'reason', code: 'REQUIRED', message: t('Say why the request is rejected.') }]);
      return;
    }
    setBusy(true);
    const input: Record<string, unknown> = { id: r.id, expectedVersion: r.version, clientMutationId: `${mutationId}-${kind}` };
    if (kind === 'reject') input.reason = reason.trim();
    const [query, field] = kind === 'approve' ? [APPROVE, 'approvePartsRequest'] : kind === 'reject' ? [REJECT, 'rejectPartsRequest'] : [ISSUE, 'issuePartsRequest'];
    const res = await mutate<{ partsRequest: PartsRequestRow | null; errors: UserError[] }>(query, input, field);
    setBusy(false);
    setErrors(res.errors);
    if (!res.errors.length && res.payload?.partsRequest) onDecided(res.payload.partsRequest);
  }

  // what the issue may take: the site shelf's available plus what is held there for this request
  const site = r.siteStock;
  const short = !!r.item && queue === 'ISSUE' && (site ? site.canIssue : 0) < r.quantity;
  return (
    <li class="card row" data-testid="parts-request" data-job-number={r.job?.number ?? ''} data-status={r.status}>
      <div class="row-main">
        <span class="row-title">
          {r.quantity} × {r.item?.name ?? '—'}
        </span>
        <span class="muted small">{r.item?.sku}</span>
      </div>
      <p class="small">
        {r.job && (
          <a href={href(`jobs/${r.job.id}`)} data-testid="parts-job-link">
            {r.job.number}
          </a>
        )}
        {r.job?.vehicle && <> · <span class="plate">{r.job.vehicle.registrationDisplay}</span></>}
        {r.requestedBy && <> · {r.requestedBy.name}</>}
        <span class="muted"> · {when(r.createdAt)}</span>
      </p>
      {r.note && <p class="clamp">{r.note}</p>}
      {queue === 'ISSUE' && r.item && (
        <p class={`small ${short ? 'warn-text' : 'muted'}`} data-testid="parts-site-stock">
          {site
            ? t('At {warehouse}: {onHand} {unit} on hand, {available} available', {
                warehouse: site.warehouseName,
                onHand: site.onHand,
                available: site.available,
                unit: r.item.unit,
              })
            : t('Not on the job’s site shelf')}
          {site && site.held > 0 && <> · {t('{qty} held for this job', { qty: site.held })}</>}
          {r.item.binLocation && <> · {t('Bin {bin}', { bin: r.item.binLocation })}</>}
          {short && site && <> · {t('{qty} can be issued now', { qty: site.canIssue })}</>}
        </p>
      )}
      {!settled && short && <OrderFromSupplier request={r} />}
      {settled ? (
        <p class="outcome" role="status" data-testid="parts-outcome">
          {partsStatusLabel(r.status)}
          {r.rejectReason && <> · {r.rejectReason}</>}
        </p>
      ) : (
        <>
          {rejecting && (
            <Field label={t('Reason for rejecting')} errors={errors.filter((e) => e.field === 'reason').map((e) => e.message)}>
              {(p) => <input {...p} value={reason} onInput={(e) => setReason(e.currentTarget.value)} data-testid="reject-reason" />}
            </Field>
          )}
          <FormErrors errors={errors.filter((e) => e.field !== 'reason')} />
          <div class="actions">
            {queue === 'APPROVAL' && !rejecting && (
              <>
                <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void act('approve')} data-testid="parts-approve">
                  {t('Approve')}
                </button>
                <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => setRejecting(true)} data-testid="parts-reject">
                  {t('Reject…')}
                </button>
              </>
            )}
            {queue === 'APPROVAL' && rejecting && (
              <>
                <button type="button" class="btn btn-primary btn-danger" disabled={busy} onClick={() => void act('reject')} data-testid="parts-reject-confirm">
                  {t('Reject request')}
                </button>
                <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => setRejecting(false)}>
                  {t('Cancel')}
                </button>
              </>
            )}
            {queue === 'ISSUE' && (
              <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void act('issue')} data-testid="parts-issue">
                {t('Issue parts')}
              </button>
            )}
          </div>
        </>
      )}
    </li>
  );
}

/** What the shelf lacks for an approved request, ordered from a supplier of the warehouse manager's choice: a line
 * of the supplier's draft order for the job (the job then shows it on order with its expected date). */
function OrderFromSupplier({ request: r }: { request: PartsRequestRow }) {
  const role = useRole();
  const [open, setOpen] = useState(false);
  const [suppliers, setSuppliers] = useState<{ id: string; name: string }[] | null>(null);
  const [supplier, setSupplier] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [ordered, setOrdered] = useState<number | null>(null);
  const [mutationId] = useState(newMutationId);
  useEffect(() => {
    if (!open || suppliers) return;
    authedGraphql<{ suppliers: { edges: { node: { id: string; name: string; active: boolean } }[] } }>(SUPPLIERS)
      .then((d) => setSuppliers(d.suppliers.edges.map((e) => e.node).filter((x) => x.active)))
      .catch((e) => setErrors([{ field: null, code: 'FAILED', message: failureMessage(e) }]));
  }, [open, suppliers]);
  if (!BUYERS.includes(role)) return null;
  if (ordered !== null) {
    return (
      <p class="outcome" role="status" data-testid="parts-ordered">
        {t('{qty} ordered for the job: on the supplier’s draft order.', { qty: ordered })}
      </p>
    );
  }
  async function order() {
    if (!supplier) {
      setErrors([{ field: 'supplierId', code: 'REQUIRED', message: t('Choose a supplier.') }]);
      return;
    }
    setBusy(true);
    const res = await mutate<{ line: { quantity: number } | null; errors: UserError[] }>(
      ORDER,
      { partsRequestId: r.id, supplierId: supplier, clientMutationId: `${mutationId}-order` },
      'orderPartsRequest',
    );
    setBusy(false);
    setErrors(res.errors);
    if (!res.errors.length && res.payload?.line) setOrdered(res.payload.line.quantity);
  }
  if (!open) {
    return (
      <div class="actions">
        <button type="button" class="btn btn-secondary" onClick={() => setOpen(true)} data-testid="parts-order-open">
          {t('Order from a supplier…')}
        </button>
      </div>
    );
  }
  return (
    <div data-testid="parts-order-form">
      <Field label={t('Supplier')} errors={errors.filter((e) => e.field === 'supplierId').map((e) => e.message)}>
        {(p) => (
          <select
            {...p}
            value={supplier}
            onChange={(e) => {
              setSupplier(e.currentTarget.value);
              setErrors([]);
            }}
            data-testid="parts-order-supplier"
          >
            <option value="">{suppliers ? t('Choose a supplier') : t('Loading…')}</option>
            {(suppliers ?? []).map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <FormErrors errors={errors.filter((e) => e.field !== 'supplierId')} />
      <div class="actions">
        <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void order()} data-testid="parts-order">
          {t('Order')}
        </button>
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => setOpen(false)}>
          {t('Cancel')}
        </button>
      </div>
    </div>
  );
}
