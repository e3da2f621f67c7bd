// "Quote the findings" (`#/jobs/<id>/findings`), for those who may quote: the amber and red results of the job's
// inspections not quoted yet, each ticked, each with what it becomes (a catalog action with its labour price, a part
// from stock at its sale price, or a line written here with a price), prices prefilled; one tap makes the quote
// (quoteFromFindings: a new draft, each line carrying the finding's photos) and opens it on the quote screen to send.
import { useMemo, useState } from 'preact/hooks';
import { formatMoney, getLocale, t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import { matches } from '../../shared/workshop';
import { garageCurrency } from '../jobcard/api';
import { href, navigate } from '../router';
import type { ScreenProps } from '../screens';
import { ERRORS, Failure, FormErrors, Loading, ScreenTitle, mutate, newMutationId, useQuery } from '../staff/common';
import { parseAmount } from '../staff/billing/money';
import type { Result } from './data';
import { conditionLabel } from './InspectionScreen';
import './inspection.css';

const CONTEXT = `query FindingsContext($id: ID!) { job(id: $id) { id number operationsStream
  vehicle { id registrationDisplay make model }
  inspections { id results { itemKey title condition note quoted photos { id thumbnailUrl url } } } }
  taskActions(active: true) { id stream nameEn nameTh defaultLabourCost } }`;
const STOCK = `query FindingsStock { warehouseItems(first: 100) { edges { node { id sku nameEn nameTh salePrice active } } } }`;
const QUOTE = `mutation QuoteFromFindings($input: QuoteFromFindingsInput!) { quoteFromFindings(input: $input) { quote { id number } ${ERRORS} } }`;

type Named = { id: string; nameEn: string; nameTh: string | null };
type Action = Named & { stream: string; defaultLabourCost: number };
type Item = Named & { sku: string; salePrice: number | null; active: boolean };
interface Finding {
  key: string;
  inspectionId: string;
  result: Result;
}
interface Choice {
  on: boolean;
  source: 'catalog' | 'part' | 'text';
  actionId: string;
  itemId: string;
  itemSearch: string;
  description: string;
  quantity: string;
  price: string;
}

const th = () => getLocale() === 'th';
const nameOf = (x: { nameEn: string; nameTh: string | null }) => (th() && x.nameTh ? x.nameTh : x.nameEn);

/** What a finding becomes at first: the catalog work its title names (with its price), else a line written here. */
function initial(f: Finding, actions: Action[]): Choice {
  const text = [f.result.title, f.result.note].filter(Boolean).join(': ');
  const words = f.result.title.toLowerCase().split(/[^a-z\u0e00-\u0e7f]+/).filter((w) => w.length >= 4);
  const hit = actions.find((a) => words.some((w) => a.nameEn.toLowerCase().includes(w) || (a.nameTh ?? '').includes(w)));
  return {
    on: true,
    source: hit ? 'catalog' : 'text',
    actionId: hit?.id ?? actions[0]?.id ?? '',
    itemId: '',
    itemSearch: '',
    description: text,
    quantity: '1',
    price: '',
  };
}

export default function FindingsQuote({ params }: ScreenProps) {
  const jobId = params.id;
  const ctx = useQuery<{
    job: { id: string; number: string; operationsStream: string; vehicle: { registrationDisplay: string; make: string | null; model: string | null } | null; inspections: { id: string; results: Result[] }[] } | null;
    taskActions: Action[];
  }>(CONTEXT, { id: jobId });
  const stock = useQuery<{ warehouseItems: { edges: { node: Item }[] } }>(STOCK, {});
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [mutationId, setMutationId] = useState(newMutationId);

  const job = ctx.data?.job ?? null;
  const actions = useMemo(() => (ctx.data?.taskActions ?? []).filter((a) => !job || a.stream === job.operationsStream), [ctx.data, job]);
  const items = useMemo(() => (stock.data?.warehouseItems.edges ?? []).map((e) => e.node).filter((i) => i.active), [stock.data]);
  const findings: Finding[] = useMemo(
    () =>
      (job?.inspections ?? []).flatMap((i) =>
        i.results
          .filter((r) => (r.condition === 'URGENT' || r.condition === 'ADVISE') && !r.quoted)
          .sort((a, b) => (a.condition === b.condition ? 0 : a.condition === 'URGENT' ? -1 : 1))
          .map((r) => ({ key: `${i.id}:${r.itemKey}`, inspectionId: i.id, result: r })),
      ),
    [job],
  );

  if (ctx.error && !ctx.data) return <Failure message={ctx.error} onRetry={ctx.reload} />;
  if (!ctx.data) return <Loading />;
  if (!job) return <Failure message={t('This job does not exist or you may not see it.')} />;

  const choice = (f: Finding) => choices[f.key] ?? initial(f, actions);
  const set = (f: Finding, patch: Partial<Choice>) => setChoices((old) => ({ ...old, [f.key]: { ...(old[f.key] ?? initial(f, actions)), ...patch } }));
  const priceOf = (c: Choice): number | null => {
    if (c.source === 'catalog') return actions.find((a) => a.id === c.actionId)?.defaultLabourCost ?? null;
    if (c.source === 'part') return items.find((i) => i.id === c.itemId)?.salePrice ?? null;
    return parseAmount(c.price, garageCurrency());
  };
  const picked = findings.filter((f) => choice(f).on);
  const total = picked.reduce((sum, f) => sum + (priceOf(choice(f)) ?? 0) * (Number(choice(f).quantity) || 1), 0);

  async function submit(e: Event) {
    e.preventDefault();
    const problems: UserError[] = [];
    if (!picked.length) problems.push({ field: 'findings', code: 'REQUIRED', message: t('Tick at least one finding.') });
    const lines = picked.map((f) => {
      const c = choice(f);
      const qty = Number(c.quantity);
      if (!/^\d+$/.test(c.quantity.trim()) || qty < 1 || qty > 999) problems.push({ field: f.key, code: 'INVALID_VALUE', message: t('{item}: enter a whole number from 1 to 999.', { item: f.result.title }) });
      const base = { inspectionId: f.inspectionId, itemKey: f.result.itemKey, quantity: String(qty) };
      if (c.source === 'catalog') {
        if (!c.actionId) problems.push({ field: f.key, code: 'REQUIRED', message: t('{item}: choose the work from the catalog.', { item: f.result.title }) });
        return { ...base, labourActionId: c.actionId };
      }
      if (c.source === 'part') {
        if (!c.itemId) problems.push({ field: f.key, code: 'REQUIRED', message: t('{item}: choose a part.', { item: f.result.title }) });
        return { ...base, itemId: c.itemId };
      }
      const price = parseAmount(c.price, garageCurrency());
      if (!c.description.trim()) problems.push({ field: f.key, code: 'REQUIRED', message: t('{item}: describe the work.', { item: f.result.title }) });
      if (price == null) problems.push({ field: f.key, code: 'INVALID_VALUE', message: t('{item}: enter a price, e.g. 450.00.', { item: f.result.title }) });
      return { ...base, description: c.description.trim(), unitPrice: price };
    });
    setErrors(problems);
    if (problems.length) return;
    setBusy(true);
    const r = await mutate<{ quote: { id: string } | null; errors: UserError[] }>(QUOTE, { jobId, findings: lines, clientMutationId: mutationId }, 'quoteFromFindings');
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.quote && !r.errors.length) navigate(`quotes/${r.payload.quote.id}`, true);
    else if (r.errors.length) setMutationId(newMutationId()); // the corrected form is a new request
  }

  const currency = garageCurrency();
  return (
    <form class="screen insp" data-testid="findings-quote" onSubmit={submit} noValidate>
      <a class="back" href={href(`jobs/${jobId}`)} data-testid="findings-back">
        ‹ {t('Job card')}
      </a>
      <ScreenTitle>{t('Quote the findings')}</ScreenTitle>
      <p>
        <span class="plate" data-raw="">
          {job.vehicle?.registrationDisplay ?? '—'}
        </span>{' '}
        <span class="muted" data-raw="">
          {job.number}
        </span>
      </p>
      {findings.length === 0 && <p class="muted card">{t('No amber or red finding is waiting for a quote.')}</p>}
      <ul class="list">
        {findings.map((f) => {
          const c = choice(f);
          const options = items.filter((i) => matches(c.itemSearch, i.sku, i.nameEn, i.nameTh)).slice(0, 30);
          const id = `f-${f.key.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
          return (
            <li key={f.key} class={`card findings-row insp-item insp-${(f.result.condition ?? 'none').toLowerCase()}`} data-testid="finding" data-item={f.result.itemKey} data-condition={f.result.condition ?? ''}>
              <label class="check">
                <input type="checkbox" checked={c.on} data-testid="finding-pick" onChange={(e) => set(f, { on: e.currentTarget.checked })} />
                <span>
                  <span class="row-title" data-raw="">
                    {f.result.title}
                  </span>{' '}
                  <span class={`insp-chip insp-chip-${(f.result.condition ?? 'none').toLowerCase()}`}>{conditionLabel(f.result.condition)}</span>
                  {f.result.note && (
                    <span class="small muted jc-break" data-raw="">
                      {' '}
                      {f.result.note}
                    </span>
                  )}
                </span>
              </label>
              {f.result.photos.length > 0 && (
                <ul class="insp-photos">
                  {f.result.photos.map((p) => (
                    <li key={p.id}>{p.thumbnailUrl && <img class="att-thumb" src={p.thumbnailUrl} alt={t('Photo of {item}', { item: f.result.title })} width={72} height={72} />}</li>
                  ))}
                </ul>
              )}
              {c.on && (
                <div class="findings-grid">
                  <label class="field">
                    <span class="field-label">{t('Quote it as')}</span>
                    <select value={c.source} data-testid="finding-source" onChange={(e) => set(f, { source: e.currentTarget.value as Choice['source'] })}>
                      <option value="catalog">{t('Work from the catalog')}</option>
                      <option value="part">{t('A part from stock')}</option>
                      <option value="text">{t('Written here')}</option>
                    </select>
                  </label>
                  {c.source === 'catalog' && (
                    <label class="field findings-wide">
                      <span class="field-label">{t('Work')}</span>
                      <select value={c.actionId} data-testid="finding-action" onChange={(e) => set(f, { actionId: e.currentTarget.value })}>
                        {actions.map((a) => (
                          <option key={a.id} value={a.id}>
                            {nameOf(a)} · {formatMoney(a.defaultLabourCost, currency)}
                          </option>
                        ))}
                      </select>
                    </label>
                  )}
                  {c.source === 'part' && (
                    <>
                      <label class="field">
                        <span class="field-label">{t('Find a part (name or SKU)')}</span>
                        <input type="search" value={c.itemSearch} data-testid="finding-item-search" onInput={(e) => set(f, { itemSearch: e.currentTarget.value })} />
                      </label>
                      <label class="field findings-wide">
                        <span class="field-label">{t('Part')}</span>
                        <select value={c.itemId} data-testid="finding-item" onChange={(e) => set(f, { itemId: e.currentTarget.value })}>
                          <option value="">{t('Choose a part.')}</option>
                          {options.map((i) => (
                            <option key={i.id} value={i.id}>
                              {nameOf(i)} ({i.sku}){i.salePrice != null ? ` · ${formatMoney(i.salePrice, currency)}` : ''}
                            </option>
                          ))}
                        </select>
                      </label>
                    </>
                  )}
                  {c.source === 'text' && (
                    <>
                      <label class="field findings-wide">
                        <span class="field-label">{t('Description')}</span>
                        <input value={c.description} maxLength={300} data-testid="finding-description" onInput={(e) => set(f, { description: e.currentTarget.value })} />
                      </label>
                      <label class="field">
                        <span class="field-label">{t('Unit price')}</span>
                        <input inputMode="decimal" value={c.price} data-testid="finding-price" id={`${id}-price`} onInput={(e) => set(f, { price: e.currentTarget.value })} />
                      </label>
                    </>
                  )}
                  <label class="field findings-qty">
                    <span class="field-label">{t('Quantity')}</span>
                    <input inputMode="numeric" value={c.quantity} data-testid="finding-qty" onInput={(e) => set(f, { quantity: e.currentTarget.value })} />
                  </label>
                </div>
              )}
            </li>
          );
        })}
      </ul>
      <FormErrors errors={errors} testid="findings-errors" />
      {findings.length > 0 && (
        <div class="card">
          <p>
            {t('{n} lines', { n: picked.length })} · {t('Total')} <strong data-testid="findings-total">{formatMoney(total, currency)}</strong>
          </p>
          <button type="submit" class="btn btn-primary btn-block btn-big" disabled={busy} data-testid="findings-submit">
            {t('Make the quote')}
          </button>
        </div>
      )}
    </form>
  );
}
