// The warehouse: items with low stock highlighted, receiving deliveries and correcting counts.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import type { ScreenProps } from '../screens';
import { ERRORS, Empty, Failure, Field, FormErrors, LoadMore, Loading, ScreenTitle, money, mutate, newMutationId, toMinor, usePagedList } from './common';

const ITEM = 'id sku name unit quantityOnHand reorderPoint binLocation costPrice salePrice lowStock version';

interface Item {
  id: string;
  sku: string;
  name: string;
  unit: string;
  quantityOnHand: number;
  reorderPoint: number;
  binLocation: string | null;
  costPrice: number;
  salePrice: number;
  lowStock: boolean;
  version: number;
}

const ITEMS = `query WarehouseItems($search: String, $lowStock: Boolean, $after: String) {
  warehouseItems(search: $search, lowStock: $lowStock, first: 25, after: $after) {
    edges { node { ${ITEM} } } pageInfo { hasNextPage endCursor }
  }
}`;
const RECEIVE = `mutation ReceiveStock($input: ReceiveStockInput!) { receiveStock(input: $input) { warehouseItem { ${ITEM} } ${ERRORS} } }`;
const ADJUST = `mutation AdjustStock($input: AdjustStockInput!) { adjustStock(input: $input) { warehouseItem { ${ITEM} } ${ERRORS} } }`;

export default function StockScreen(_props: ScreenProps) {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [lowOnly, setLowOnly] = useState(false);

  useEffect(() => {
    const id = setTimeout(() => setQuery(search.trim()), 300);
    return () => clearTimeout(id);
  }, [search]);

  const list = usePagedList<Item>(ITEMS, 'warehouseItems', { search: query || null, lowStock: lowOnly || null });
  const items = list.rows;

  const replace = (item: Item) => list.setRows((old) => old && old.map((i) => (i.id === item.id ? item : i)));
  return (
    <section class="screen">
      <ScreenTitle>{t('Stock')}</ScreenTitle>
      <div class="search">
        <input
          type="search"
          aria-label={t('Search items')}
          placeholder={t('SKU or name')}
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
          data-testid="stock-search"
        />
      </div>
      <label class="check">
        <input type="checkbox" checked={lowOnly} onChange={(e) => setLowOnly(e.currentTarget.checked)} data-testid="stock-low-only" />
        {t('Only items at or under their reorder point')}
      </label>
      {list.error && <Failure message={list.error} onRetry={list.reload} />}
      {!items && !list.error && <Loading />}
      {items && items.length === 0 && <Empty>{t('No items match.')}</Empty>}
      {items && items.length > 0 && (
        <ul class="list" data-testid="stock-list" aria-busy={list.busy}>
          {items.map((i) => (
            <ItemRow key={i.id} item={i} onChanged={replace} />
          ))}
        </ul>
      )}
      <LoadMore hasMore={list.hasMore} busy={list.busy} onMore={list.more} />
    </section>
  );
}

function ItemRow({ item, onChanged }: { item: Item; onChanged: (i: Item) => void }) {
  const [mode, setMode] = useState<'none' | 'receive' | 'adjust'>('none');
  const [qty, setQty] = useState('');
  const [cost, setCost] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [mutationId, setMutationId] = useState(newMutationId);
  const [saved, setSaved] = useState<string | null>(null);

  function close() {
    setMode('none');
    setQty('');
    setCost('');
    setReason('');
    setErrors([]);
  }

  async function submit(e: Event) {
    e.preventDefault();
    const problems: UserError[] = [];
    const n = Number(qty.trim());
    const receiving = mode === 'receive';
    if (!/^[+-]?\d+$/.test(qty.trim()) || n === 0 || (receiving && n < 0))
      problems.push({ field: receiving ? 'quantity' : 'quantityChange', code: 'INVALID_QUANTITY', message: receiving ? t('Type how many arrived (a whole number above zero).') : t('Type the change, such as 2 or -1.') });
    const unitCost = cost.trim() ? toMinor(cost) : null;
    if (receiving && cost.trim() && unitCost === null) problems.push({ field: 'unitCost', code: 'INVALID_AMOUNT', message: t('Type an amount such as 120.50.') });
    if (!receiving && !reason.trim()) problems.push({ field: 'reason', code: 'REASON_REQUIRED', message: t('Say why the count changed.') });
    setErrors(problems);
    if (problems.length) return;
    setBusy(true);
    const r = receiving
      ? await mutate<{ warehouseItem: Item | null; errors: UserError[] }>(
          RECEIVE,
          { itemId: item.id, quantity: n, unitCost, reason: reason.trim() || null, clientMutationId: mutationId },
          'receiveStock',
        )
      : await mutate<{ warehouseItem: Item | null; errors: UserError[] }>(
          ADJUST,
          { itemId: item.id, quantityChange: n, reason: reason.trim(), clientMutationId: mutationId },
          'adjustStock',
        );
    setBusy(false);
    setErrors(r.errors);
    if (!r.errors.length && r.payload?.warehouseItem) {
      onChanged(r.payload.warehouseItem);
      setSaved(receiving ? t('Received {n}.', { n }) : t('Count changed by {n}.', { n: n > 0 ? `+${n}` : n }));
      setMutationId(newMutationId());
      close();
    }
  }

  const fe = (f: string) => errors.filter((e) => e.field === f).map((e) => e.message);
  return (
    <li class={`card row ${item.lowStock ? 'low-stock' : ''}`} data-testid="stock-item" data-sku={item.sku} data-low={item.lowStock ? 'true' : 'false'}>
      <div class="row-main">
        <span class="row-title">{item.name}</span>
        <span class="muted small">{item.sku}</span>
      </div>
      <p class="small">
        <strong data-testid="stock-qty">{item.quantityOnHand}</strong> {item.unit}
        <span class="muted"> · {t('reorder at {n}', { n: item.reorderPoint })}</span>
        {item.binLocation && <span class="muted"> · {t('Bin {bin}', { bin: item.binLocation })}</span>}
        {item.lowStock && <span class="tag-warn"> {t('Low stock')}</span>}
      </p>
      <p class="muted small">
        {t('Cost {cost} · price {price}', { cost: money(item.costPrice), price: money(item.salePrice) })}
      </p>
      {saved && mode === 'none' && (
        <p class="outcome" role="status">
          {saved}
        </p>
      )}
      {mode === 'none' ? (
        <div class="actions">
          <button type="button" class="btn btn-secondary" onClick={() => { setSaved(null); setMode('receive'); }} data-testid="stock-receive">
            {t('Receive')}
          </button>
          <button type="button" class="btn btn-secondary" onClick={() => { setSaved(null); setMode('adjust'); }} data-testid="stock-adjust">
            {t('Adjust')}
          </button>
        </div>
      ) : (
        <form class="inline-form" onSubmit={submit} noValidate data-testid="stock-form">
          <Field label={mode === 'receive' ? t('Quantity received') : t('Change (+ or −)')} errors={fe(mode === 'receive' ? 'quantity' : 'quantityChange')}>
            {(p) => <input {...p} inputMode={mode === 'receive' ? 'numeric' : 'text'} value={qty} onInput={(e) => setQty(e.currentTarget.value)} data-testid="stock-qty-input" />}
          </Field>
          {mode === 'receive' && (
            <Field label={t('Unit cost (optional)')} errors={fe('unitCost')}>
              {(p) => <input {...p} inputMode="decimal" value={cost} onInput={(e) => setCost(e.currentTarget.value)} data-testid="stock-cost" />}
            </Field>
          )}
          <Field label={mode === 'receive' ? t('Delivery note (optional)') : t('Reason')} errors={fe('reason')}>
            {(p) => <input {...p} value={reason} onInput={(e) => setReason(e.currentTarget.value)} data-testid="stock-reason" />}
          </Field>
          <FormErrors errors={errors.filter((e) => !['quantity', 'quantityChange', 'unitCost', 'reason'].includes(e.field ?? ''))} />
          <div class="actions">
            <button type="submit" class="btn btn-primary" disabled={busy} data-testid="stock-save">
              {mode === 'receive' ? t('Receive stock') : t('Save adjustment')}
            </button>
            <button type="button" class="btn btn-secondary" disabled={busy} onClick={close}>
              {t('Cancel')}
            </button>
          </div>
        </form>
      )}
    </li>
  );
}
