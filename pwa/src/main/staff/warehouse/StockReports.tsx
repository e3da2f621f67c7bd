// Warehouse manager: what the stock is worth per warehouse (at the moving weighted average cost, live as stock
// moves), and what was used per item and site over a period (issued to jobs less returned, plus counter sales).
import { useRef, useState } from 'preact/hooks';
import { t } from '../../../shared/i18n';
import type { ScreenProps } from '../../screens';
import { Empty, Failure, Field, Loading, ScreenTitle, money, useQuery } from '../common';
import { useStockLive, useWarehouse } from './shared';

interface Valuation {
  warehouse: { id: string; name: string };
  total: number;
  lines: { itemId: string; onHand: number; unitCost: number; value: number; item: { sku: string; name: string; unit: string } | null }[];
}
interface Usage {
  itemId: string;
  warehouseId: string;
  issued: number;
  returned: number;
  sold: number;
  used: number;
}

const VALUATION = `query StockValuation { stockValuation { total warehouse { id name } lines { itemId onHand unitCost value item { sku name unit } } } }`;
const USAGE = `query StockUsage($from: DateTime!, $to: DateTime!, $warehouseId: ID) {
  stockUsage(from: $from, to: $to, warehouseId: $warehouseId) { itemId warehouseId issued returned sold used }
}`;
const USAGE_ITEMS = `query UsageItems($ids: [ID!]!) { warehouseItemsByIds(ids: $ids) { id sku name unit } }`;

function isoDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export default function StockReportsScreen(_props: ScreenProps) {
  const [tab, setTab] = useState<'value' | 'usage'>('value');
  return (
    <section class="screen">
      <ScreenTitle>{t('Stock reports')}</ScreenTitle>
      <div class="wh-tabs" role="group" aria-label={t('Report')}>
        <button type="button" class={`btn btn-secondary ${tab === 'value' ? 'wh-tab-on' : ''}`} aria-pressed={tab === 'value'} onClick={() => setTab('value')} data-testid="report-tab-value">
          {t('Stock value')}
        </button>
        <button type="button" class={`btn btn-secondary ${tab === 'usage' ? 'wh-tab-on' : ''}`} aria-pressed={tab === 'usage'} onClick={() => setTab('usage')} data-testid="report-tab-usage">
          {t('Usage')}
        </button>
      </div>
      {tab === 'value' ? <ValuationReport /> : <UsageReport />}
    </section>
  );
}

function ValuationReport() {
  const q = useQuery<{ stockValuation: Valuation[] }>(VALUATION, {});
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useStockLive(null, () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(q.reload, 300);
  }, q.reload);
  const rows = q.data?.stockValuation;
  const total = (rows ?? []).reduce((s, r) => s + r.total, 0);
  return (
    <>
      {q.error && <Failure message={q.error} onRetry={q.reload} />}
      {!rows && !q.error && <Loading />}
      {rows && rows.length === 0 && <Empty>{t('No stock on any shelf.')}</Empty>}
      {rows && rows.length > 0 && (
        <p class="row-title" data-testid="valuation-total">
          {t('All warehouses: {total}', { total: money(total) })}
        </p>
      )}
      {rows?.map((w) => (
        <details class="card row" key={w.warehouse.id} data-testid="valuation-warehouse" data-name={w.warehouse.name}>
          <summary class="row-main wh-summary">
            <span class="row-title">{w.warehouse.name}</span>
            <strong data-testid="valuation-warehouse-total">{money(w.total)}</strong>
          </summary>
          <table class="wh-table">
            <thead>
              <tr>
                <th>{t('Item')}</th>
                <th class="num">{t('On hand')}</th>
                <th class="num">{t('Average cost')}</th>
                <th class="num">{t('Value')}</th>
              </tr>
            </thead>
            <tbody>
              {w.lines.map((l) => (
                <tr key={l.itemId} data-testid="valuation-line" data-sku={l.item?.sku}>
                  <td>
                    <span class="wh-sku">{l.item?.sku}</span> {l.item?.name}
                  </td>
                  <td data-label={t('On hand')} class="num" data-testid="valuation-on-hand">
                    {l.onHand}
                  </td>
                  <td data-label={t('Average cost')} class="num">{money(l.unitCost)}</td>
                  <td data-label={t('Value')} class="num">{money(l.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ))}
    </>
  );
}

function UsageReport() {
  const wh = useWarehouse();
  const today = new Date();
  const [from, setFrom] = useState(isoDay(new Date(today.getFullYear(), today.getMonth(), 1)));
  const [to, setTo] = useState(isoDay(today));
  const [where, setWhere] = useState('');
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(from) && /^\d{4}-\d{2}-\d{2}$/.test(to) && from <= to;
  const end = valid ? new Date(`${to}T00:00:00`) : null;
  if (end) end.setDate(end.getDate() + 1); // the whole last day
  const q = useQuery<{ stockUsage: Usage[] }>(
    USAGE,
    valid && end ? { from: new Date(`${from}T00:00:00`).toISOString(), to: end.toISOString(), warehouseId: where || null } : null,
  );
  const rows = q.data?.stockUsage;
  const ids = rows ? [...new Set(rows.map((r) => r.itemId))].slice(0, 200) : null;
  const items = useQuery<{ warehouseItemsByIds: { id: string; sku: string; name: string; unit: string }[] }>(USAGE_ITEMS, ids && ids.length ? { ids } : null);
  const item = new Map((items.data?.warehouseItemsByIds ?? []).map((i) => [i.id, i]));
  const warehouseName = new Map((wh.warehouses ?? []).map((w) => [w.id, w.name]));
  return (
    <>
      <div class="wh-filters">
        <Field label={t('From')} errors={valid ? [] : [t('The start must be on or before the end.')]}>
          {(p) => <input {...p} type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} data-testid="usage-from" />}
        </Field>
        <Field label={t('To')}>
          {(p) => <input {...p} type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} data-testid="usage-to" />}
        </Field>
        <Field label={t('Warehouse')}>
          {(p) => (
            <select {...p} value={where} onChange={(e) => setWhere(e.currentTarget.value)} data-testid="usage-warehouse">
              <option value="">{t('All warehouses')}</option>
              {wh.warehouses?.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {q.error && <Failure message={q.error} onRetry={q.reload} />}
      {valid && !rows && !q.error && <Loading />}
      {rows && rows.length === 0 && <Empty testid="usage-empty">{t('Nothing was used in this period.')}</Empty>}
      {rows && rows.length > 0 && (
        <div class="card row">
          <table class="wh-table" data-testid="usage-table">
            <thead>
              <tr>
                <th>{t('Item')}</th>
                <th>{t('Warehouse')}</th>
                <th class="num">{t('To jobs')}</th>
                <th class="num">{t('Back from jobs')}</th>
                <th class="num">{t('Sold')}</th>
                <th class="num">{t('Used')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.itemId}-${r.warehouseId}`} data-testid="usage-line" data-sku={item.get(r.itemId)?.sku}>
                  <td>
                    <span class="wh-sku">{item.get(r.itemId)?.sku}</span> {item.get(r.itemId)?.name}
                  </td>
                  <td data-label={t('Warehouse')}>{warehouseName.get(r.warehouseId) ?? ''}</td>
                  <td data-label={t('To jobs')} class="num">{r.issued}</td>
                  <td data-label={t('Back from jobs')} class="num">{r.returned}</td>
                  <td data-label={t('Sold')} class="num">{r.sold}</td>
                  <td data-label={t('Used')} class="num" data-testid="usage-used">
                    <strong>{r.used}</strong>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
