import { formatDate, formatMoney, t } from './i18n';
import type { PortalData } from './types';

/** The visit's invoices (with PromptPay for a balance due, where the garage has it), receipts and shared documents. */
export function Paying({ data }: { data: PortalData }) {
  const { invoices, receipts, documents } = data;
  if (!invoices.length && !receipts.length && !documents.length) return null;
  return (
    <section class="p-card" aria-labelledby="p-pay-h" data-testid="portal-paying">
      <h2 id="p-pay-h" class="p-h2">{t('Invoices and documents')}</h2>
      {invoices.map((inv, i) => {
        const money = (n: number) => formatMoney(n, inv.currency);
        return (
        // keys by what stays: a signed link changes at every read (each live update)
        <div key={inv.number ?? i} class="p-invoice" data-testid="portal-invoice">
          <div class="p-line-head">
            <span class="p-line-desc">{inv.number ? t('Invoice {number}', { number: inv.number }) : t('Invoice')}</span>
            <span class="p-line-total">{money(inv.total)}</span>
          </div>
          <p class={inv.balance > 0 ? 'p-due' : 'p-muted'}>
            {inv.balance > 0 ? t('Balance due: {amount}', { amount: money(inv.balance) }) : t('Paid in full')}
          </p>
          <a class="p-link" href={inv.pdfUrl} target="_blank" rel="noopener">{t('Download the invoice (PDF)')}</a>
          {inv.balance > 0 && inv.promptPay && (
            <figure class="p-qr" data-testid="portal-promptpay">
              <img src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(inv.promptPay.svg)}`} width={220} height={220} alt={t('PromptPay QR code for {amount}', { amount: money(inv.balance) })} />
              <figcaption>{t('Scan with your banking app to pay {amount} by PromptPay.', { amount: money(inv.balance) })}</figcaption>
            </figure>
          )}
        </div>
        );
      })}
      <Links title={t('Receipts')} links={receipts.map((r) => ({
        url: r.pdfUrl,
        name: t('Receipt: {amount} on {date}', { amount: formatMoney(r.amount, r.currency), date: formatDate(r.paidOn) }),
      }))} />
      <Links title={t('Documents')} links={documents} />
    </section>
  );
}

function Links({ title, links }: { title: string; links: { name: string; url: string }[] }) {
  if (!links.length) return null;
  return (
    <>
      <h3 class="p-h3">{title}</h3>
      <ul class="p-links">
        {links.map((l, i) => (
          <li key={`${i}:${l.name}`}><a class="p-link" href={l.url} target="_blank" rel="noopener">{l.name}</a></li>
        ))}
      </ul>
    </>
  );
}
