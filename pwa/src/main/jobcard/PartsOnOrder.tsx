// The job card's parts on order: what open purchase orders bring for this job, when it is expected, and where the
// part is now (jobPartsOnOrder + partWhereabouts). Shows nothing while nothing is on order.
import { useEffect, useState } from 'preact/hooks';
import { authedGraphql } from '../../shared/auth';
import { formatDay, t } from '../../shared/i18n';
import { failureMessage } from '../staff/common';

const ON_ORDER = `query JobPartsOnOrder($jobId: ID!) {
  jobPartsOnOrder(jobId: $jobId) { orderId orderNumber orderStatus supplierName expectedDate
    line { id quantity receivedQuantity outstanding description partsRequestId item { sku name } } }
}`;
const WHERE = `query JobPartWhereabouts($ids: [ID!]!) {
  partWhereabouts(partsRequestIds: $ids) { partsRequestId location transferNumber purchaseOrderNumber expectedDate }
}`;

interface OnOrder {
  orderId: string;
  orderNumber: string;
  orderStatus: string;
  supplierName: string;
  expectedDate: string | null;
  line: { id: string; quantity: number; receivedQuantity: number; outstanding: number; description: string | null; partsRequestId: string | null; item: { sku: string; name: string } | null };
}
interface Where {
  partsRequestId: string;
  location: string;
  transferNumber: string | null;
  purchaseOrderNumber: string | null;
}

function whereText(w: Where | undefined, p: OnOrder): string {
  switch (w?.location ?? 'ON_ORDER') {
    case 'ISSUED':
      return t('Handed over to the job');
    case 'ON_SHELF':
      return t("On the site's shelf");
    case 'IN_TRANSIT':
      return t('On its way from the central warehouse ({number})', { number: w?.transferNumber ?? '' });
    case 'TRANSFER_PLANNED':
      return t('To be sent from the central warehouse ({number})', { number: w?.transferNumber ?? '' });
    case 'NOT_AVAILABLE':
      return t('Not ordered yet');
    default:
      return p.orderStatus === 'DRAFT' || p.orderStatus === 'PENDING_APPROVAL' || p.orderStatus === 'APPROVED'
        ? t('To be ordered from {supplier} ({number})', { supplier: p.supplierName, number: p.orderNumber })
        : t('Ordered from {supplier} ({number})', { supplier: p.supplierName, number: p.orderNumber });
  }
}

function expectedText(p: OnOrder): string {
  if (p.line.outstanding <= 0) return t('All received');
  return p.expectedDate ? t('Expected {date}', { date: formatDay(p.expectedDate) }) : t('No date yet');
}

/** `version` changes whenever the job does (a delivery for it tells the job): the list is read again. */
export function PartsOnOrder({ jobId, version }: { jobId: string; version: number }) {
  const [rows, setRows] = useState<OnOrder[] | null>(null);
  const [where, setWhere] = useState<Record<string, Where>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    authedGraphql<{ jobPartsOnOrder: OnOrder[] }>(ON_ORDER, { jobId })
      .then(async (d) => {
        if (!live) return;
        setRows(d.jobPartsOnOrder);
        setError(null);
        const ids = d.jobPartsOnOrder.map((p) => p.line.partsRequestId).filter((x): x is string => !!x);
        if (!ids.length) return;
        const w = await authedGraphql<{ partWhereabouts: Where[] }>(WHERE, { ids });
        if (live) setWhere(Object.fromEntries(w.partWhereabouts.map((x) => [x.partsRequestId, x])));
      })
      .catch((e) => live && setError(failureMessage(e)));
    return () => {
      live = false;
    };
  }, [jobId, version]);
  if (error) return <p class="muted small">{error}</p>;
  if (!rows || rows.length === 0) return null;
  return (
    <section class="card" data-testid="jc-on-order" aria-labelledby="jc-on-order-title">
      <h2 class="card-title" id="jc-on-order-title">
        {t('Parts on order')}
      </h2>
      <ul class="list">
        {rows.map((p) => (
          <li key={p.line.id} class="row" data-testid="jc-on-order-line" data-order={p.orderNumber} data-outstanding={p.line.outstanding}>
            <div class="row-main">
              <span class="row-title">
                {p.line.quantity} × <span data-raw="">{p.line.description ?? p.line.item?.name ?? '—'}</span>
              </span>
              <span class="status-pill" data-testid="jc-on-order-expected">
                {expectedText(p)}
              </span>
            </div>
            {p.line.receivedQuantity > 0 && p.line.outstanding > 0 && (
              <span class="muted small" data-testid="jc-on-order-received">
                {t('{received} of {quantity} received', { received: p.line.receivedQuantity, quantity: p.line.quantity })}
              </span>
            )}
            <span class="muted small" data-testid="jc-on-order-where">
              {whereText(p.line.partsRequestId ? where[p.line.partsRequestId] : undefined, p)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
