// Warehouse manager: what to order for a warehouse (max − on hand − on order, rounded up to the pack size), by
// preferred supplier, and one tap to turn it into draft orders, one per supplier. The figures follow stock live.
import { useRef, useState } from 'preact/hooks';
import { t } from '../../../shared/i18n';
import type { UserError } from '../../../shared/types';
import type { ScreenProps } from '../../screens';
import { ERRORS, Empty, Failure, FormErrors, Loading, ScreenTitle, mutate, useQuery } from '../common';
import type { Order } from './orders';
import { ORDER } from './orders';
import { OrderRow } from './PurchaseOrders';
import { WarehousePicker, useStockLive, useWarehouse, useMutationId } from './shared';

interface Suggestion {
  itemId: string;
  warehouseId: string;
  onHand: number;
  onOrder: number;
  minLevel: number;
  maxLevel: number;
  quantity: number;
  packSize: number;
  supplierId: string | null;
  item: { sku: string; name: string; unit: string } | null;
}

const SUGGESTIONS = `query ReorderSuggestions($warehouseId: ID) {
  reorderSuggestions(warehouseId: $warehouseId) { itemId warehouseId onHand onOrder minLevel maxLevel quantity packSize supplierId item { sku name unit } }
  suppliers(first: 100) { edges { node { id name } } }
}`;
const DRAFT = `mutation DraftReorders($input: DraftReordersInput!) { draftReorders(input: $input) { purchaseOrders { ${ORDER} } ${ERRORS} } }`;

export default function ReorderScreen(_props: ScreenProps) {
  const wh = useWarehouse();
  const q = useQuery<{ reorderSuggestions: Suggestion[]; suppliers: { edges: { node: { id: string; name: string } }[] } }>(
    SUGGESTIONS,
    wh.warehouseId ? { warehouseId: wh.warehouseId } : null,
  );
  const [created, setCreated] = useState<Order[]>([]);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [mutationId, answered] = useMutationId();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const reloadSoon = () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(q.reload, 300);
  };
  useStockLive(wh.warehouseId ?? undefined, reloadSoon, q.reload);

  const names = new Map((q.data?.suppliers.edges ?? []).map((e) => [e.node.id, e.node.name]));
  const rows = q.data?.reorderSuggestions;
  const groups = new Map<string, Suggestion[]>();
  for (const s of rows ?? []) groups.set(s.supplierId ?? '', [...(groups.get(s.supplierId ?? '') ?? []), s]);
  const orderable = (rows ?? []).some((s) => s.supplierId);

  async function draft() {
    setBusy(true);
    const r = await mutate<{ purchaseOrders: Order[]; errors: UserError[] }>(DRAFT, { warehouseId: wh.warehouseId, clientMutationId: mutationId }, 'draftReorders');
    answered(r);
    setBusy(false);
    setErrors(r.errors);
    if (!r.errors.length) {
      setCreated(r.payload?.purchaseOrders ?? []);
      q.reload();
    }
  }

  return (
    <section class="screen">
      <ScreenTitle>{t('Reorder')}</ScreenTitle>
      {wh.error && <Failure message={wh.error} />}
      {wh.warehouses && <WarehousePicker warehouses={wh.warehouses} value={wh.warehouseId} onChange={wh.setWarehouseId} />}
      {q.error && <Failure message={q.error} onRetry={q.reload} />}
      {!rows && !q.error && <Loading />}
      {rows && rows.length === 0 && created.length === 0 && <Empty testid="reorder-empty">{t('Nothing to order: every item is above its minimum.')}</Empty>}
      {[...groups.entries()].map(([supplierId, list]) => (
        <div class="card row" key={supplierId} data-testid="reorder-group" data-supplier={supplierId}>
          <h2 class="card-title">{supplierId ? names.get(supplierId) ?? '' : t('No preferred supplier: order by hand')}</h2>
          <table class="wh-table">
            <thead>
              <tr>
                <th>{t('Item')}</th>
                <th class="num">{t('On hand')}</th>
                <th class="num">{t('On order')}</th>
                <th class="num">{t('Min / max')}</th>
                <th class="num">{t('To order')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.itemId} data-testid="reorder-line" data-sku={s.item?.sku}>
                  <td>
                    <span class="wh-sku">{s.item?.sku}</span> {s.item?.name}
                  </td>
                  <td data-label={t('On hand')} class="num" data-testid="reorder-on-hand">
                    {s.onHand}
                  </td>
                  <td data-label={t('On order')} class="num">{s.onOrder}</td>
                  <td data-label={t('Min / max')} class="num">
                    {s.minLevel} / {s.maxLevel}
                  </td>
                  <td data-label={t('To order')} class="num" data-testid="reorder-qty">
                    <strong>{s.quantity}</strong>
                    {s.packSize > 1 && <span class="muted"> ({t('packs of {n}', { n: s.packSize })})</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      <FormErrors errors={errors} />
      {orderable && (
        <button type="button" class="btn btn-primary btn-block" disabled={busy} onClick={() => void draft()} data-testid="reorder-draft">
          {t('Create the draft orders')}
        </button>
      )}
      {created.length > 0 && (
        <>
          <p class="outcome" role="status" data-testid="reorder-created">
            {t('{n} draft orders made. Submit each one to send it.', { n: created.length })}
          </p>
          <ul class="list" data-testid="po-list">
            {created.map((o) => (
              <OrderRow key={o.id} order={o} onChanged={(next) => setCreated((old) => old.map((x) => (x.id === next.id ? next : x)))} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
