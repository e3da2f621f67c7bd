// One invoice: its lines, tax and totals; a draft is issued (and gets its number); an issued one takes payments
// (with any withholding tax a corporate customer keeps) until it is paid; invoiceChanged keeps it current; the PDF opens in a new tab from a
// signed link fetched at the moment of the tap (the link is short-lived).
import { useEffect, useState } from 'preact/hooks';
import { authedGraphql } from '../../../shared/auth';
import { t } from '../../../shared/i18n';
import { subscribe } from '../../../shared/live';
import type { UserError } from '../../../shared/types';
import { href } from '../../router';
import type { ScreenProps } from '../../screens';
import { Empty, Failure, Field, FormErrors, Loading, ScreenTitle, errorsFor, failureMessage, mutate, otherErrors } from '../common';
import {
  INVOICE_CHANGED,
  INVOICE_QUERY,
  ISSUE,
  MARK_PAID,
  OPEN_STATUSES,
  PDF_URL_QUERY,
  RECORD_PAYMENT,
  isOverdue,
  type Invoice,
  type InvoicePayload,
  type PaymentPayload,
} from './api';
import { useAttemptKey } from './attempt';
import { useRefreshOnFocus } from './focus';
import {
  METHODS,
  formatDate,
  formatMoney,
  formatQuantity,
  formatRate,
  invoiceStatusLabel,
  lineKindLabel,
  methodLabel,
  minorToInput,
  parseAmount,
  todayIso,
} from './money';
import { PromptPayBox } from './PromptPay';
import { branchText, taxLabelText } from './taxWords';
import { CreditNoteSection } from '../../creditnote/CreditNoteSection';
import './billing.css';

export default function InvoiceScreen({ params }: ScreenProps) {
  const id = params.id;
  const [invoice, setInvoice] = useState<Invoice | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setBusy(true);
    authedGraphql<{ invoice: Invoice | null }>(INVOICE_QUERY, { id })
      .then((d) => {
        if (!live) return;
        setInvoice(d.invoice);
        setMissing(!d.invoice);
        setError(null);
      })
      .catch((e) => live && setError(failureMessage(e)))
      .finally(() => live && setBusy(false));
    return () => {
      live = false;
    };
  }, [id, attempt]);
  useRefreshOnFocus(() => setAttempt((n) => n + 1));
  // a payment or an issue by someone else (or in another tab) shows here without a reload
  useEffect(() => {
    let started = false;
    return subscribe<{ invoiceChanged: Invoice }>(INVOICE_CHANGED, { invoiceId: id }, {
      next: ({ invoiceChanged: inv }) => setInvoice((old) => (!old || inv.version >= old.version ? inv : old)),
      onStart: () => {
        if (started) setAttempt((n) => n + 1);
        started = true;
      },
    });
  }, [id]);

  const changed = (inv: Invoice, message?: string) => {
    setInvoice(inv);
    setNotice(message ?? null);
  };

  return (
    <section class="screen" data-testid="invoice-screen" data-invoice-id={id}>
      <p class="small">
        <a href={href('invoices')} data-testid="invoice-back">
          {t('← All invoices')}
        </a>
      </p>
      <ScreenTitle
        extra={
          <button type="button" class="btn btn-inline" disabled={busy} onClick={() => setAttempt((n) => n + 1)} data-testid="invoice-refresh">
            {t('Refresh')}
          </button>
        }
      >
        {invoice?.number ? t('Invoice {number}', { number: invoice.number }) : t('Draft invoice')}
      </ScreenTitle>
      {error && <Failure message={error} onRetry={() => setAttempt((n) => n + 1)} />}
      {!invoice && !error && !missing && <Loading />}
      {missing && (
        <Empty testid="invoice-missing">{t('This invoice does not exist or you may not see it.')}</Empty>
      )}
      {notice && (
        <p class="notice outcome" role="status" data-testid="invoice-notice">
          {notice}
        </p>
      )}
      {invoice && <InvoiceView invoice={invoice} onChanged={changed} />}
    </section>
  );
}

function InvoiceView({ invoice: inv, onChanged }: { invoice: Invoice; onChanged: (inv: Invoice, message?: string) => void }) {
  const money = (m: number) => formatMoney(m, inv.currency);
  const vehicle = inv.vehicle ? [inv.vehicle.registrationDisplay, inv.vehicle.make, inv.vehicle.model].filter(Boolean).join(' · ') : null;
  const overdue = isOverdue(inv, todayIso());
  return (
    <>
      <div class="card inv-head">
        <p>
          <span class="status-pill" data-testid="invoice-status" data-status={inv.status}>
            {invoiceStatusLabel(inv.status)}
          </span>
          {overdue && (
            <span class="tag-warn" data-testid="invoice-overdue">
              {' '}
              {t('Overdue')}
            </span>
          )}
        </p>
        <dl class="inv-meta">
          {inv.number && (
            <>
              <dt>{t('Number')}</dt>
              <dd data-testid="invoice-number">{inv.number}</dd>
            </>
          )}
          <dt>{t('Customer')}</dt>
          <dd data-testid="invoice-customer">{inv.buyerName ?? inv.customer?.name ?? '—'}</dd>
          {(inv.buyerTaxId ?? inv.customer?.taxId) && (
            <>
              <dt>{t('Tax ID')}</dt>
              <dd>
                {inv.buyerTaxId ?? inv.customer?.taxId}
                {inv.buyerBranch != null && <> · <span data-testid="invoice-buyer-branch">{branchText(inv.buyerBranch)}</span></>}
              </dd>
            </>
          )}
          {vehicle && (
            <>
              <dt>{t('Vehicle')}</dt>
              <dd>{vehicle}</dd>
            </>
          )}
          {inv.job && (
            <>
              <dt>{t('Job')}</dt>
              <dd>{inv.job.number}</dd>
            </>
          )}
          {inv.issueDate && (
            <>
              <dt>{t('Issue date')}</dt>
              <dd>{formatDate(inv.issueDate)}</dd>
            </>
          )}
          {inv.dueDate && (
            <>
              <dt>{t('Due date')}</dt>
              <dd>{formatDate(inv.dueDate)}</dd>
            </>
          )}
        </dl>
      </div>

      <div class="card">
        <h2 class="inv-section-title visually-hidden">{t('Lines')}</h2>
        {inv.lines.length === 0 ? (
          <p class="muted inv-section">{t('This invoice has no lines.')}</p>
        ) : (
          <ul class="inv-lines" data-testid="invoice-lines" aria-label={t('Lines')}>
            {inv.lines.map((l) => (
              <li key={l.id} class="inv-line" data-testid="invoice-line" data-kind={l.kind}>
                <span class="row-title">{l.description}</span>
                <span class="amount money" data-testid="line-net">
                  {money(l.net)}
                </span>
                <span class="muted small">
                  {lineKindLabel(l.kind)} · {formatQuantity(l.quantity)} × {money(l.unitPrice)}
                  {l.discount > 0 && <> · {t('discount {amount}', { amount: money(l.discount) })}</>}
                </span>
              </li>
            ))}
          </ul>
        )}
        <dl class="inv-totals" data-testid="invoice-totals">
          <dt>{inv.pricesIncludeTax ? t('Net (before tax)') : t('Subtotal')}</dt>
          <dd class="money" data-testid="invoice-subtotal">{money(inv.subtotal)}</dd>
          <dt data-testid="invoice-tax-label">
            {taxLabelText(inv.taxLabel)} {formatRate(inv.taxRate)}
          </dt>
          <dd class="money" data-testid="invoice-tax">{money(inv.taxTotal)}</dd>
          <dt class="grand">{t('Total')}</dt>
          <dd class="money grand" data-testid="invoice-total">{money(inv.total)}</dd>
          {inv.paidTotal > 0 && (
            <>
              <dt>{t('Paid')}</dt>
              <dd class="money" data-testid="invoice-paid">{money(inv.paidTotal)}</dd>
            </>
          )}
          {inv.withholdingTotal > 0 && (
            <>
              <dt>{t('Tax withheld by the customer')}</dt>
              <dd class="money" data-testid="invoice-withheld">{money(inv.withholdingTotal)}</dd>
            </>
          )}
          {inv.creditedTotal > 0 && (
            <>
              <dt>{t('Credited')}</dt>
              <dd class="money">{money(inv.creditedTotal)}</dd>
            </>
          )}
          {inv.refundedTotal > 0 && (
            <>
              <dt>{t('Refunded')}</dt>
              <dd class="money">{money(inv.refundedTotal)}</dd>
            </>
          )}
          {inv.status !== 'DRAFT' && (
            <>
              <dt class="grand">{t('Balance due')}</dt>
              <dd class="money grand" data-testid="invoice-balance" data-minor={inv.balanceDue}>
                {money(inv.balanceDue)}
              </dd>
            </>
          )}
        </dl>
      </div>

      {inv.status === 'DRAFT' && <IssueForm invoice={inv} onChanged={onChanged} />}
      {OPEN_STATUSES.includes(inv.status) && (
        <PromptPayBox invoice={inv} />
      )}
      {OPEN_STATUSES.includes(inv.status) && <PaymentForm key={inv.id} invoice={inv} onChanged={onChanged} />}
      {inv.payments.length > 0 && <Payments invoice={inv} />}
      {inv.status !== 'DRAFT' && <OpenPdf invoiceId={inv.id} />}
      <CreditNoteSection invoice={inv} onChanged={onChanged} />
    </>
  );
}

function IssueForm({ invoice, onChanged }: { invoice: Invoice; onChanged: (inv: Invoice, message?: string) => void }) {
  const [dueDate, setDueDate] = useState(invoice.dueDate ?? '');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const attempt = useAttemptKey();

  async function issue(e: Event) {
    e.preventDefault();
    if (dueDate && dueDate < todayIso()) {
      setErrors([{ field: 'dueDate', code: 'INVALID_DATE', message: t('The due date cannot be before today.') }]);
      return;
    }
    const input: Record<string, unknown> = { id: invoice.id, expectedVersion: invoice.version };
    if (dueDate) input.dueDate = dueDate;
    const key = attempt.keyFor(input);
    setBusy(true);
    const r = await mutate<InvoicePayload>(ISSUE, { ...input, clientMutationId: key }, 'issueInvoice');
    setBusy(false);
    attempt.settle(input, key, r.errors);
    setErrors(r.errors);
    const inv = r.payload?.invoice;
    if (inv && !r.errors.length) onChanged(inv, t('Issued as invoice {number}.', { number: inv.number ?? '' }));
    else if (inv) onChanged(inv); // a conflict: the server sent the invoice as it is now
  }

  return (
    <form class="card inv-section" onSubmit={issue} noValidate data-testid="issue-form">
      <h2>{t('Issue the invoice')}</h2>
      <p class="muted small">{t('Issuing gives the invoice its number; its lines can no longer change.')}</p>
      <Field label={t('Due date (optional)')} errors={errorsFor(errors, 'dueDate')}>
        {(p) => <input {...p} type="date" min={todayIso()} value={dueDate} onInput={(e) => setDueDate(e.currentTarget.value)} data-testid="issue-due-date" />}
      </Field>
      <FormErrors errors={otherErrors(errors, ['dueDate'])} testid="issue-errors" />
      <button type="submit" class="btn btn-primary" disabled={busy || invoice.lines.length === 0} data-testid="issue-submit">
        {busy ? t('Issuing…') : t('Issue invoice')}
      </button>
    </form>
  );
}

const PAYMENT_FIELDS = ['amount', 'withholdingAmount', 'method', 'paidOn', 'reference'];

function PaymentForm({ invoice, onChanged }: { invoice: Invoice; onChanged: (inv: Invoice, message?: string) => void }) {
  const cur = invoice.currency;
  const money = (m: number) => formatMoney(m, cur);
  const [amount, setAmount] = useState(minorToInput(invoice.balanceDue, cur));
  const [amountTouched, setAmountTouched] = useState(false);
  const [withholding, setWithholding] = useState('');
  const [method, setMethod] = useState('');
  const [paidOn, setPaidOn] = useState(todayIso());
  const [reference, setReference] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const attempt = useAttemptKey();

  // corporate buyers (with a tax ID) may withhold tax: the field is there for them, one tap away for others
  const corporate = !!(invoice.buyerTaxId ?? invoice.customer?.taxId);
  const [withholdingOpen, setWithholdingOpen] = useState(false);
  const showWithholding = corporate || withholdingOpen || withholding.trim() !== '' || errorsFor(errors, 'withholdingAmount').length > 0;
  const labourNet = invoice.lines.filter((l) => l.kind === 'LABOUR').reduce((s, l) => s + l.net, 0);
  const threePercent = Math.round((labourNet * 3) / 100);
  const withheldMinor = withholding.trim() ? parseAmount(withholding, cur) : 0;

  // the amount follows the balance (less what is withheld) until the person types their own
  useEffect(() => {
    if (!amountTouched) setAmount(minorToInput(Math.max(0, invoice.balanceDue - (withheldMinor ?? 0)), cur));
  }, [invoice.balanceDue, withheldMinor, amountTouched]);

  /** Checks the form before sending; the errors are shown next to the fields. */
  function check(full: boolean): { amount: number; withheld: number } | null {
    const found: UserError[] = [];
    const received = parseAmount(amount, cur);
    if (full) {
      if (!amount.trim()) found.push({ field: 'amount', code: 'REQUIRED', message: t('Enter the amount received.') });
      else if (received === null) found.push({ field: 'amount', code: 'INVALID_AMOUNT', message: t('Enter an amount such as 1250.00.') });
    }
    if (withheldMinor === null) found.push({ field: 'withholdingAmount', code: 'INVALID_AMOUNT', message: t('Enter an amount such as 1250.00.') });
    if (full && received !== null && withheldMinor !== null && received + withheldMinor <= 0)
      found.push({ field: 'amount', code: 'INVALID_AMOUNT', message: t('The payment must be more than zero.') });
    if (!method) found.push({ field: 'method', code: 'REQUIRED', message: t('Choose how the customer paid.') });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(paidOn)) found.push({ field: 'paidOn', code: 'INVALID_DATE', message: t('Enter the date the money was received.') });
    else if (paidOn > todayIso()) found.push({ field: 'paidOn', code: 'INVALID_DATE', message: t('The payment date cannot be in the future.') });
    if (reference.length > 200) found.push({ field: 'reference', code: 'TOO_LONG', message: t('Keep the reference under 200 characters.') });
    setErrors(found);
    return found.length ? null : { amount: received ?? 0, withheld: withheldMinor ?? 0 };
  }

  async function send(kind: 'record' | 'paid') {
    const ok = check(kind === 'record');
    if (!ok) return;
    const input: Record<string, unknown> = { invoiceId: invoice.id, method, paidOn };
    if (kind === 'record') input.amount = ok.amount;
    if (ok.withheld) input.withholdingAmount = ok.withheld;
    if (reference.trim()) input.reference = reference.trim();
    const key = attempt.keyFor(input);
    setBusy(true);
    const r =
      kind === 'record'
        ? await mutate<PaymentPayload>(RECORD_PAYMENT, { ...input, clientMutationId: key }, 'recordPayment')
        : await mutate<PaymentPayload>(MARK_PAID, { ...input, clientMutationId: key }, 'markInvoicePaid');
    setBusy(false);
    attempt.settle(input, key, r.errors);
    setErrors(r.errors);
    const inv = r.payload?.invoice;
    if (inv && !r.errors.length) {
      const received = inv.paidTotal - invoice.paidTotal;
      const withheld = inv.withholdingTotal - invoice.withholdingTotal;
      const message =
        withheld > 0
          ? t('Payment of {amount} recorded, {withheld} withheld.', { amount: formatMoney(received, cur), withheld: formatMoney(withheld, cur) })
          : t('Payment of {amount} recorded.', { amount: formatMoney(received, cur) });
      setWithholding('');
      setReference('');
      setAmountTouched(false);
      onChanged(inv, message);
    }
  }

  const payInFull = Math.max(0, invoice.balanceDue - (withheldMinor ?? 0));
  return (
    <form
      class="card inv-section"
      noValidate
      data-testid="payment-form"
      onSubmit={(e) => {
        e.preventDefault();
        void send('record');
      }}
    >
      <h2>{t('Record a payment')}</h2>
      <p class="small">
        {t('Balance due: {amount}', { amount: money(invoice.balanceDue) })}
      </p>
      <Field label={t('Amount received')} errors={errorsFor(errors, 'amount')}>
        {(p) => (
          <input
            {...p}
            inputMode="decimal"
            autoComplete="off"
            value={amount}
            onInput={(e) => {
              setAmount(e.currentTarget.value);
              setAmountTouched(true);
            }}
            data-testid="payment-amount"
          />
        )}
      </Field>
      {!showWithholding && (
        <button type="button" class="btn btn-inline" onClick={() => setWithholdingOpen(true)} data-testid="withholding-open">
          {t('The customer withheld tax')}
        </button>
      )}
      {showWithholding && (
      <div class="amount-row">
        <Field
          label={t('Tax withheld by the customer (optional)')}
          errors={errorsFor(errors, 'withholdingAmount')}
          hint={t('Corporate customers may withhold 3% of the labour before tax: {amount}.', { amount: money(threePercent) })}
        >
          {(p) => (
            <input {...p} inputMode="decimal" autoComplete="off" value={withholding} onInput={(e) => setWithholding(e.currentTarget.value)} data-testid="payment-withholding" />
          )}
        </Field>
        <button
          type="button"
          class="btn btn-secondary"
          disabled={threePercent <= 0}
          onClick={() => setWithholding(minorToInput(threePercent, cur))}
          data-testid="withholding-3"
        >
          {t('Withhold 3%')}
        </button>
      </div>
      )}
      <Field label={t('Payment method')} errors={errorsFor(errors, 'method')}>
        {(p) => (
          <select {...p} value={method} onChange={(e) => setMethod(e.currentTarget.value)} data-testid="payment-method">
            <option value="">{t('Choose…')}</option>
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {methodLabel(m)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('Date received')} errors={errorsFor(errors, 'paidOn')}>
        {(p) => <input {...p} type="date" max={todayIso()} value={paidOn} onInput={(e) => setPaidOn(e.currentTarget.value)} data-testid="payment-date" />}
      </Field>
      <Field label={t('Reference (optional)')} errors={errorsFor(errors, 'reference')} hint={t('Slip, card approval or cheque number.')}>
        {(p) => <input {...p} autoComplete="off" value={reference} onInput={(e) => setReference(e.currentTarget.value)} data-testid="payment-reference" />}
      </Field>
      <FormErrors errors={otherErrors(errors, PAYMENT_FIELDS)} testid="payment-errors" />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="payment-submit">
          {busy ? t('Saving…') : t('Record payment')}
        </button>
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => void send('paid')} data-testid="payment-mark-paid">
          {t('Mark paid ({amount})', { amount: money(payInFull) })}
        </button>
      </div>
    </form>
  );
}

function Payments({ invoice }: { invoice: Invoice }) {
  const money = (m: number) => formatMoney(m, invoice.currency);
  return (
    <div class="card inv-section">
      <h2>{t('Payments')}</h2>
      <ul class="list" data-testid="payments">
        {invoice.payments.map((p) => (
          <li key={p.id} class="row" data-testid="payment-row">
            <div class="row-main">
              <span class="row-title money">{money(p.amount)}</span>
              <span class="muted small">{formatDate(p.paidOn)}</span>
            </div>
            <p class="small">
              {methodLabel(p.method)}
              {p.withholdingAmount > 0 && <> · {t('{amount} withheld', { amount: money(p.withholdingAmount) })}</>}
              {p.reference && <> · {p.reference}</>}
              {p.recordedBy && <span class="muted"> · {p.recordedBy.name}</span>}
            </p>
          </li>
        ))}
      </ul>
    </div>
  );
}

function OpenPdf({ invoiceId }: { invoiceId: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [link, setLink] = useState<string | null>(null);

  async function open() {
    // the tab opens now, inside the tap (a popup blocker allows that), and gets its address once the fresh,
    // signed link arrives
    const tab = window.open('', '_blank');
    setBusy(true);
    setError(null);
    setLink(null);
    try {
      const d = await authedGraphql<{ invoice: { pdfUrl: string | null } | null }>(PDF_URL_QUERY, { id: invoiceId });
      const url = d.invoice?.pdfUrl;
      if (!url) throw new Error('no pdf');
      const abs = new URL(url, location.href).href;
      if (tab) {
        tab.opener = null;
        tab.location.href = abs;
      } else {
        setLink(abs); // blocked: a link the person taps themselves
      }
    } catch (e) {
      tab?.close();
      setError(e instanceof Error && e.message === 'no pdf' ? t('The PDF is not available for this invoice.') : failureMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="inv-section">
      <button type="button" class="btn btn-secondary btn-block" disabled={busy} onClick={() => void open()} data-testid="invoice-open-pdf">
        {busy ? t('Opening…') : t('Open PDF')}
      </button>
      {link && (
        <a href={link} target="_blank" rel="noopener" class="btn btn-inline" data-testid="invoice-pdf-link">
          {t('Tap to open the PDF')}
        </a>
      )}
      {error && <Failure message={error} />}
    </div>
  );
}
