// The PromptPay QR (Thai QR Payment) for what is still due on an invoice, as the server makes it
// (Invoice.promptPay { payload svg amount }): a payer's banking app scans it. Nothing is shown when the server has
// none (no PromptPay ID in the garage's settings, nothing due, or a server without the field).
import { useEffect, useState } from 'preact/hooks';
import { authedGraphql } from '../../../shared/auth';
import { formatMoney, t } from '../../../shared/i18n';

export const PROMPTPAY_QUERY = `query InvoicePromptPay($id: ID!) { invoice(id: $id) { id promptPay { payload svg amount } } }`;

export interface PromptPayQr {
  payload: string;
  svg: string;
  amount: number;
}

/**
 * Fetched apart from the invoice, so a server that does not have the field yet still shows the invoice; fetched
 * again whenever the invoice is (a refresh, a payment, a live change), since the garage's PromptPay ID may change.
 */
export function PromptPayBox({ invoice }: { invoice: { id: string; balanceDue: number; currency: string } }) {
  const { id: invoiceId, balanceDue, currency } = invoice;
  const [qr, setQr] = useState<PromptPayQr | null>(null);
  useEffect(() => {
    let live = true;
    if (balanceDue <= 0) {
      setQr(null);
      return;
    }
    authedGraphql<{ invoice: { promptPay: PromptPayQr | null } | null }>(PROMPTPAY_QUERY, { id: invoiceId })
      .then((d) => live && setQr(d.invoice?.promptPay ?? null))
      .catch(() => live && setQr(null));
    return () => {
      live = false;
    };
  }, [invoice]);
  if (!qr || !qr.svg) return null;
  const amount = formatMoney(qr.amount, currency);
  return (
    <figure class="card inv-section promptpay" data-testid="promptpay" data-payload={qr.payload} data-amount={qr.amount}>
      <img
        class="promptpay-qr"
        src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(qr.svg)}`}
        alt={t('PromptPay QR code for {amount}', { amount })}
        width={200}
        height={200}
      />
      <figcaption>
        <strong>{t('Scan to pay with PromptPay')}</strong>
        <span class="money" data-testid="promptpay-amount">
          {amount}
        </span>
      </figcaption>
    </figure>
  );
}
