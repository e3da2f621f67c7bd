// Warehouse manager, on a phone at the delivery door: the orders on their way; open one, count what came per line
// (the stepper starts at what is still to come) and its cost, confirm. Another delivery of the same order later;
// a wrong receipt undone by a reversal with a reason; more than ordered is refused unless the extra is kept on
// purpose (ticked, with a reason).
import { useEffect, useRef, useState } from 'preact/hooks';
import { authedGraphql } from '../../../shared/auth';
import { formatDateTime, t } from '../../../shared/i18n';
import { enqueue, useOutbox } from '../../../shared/outbox';
import type { UserError } from '../../../shared/types';
import type { ScreenProps } from '../../screens';
import { href } from '../../router';
import { Empty, Failure, Field, FormErrors, Loading, ScreenTitle, money, mutate, toMinor, useQuery } from '../common';
import { ORDER, ORDER_ONE, RECEIVE, REVERSE, type Order, type OrderLine, type OrderPayload } from './orders';
import { OrderSummary } from './PurchaseOrders';
import { ReasonForm, Stepper, wholeNumber, useMutationId } from './shared';

const TO_RECEIVE = `query OrdersToReceive {
  sent: purchaseOrders(status: SENT, first: 50) { edges { node { ${ORDER} } } }
  partly: purchaseOrders(status: PARTIALLY_RECEIVED, first: 50) { edges { node { ${ORDER} } } }
}`;

type Edges = { edges: { node: Order }[] };

export default function ReceivingScreen(_props: ScreenProps) {
  const q = useQuery<{ sent: Edges; partly: Edges }>(TO_RECEIVE, {});
  const [openId, setOpenId] = useState<string | null>(null);
  const [touched, setTouched] = useState<Record<string, Order>>({});
  const orders = q.data ? [...q.data.partly.edges, ...q.data.sent.edges].map((e) => touched[e.node.id] ?? e.node) : null;
  // an order received in full stays on the screen until another is opened, so its receipts can still be undone
  const open = openId ? (orders?.find((o) => o.id === openId) ?? touched[openId] ?? null) : null;
  const changed = (o: Order) => setTouched((old) => ({ ...old, [o.id]: o }));
  // a receipt made offline was sent from the outbox: read the order (and what it brought) afresh
  const sent = (id: string) => {
    authedGraphql<{ purchaseOrder: Order | null }>(ORDER_ONE, { id })
      .then((d) => d.purchaseOrder && changed(d.purchaseOrder))
      .catch(() => undefined) // still unread: the list's next load shows it
      .finally(q.reload);
  };

  return (
    <section class="screen">
      <ScreenTitle>{t('Receive deliveries')}</ScreenTitle>
      {q.error && <Failure message={q.error} onRetry={q.reload} />}
      {!orders && !q.error && <Loading />}
      {open ? (
        <>
          <button type="button" class="btn btn-secondary" onClick={() => setOpenId(null)} data-testid="receive-back">
            {t('← All deliveries')}
          </button>
          <ReceiveOrder key={open.id} order={open} onChanged={changed} onSent={() => sent(open.id)} />
        </>
      ) : (
        orders && (
          <>
            {orders.length === 0 && <Empty testid="receive-empty">{t('No orders on their way.')}</Empty>}
            <ul class="list" data-testid="receive-list">
              {orders.map((o) => (
                <li key={o.id} class="card row" data-testid="receive-order" data-number={o.number}>
                  <OrderSummary order={o} />
                  <button type="button" class="btn btn-primary" onClick={() => setOpenId(o.id)} data-testid="receive-open">
                    {t('Receive')}
                  </button>
                </li>
              ))}
            </ul>
          </>
        )
      )}
    </section>
  );
}

interface Entry {
  qty: string;
  cost: string;
}

function defaults(lines: OrderLine[]): Record<string, Entry> {
  return Object.fromEntries(lines.map((l) => [l.id, { qty: String(l.outstanding), cost: (l.unitCost / 100).toFixed(2) }]));
}

const RECEIVE_OP = 'ReceivePurchaseOrder';

function ReceiveOrder({ order, onChanged, onSent }: { order: Order; onChanged: (o: Order) => void; onSent: () => void }) {
  const [entries, setEntries] = useState<Record<string, Entry>>(() => defaults(order.lines));
  const [note, setNote] = useState('');
  const [override, setOverride] = useState(false);
  const [overrideReason, setOverrideReason] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [sentLines, setSentLines] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [mutationId, answered] = useMutationId();
  const [outcome, setOutcome] = useState<string | null>(null);
  const receivable = order.status === 'SENT' || order.status === 'PARTIALLY_RECEIVED';
  // receipts made offline wait in the outbox (replayed once with their clientMutationId); one the server refuses
  // on replay (more than ordered, say) stays listed here with its message and under Unsent changes
  const ops = useOutbox().filter((op) => op.operationName === RECEIVE_OP && op.variables.input.id === order.id);
  const waiting = ops.filter((op) => op.status === 'queued' || op.status === 'sending');
  const refused = ops.filter((op) => op.status === 'failed' || op.status === 'conflict');
  const waited = useRef(waiting.length);
  useEffect(() => {
    if (waited.current > waiting.length) onSent();
    waited.current = waiting.length;
  }, [waiting.length]);
  // the order changed under the form (a receipt undone, another device's delivery): start again from what is to come
  const received = order.lines.map((l) => `${l.id}:${l.receivedQuantity}`).join(',');
  const seen = useRef(received);
  useEffect(() => {
    if (seen.current === received) return;
    seen.current = received;
    setEntries(defaults(order.lines));
  }, [received]);

  async function confirm(e: Event) {
    e.preventDefault();
    const problems: UserError[] = [];
    const lines: { lineId: string; quantity: number; unitCost: number | null }[] = [];
    for (const l of order.lines) {
      const entry = entries[l.id];
      if (!entry) continue;
      const n = wholeNumber(entry.qty);
      if (n === null) {
        problems.push({ field: `line:${l.id}`, code: 'INVALID_QUANTITY', message: t('Type how many arrived (a whole number).') });
        continue;
      }
      const cost = entry.cost.trim() ? toMinor(entry.cost) : null;
      if (entry.cost.trim() && cost === null) problems.push({ field: `line:${l.id}`, code: 'INVALID_AMOUNT', message: t('Type an amount such as 120.50.') });
      if (n > 0) lines.push({ lineId: l.id, quantity: n, unitCost: cost });
    }
    if (override && !overrideReason.trim()) problems.push({ field: 'overrideReason', code: 'REASON_REQUIRED', message: t('Say why the extra is kept.') });
    if (!problems.length && !lines.length) problems.push({ field: null, code: 'NO_LINES', message: t('Nothing to receive: every quantity is 0.') });
    setErrors(problems);
    setOutcome(null);
    if (problems.length) return;
    const total = lines.reduce((s, l) => s + l.quantity, 0);
    if (!navigator.onLine) {
      // no signal at the door: kept on the device and sent when back online. No expectedVersion: a receipt adds to
      // what came, and the server still refuses more than ordered on replay
      const skus = lines.map((x) => order.lines.find((l) => l.id === x.lineId)?.item?.sku ?? '').join(', ');
      await enqueue({
        operationName: RECEIVE_OP,
        query: RECEIVE,
        input: { id: order.id, lines, deliveryNote: note.trim() || null, overrideReason: override ? overrideReason.trim() : null },
        local: { number: order.number, units: total, skus },
      });
      setEntries(defaults(order.lines));
      setNote('');
      setOverride(false);
      setOverrideReason('');
      return;
    }
    setBusy(true);
    setSentLines(lines.map((l) => l.lineId));
    const r = await mutate<OrderPayload>(
      RECEIVE,
      {
        id: order.id,
        lines,
        deliveryNote: note.trim() || null,
        overrideReason: override ? overrideReason.trim() : null,
        expectedVersion: order.version,
        clientMutationId: mutationId,
      },
      'receivePurchaseOrder',
    );
    answered(r);
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.purchaseOrder) onChanged(r.payload.purchaseOrder);
    if (!r.errors.length && r.payload?.purchaseOrder) {
      setOutcome(t('Received {n} units. Stock is on the shelf.', { n: total }));
      setEntries(defaults(r.payload.purchaseOrder.lines));
      setNote('');
      setOverride(false);
      setOverrideReason('');
    }
  }

  // the server names a line by its place in what was sent: lines.<i>.quantity
  const lineErrors = (l: OrderLine) =>
    errors
      .filter((e) => e.field === `line:${l.id}` || (e.field?.startsWith('lines.') && sentLines[Number(e.field.split('.')[1])] === l.id))
      .map((e) => e.message);
  const shownElsewhere = (e: UserError) => e.field?.startsWith('line:') || e.field?.startsWith('lines.') || e.field === 'overrideReason';

  return (
    <div class="card row" data-testid="receive-form" data-number={order.number} data-status={order.status}>
      <OrderSummary order={order} />
      {outcome && (
        <p class="outcome" role="status" data-testid="receive-outcome">
          {outcome}
        </p>
      )}
      {waiting.map((op) => (
        <p key={op.id} class="outcome wh-waiting" role="status" data-testid="receive-waiting">
          {t('Waiting to be sent: {n} units ({skus}). Kept on this device and sent when it is back online.', {
            n: Number(op.local?.units ?? 0),
            skus: String(op.local?.skus ?? ''),
          })}
        </p>
      ))}
      {refused.map((op) => (
        <div key={op.id} class="form-errors" role="alert" data-testid="receive-refused">
          <p>
            {t('Not received: {n} units ({skus})', { n: Number(op.local?.units ?? 0), skus: String(op.local?.skus ?? '') })}
            {' — '}
            {(op.error ?? []).map((e) => e.message).join(' ')}
          </p>
          <a href={href('sync')}>{t('Retry or discard it under Unsent changes')}</a>
        </div>
      ))}
      {receivable ? (
        <form class="inline-form" onSubmit={confirm} noValidate>
          {order.lines.map((l) => {
            const entry = entries[l.id] ?? { qty: '0', cost: '' };
            const errs = lineErrors(l);
            return (
              <div class="wh-line" key={l.id} data-testid="receive-line" data-sku={l.item?.sku}>
                <div class="wh-line-head">
                  <span class="row-title">
                    <span class="wh-sku">{l.item?.sku}</span> {l.item?.name}
                  </span>
                  <span class="muted small" data-testid="receive-line-progress">
                    {t('{received} of {ordered} received', { received: l.receivedQuantity, ordered: l.quantity })}
                  </span>
                </div>
                <div class="wh-line-inputs">
                  <div class="field">
                    <span class="field-label">{t('Arrived')}</span>
                    <Stepper
                      value={entry.qty}
                      onChange={(qty) => setEntries({ ...entries, [l.id]: { ...entry, qty } })}
                      label={t('Arrived of {sku}', { sku: l.item?.sku ?? '' })}
                      testid="receive-qty"
                      invalid={errs.length > 0}
                    />
                  </div>
                  <Field label={t('Unit cost')}>
                    {(p) => <input {...p} inputMode="decimal" value={entry.cost} onInput={(e) => setEntries({ ...entries, [l.id]: { ...entry, cost: e.currentTarget.value } })} data-testid="receive-cost" />}
                  </Field>
                </div>
                {errs.length > 0 && (
                  <span class="field-error" data-testid="field-error" role="alert">
                    {errs.join(' ')}
                  </span>
                )}
              </div>
            );
          })}
          <Field label={t('Delivery note (optional)')}>
            {(p) => <input {...p} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="receive-note" />}
          </Field>
          <label class="check">
            <input type="checkbox" checked={override} onChange={(e) => setOverride(e.currentTarget.checked)} data-testid="receive-override" />
            {t('Keep more than ordered')}
          </label>
          {override && (
            <Field label={t('Why is the extra kept?')} errors={errors.filter((e) => e.field === 'overrideReason').map((e) => e.message)}>
              {(p) => <input {...p} value={overrideReason} onInput={(e) => setOverrideReason(e.currentTarget.value)} data-testid="receive-override-reason" />}
            </Field>
          )}
          <FormErrors errors={errors.filter((e) => !shownElsewhere(e))} testid="receive-errors" />
          <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="receive-confirm">
            {t('Confirm the delivery')}
          </button>
        </form>
      ) : (
        <p class="muted small">{t('This order is received in full.')}</p>
      )}
      <Receipts order={order} onChanged={onChanged} />
    </div>
  );
}

function Receipts({ order, onChanged }: { order: Order; onChanged: (o: Order) => void }) {
  if (!order.receipts.length) return null;
  const lineOf = new Map(order.lines.map((l) => [l.id, l]));
  return (
    <div data-testid="receipts">
      <h2 class="card-title">{t('Deliveries so far')}</h2>
      {order.receipts.map((r) => (
        <ReceiptRow key={r.id} receipt={r} sku={lineOf.get(r.lineId)?.item?.sku ?? ''} orderId={order.id} onChanged={onChanged} />
      ))}
    </div>
  );
}

function ReceiptRow({ receipt: r, sku, onChanged }: { receipt: Order['receipts'][number]; sku: string; orderId: string; onChanged: (o: Order) => void }) {
  const [undoing, setUndoing] = useState(false);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [mutationId, answered] = useMutationId();
  const isReversal = r.reversesId !== null;

  async function undo(reason: string) {
    setBusy(true);
    const res = await mutate<OrderPayload>(REVERSE, { receiptId: r.id, reason, clientMutationId: mutationId }, 'reversePurchaseReceipt');
    answered(res);
    setBusy(false);
    setErrors(res.errors);
    if (!res.errors.length && res.payload?.purchaseOrder) {
      setUndoing(false);
      onChanged(res.payload.purchaseOrder);
    }
  }

  return (
    <div class="wh-receipt" data-testid="receipt" data-sku={sku} data-quantity={r.quantity} data-reversed={r.reversed ? 'true' : 'false'}>
      <span class={r.reversed ? 'wh-reversed' : ''}>
        <span class="wh-sku">{sku}</span> {isReversal ? t('undone {n}', { n: -r.quantity }) : t('{n} at {cost}', { n: r.quantity, cost: money(r.unitCost) })}
        <span class="muted small"> · {formatDateTime(r.createdAt)}</span>
        {r.deliveryNote && <span class="muted small"> · {r.deliveryNote}</span>}
      </span>
      {!isReversal && !r.reversed && !undoing && (
        <button type="button" class="btn btn-secondary btn-small" onClick={() => setUndoing(true)} data-testid="receipt-undo">
          {t('Undo')}
        </button>
      )}
      {undoing && (
        <ReasonForm
          label={t('Why is it undone?')}
          confirm={t('Undo the receipt')}
          missing={t('Say why this receipt is undone.')}
          busy={busy}
          testid="receipt-undo"
          onConfirm={(reason) => void undo(reason)}
          onKeep={() => setUndoing(false)}
        />
      )}
      {errors.length > 0 && <FormErrors errors={errors} />}
    </div>
  );
}
