// Warehouse manager: a stock count of one warehouse. The count sheet lists its items by bin with what the ledger
// has there (kept live while counting); type what is on the shelf, the variance shows at once; post with a reason
// and the variances become adjustments, all or none.
import { useState } from 'preact/hooks';
import { t } from '../../../shared/i18n';
import type { UserError } from '../../../shared/types';
import type { ScreenProps } from '../../screens';
import { ERRORS, Empty, Failure, Field, FormErrors, Loading, ScreenTitle, mutate, useQuery } from '../common';
import { WarehousePicker, useStockLive, useWarehouse, wholeNumber, useMutationId } from './shared';

interface SheetLine {
  itemId: string;
  expected: number;
  item: { sku: string; name: string; unit: string; binLocation: string | null } | null;
}
interface Variance {
  itemId: string;
  expected: number;
  counted: number;
  variance: number;
}

const SHEET = `query StockCountSheet($warehouseId: ID!) { stockCountSheet(warehouseId: $warehouseId) { itemId expected item { sku name unit binLocation } } }`;
const POST = `mutation PostStockCount($input: PostStockCountInput!) { postStockCount(input: $input) { variances { itemId expected counted variance } ${ERRORS} } }`;

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

export default function StockCountScreen(_props: ScreenProps) {
  const wh = useWarehouse();
  const q = useQuery<{ stockCountSheet: SheetLine[] }>(SHEET, wh.warehouseId ? { warehouseId: wh.warehouseId } : null);
  const [counted, setCounted] = useState<Record<string, string>>({});
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [posted, setPosted] = useState<Variance[] | null>(null);
  const [mutationId, answered] = useMutationId();
  const [sentIds, setSentIds] = useState<string[]>([]);

  const live = useStockLive(wh.warehouseId ?? undefined, (f) =>
    q.setData((old) => old && { stockCountSheet: old.stockCountSheet.map((l) => (l.itemId === f.itemId ? { ...l, expected: f.onHand } : l)) }),
    q.reload,
  );

  const sheet = q.data?.stockCountSheet;
  const names = new Map((sheet ?? []).map((l) => [l.itemId, l.item]));

  async function post(e: Event) {
    e.preventDefault();
    const problems: UserError[] = [];
    const lines: { itemId: string; counted: number }[] = [];
    for (const l of sheet ?? []) {
      const text = counted[l.itemId]?.trim();
      if (!text) continue;
      const n = wholeNumber(text);
      if (n === null) problems.push({ field: `item:${l.itemId}`, code: 'INVALID_QUANTITY', message: t('Type a whole number, 0 or more.') });
      else lines.push({ itemId: l.itemId, counted: n });
    }
    if (!reason.trim()) problems.push({ field: 'reason', code: 'REASON_REQUIRED', message: t('Say what this count is, such as the month-end count.') });
    if (!problems.length && !lines.length) problems.push({ field: null, code: 'NO_LINES', message: t('Type at least one counted quantity.') });
    setErrors(problems);
    if (problems.length) return;
    setBusy(true);
    setSentIds(lines.map((l) => l.itemId));
    const r = await mutate<{ variances: Variance[]; errors: UserError[] }>(POST, { warehouseId: wh.warehouseId, lines, reason: reason.trim(), clientMutationId: mutationId }, 'postStockCount');
    answered(r);
    setBusy(false);
    setErrors(r.errors);
    if (!r.errors.length && r.payload) {
      setPosted(r.payload.variances);
      setCounted({});
      setReason('');
      q.reload();
    }
  }

  const lineErrors = (itemId: string) =>
    errors.filter((e) => e.field === `item:${itemId}` || (e.field?.startsWith('lines.') && sentIds[Number(e.field.split('.')[1])] === itemId)).map((e) => e.message);

  return (
    <section class="screen">
      <ScreenTitle>{t('Stock count')}</ScreenTitle>
      {wh.error && <Failure message={wh.error} />}
      {wh.warehouses && (
        <WarehousePicker
          warehouses={wh.warehouses}
          value={wh.warehouseId}
          onChange={(id) => {
            wh.setWarehouseId(id);
            setCounted({});
            setPosted(null);
          }}
        />
      )}
      {posted && (
        <div class="card row" data-testid="count-posted" role="status">
          <h2 class="card-title">{t('Count posted')}</h2>
          <table class="wh-table">
            <thead>
              <tr>
                <th>{t('Item')}</th>
                <th class="num">{t('Expected')}</th>
                <th class="num">{t('Counted')}</th>
                <th class="num">{t('Variance')}</th>
              </tr>
            </thead>
            <tbody>
              {posted.map((v) => (
                <tr key={v.itemId} data-testid="count-posted-line" data-sku={names.get(v.itemId)?.sku}>
                  <td>
                    <span class="wh-sku">{names.get(v.itemId)?.sku}</span> {names.get(v.itemId)?.name}
                  </td>
                  <td data-label={t('Expected')} class="num">{v.expected}</td>
                  <td data-label={t('Counted')} class="num">{v.counted}</td>
                  <td data-label={t('Variance')} class={`num ${v.variance < 0 ? 'wh-variance-neg' : v.variance > 0 ? 'wh-variance-pos' : ''}`}>{signed(v.variance)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {q.error && <Failure message={q.error} onRetry={q.reload} />}
      {!sheet && !q.error && <Loading />}
      {sheet && sheet.length === 0 && <Empty testid="count-empty">{t('Nothing on this warehouse’s shelves to count.')}</Empty>}
      {sheet && sheet.length > 0 && (
        <form class="card row" onSubmit={post} noValidate data-testid="count-sheet" data-live={live ? 'true' : 'false'}>
          <p class="muted small">{t('Leave a line empty if you did not count it.')}</p>
          {sheet.map((l) => {
            const n = wholeNumber(counted[l.itemId] ?? '');
            const variance = n === null ? null : n - l.expected;
            return (
              <div class="wh-line" key={l.itemId} data-testid="count-line" data-sku={l.item?.sku}>
                <div class="wh-line-head">
                  <span>
                    <span class="wh-sku">{l.item?.sku}</span> {l.item?.name}
                  </span>
                  {l.item?.binLocation && <span class="muted small">{t('Bin {bin}', { bin: l.item.binLocation })}</span>}
                </div>
                <div class="wh-line-inputs wh-count-inputs">
                  <p class="small">
                    {t('Expected')} <strong data-testid="count-expected">{l.expected}</strong> {l.item?.unit}
                  </p>
                  <Field label={t('Counted')} errors={lineErrors(l.itemId)}>
                    {(p) => <input {...p} inputMode="numeric" value={counted[l.itemId] ?? ''} onInput={(e) => setCounted({ ...counted, [l.itemId]: e.currentTarget.value })} data-testid="count-input" />}
                  </Field>
                  <p class="small" data-testid="count-variance">
                    {variance !== null && (
                      <span class={variance < 0 ? 'wh-variance-neg' : variance > 0 ? 'wh-variance-pos' : ''}>
                        {variance === 0 ? t('No difference') : t('Variance {n}', { n: signed(variance) })}
                      </span>
                    )}
                  </p>
                </div>
              </div>
            );
          })}
          <Field label={t('Reason')} errors={errors.filter((e) => e.field === 'reason').map((e) => e.message)}>
            {(p) => <input {...p} value={reason} onInput={(e) => (setReason(e.currentTarget.value), setErrors((old) => old.filter((x) => x.field !== 'reason')))} placeholder={t('Month-end count')} data-testid="count-reason" />}
          </Field>
          <FormErrors errors={errors.filter((e) => e.field !== 'reason' && !e.field?.startsWith('item:') && !e.field?.startsWith('lines.'))} />
          <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="count-post">
            {t('Post the count')}
          </button>
        </form>
      )}
    </section>
  );
}
