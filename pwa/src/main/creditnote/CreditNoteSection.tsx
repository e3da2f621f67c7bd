// Credit notes from the invoice screen: the whole invoice (what is not yet credited; it voids the invoice) or some
// lines by amount (tax included), always with the reason; when the customer had paid more than the new total, how
// the money goes back. The invoice screen shows this section on an issued invoice; the server checks everything.
import { useState } from 'preact/hooks';
import { formatMoney, t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import { ERRORS, EnumSelect, Field, FormErrors, errorsFor, mutate, newMutationId, otherErrors } from '../staff/common';
import { INVOICE_FIELDS, type Invoice } from '../staff/billing/api';
import { METHODS, methodLabel, parseAmount } from '../staff/billing/money';

const CREATE = `mutation CreateCreditNote($input: CreateCreditNoteInput!) {
  createCreditNote(input: $input) { creditNote { id number total } invoice { ${INVOICE_FIELDS} } ${ERRORS} } }`;
const REASON_MAX = 500;
const CREDITABLE = ['ISSUED', 'PARTIALLY_PAID', 'PAID'];

type Payload = { creditNote: { id: string; number: string; total: number } | null; invoice: Invoice | null; errors: UserError[] };

export function CreditNoteSection({ invoice, onChanged }: { invoice: Invoice; onChanged: (inv: Invoice, message?: string) => void }) {
  const [open, setOpen] = useState(false);
  if (!CREDITABLE.includes(invoice.status)) return null;
  if (!open) {
    return (
      <div class="card" data-testid="credit-note">
        <button type="button" class="btn btn-secondary" onClick={() => setOpen(true)} data-testid="credit-note-open">
          {t('Credit note…')}
        </button>
      </div>
    );
  }
  return <CreditNoteForm invoice={invoice} onChanged={onChanged} onClose={() => setOpen(false)} />;
}

function CreditNoteForm({ invoice, onChanged, onClose }: { invoice: Invoice; onChanged: (inv: Invoice, message?: string) => void; onClose: () => void }) {
  const [whole, setWhole] = useState(true);
  const [reason, setReason] = useState('');
  const [amounts, setAmounts] = useState<Record<string, string>>({});
  const [refundMethod, setRefundMethod] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [mutationId] = useState(newMutationId);
  const money = (m: number) => formatMoney(m, invoice.currency);

  async function submit(e: Event) {
    e.preventDefault();
    const problems: UserError[] = [];
    const text = reason.trim();
    if (!text) problems.push({ field: 'reason', code: 'REQUIRED', message: t('Give the reason for the credit note.') });
    else if (text.length > REASON_MAX) problems.push({ field: 'reason', code: 'TOO_LONG', message: t('At most {max} characters.', { max: REASON_MAX }) });
    const lines: { invoiceLineId: string; amount: number }[] = [];
    if (!whole) {
      for (const line of invoice.lines) {
        const typed = (amounts[line.id] ?? '').trim();
        if (!typed) continue;
        const amount = parseAmount(typed, invoice.currency);
        if (amount === null || amount <= 0) {
          problems.push({ field: `line:${line.id}`, code: 'INVALID', message: t('Enter an amount, e.g. 1250.50.') });
        } else if (amount > line.total) {
          problems.push({ field: `line:${line.id}`, code: 'TOO_MUCH', message: t('At most {amount}.', { amount: money(line.total) }) });
        } else lines.push({ invoiceLineId: line.id, amount });
      }
      if (!lines.length && !problems.some((p) => p.field?.startsWith('line:')))
        problems.push({ field: 'lines', code: 'REQUIRED', message: t('Enter the amount to credit on at least one line.') });
    }
    setErrors(problems);
    if (problems.length) return;
    setBusy(true);
    const input: Record<string, unknown> = { invoiceId: invoice.id, reason: text, clientMutationId: mutationId };
    if (!whole) input.lines = lines;
    if (refundMethod) input.refundMethod = refundMethod;
    const r = await mutate<Payload>(CREATE, input, 'createCreditNote');
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.creditNote && r.payload.invoice && !r.errors.length) {
      onChanged(r.payload.invoice, t('Credit note {number} for {amount} was issued.', { number: r.payload.creditNote.number, amount: money(r.payload.creditNote.total) }));
      onClose();
    }
  }

  const lineErrors = (id: string) => errors.filter((e) => e.field === `line:${id}`).map((e) => e.message);
  return (
    <form class="card" onSubmit={submit} noValidate data-testid="credit-note-form">
      <h2 class="card-title">{t('Credit note')}</h2>
      <fieldset class="cn-choice">
        <legend class="field-label">{t('What to credit')}</legend>
        <label class="check">
          <input type="radio" name="cn-scope" checked={whole} onChange={() => setWhole(true)} data-testid="credit-note-whole" />
          {t('The whole invoice (it becomes void)')}
        </label>
        <label class="check">
          <input type="radio" name="cn-scope" checked={!whole} onChange={() => setWhole(false)} data-testid="credit-note-partial" />
          {t('Part of some lines')}
        </label>
      </fieldset>
      {!whole && (
        <ul class="list" data-testid="credit-note-lines">
          {invoice.lines.map((line) => (
            <li key={line.id} class="row" data-testid="credit-note-line">
              <Field label={`${line.description} (${t('up to {amount}', { amount: money(line.total) })})`} errors={lineErrors(line.id)}>
                {(p) => (
                  <input
                    {...p}
                    inputMode="decimal"
                    value={amounts[line.id] ?? ''}
                    onInput={(e) => setAmounts({ ...amounts, [line.id]: e.currentTarget.value })}
                    data-testid="credit-note-amount"
                  />
                )}
              </Field>
            </li>
          ))}
        </ul>
      )}
      <Field label={t('Reason')} errors={errorsFor(errors, 'reason')}>
        {(p) => <input {...p} value={reason} onInput={(e) => setReason(e.currentTarget.value)} data-testid="credit-note-reason" />}
      </Field>
      <EnumSelect
        label={t('Money back to the customer by (when they paid more)')}
        errors={errorsFor(errors, 'refundMethod')}
        values={METHODS}
        labelOf={methodLabel}
        value={refundMethod}
        onChange={setRefundMethod}
        testid="credit-note-refund"
        first={<option value="">{t('No refund')}</option>}
      />
      <FormErrors errors={otherErrors(errors, ['reason', 'refundMethod', ...invoice.lines.map((l) => `line:${l.id}`)])} testid="credit-note-errors" />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="credit-note-submit">
          {t('Issue the credit note')}
        </button>
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={onClose}>
          {t('Cancel')}
        </button>
      </div>
    </form>
  );
}
