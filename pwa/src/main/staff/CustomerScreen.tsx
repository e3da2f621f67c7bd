// One customer (`#/customers/<id>`): details (editable by those who may), vehicles, visits (jobs, each opening its
// job card), invoices and the balance still due, quotes, and the messages sent to them. Each part is read only by
// the roles the permission table lets read it (invoices: billing, reception, admin; quotes: all but the store).
import { useState } from 'preact/hooks';
import { authStore } from '../../shared/auth';
import { formatDate, formatMoney, t } from '../../shared/i18n';
import { statusLabel } from '../../shared/labels';
import { useStore } from '../../shared/store';
import type { UserError } from '../../shared/types';
import { href } from '../router';
import type { ScreenProps } from '../screens';
import { quoteStatusLabel } from '../quotes/labels';
import { Attachments } from '../inspection/Attachments';
import { invoiceStatusLabel } from './billing/money';
import { ERRORS, Empty, Failure, Field, FormErrors, Loading, ScreenTitle, errorsFor, money, mutate, newMutationId, otherErrors, useQuery, when } from './common';
import { eventLabel, messageStatusLabel } from './events';
import './reception.css';

const CUSTOMER_FIELDS = 'id name kind phone email address taxId branch notes consentSms consentEmail version';
interface CustomerDetails {
  id: string;
  name: string;
  kind: string;
  phone: string | null;
  email: string | null;
  address: string | null;
  taxId: string | null;
  branch: string | null;
  notes: string | null;
  consentSms: boolean;
  consentEmail: boolean;
  version: number;
}
interface CustomerView extends CustomerDetails {
  vehicles: { id: string; registrationDisplay: string; make: string | null; model: string | null; year: number | null }[];
  jobs: { id: string; number: string; status: string; createdAt: string; vehicle: { registrationDisplay: string } | null }[];
  communications: { edges: { node: { id: string; event: string; channelLabel: string; status: string; createdAt: string; sentAt: string | null } }[] };
}

const CUSTOMER = `query CustomerScreen($id: ID!) { customer(id: $id) { ${CUSTOMER_FIELDS}
  vehicles { id registrationDisplay make model year }
  jobs { id number status createdAt vehicle { registrationDisplay } }
  communications(first: 20) { edges { node { id event channelLabel status createdAt sentAt } } } } }`;
// the balance is the server's (every issued, unpaid invoice, not only the 50 listed), in the garage's currency
const INVOICES = `query CustomerInvoices($id: ID!) { customer(id: $id) { id balance }
  invoices(filter: { customerId: $id }, first: 50) {
  edges { node { id number status total balanceDue currency issueDate } } pageInfo { hasNextPage } } }`;
const QUOTES = `query CustomerQuotes($id: ID!) { quotes(filter: { customerId: $id }, first: 50) {
  edges { node { id number status total currency createdAt } } } }`;
const UPDATE = `mutation UpdateCustomer($input: UpdateCustomerInput!) { updateCustomer(input: $input) {
  customer { ${CUSTOMER_FIELDS} } ${ERRORS} } }`;

interface InvoiceRow {
  id: string;
  number: string | null;
  status: string;
  total: number;
  balanceDue: number;
  currency: string;
  issueDate: string | null;
}
interface QuoteRow {
  id: string;
  number: string;
  status: string;
  total: number;
  currency: string;
  createdAt: string;
}

const INVOICE_READERS = ['ADMIN', 'SITE_MANAGER', 'BILLING'];
const INVOICE_OPENERS = ['ADMIN', 'BILLING']; // the invoice screen's roles
const QUOTE_READERS = ['ADMIN', 'SITE_MANAGER', 'WORKSHOP_MANAGER', 'BILLING'];
const CUSTOMER_WRITERS = ['ADMIN', 'SITE_MANAGER', 'BILLING'];
const OPEN_INVOICE = ['ISSUED', 'PARTIALLY_PAID'];

export function useRole(): string {
  const auth = useStore(authStore);
  return auth.status === 'signedIn' ? String(auth.user.role) : '';
}

export default function CustomerScreen({ params }: ScreenProps) {
  const role = useRole();
  const q = useQuery<{ customer: CustomerView | null }>(CUSTOMER, { id: params.id });
  const customer = q.data?.customer ?? null;
  return (
    <section class="screen" data-testid="customer-screen" data-customer-id={params.id}>
      <p class="small">
        <a href={href('customers')} data-testid="customer-back">
          {t('← All customers')}
        </a>
      </p>
      <ScreenTitle>{customer ? customer.name : t('Customer')}</ScreenTitle>
      {q.error && <Failure message={q.error} onRetry={q.reload} />}
      {!q.data && !q.error && <Loading />}
      {q.data && !customer && <Empty testid="customer-missing">{t('This customer does not exist or you may not see them.')}</Empty>}
      {customer && (
        <div class="detail-grid">
          <Details
            customer={customer}
            canEdit={CUSTOMER_WRITERS.includes(role)}
            onSaved={(c) => q.setData((old) => (old?.customer ? { customer: { ...old.customer, ...c } } : old))}
          />
          <div class="card" data-testid="customer-vehicles">
            <h2>{t('Vehicles')}</h2>
            {customer.vehicles.length === 0 ? (
              <p class="muted">{t('No vehicles')}</p>
            ) : (
              <ul class="plain-list">
                {customer.vehicles.map((v) => (
                  <li key={v.id} data-testid="customer-vehicle">
                    <a href={href(`vehicles/${v.id}`)} class="plate">
                      {v.registrationDisplay}
                    </a>
                    <span class="muted small">{[v.make, v.model, v.year].filter(Boolean).join(' · ')}</span>
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div class="card" data-testid="customer-visits">
            <h2>{t('Visits')}</h2>
            {customer.jobs.length === 0 ? (
              <p class="muted">{t('No visits yet.')}</p>
            ) : (
              <ul class="plain-list">
                {customer.jobs.map((j) => (
                  <li key={j.id} data-testid="customer-visit" data-id={j.id}>
                    <span class="line-between">
                      <a href={href(`jobs/${j.id}`)} data-testid="visit-link">
                        {j.number}
                      </a>
                      <span class="small">{statusLabel(j.status)}</span>
                    </span>
                    <span class="muted small">
                      {formatDate(j.createdAt)}
                      {j.vehicle && <> · {j.vehicle.registrationDisplay}</>}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </div>
          {INVOICE_READERS.includes(role) && <Invoices customerId={customer.id} canOpen={INVOICE_OPENERS.includes(role)} />}
          {QUOTE_READERS.includes(role) && <Quotes customerId={customer.id} />}
          <Attachments ownerType="customer" ownerId={customer.id} role={role} />
          <div class="card" data-testid="customer-communications">
            <h2>{t('Messages sent')}</h2>
            {customer.communications.edges.length === 0 ? (
              <p class="muted">{t('No messages yet.')}</p>
            ) : (
              <ul class="plain-list">
                {customer.communications.edges.map(({ node: m }) => (
                  <li key={m.id} data-testid="customer-message">
                    <span class="line-between">
                      <span>{eventLabel(m.event)}</span>
                      <span class="small">{messageStatusLabel(m.status)}</span>
                    </span>
                    <span class="muted small">
                      {m.channelLabel} · {when(m.sentAt ?? m.createdAt)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </div>
      )}
    </section>
  );
}

function Details({ customer, canEdit, onSaved }: { customer: CustomerDetails; canEdit: boolean; onSaved: (c: CustomerDetails) => void }) {
  const [editing, setEditing] = useState(false);
  if (editing) return <EditDetails customer={customer} onDone={(c) => (c && onSaved(c), setEditing(false))} />;
  const facts: [string, string | null][] = [
    [t('Kind'), customer.kind === 'COMPANY' ? t('Company') : t('Person')],
    [t('Phone'), customer.phone],
    [t('Email'), customer.email],
    [t('Address'), customer.address],
    [t('Tax ID'), customer.taxId],
    [t('Branch'), customer.branch],
    [t('Notes'), customer.notes],
  ];
  return (
    <div class="card" data-testid="customer-details">
      <h2>{t('Details')}</h2>
      <dl class="facts">
        {facts
          .filter(([, v]) => v)
          .map(([k, v]) => (
            <>
              <dt>{k}</dt>
              <dd data-raw="">
                {k === t('Phone') && v ? <a href={`tel:${v.replace(/[^\d+]/g, '')}`}>{v}</a> : k === t('Email') && v ? <a href={`mailto:${v}`}>{v}</a> : v}
              </dd>
            </>
          ))}
        <dt>{t('Messages by SMS')}</dt>
        <dd>{customer.consentSms ? t('Yes') : t('No')}</dd>
        <dt>{t('Messages by email')}</dt>
        <dd>{customer.consentEmail ? t('Yes') : t('No')}</dd>
      </dl>
      {canEdit && (
        <div class="actions">
          <button type="button" class="btn btn-secondary" onClick={() => setEditing(true)} data-testid="customer-edit">
            {t('Edit details')}
          </button>
        </div>
      )}
    </div>
  );
}

const EDIT_FIELDS = ['name', 'phone', 'email', 'address', 'taxId', 'branch', 'notes'] as const;
type EditField = (typeof EDIT_FIELDS)[number];

function EditDetails({ customer, onDone }: { customer: CustomerDetails; onDone: (c: CustomerDetails | null) => void }) {
  const [form, setForm] = useState<Record<EditField, string>>(() => {
    const out = {} as Record<EditField, string>;
    for (const f of EDIT_FIELDS) out[f] = customer[f] ?? '';
    return out;
  });
  const [kind, setKind] = useState(customer.kind);
  const [consentSms, setConsentSms] = useState(customer.consentSms);
  const [consentEmail, setConsentEmail] = useState(customer.consentEmail);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const labels: Record<EditField, string> = {
    name: t('Name'),
    phone: t('Phone'),
    email: t('Email'),
    address: t('Address'),
    taxId: t('Tax ID'),
    branch: t('Branch'),
    notes: t('Notes'),
  };

  async function save(e: Event) {
    e.preventDefault();
    if (!form.name.trim()) {
      setErrors([{ field: 'name', code: 'REQUIRED', message: t("Type the customer's name.") }]);
      return;
    }
    const input: Record<string, unknown> = { id: customer.id, expectedVersion: customer.version, kind, consentSms, consentEmail };
    for (const f of EDIT_FIELDS) input[f] = form[f].trim() || (f === 'name' ? form[f] : null);
    const mutationId = newMutationId(); // each save is its own change
    setBusy(true);
    const r = await mutate<{ customer: CustomerDetails | null; errors: UserError[] }>(
      UPDATE,
      { ...input, clientMutationId: mutationId },
      'updateCustomer',
    );
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.customer && !r.errors.length) onDone(r.payload.customer);
  }

  return (
    <form class="card form" onSubmit={save} noValidate data-testid="customer-form">
      <h2>{t('Edit details')}</h2>
      <Field label={t('Kind')} errors={errorsFor(errors, 'kind')}>
        {(p) => (
          <select {...p} value={kind} onChange={(e) => setKind(e.currentTarget.value)} data-testid="customer-kind">
            <option value="PERSON">{t('Person')}</option>
            <option value="COMPANY">{t('Company')}</option>
          </select>
        )}
      </Field>
      {EDIT_FIELDS.map((f) => (
        <Field key={f} label={labels[f]} errors={errorsFor(errors, f)}>
          {(p) =>
            f === 'address' || f === 'notes' ? (
              <textarea {...p} rows={2} value={form[f]} onInput={(e) => setForm({ ...form, [f]: e.currentTarget.value })} data-testid={`customer-${f}`} />
            ) : (
              <input
                {...p}
                type={(f === 'email' ? 'email' : f === 'phone' ? 'tel' : 'text') as 'text'}
                autocomplete="off"
                value={form[f]}
                onInput={(e) => setForm({ ...form, [f]: e.currentTarget.value })}
                data-testid={`customer-${f}`}
              />
            )
          }
        </Field>
      ))}
      <label class="check">
        <input type="checkbox" checked={consentSms} onChange={(e) => setConsentSms(e.currentTarget.checked)} data-testid="customer-consent-sms" />{' '}
        {t('Messages by SMS')}
      </label>
      <label class="check">
        <input type="checkbox" checked={consentEmail} onChange={(e) => setConsentEmail(e.currentTarget.checked)} data-testid="customer-consent-email" />{' '}
        {t('Messages by email')}
      </label>
      <FormErrors errors={otherErrors(errors, [...EDIT_FIELDS, 'kind'])} testid="customer-errors" />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="customer-save">
          {busy ? t('Saving…') : t('Save')}
        </button>
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => onDone(null)} data-testid="customer-cancel">
          {t('Cancel')}
        </button>
      </div>
    </form>
  );
}

function Invoices({ customerId, canOpen }: { customerId: string; canOpen: boolean }) {
  const q = useQuery<{
    customer: { id: string; balance: number | null } | null;
    invoices: { edges: { node: InvoiceRow }[]; pageInfo: { hasNextPage: boolean } };
  }>(INVOICES, { id: customerId });
  const rows = q.data?.invoices.edges.map((e) => e.node) ?? [];
  const balance = q.data?.customer?.balance ?? 0;
  return (
    <div class="card" data-testid="customer-invoices">
      <h2>{t('Invoices')}</h2>
      {q.error && <Failure message={q.error} onRetry={q.reload} />}
      {!q.data && !q.error && <Loading />}
      {q.data && (
        <p class="line-between">
          <strong>{t('Balance due')}</strong>
          <strong class="money" data-testid="customer-balance" data-minor={balance}>
            {money(balance)}
          </strong>
        </p>
      )}
      {q.data && rows.length === 0 && <p class="muted">{t('No invoices yet.')}</p>}
      {rows.length > 0 && (
        <ul class="plain-list">
          {rows.map((r) => (
            <li key={r.id} data-testid="customer-invoice">
              <span class="line-between">
                {canOpen ? <a href={href(`invoices/${r.id}`)}>{r.number ?? t('Draft invoice')}</a> : <span>{r.number ?? t('Draft invoice')}</span>}
                <span class="money">{formatMoney(r.total, r.currency)}</span>
              </span>
              <span class="muted small">
                {invoiceStatusLabel(r.status)}
                {r.issueDate && <> · {formatDate(r.issueDate)}</>}
                {OPEN_INVOICE.includes(r.status) && <> · {t('Balance due: {amount}', { amount: formatMoney(r.balanceDue, r.currency) })}</>}
              </span>
            </li>
          ))}
        </ul>
      )}
      {q.data?.invoices.pageInfo.hasNextPage && <p class="muted small">{t('Showing the latest 50 invoices.')}</p>}
    </div>
  );
}

function Quotes({ customerId }: { customerId: string }) {
  const q = useQuery<{ quotes: { edges: { node: QuoteRow }[] } }>(QUOTES, { id: customerId });
  const rows = q.data?.quotes.edges.map((e) => e.node) ?? [];
  return (
    <div class="card" data-testid="customer-quotes">
      <h2>{t('Quotes')}</h2>
      {q.error && <Failure message={q.error} onRetry={q.reload} />}
      {!q.data && !q.error && <Loading />}
      {q.data && rows.length === 0 && <p class="muted">{t('No quotes yet.')}</p>}
      {rows.length > 0 && (
        <ul class="plain-list">
          {rows.map((r) => (
            <li key={r.id} data-testid="customer-quote">
              <span class="line-between">
                <span>{r.number}</span>
                <span class="money">{formatMoney(r.total, r.currency)}</span>
              </span>
              <span class="muted small">
                {quoteStatusLabel(r.status)} · {formatDate(r.createdAt)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
