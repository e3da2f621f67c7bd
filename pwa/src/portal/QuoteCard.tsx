import { useState } from 'preact/hooks';
import { ask, errorCode } from './api';
import { Photos } from './Inspection';
import { formatMoney, formatNumber, t } from './i18n';
import { DECIDE_QUOTE, REQUEST_CODE } from './queries';
import type { Decision, Quote, UserError } from './types';

interface Props {
  quote: Quote;
  onDecided: () => void;
}

type Choice = Exclude<Decision, 'PENDING'>;

/** A problem with a request the customer sent: the server's localized message, or ours when it never answered. */
export function failure(e: unknown): UserError {
  const code = errorCode(e);
  const message = code === 'RATE_LIMITED' && e instanceof Error ? e.message
    : code === 'NETWORK' || code === 'SERVER' ? t('No connection. Nothing was sent; try again.')
      : e instanceof Error ? e.message : String(e);
  return { field: null, code, message };
}

/** One quote: each line approved or declined by the customer, the total following the choices, then the confirmation. */
export function QuoteCard({ quote, onDecided }: Props) {
  // a decision locks the quote: every line still open is decided in the one confirmation
  const pending = quote.lines.filter((l) => l.decision === 'PENDING');
  const open = quote.status === 'SENT' && !quote.locked && pending.length > 0;
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  const money = (n: number) => formatMoney(n, quote.currency);
  const decisionOf = (id: string, d: Decision): Decision => (d === 'PENDING' ? choices[id] ?? 'PENDING' : d);
  const approvedTotal = quote.lines.reduce((sum, l) => (decisionOf(l.id, l.decision) === 'APPROVED' ? sum + l.total : sum), 0);
  const undecided = pending.filter((l) => !choices[l.id]).length;
  const id = `p-quote-${quote.id}`;
  return (
    <section class="p-card" aria-labelledby={id} data-testid="portal-quote" data-quote={quote.number}>
      <h2 id={id} class="p-h2">{t('Quote {number}', { number: quote.number })}</h2>
      <p class="p-muted p-quote-status" data-testid="portal-quote-status">{open ? t('Waiting for your decision') : quote.statusLabel}</p>
      <ul class="p-list">
        {quote.lines.map((line) => {
          const decided = line.decision !== 'PENDING';
          const now = decisionOf(line.id, line.decision);
          const choose = (c: Choice) => setChoices((s) => ({ ...s, [line.id]: c }));
          return (
            <li key={line.id} class="p-line" data-testid="portal-line" data-decision={line.decision} data-choice={now}>
              <div class="p-line-head">
                <span class="p-line-desc">{line.description}</span>
                <span class="p-line-total">{money(line.total)}</span>
              </div>
              <p class="p-muted">
                {t('{quantity} × {price} · {taxLabel} {tax}', {
                  quantity: formatNumber(Number(line.quantity), 2), price: money(line.unitPrice),
                  tax: money(line.taxAmount), taxLabel: quote.taxLabel,
                })}
              </p>
              {line.photos.length > 0 && <Photos photos={line.photos} what={line.description} />}
              {open && !decided ? (
                <div class="p-choice" role="group" aria-label={t('Your decision on {what}', { what: line.description })}>
                  <button type="button" class="p-btn p-yes" aria-pressed={now === 'APPROVED'} data-testid="portal-approve"
                    onClick={() => choose('APPROVED')}>{t('Approve')}</button>
                  <button type="button" class="p-btn p-no" aria-pressed={now === 'DECLINED'} data-testid="portal-decline"
                    onClick={() => choose('DECLINED')}>{t('Decline')}</button>
                </div>
              ) : (
                <p class={`p-decided p-${now.toLowerCase()}`}>
                  {now === 'APPROVED' ? t('Approved') : now === 'DECLINED' ? t('Declined') : t('Waiting for your decision')}
                </p>
              )}
            </li>
          );
        })}
      </ul>
      <dl class="p-totals">
        <div><dt>{t('Quote total')}</dt><dd>{money(quote.total)}</dd></div>
        <div class="p-strong"><dt>{t('Approved total')}</dt><dd data-testid="portal-approved-total">{money(approvedTotal)}</dd></div>
      </dl>
      {open && undecided > 0 && (
        <p class="p-hint" data-testid="portal-undecided">
          {t('Approve or decline every line to confirm ({count} left).', { count: undecided })}
        </p>
      )}
      {open && undecided === 0 && <Confirm quote={quote} choices={choices} onDone={() => { setChoices({}); onDecided(); }} />}
    </section>
  );
}

function Confirm({ quote, choices, onDone }: { quote: Quote; choices: Record<string, Choice>; onDone: () => void }) {
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [sentBy, setSentBy] = useState<'SMS' | 'EMAIL' | null>(null);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const approve = Object.keys(choices).filter((k) => choices[k] === 'APPROVED');
  const decline = Object.keys(choices).filter((k) => choices[k] === 'DECLINED');
  const at = (field: string) => errors.find((e) => e.field === field)?.message;
  const general = errors.filter((e) => !e.field || !['name', 'code'].includes(e.field));

  const run = async (work: () => Promise<UserError[]>) => {
    setBusy(true);
    try {
      setErrors(await work());
    } catch (e) {
      setErrors([failure(e)]);
    } finally {
      setBusy(false);
    }
  };

  const requestCode = (channel: 'SMS' | 'EMAIL') =>
    run(async () => {
      const r = await ask<{ requestApprovalCode: { sent: boolean; errors: UserError[] } }>(REQUEST_CODE, {
        input: { quoteId: quote.id, channel },
      });
      if (r.requestApprovalCode.sent) setSentBy(channel);
      return r.requestApprovalCode.errors;
    });

  const confirm = (ev: Event) => {
    ev.preventDefault();
    void run(async () => {
      const r = await ask<{ decideQuote: { errors: UserError[] } }>(DECIDE_QUOTE, {
        input: { quoteId: quote.id, version: quote.version, linesHash: quote.linesHash, approve, decline, name: name.trim(), code: code.trim() },
      });
      if (!r.decideQuote.errors.length) onDone();
      return r.decideQuote.errors;
    });
  };

  const fid = `p-confirm-${quote.id}`;
  return (
    <form class="p-confirm" onSubmit={confirm} data-testid="portal-confirm" aria-labelledby={`${fid}-h`}>
      <h3 id={`${fid}-h`} class="p-h3">{t('Confirm your decision')}</h3>
      <p>{t('Approve {approved} and decline {declined} of {count} lines.', { approved: approve.length, declined: decline.length, count: quote.lines.length })}</p>
      <label class="p-field" for={`${fid}-name`}>
        <span>{t('Your full name')}</span>
        <input id={`${fid}-name`} name="name" autocomplete="name" required value={name} data-testid="portal-name"
          aria-invalid={at('name') ? true : undefined} aria-describedby={at('name') ? `${fid}-name-e` : undefined}
          onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        {at('name') && <span id={`${fid}-name-e`} class="p-error" role="alert">{at('name')}</span>}
      </label>
      <div class="p-send" role="group" aria-label={t('Get a one-time code')}>
        <button type="button" class="p-btn" disabled={busy} onClick={() => void requestCode('SMS')} data-testid="portal-code-sms">
          {t('Send a code by SMS')}
        </button>
        <button type="button" class="p-btn" disabled={busy} onClick={() => void requestCode('EMAIL')} data-testid="portal-code-email">
          {t('Send a code by e-mail')}
        </button>
      </div>
      <p role="status" data-testid="portal-code-sent">
        {sentBy === 'SMS' ? t('We sent a code by SMS to the phone number we have for you.')
          : sentBy === 'EMAIL' ? t('We sent a code to the e-mail address we have for you.') : ''}
      </p>
      <label class="p-field" for={`${fid}-code`}>
        <span>{t('One-time code')}</span>
        <input id={`${fid}-code`} name="code" inputMode="numeric" autocomplete="one-time-code" required value={code}
          data-testid="portal-code" aria-invalid={at('code') ? true : undefined}
          aria-describedby={at('code') ? `${fid}-code-e` : undefined}
          onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
        {at('code') && <span id={`${fid}-code-e`} class="p-error" role="alert" data-testid="portal-code-error">{at('code')}</span>}
      </label>
      {general.length > 0 && (
        <div class="p-error" role="alert" data-testid="portal-error">
          {general.map((e) => <p key={e.code}>{e.message}</p>)}
        </div>
      )}
      <button type="submit" class="p-btn p-primary" disabled={busy} data-testid="portal-submit">{t('Confirm')}</button>
    </form>
  );
}
