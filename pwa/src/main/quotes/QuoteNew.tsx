// A new quote, for a job (`#/jobs/<id>/quote`) or for a vehicle before any job (`#/vehicles/<id>/quote`): lines from
// the task catalog (its labour price and hours), from stock (the item's sale price), or written by hand (a price
// typed in). The server prices catalog and stock lines itself; the draft opens on its own screen, ready to send.
import { useMemo, useState } from 'preact/hooks';
import { formatMoney, getLocale, t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import type { ScreenProps } from '../screens';
import { href, navigate } from '../router';
import { ERRORS, Failure, Field, FormErrors, Loading, ScreenTitle, SitePicker, errorsFor, mutate, newMutationId, otherErrors, useQuery, type Site } from '../staff/common';
import { lineKindLabel, parseAmount } from '../staff/billing/money';
import { garageCurrency } from '../jobcard/api';
import { matches } from '../../shared/workshop';
import './quotes.css';

const CONTEXT_JOB = `query QuoteForJob($id: ID!) { job(id: $id) { id number operationsStream site { id }
  vehicle { id registrationDisplay make model } } }`;
const CONTEXT_VEHICLE = `query QuoteForVehicle($id: ID!) { vehicle(id: $id) { id registrationDisplay make model } sites { id name code } }`;
const CATALOG = `query QuoteCatalog { taskActions(active: true) { id stream nameEn nameTh defaultLabourCost standardHours } }`;
const STOCK = `query QuoteStock($search: String) { warehouseItems(search: $search, first: 8) { edges { node { id sku nameEn nameTh salePrice active } } } }`;
const CREATE = `mutation CreateQuote($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id number } ${ERRORS} } }`;

interface Action {
  id: string;
  stream: string;
  nameEn: string;
  nameTh: string | null;
  defaultLabourCost: number;
  standardHours: string;
}
interface Item {
  id: string;
  sku: string;
  nameEn: string;
  nameTh: string | null;
  salePrice: number;
  active: boolean;
}

/** A line of the draft as the user built it; `price` is what the screen shows (the server prices it again). */
interface DraftLine {
  key: string;
  kind: 'LABOUR' | 'PART';
  source: 'catalog' | 'stock' | 'text';
  description: string;
  quantity: number;
  price: number | null;
  taskActionId?: string;
  itemId?: string;
}

const QTY_MAX = 999;
const TEXT_MAX = 300;

export default function QuoteNew({ params }: ScreenProps) {
  const forJob = location.hash.startsWith('#/jobs/');
  const ctx = useQuery<{
    job?: { id: string; number: string; operationsStream: string; site: { id: string } | null; vehicle: { id: string; registrationDisplay: string; make: string | null; model: string | null } | null } | null;
    vehicle?: { id: string; registrationDisplay: string; make: string | null; model: string | null } | null;
    sites?: Site[];
  }>(forJob ? CONTEXT_JOB : CONTEXT_VEHICLE, { id: params.id });
  const [lines, setLines] = useState<DraftLine[]>([]);
  const [notes, setNotes] = useState('');
  const [siteId, setSiteId] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [mutationId] = useState(newMutationId);

  if (ctx.error) return <Failure message={ctx.error} onRetry={ctx.reload} />;
  if (!ctx.data) return <Loading />;
  const job = ctx.data.job ?? null;
  const vehicle = job?.vehicle ?? ctx.data.vehicle ?? null;
  if (!vehicle) return <Failure message={forJob ? t('This job does not exist or you may not see it.') : t('Vehicle not found.')} />;
  const sites = ctx.data.sites ?? [];
  const site = siteId || sites[0]?.id || '';

  async function save(e: Event) {
    e.preventDefault();
    if (!lines.length) {
      setErrors([{ field: 'lines', code: 'REQUIRED', message: t('Add at least one line.') }]);
      return;
    }
    setBusy(true);
    const input: Record<string, unknown> = {
      lines: lines.map((l) =>
        l.source === 'catalog'
          ? { kind: 'LABOUR', taskActionId: l.taskActionId }
          : l.source === 'stock'
            ? { kind: 'PART', itemId: l.itemId, quantity: String(l.quantity) }
            : { kind: l.kind, description: l.description, quantity: String(l.quantity), unitPrice: l.price },
      ),
      notes: notes.trim() || null,
      clientMutationId: mutationId,
    };
    if (job) input.jobId = job.id;
    else Object.assign(input, { vehicleId: vehicle!.id, siteId: site });
    const r = await mutate<{ quote: { id: string } | null; errors: UserError[] }>(CREATE, input, 'createQuote');
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.quote && !r.errors.length) navigate(`quotes/${r.payload.quote.id}`, true);
  }

  const total = lines.reduce((sum, l) => sum + (l.price ?? 0) * l.quantity, 0);
  return (
    <section class="screen quote-new" data-testid="quote-new">
      <p class="small">
        <a href={job ? href(`jobs/${job.id}`) : href('quotes')} data-testid="quote-new-back">
          ‹ {job ? t('Back to the job card') : t('Quotes')}
        </a>
      </p>
      <ScreenTitle>{t('New quote')}</ScreenTitle>
      <div class="card">
        <p>
          <span class="plate plate-lg" data-raw="">
            {vehicle.registrationDisplay}
          </span>{' '}
          <span class="muted" data-raw="">
            {[vehicle.make, vehicle.model].filter(Boolean).join(' ')}
          </span>
        </p>
        {job && (
          <p class="muted small">
            {t('For job {number}', { number: job.number })}
          </p>
        )}
        {!job && <SitePicker sites={sites} siteId={site} onChange={setSiteId} />}
      </div>

      <div class="card" data-testid="quote-draft-lines">
        <h2 class="card-title">{t('Lines')}</h2>
        {lines.length === 0 && <p class="muted">{t('No lines yet: add work from the catalog, parts from stock or write a line.')}</p>}
        <ul class="list">
          {lines.map((l) => (
            <li key={l.key} class="row" data-testid="quote-draft-line" data-source={l.source}>
              <div class="row-main">
                <span class="row-title" data-raw="">
                  {l.description}
                </span>
                <button type="button" class="btn btn-ghost btn-inline" onClick={() => setLines(lines.filter((x) => x.key !== l.key))} data-testid="quote-line-remove">
                  {t('Remove')}
                </button>
              </div>
              <span class="muted small">
                {lineKindLabel(l.kind)} · {l.quantity} × {l.price != null ? formatMoney(l.price, garageCurrency()) : '—'}
              </span>
            </li>
          ))}
        </ul>
        {lines.length > 0 && (
          <p class="small">
            {t('Estimate before tax: {amount}', { amount: formatMoney(total, garageCurrency()) })}
          </p>
        )}
      </div>

      <AddFromCatalog stream={job?.operationsStream ?? null} onAdd={(l) => setLines([...lines, l])} />
      <AddFromStock onAdd={(l) => setLines([...lines, l])} />
      <AddText onAdd={(l) => setLines([...lines, l])} />

      <form class="card" onSubmit={save} noValidate data-testid="quote-save-form">
        <Field label={t('Note for the customer (optional)')} errors={errorsFor(errors, 'notes')}>
          {(p) => <textarea {...p} rows={2} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} data-testid="quote-notes" />}
        </Field>
        <FormErrors errors={otherErrors(errors, ['notes'])} testid="quote-errors" />
        <div class="actions">
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="quote-create">
            {t('Save the quote')}
          </button>
        </div>
      </form>
    </section>
  );
}

let seq = 0;
const key = () => `l${++seq}`;

function AddFromCatalog({ stream, onAdd }: { stream: string | null; onAdd: (l: DraftLine) => void }) {
  const catalog = useQuery<{ taskActions: Action[] }>(CATALOG, {});
  const [search, setSearch] = useState('');
  const th = getLocale() === 'th';
  const options = useMemo(
    () =>
      (catalog.data?.taskActions ?? [])
        .filter((a) => (!stream || a.stream === stream) && matches(search, a.nameEn, a.nameTh))
        .slice(0, 8),
    [catalog.data, search, stream],
  );
  return (
    <div class="card" data-testid="quote-from-catalog">
      <h2 class="card-title">{t('Work from the catalog')}</h2>
      <Field label={t('Find work in the catalog')}>
        {(p) => <input {...p} type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} data-testid="quote-catalog-search" />}
      </Field>
      <ul class="options">
        {options.map((a) => (
          <li key={a.id}>
            <button
              type="button"
              class="option"
              data-testid="quote-catalog-option"
              onClick={() => {
                onAdd({ key: key(), kind: 'LABOUR', source: 'catalog', description: th && a.nameTh ? a.nameTh : a.nameEn, quantity: 1, price: a.defaultLabourCost, taskActionId: a.id });
                setSearch('');
              }}
            >
              + <span data-raw="">{th && a.nameTh ? a.nameTh : a.nameEn}</span>{' '}
              <span class="muted small">{formatMoney(a.defaultLabourCost, garageCurrency())}</span>
            </button>
          </li>
        ))}
        {catalog.data && options.length === 0 && <li class="muted small">{t('Nothing in the catalog matches.')}</li>}
      </ul>
    </div>
  );
}

function AddFromStock({ onAdd }: { onAdd: (l: DraftLine) => void }) {
  const [search, setSearch] = useState('');
  const [qty, setQty] = useState('1');
  const [error, setError] = useState<string | null>(null);
  const stock = useQuery<{ warehouseItems: { edges: { node: Item }[] } }>(STOCK, search.trim().length >= 2 ? { search: search.trim() } : null);
  const th = getLocale() === 'th';
  const items = (stock.data?.warehouseItems.edges ?? []).map((e) => e.node).filter((i) => i.active);
  function add(i: Item) {
    const n = Number(qty);
    if (!/^\d+$/.test(qty.trim()) || n < 1 || n > QTY_MAX) return setError(t('Enter a whole number from 1 to 999.'));
    setError(null);
    onAdd({ key: key(), kind: 'PART', source: 'stock', description: th && i.nameTh ? i.nameTh : i.nameEn, quantity: n, price: i.salePrice, itemId: i.id });
    setSearch('');
    setQty('1');
  }
  return (
    <div class="card" data-testid="quote-from-stock">
      <h2 class="card-title">{t('Parts from stock')}</h2>
      <div class="two">
        <Field label={t('Find a part (name or SKU)')}>
          {(p) => <input {...p} type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} data-testid="quote-stock-search" />}
        </Field>
        <Field label={t('Quantity')} errors={error ? [error] : []}>
          {(p) => <input {...p} inputMode="numeric" value={qty} onInput={(e) => setQty(e.currentTarget.value)} data-testid="quote-stock-qty" />}
        </Field>
      </div>
      <ul class="options">
        {items.map((i) => (
          <li key={i.id}>
            <button type="button" class="option" data-testid="quote-stock-option" onClick={() => add(i)}>
              + <span data-raw="">{th && i.nameTh ? i.nameTh : i.nameEn}</span> <span class="muted small" data-raw="">{i.sku}</span>{' '}
              <span class="muted small">{formatMoney(i.salePrice, garageCurrency())}</span>
            </button>
          </li>
        ))}
        {stock.data && items.length === 0 && <li class="muted small">{t('No part matches.')}</li>}
      </ul>
    </div>
  );
}

function AddText({ onAdd }: { onAdd: (l: DraftLine) => void }) {
  const [kind, setKind] = useState<'LABOUR' | 'PART'>('LABOUR');
  const [text, setText] = useState('');
  const [qty, setQty] = useState('1');
  const [price, setPrice] = useState('');
  const [errors, setErrors] = useState<{ text?: string; qty?: string; price?: string }>({});
  function submit(e: Event) {
    e.preventDefault();
    const next: typeof errors = {};
    const description = text.trim();
    const n = Number(qty);
    const amount = parseAmount(price, garageCurrency());
    if (!description) next.text = t('Describe the work or the part.');
    else if (description.length > TEXT_MAX) next.text = t('At most {max} characters.', { max: TEXT_MAX });
    if (!/^\d+$/.test(qty.trim()) || n < 1 || n > QTY_MAX) next.qty = t('Enter a whole number from 1 to 999.');
    if (amount === null || amount < 0) next.price = t('Enter an amount, e.g. 1250.50.');
    setErrors(next);
    if (Object.keys(next).length) return;
    onAdd({ key: key(), kind, source: 'text', description, quantity: n, price: amount });
    setText('');
    setQty('1');
    setPrice('');
  }
  return (
    <form class="card" onSubmit={submit} noValidate data-testid="quote-from-text">
      <h2 class="card-title">{t('A line written by hand')}</h2>
      <Field label={t('Kind')}>
        {(p) => (
          <select {...p} value={kind} onChange={(e) => setKind(e.currentTarget.value as 'LABOUR' | 'PART')} data-testid="quote-text-kind">
            <option value="LABOUR">{lineKindLabel('LABOUR')}</option>
            <option value="PART">{lineKindLabel('PART')}</option>
          </select>
        )}
      </Field>
      <Field label={t('Description')} errors={errors.text ? [errors.text] : []}>
        {(p) => <input {...p} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="quote-text-description" />}
      </Field>
      <div class="two">
        <Field label={t('Quantity')} errors={errors.qty ? [errors.qty] : []}>
          {(p) => <input {...p} inputMode="numeric" value={qty} onInput={(e) => setQty(e.currentTarget.value)} data-testid="quote-text-qty" />}
        </Field>
        <Field label={t('Unit price')} errors={errors.price ? [errors.price] : []}>
          {(p) => <input {...p} inputMode="decimal" value={price} onInput={(e) => setPrice(e.currentTarget.value)} data-testid="quote-text-price" />}
        </Field>
      </div>
      <div class="actions">
        <button type="submit" class="btn btn-secondary" data-testid="quote-text-add">
          {t('Add the line')}
        </button>
      </div>
    </form>
  );
}
