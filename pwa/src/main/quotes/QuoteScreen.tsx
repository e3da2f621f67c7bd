// One quote (`#/quotes/<id>`): its lines with each one's decision, sending a draft to the customer, recording the
// decision a customer gave by phone line by line (approved lines become the job's tasks and parts requests), the
// PDF, and withdrawing it with a reason.
import { useState } from 'preact/hooks';
import { authedGraphql } from '../../shared/auth';
import { formatDate, formatDateTime, formatMoney, t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import type { ScreenProps } from '../screens';
import { href } from '../router';
import { ERRORS, Empty, Failure, Field, FormErrors, Loading, ScreenTitle, mutate, newMutationId, useQuery } from '../staff/common';
import { lineKindLabel, formatQuantity } from '../staff/billing/money';
import { capsOf, useRole } from '../jobcard/api';
import { decisionLabel, quoteStatusLabel } from './labels';
import '../jobcard/jobcard.css';
import './quotes.css';

export const QUOTE_FIELDS = `id number status currency subtotal taxTotal total taxLabel taxRate validUntil notes sentAt decidedAt
  cancelledAt cancelReason version createdAt
  lines { id position kind description quantity unitPrice discount net total decision decidedAt }
  vehicle { id registrationDisplay make model } job { id number } customer { id name phone }`;
const QUOTE = `query Quote($id: ID!) { quote(id: $id) { ${QUOTE_FIELDS} } }`;
const PDF = `query QuotePdf($id: ID!) { quote(id: $id) { id pdfUrl } }`;
const op = (name: string, type: string) =>
  `mutation ${name[0].toUpperCase()}${name.slice(1)}($input: ${type}!) { ${name}(input: $input) { quote { ${QUOTE_FIELDS} } ${ERRORS} } }`;
const SEND = op('sendQuote', 'SendQuoteInput');
const APPROVE = op('approveQuoteLines', 'QuoteLinesDecisionInput');
const DECLINE = op('declineQuoteLines', 'QuoteLinesDecisionInput');
const CANCEL = op('cancelQuote', 'CancelQuoteInput');

export interface QuoteLine {
  id: string;
  position: number;
  kind: string;
  description: string;
  quantity: string;
  unitPrice: number;
  discount: number;
  net: number;
  total: number;
  decision: string;
  decidedAt: string | null;
}
export interface Quote {
  id: string;
  number: string;
  status: string;
  currency: string;
  subtotal: number;
  taxTotal: number;
  total: number;
  taxLabel: string;
  taxRate: string;
  validUntil: string | null;
  notes: string | null;
  sentAt: string | null;
  decidedAt: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
  version: number;
  createdAt: string;
  lines: QuoteLine[];
  vehicle: { id: string; registrationDisplay: string; make: string | null; model: string | null } | null;
  job: { id: string; number: string } | null;
  customer: { id: string; name: string; phone: string | null } | null;
}

type Payload = { quote: Quote | null; errors: UserError[] };

export default function QuoteScreen({ params }: ScreenProps) {
  const q = useQuery<{ quote: Quote | null }>(QUOTE, { id: params.id });
  const caps = capsOf(useRole());
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState(false);

  if (q.error && !q.data) return <Failure message={q.error} onRetry={q.reload} />;
  if (!q.data) return <Loading />;
  const quote = q.data.quote;
  if (!quote) return <Empty testid="quote-missing">{t('This quote does not exist or you may not see it.')}</Empty>;
  const money = (m: number) => formatMoney(m, quote.currency);
  const canWrite = caps.has('quotesWrite');
  const deciding = canWrite && ['SENT', 'PARTIALLY_APPROVED'].includes(quote.status) && quote.lines.some((l) => l.decision === 'PENDING');

  async function run(query: string, field: string, input: Record<string, unknown>, done: string) {
    setBusy(true);
    const r = await mutate<Payload>(query, { id: quote!.id, expectedVersion: quote!.version, clientMutationId: newMutationId(), ...input }, field);
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.quote) q.setData(() => ({ quote: r.payload!.quote }));
    if (!r.errors.length) {
      setSelected(new Set());
      setNotice(done);
    }
    return !r.errors.length;
  }
  function decide(approve: boolean) {
    if (!selected.size) {
      setErrors([{ field: 'lineIds', code: 'REQUIRED', message: t('Tick the lines the customer decided on.') }]);
      return;
    }
    void run(approve ? APPROVE : DECLINE, approve ? 'approveQuoteLines' : 'declineQuoteLines', { lineIds: [...selected] },
      approve ? t('Recorded: the customer approved the ticked lines.') : t('Recorded: the customer declined the ticked lines.'));
  }

  return (
    <section class="screen quote-screen" data-testid="quote-screen" data-status={quote.status}>
      <p class="small">
        {quote.job ? (
          <a href={href(`jobs/${quote.job.id}`)} data-testid="quote-job-link">
            ‹ {t('Job {number}', { number: quote.job.number })}
          </a>
        ) : (
          <a href={href('quotes')}>‹ {t('Quotes')}</a>
        )}
      </p>
      <ScreenTitle extra={<span class="status-pill" data-testid="quote-status" data-status={quote.status}>{quoteStatusLabel(quote.status)}</span>}>
        {t('Quote {number}', { number: quote.number })}
      </ScreenTitle>
      <div class="card">
        <dl class="jc-dl">
          {quote.customer && (
            <>
              <dt>{t('Customer')}</dt>
              <dd data-raw="">
                {quote.customer.name}
                {quote.customer.phone && (
                  <>
                    {' · '}
                    <a href={`tel:${quote.customer.phone.replace(/[^\d+]/g, '')}`}>{quote.customer.phone}</a>
                  </>
                )}
              </dd>
            </>
          )}
          {quote.vehicle && (
            <>
              <dt>{t('Vehicle')}</dt>
              <dd data-raw="">{[quote.vehicle.registrationDisplay, quote.vehicle.make, quote.vehicle.model].filter(Boolean).join(' · ')}</dd>
            </>
          )}
          {quote.validUntil && (
            <>
              <dt>{t('Valid until')}</dt>
              <dd>{formatDate(quote.validUntil)}</dd>
            </>
          )}
          {quote.sentAt && (
            <>
              <dt>{t('Sent')}</dt>
              <dd>{formatDateTime(quote.sentAt)}</dd>
            </>
          )}
        </dl>
        {quote.cancelReason && (
          <p class="warn-text">
            {t('Withdrawn')}: <span data-raw="">{quote.cancelReason}</span>
          </p>
        )}
      </div>

      <div class="card" data-testid="quote-lines">
        <h2 class="card-title">{t('Lines')}</h2>
        {deciding && <p class="muted small">{t('Tick the lines the customer decided on by phone, then record the decision.')}</p>}
        <ul class="list">
          {quote.lines.map((l) => (
            <li key={l.id} class="row quote-line" data-testid="quote-line" data-decision={l.decision}>
              <div class="row-main">
                {deciding && l.decision === 'PENDING' ? (
                  <label class="check quote-pick">
                    <input
                      type="checkbox"
                      checked={selected.has(l.id)}
                      data-testid="quote-line-pick"
                      onChange={(e) => {
                        const next = new Set(selected);
                        if (e.currentTarget.checked) next.add(l.id);
                        else next.delete(l.id);
                        setSelected(next);
                      }}
                    />
                    <span class="row-title" data-raw="">
                      {l.description}
                    </span>
                  </label>
                ) : (
                  <span class="row-title" data-raw="">
                    {l.description}
                  </span>
                )}
                <span class="money">{money(l.net)}</span>
              </div>
              <span class="muted small">
                {lineKindLabel(l.kind)} · {formatQuantity(l.quantity)} × {money(l.unitPrice)} ·{' '}
                <span class={`jc-decision jc-decision-${l.decision.toLowerCase()}`} data-testid="quote-line-decision">
                  {decisionLabel(l.decision)}
                </span>
                {l.decidedAt && <> · {formatDateTime(l.decidedAt)}</>}
              </span>
            </li>
          ))}
        </ul>
        <dl class="quote-totals">
          <dt>{t('Subtotal')}</dt>
          <dd class="money">{money(quote.subtotal)}</dd>
          <dt>{quote.taxLabel}</dt>
          <dd class="money">{money(quote.taxTotal)}</dd>
          <dt class="grand">{t('Total')}</dt>
          <dd class="money grand" data-testid="quote-total">
            {money(quote.total)}
          </dd>
        </dl>
      </div>

      {notice && (
        <p class="notice outcome" role="status" data-testid="quote-notice">
          {notice}
        </p>
      )}
      <FormErrors errors={errors} testid="quote-errors" />

      <div class="card actions quote-actions">
        {canWrite && quote.status === 'DRAFT' && (
          <button type="button" class="btn btn-primary" disabled={busy} data-testid="quote-send" onClick={() => void run(SEND, 'sendQuote', {}, t('The quote was sent to the customer.'))}>
            {t('Send to the customer')}
          </button>
        )}
        {deciding && (
          <>
            <button type="button" class="btn btn-primary" disabled={busy} data-testid="quote-approve" onClick={() => decide(true)}>
              {t('Approved by phone')}
            </button>
            <button type="button" class="btn btn-secondary" disabled={busy} data-testid="quote-decline" onClick={() => decide(false)}>
              {t('Declined by phone')}
            </button>
          </>
        )}
        <QuotePdf quoteId={quote.id} />
        {canWrite && ['DRAFT', 'SENT'].includes(quote.status) && !cancelling && (
          <button type="button" class="btn btn-secondary jc-danger" disabled={busy} data-testid="quote-cancel" onClick={() => setCancelling(true)}>
            {t('Withdraw the quote')}
          </button>
        )}
      </div>
      {cancelling && (
        <CancelForm
          busy={busy}
          onClose={() => setCancelling(false)}
          onSend={async (reason) => {
            if (await run(CANCEL, 'cancelQuote', { reason }, t('The quote was withdrawn.'))) setCancelling(false);
          }}
        />
      )}
    </section>
  );
}

function CancelForm({ busy, onSend, onClose }: { busy: boolean; onSend: (reason: string) => void; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      class="card"
      noValidate
      data-testid="quote-cancel-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!reason.trim()) return setError(t('Give the reason.'));
        setError(null);
        onSend(reason.trim());
      }}
    >
      <Field label={t('Why is the quote withdrawn?')} errors={error ? [error] : []}>
        {(p) => <input {...p} value={reason} onInput={(e) => setReason(e.currentTarget.value)} data-testid="quote-cancel-reason" />}
      </Field>
      <div class="actions">
        <button type="submit" class="btn btn-danger" disabled={busy} data-testid="quote-cancel-submit">
          {t('Withdraw the quote')}
        </button>
        <button type="button" class="btn btn-secondary" onClick={onClose}>
          {t('Back')}
        </button>
      </div>
    </form>
  );
}

/** The quote's PDF: its signed link lasts a few minutes, so it is asked for on the tap. */
function QuotePdf({ quoteId }: { quoteId: string }) {
  const [error, setError] = useState<string | null>(null);
  async function open() {
    setError(null);
    const win = window.open('', '_blank');
    try {
      const d = await authedGraphql<{ quote: { pdfUrl: string } | null }>(PDF, { id: quoteId });
      if (!d.quote) throw new Error('missing');
      if (win) win.location.href = d.quote.pdfUrl;
      else location.assign(d.quote.pdfUrl);
    } catch {
      win?.close();
      setError(t('The PDF could not be opened. Check your connection and try again.'));
    }
  }
  return (
    <>
      <button type="button" class="btn btn-secondary" onClick={() => void open()} data-testid="quote-pdf">
        {t('Open the PDF')}
      </button>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
