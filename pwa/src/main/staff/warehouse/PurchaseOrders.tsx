// Warehouse manager: purchase orders by status; a new order to a supplier (its items listed with the quantity the
// reorder levels suggest); submit (it waits for an admin's approval above the garage's amount), approve, send,
// cancel with a reason.
import { useEffect, useState } from 'preact/hooks';
import { authStore, authedGraphql } from '../../../shared/auth';
import { formatDate, t } from '../../../shared/i18n';
import type { UserError } from '../../../shared/types';
import type { ScreenProps } from '../../screens';
import { Empty, Failure, Field, FormErrors, LoadMore, Loading, ScreenTitle, failureMessage, money, mutate, toMinor, usePagedList, newMutationId } from '../common';
import { APPROVE, CANCEL, CREATE, ORDERS, SEND, SUBMIT, type Order, type OrderPayload } from './orders';
import { ItemSearch, ORDER_STATUSES, ReasonForm, WarehousePicker, orderStatusLabel, useWarehouse, wholeNumber, useMutationId } from './shared';

export default function PurchaseOrdersScreen(_props: ScreenProps) {
  const [status, setStatus] = useState<string>('');
  const [creating, setCreating] = useState(false);
  const list = usePagedList<Order>(ORDERS, 'purchaseOrders', { status: status || null });
  const rows = list.rows;
  const put = (o: Order) => list.setRows((old) => (old?.some((x) => x.id === o.id) ? old.map((x) => (x.id === o.id ? o : x)) : [o, ...(old ?? [])]));
  return (
    <section class="screen">
      <ScreenTitle
        extra={
          !creating && (
            <button type="button" class="btn btn-primary" onClick={() => setCreating(true)} data-testid="po-new">
              {t('New order')}
            </button>
          )
        }
      >
        {t('Purchase orders')}
      </ScreenTitle>
      {creating && (
        <NewOrder
          onCreated={(o) => {
            put(o);
            setCreating(false);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      <Field label={t('Status')}>
        {(p) => (
          <select {...p} value={status} onChange={(e) => setStatus(e.currentTarget.value)} data-testid="po-status-filter">
            <option value="">{t('All orders')}</option>
            {ORDER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {orderStatusLabel(s)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {list.error && <Failure message={list.error} onRetry={list.reload} />}
      {!rows && !list.error && <Loading />}
      {rows && rows.length === 0 && <Empty testid="po-empty">{t('No purchase orders here.')}</Empty>}
      {rows && rows.length > 0 && (
        <ul class="list" data-testid="po-list" aria-busy={list.busy}>
          {rows.map((o) => (
            <OrderRow key={o.id} order={o} onChanged={put} />
          ))}
        </ul>
      )}
      <LoadMore hasMore={list.hasMore} busy={list.busy} onMore={list.more} />
    </section>
  );
}

function isAdmin(): boolean {
  const auth = authStore.get();
  return auth.status === 'signedIn' && auth.user.role === 'ADMIN';
}

export function OrderSummary({ order: o }: { order: Order }) {
  return (
    <>
      <div class="row-main">
        <span class="row-title" data-testid="po-number">
          {o.number}
        </span>
        <span class="status-pill" data-testid="po-status" data-status={o.status}>
          {orderStatusLabel(o.status)}
        </span>
      </div>
      <p class="small">
        {o.supplier?.name} · {t('to {warehouse}', { warehouse: o.warehouse?.name ?? '' })}
      </p>
      <p class="muted small">
        {t('{n} lines', { n: o.lines.length })} · {money(o.total)}
        {o.expectedDate && <span> · {t('Expected {date}', { date: formatDate(o.expectedDate) })}</span>}
      </p>
    </>
  );
}

export function OrderRow({ order: o, onChanged }: { order: Order; onChanged: (o: Order) => void }) {
  const [open, setOpen] = useState(false);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [mutationId, answered] = useMutationId();

  async function act(query: string, field: string, extra: Record<string, unknown> = {}) {
    setBusy(true);
    const r = await mutate<OrderPayload>(query, { id: o.id, expectedVersion: o.version, clientMutationId: mutationId, ...extra }, field);
    answered(r);
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.purchaseOrder) onChanged(r.payload.purchaseOrder);
    if (!r.errors.length) {
      setCancelling(false);
    }
  }

  const canCancel = ['DRAFT', 'PENDING_APPROVAL', 'APPROVED', 'SENT'].includes(o.status) && !o.lines.some((l) => l.receivedQuantity > 0);
  return (
    <li class="card row" data-testid="po-row" data-number={o.number} data-status={o.status}>
      <OrderSummary order={o} />
      <button type="button" class="btn btn-secondary" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="po-open">
        {open ? t('Hide the lines') : t('Show the lines')}
      </button>
      {open && (
        <table class="wh-table" data-testid="po-lines">
          <thead>
            <tr>
              <th>{t('Item')}</th>
              <th class="num">{t('Ordered')}</th>
              <th class="num">{t('Received so far')}</th>
              <th class="num">{t('Unit cost')}</th>
            </tr>
          </thead>
          <tbody>
            {o.lines.map((l) => (
              <tr key={l.id}>
                <td>
                  <span class="wh-sku">{l.item?.sku}</span> {l.item?.name}
                </td>
                <td data-label={t('Ordered')} class="num">{l.quantity}</td>
                <td data-label={t('Received so far')} class="num">{l.receivedQuantity}</td>
                <td data-label={t('Unit cost')} class="num">{money(l.unitCost)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {o.cancelReason && <p class="muted small">{t('Cancelled: {reason}', { reason: o.cancelReason })}</p>}
      <FormErrors errors={errors} testid="po-errors" />
      {cancelling ? (
        <ReasonForm
          label={t('Why is it cancelled?')}
          confirm={t('Cancel the order')}
          missing={t('Say why the order is cancelled.')}
          busy={busy}
          testid="po-cancel"
          onConfirm={(reason) => void act(CANCEL, 'cancelPurchaseOrder', { reason })}
          onKeep={() => setCancelling(false)}
        />
      ) : (
        <div class="actions">
          {o.status === 'DRAFT' && (
            <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void act(SUBMIT, 'submitPurchaseOrder')} data-testid="po-submit">
              {t('Submit')}
            </button>
          )}
          {o.status === 'PENDING_APPROVAL' && isAdmin() && (
            <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void act(APPROVE, 'approvePurchaseOrder')} data-testid="po-approve">
              {t('Approve')}
            </button>
          )}
          {o.status === 'PENDING_APPROVAL' && !isAdmin() && <p class="muted small">{t('An administrator approves orders above the garage’s amount.')}</p>}
          {o.status === 'APPROVED' && (
            <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void act(SEND, 'sendPurchaseOrder')} data-testid="po-send">
              {t('Send to the supplier')}
            </button>
          )}
          {(o.status === 'SENT' || o.status === 'PARTIALLY_RECEIVED') && (
            <a class="btn btn-primary wh-link" href="#/warehouse/receive" data-testid="po-receive">
              {t('Receive a delivery')}
            </a>
          )}
          {canCancel && (
            <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => setCancelling(true)} data-testid="po-cancel">
              {t('Cancel…')}
            </button>
          )}
        </div>
      )}
    </li>
  );
}

interface Supplier {
  id: string;
  name: string;
  active: boolean;
}
interface SupplierItemRow {
  itemId: string;
  price: number;
  packSize: number;
  item: { sku: string; name: string; unit: string } | null;
}
interface Suggestion {
  itemId: string;
  quantity: number;
}
interface Line {
  itemId: string;
  label: string;
  quantity: string;
  cost: string;
  suggested: number;
}

const ORDER_SUPPLIERS = 'query OrderSuppliers { suppliers(first: 100) { edges { node { id name active } } } }';
const ORDER_SUPPLIER_ITEMS = `query OrderSupplierItems($supplierId: ID, $warehouseId: ID) {
  supplierItems(supplierId: $supplierId) { itemId price packSize item { sku name unit } }
  reorderSuggestions(warehouseId: $warehouseId) { itemId quantity }
}`;

function NewOrder({ onCreated, onCancel }: { onCreated: (o: Order) => void; onCancel: () => void }) {
  const wh = useWarehouse();
  const [suppliers, setSuppliers] = useState<Supplier[] | null>(null);
  const [supplierId, setSupplierId] = useState('');
  const [lines, setLines] = useState<Line[]>([]);
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [mutationId, answered] = useMutationId();
  const [orderId] = useState(newMutationId);

  useEffect(() => {
    authedGraphql<{ suppliers: { edges: { node: Supplier }[] } }>(ORDER_SUPPLIERS)
      .then((d) => setSuppliers(d.suppliers.edges.map((e) => e.node).filter((s) => s.active)))
      .catch((e) => setLoadError(failureMessage(e)));
  }, []);

  useEffect(() => {
    if (!supplierId || !wh.warehouseId) return;
    let live = true;
    authedGraphql<{ supplierItems: SupplierItemRow[]; reorderSuggestions: Suggestion[] }>(ORDER_SUPPLIER_ITEMS, { supplierId, warehouseId: wh.warehouseId })
      .then((d) => {
        if (!live) return;
        const wanted = new Map(d.reorderSuggestions.map((s) => [s.itemId, s.quantity]));
        setLines(
          d.supplierItems.map((si) => {
            const n = wanted.get(si.itemId) ?? 0;
            return { itemId: si.itemId, label: `${si.item?.sku ?? ''} ${si.item?.name ?? ''}`, quantity: String(n), cost: (si.price / 100).toFixed(2), suggested: n };
          }),
        );
      })
      .catch((e) => live && setLoadError(failureMessage(e)));
    return () => {
      live = false;
    };
  }, [supplierId, wh.warehouseId]);

  const setLine = (i: number, patch: Partial<Line>) => setLines(lines.map((l, j) => (j === i ? { ...l, ...patch } : l)));

  async function submit(e: Event) {
    e.preventDefault();
    const problems: UserError[] = [];
    if (!supplierId) problems.push({ field: 'supplierId', code: 'REQUIRED', message: t('Choose the supplier.') });
    const chosen: { itemId: string; quantity: number; unitCost: number | null }[] = [];
    lines.forEach((l, i) => {
      const n = wholeNumber(l.quantity);
      if (n === null) problems.push({ field: `line.${i}`, code: 'INVALID_QUANTITY', message: t('Type a whole number of units.') });
      const cost = l.cost.trim() ? toMinor(l.cost) : null;
      if (l.cost.trim() && cost === null) problems.push({ field: `line.${i}`, code: 'INVALID_AMOUNT', message: t('Type an amount such as 120.50.') });
      if (n) chosen.push({ itemId: l.itemId, quantity: n, unitCost: cost });
    });
    if (!problems.length && !chosen.length) problems.push({ field: 'lines', code: 'NO_LINES', message: t('Give a quantity for at least one item.') });
    setErrors(problems);
    if (problems.length) return;
    setBusy(true);
    const r = await mutate<OrderPayload>(
      CREATE,
      { id: orderId, supplierId, warehouseId: wh.warehouseId, lines: chosen, note: note.trim() || null, clientMutationId: mutationId },
      'createPurchaseOrder',
    );
    answered(r);
    setBusy(false);
    setErrors(r.errors);
    if (!r.errors.length && r.payload?.purchaseOrder) onCreated(r.payload.purchaseOrder);
  }

  const lineErrors = (i: number) => errors.filter((e) => e.field === `line.${i}` || e.field?.startsWith(`lines.${i}.`)).map((e) => e.message);
  return (
    <form class="card row inline-form" onSubmit={submit} noValidate data-testid="po-form">
      <h2 class="card-title">{t('New purchase order')}</h2>
      {loadError && <Failure message={loadError} />}
      {wh.warehouses && <WarehousePicker warehouses={wh.warehouses} value={wh.warehouseId} onChange={wh.setWarehouseId} label={t('Deliver to')} />}
      <Field label={t('Supplier')} errors={errors.filter((e) => e.field === 'supplierId').map((e) => e.message)}>
        {(p) => (
          <select {...p} value={supplierId} onChange={(e) => setSupplierId(e.currentTarget.value)} data-testid="po-supplier">
            <option value="">{suppliers ? t('Choose…') : t('Loading…')}</option>
            {suppliers?.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      {supplierId && lines.length === 0 && <p class="muted small">{t('Nothing listed from this supplier yet: add items below.')}</p>}
      {lines.map((l, i) => (
        <div class="wh-line" key={l.itemId} data-testid="po-form-line" data-item={l.itemId}>
          <div class="wh-line-head">
            <span>{l.label}</span>
            {l.suggested > 0 && <span class="muted small">{t('Suggested {n}', { n: l.suggested })}</span>}
          </div>
          <div class="wh-line-inputs">
            <Field label={t('Quantity')} errors={lineErrors(i)}>
              {(p) => <input {...p} inputMode="numeric" value={l.quantity} onInput={(e) => setLine(i, { quantity: e.currentTarget.value })} data-testid="po-form-qty" />}
            </Field>
            <Field label={t('Unit cost')}>
              {(p) => <input {...p} inputMode="decimal" value={l.cost} onInput={(e) => setLine(i, { cost: e.currentTarget.value })} data-testid="po-form-cost" />}
            </Field>
          </div>
        </div>
      ))}
      {supplierId && (
        <ItemSearch
          testid="po-item-search"
          onPick={(item) => {
            if (!lines.some((l) => l.itemId === item.id)) setLines([...lines, { itemId: item.id, label: `${item.sku} ${item.name}`, quantity: '1', cost: '', suggested: 0 }]);
          }}
        />
      )}
      <Field label={t('Note for the supplier (optional)')}>
        {(p) => <input {...p} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="po-note" />}
      </Field>
      <FormErrors errors={errors.filter((e) => e.field !== 'supplierId' && !/^lines?\.\d+/.test(e.field ?? ''))} />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="po-create">
          {t('Create the draft order')}
        </button>
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={onCancel}>
          {t('Cancel')}
        </button>
      </div>
    </form>
  );
}
