// Warehouse manager: stock moving between the garage's warehouses. A new transfer (from, to, lines, each showing
// what is available at the source, live), dispatched (in transit: on no shelf), received at the other end; a
// site's request approved; cancelled with a reason before it leaves. A site manager (transfers:request, not
// transfers:manage) sees the same list but asks the central warehouse for stock instead (requestTransfer: REQUESTED,
// to be approved) and receives what was dispatched to their site; approving, dispatching and cancelling are not theirs.
import { useEffect, useState } from 'preact/hooks';
import { authStore, authedGraphql } from '../../../shared/auth';
import { formatDateTime, t } from '../../../shared/i18n';
import type { UserError } from '../../../shared/types';
import type { ScreenProps } from '../../screens';
import { ERRORS, Empty, Failure, Field, FormErrors, LoadMore, Loading, ScreenTitle, failureMessage, mutate, usePagedList, newMutationId } from '../common';
import { ItemSearch, ReasonForm, TRANSFER_STATUSES, WarehousePicker, transferStatusLabel, useStockLive, useWarehouse, wholeNumber, type Warehouse, useMutationId } from './shared';

const TRANSFER = `id number status note cancelReason createdAt dispatchedAt receivedAt version
  fromWarehouse { id name } toWarehouse { id name } lines { id itemId quantity item { sku name unit } }`;

interface Transfer {
  id: string;
  number: string;
  status: string;
  note: string | null;
  cancelReason: string | null;
  createdAt: string;
  dispatchedAt: string | null;
  receivedAt: string | null;
  version: number;
  fromWarehouse: { id: string; name: string } | null;
  toWarehouse: { id: string; name: string } | null;
  lines: { id: string; itemId: string; quantity: number; item: { sku: string; name: string; unit: string } | null }[];
}
type TransferPayload = { transfer: Transfer | null; errors: UserError[] };

const TRANSFERS = `query Transfers($status: TransferStatus, $warehouseId: ID, $after: String) {
  transfers(status: $status, warehouseId: $warehouseId, first: 20, after: $after) { edges { node { ${TRANSFER} } } pageInfo { hasNextPage endCursor } }
}`;
/** Whether the signed-in person only asks for stock (a site manager): everyone else on this screen manages transfers. */
function asksOnly(): boolean {
  const s = authStore.get();
  return s.status === 'signedIn' && s.user.role === 'SITE_MANAGER';
}
const REQUEST = `mutation RequestTransfer($input: CreateTransferInput!) { requestTransfer(input: $input) { transfer { ${TRANSFER} } ${ERRORS} } }`;
const CREATE = `mutation CreateTransfer($input: CreateTransferInput!) { createTransfer(input: $input) { transfer { ${TRANSFER} } ${ERRORS} } }`;
const APPROVE = `mutation ApproveTransfer($input: TransferActionInput!) { approveTransfer(input: $input) { transfer { ${TRANSFER} } ${ERRORS} } }`;
const DISPATCH = `mutation DispatchTransfer($input: TransferActionInput!) { dispatchTransfer(input: $input) { transfer { ${TRANSFER} } ${ERRORS} } }`;
const RECEIVE = `mutation ReceiveTransfer($input: TransferActionInput!) { receiveTransfer(input: $input) { transfer { ${TRANSFER} } ${ERRORS} } }`;
const CANCEL = `mutation CancelTransfer($input: CancelTransferInput!) { cancelTransfer(input: $input) { transfer { ${TRANSFER} } ${ERRORS} } }`;
const AVAILABLE = `query TransferAvailable($warehouseId: ID) { warehouseStock(warehouseId: $warehouseId) { itemId onHand available } }`;

export default function TransfersScreen(_props: ScreenProps) {
  const wh = useWarehouse();
  const [status, setStatus] = useState('');
  const [creating, setCreating] = useState(false);
  const asking = asksOnly();
  const list = usePagedList<Transfer>(TRANSFERS, 'transfers', wh.warehouses ? { status: status || null, warehouseId: wh.warehouseId } : null);
  const rows = list.rows;
  const put = (x: Transfer) => list.setRows((old) => (old?.some((o) => o.id === x.id) ? old.map((o) => (o.id === x.id ? x : o)) : [x, ...(old ?? [])]));
  return (
    <section class="screen">
      <ScreenTitle
        extra={
          !creating && (
            <button type="button" class="btn btn-primary" onClick={() => setCreating(true)} data-testid="transfer-new">
              {asking ? t('Ask for stock') : t('New transfer')}
            </button>
          )
        }
      >
        {t('Transfers')}
      </ScreenTitle>
      {wh.error && <Failure message={wh.error} />}
      {creating && wh.warehouses && (
        <NewTransfer
          warehouses={wh.warehouses}
          asking={asking}
          from={asking ? (wh.warehouses.find((w) => w.kind === 'CENTRAL')?.id ?? null) : wh.warehouseId}
          onCreated={(x) => {
            put(x);
            setCreating(false);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      <div class="wh-filters">
        {wh.warehouses && <WarehousePicker warehouses={wh.warehouses} value={wh.warehouseId} onChange={wh.setWarehouseId} label={t('To or from')} />}
        <Field label={t('Status')}>
          {(p) => (
            <select {...p} value={status} onChange={(e) => setStatus(e.currentTarget.value)} data-testid="transfer-status-filter">
              <option value="">{t('All transfers')}</option>
              {TRANSFER_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {transferStatusLabel(s)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {list.error && <Failure message={list.error} onRetry={list.reload} />}
      {!rows && !list.error && <Loading />}
      {rows && rows.length === 0 && <Empty testid="transfer-empty">{t('No transfers here.')}</Empty>}
      {rows && rows.length > 0 && (
        <ul class="list" data-testid="transfer-list" aria-busy={list.busy}>
          {rows.map((x) => (
            <TransferRow key={x.id} transfer={x} onChanged={put} asking={asking} />
          ))}
        </ul>
      )}
      <LoadMore hasMore={list.hasMore} busy={list.busy} onMore={list.more} />
    </section>
  );
}

function TransferRow({ transfer: x, onChanged, asking }: { transfer: Transfer; onChanged: (x: Transfer) => void; asking: boolean }) {
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [mutationId, answered] = useMutationId();

  async function act(query: string, field: string, extra: Record<string, unknown> = {}) {
    setBusy(true);
    const r = await mutate<TransferPayload>(query, { id: x.id, expectedVersion: x.version, clientMutationId: mutationId, ...extra }, field);
    answered(r);
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.transfer) onChanged(r.payload.transfer);
    if (!r.errors.length) {
      setCancelling(false);
    }
  }

  return (
    <li class="card row" data-testid="transfer-row" data-number={x.number} data-status={x.status}>
      <div class="row-main">
        <span class="row-title">{x.number}</span>
        <span class={`status-pill ${x.status === 'DISPATCHED' ? 'wh-transit' : ''}`} data-testid="transfer-status">
          {transferStatusLabel(x.status)}
        </span>
      </div>
      <p class="small">
        {x.fromWarehouse?.name} → {x.toWarehouse?.name}
      </p>
      {x.lines.length <= 3 ? (
        <TransferLines lines={x.lines} />
      ) : (
        <details>
          <summary class="small">{t('{n} items', { n: x.lines.length })}</summary>
          <TransferLines lines={x.lines} />
        </details>
      )}
      <p class="muted small">
        {x.status === 'DISPATCHED' && x.dispatchedAt && t('On its way since {when}', { when: formatDateTime(x.dispatchedAt) })}
        {x.status === 'RECEIVED' && x.receivedAt && t('Received {when}', { when: formatDateTime(x.receivedAt) })}
        {x.cancelReason && t('Cancelled: {reason}', { reason: x.cancelReason })}
      </p>
      <FormErrors errors={errors} testid="transfer-errors" />
      {cancelling ? (
        <ReasonForm
          label={t('Why is it cancelled?')}
          confirm={t('Cancel the transfer')}
          missing={t('Say why the transfer is cancelled.')}
          busy={busy}
          testid="transfer-cancel"
          onConfirm={(reason) => void act(CANCEL, 'cancelTransfer', { reason })}
          onKeep={() => setCancelling(false)}
        />
      ) : (
        <div class="actions">
          {x.status === 'REQUESTED' && !asking && (
            <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void act(APPROVE, 'approveTransfer')} data-testid="transfer-approve">
              {t('Approve')}
            </button>
          )}
          {(x.status === 'DRAFT' || x.status === 'APPROVED') && !asking && (
            <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void act(DISPATCH, 'dispatchTransfer')} data-testid="transfer-dispatch">
              {t('Dispatch')}
            </button>
          )}
          {x.status === 'DISPATCHED' && (
            <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void act(RECEIVE, 'receiveTransfer')} data-testid="transfer-receive">
              {t('Receive at {warehouse}', { warehouse: x.toWarehouse?.name ?? '' })}
            </button>
          )}
          {['DRAFT', 'REQUESTED', 'APPROVED'].includes(x.status) && !asking && (
            <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => setCancelling(true)} data-testid="transfer-cancel">
              {t('Cancel…')}
            </button>
          )}
        </div>
      )}
    </li>
  );
}

function TransferLines({ lines }: { lines: Transfer['lines'] }) {
  return (
    <ul class="mini-list small">
      {lines.map((l) => (
        <li key={l.id}>
          <span class="wh-sku">{l.item?.sku}</span> {l.item?.name} × {l.quantity}
        </li>
      ))}
    </ul>
  );
}

interface Line {
  itemId: string;
  label: string;
  quantity: string;
}

function NewTransfer({ warehouses, asking, from: initialFrom, onCreated, onCancel }: {
  warehouses: Warehouse[];
  /** A site's request to the central warehouse (requestTransfer) rather than a transfer the manager makes. */
  asking: boolean;
  from: string | null;
  onCreated: (x: Transfer) => void;
  onCancel: () => void;
}) {
  const [from, setFrom] = useState(initialFrom ?? warehouses[0]?.id ?? '');
  const [to, setTo] = useState(() => {
    const s = authStore.get();
    const home = s.status === 'signedIn' ? s.user.homeSite?.id : undefined;
    const own = asking && home ? warehouses.find((w) => w.siteId === home && w.id !== initialFrom) : undefined;
    return own?.id ?? warehouses.find((w) => w.id !== (initialFrom ?? warehouses[0]?.id))?.id ?? '';
  });
  const [lines, setLines] = useState<Line[]>([]);
  const [available, setAvailable] = useState<Record<string, number>>({});
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [mutationId, answered] = useMutationId();
  const [transferId] = useState(newMutationId);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!from) return;
    let live = true;
    authedGraphql<{ warehouseStock: { itemId: string; available: number }[] }>(AVAILABLE, { warehouseId: from })
      .then((d) => live && setAvailable(Object.fromEntries(d.warehouseStock.map((s) => [s.itemId, s.available]))))
      .catch((e) => live && setLoadError(failureMessage(e)));
    return () => {
      live = false;
    };
  }, [from, attempt]);
  useStockLive(from || undefined, (f) => setAvailable((old) => ({ ...old, [f.itemId]: f.available })), () => setAttempt((n) => n + 1));

  async function submit(e: Event) {
    e.preventDefault();
    const problems: UserError[] = [];
    if (!from || !to || from === to) problems.push({ field: 'toWarehouseId', code: 'INVALID_VALUE', message: t('Choose two different warehouses.') });
    const chosen: { itemId: string; quantity: number }[] = [];
    lines.forEach((l, i) => {
      const n = wholeNumber(l.quantity);
      if (!n) problems.push({ field: `lines.${i}.quantity`, code: 'INVALID_QUANTITY', message: t('Type a whole number above zero.') });
      else chosen.push({ itemId: l.itemId, quantity: n });
    });
    if (!lines.length) problems.push({ field: 'lines', code: 'NO_LINES', message: t('Add at least one item.') });
    setErrors(problems);
    if (problems.length) return;
    setBusy(true);
    const r = await mutate<TransferPayload>(asking ? REQUEST : CREATE, { id: transferId, fromWarehouseId: from, toWarehouseId: to, lines: chosen, note: note.trim() || null, clientMutationId: mutationId }, asking ? 'requestTransfer' : 'createTransfer');
    answered(r);
    setBusy(false);
    setErrors(r.errors);
    if (!r.errors.length && r.payload?.transfer) onCreated(r.payload.transfer);
  }

  const lineErrors = (i: number) => errors.filter((e) => e.field?.startsWith(`lines.${i}.`)).map((e) => e.message);
  return (
    <form class="card row inline-form" onSubmit={submit} noValidate data-testid="transfer-form">
      <h2 class="card-title">{asking ? t('Ask for stock') : t('New transfer')}</h2>
      {loadError && <Failure message={loadError} />}
      <div class="two">
        <WarehousePicker warehouses={warehouses} value={from} onChange={setFrom} label={t('From warehouse')} testid="transfer-from" remembered={false} />
        <WarehousePicker warehouses={warehouses} value={to} onChange={setTo} label={t('To warehouse')} testid="transfer-to" remembered={false} />
      </div>
      {errors.filter((e) => e.field === 'toWarehouseId' || e.field === 'fromWarehouseId').map((e, i) => (
        <span key={i} class="field-error" data-testid="field-error">
          {e.message}
        </span>
      ))}
      {lines.map((l, i) => (
        <div class="wh-line" key={l.itemId} data-testid="transfer-form-line">
          <div class="wh-line-head">
            <span>{l.label}</span>
            <span class="muted small" data-testid="transfer-available">
              {t('{n} available', { n: available[l.itemId] ?? 0 })}
            </span>
          </div>
          <div class="wh-line-inputs">
            <Field label={t('Quantity')} errors={lineErrors(i)}>
              {(p) => <input {...p} inputMode="numeric" value={l.quantity} onInput={(e) => setLines(lines.map((x, j) => (j === i ? { ...x, quantity: e.currentTarget.value } : x)))} data-testid="transfer-form-qty" />}
            </Field>
            <button type="button" class="btn btn-secondary" onClick={() => setLines(lines.filter((_, j) => j !== i))}>
              {t('Remove')}
            </button>
          </div>
        </div>
      ))}
      <ItemSearch testid="transfer-item-search" onPick={(item) => !lines.some((l) => l.itemId === item.id) && setLines([...lines, { itemId: item.id, label: `${item.sku} ${item.name}`, quantity: '1' }])} />
      <Field label={t('Note (optional)')}>
        {(p) => <input {...p} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="transfer-note" />}
      </Field>
      <FormErrors errors={errors.filter((e) => !e.field?.startsWith('lines.') && e.field !== 'toWarehouseId' && e.field !== 'fromWarehouseId')} />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="transfer-create">
          {asking ? t('Send the request') : t('Create the transfer')}
        </button>
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={onCancel}>
          {t('Cancel')}
        </button>
      </div>
    </form>
  );
}
