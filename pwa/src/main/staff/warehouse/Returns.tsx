// Warehouse manager: items sent back to suppliers and the old parts (cores) owed back to them, each tracked to the
// supplier's credit note. Two tabs: Returns (list by status, a new return from a warehouse, the credit recorded) and
// Core charges (what is still owed, with its value and total, marked returned, then credited).
import { useEffect, useState } from 'preact/hooks';
import { authedGraphql } from '../../../shared/auth';
import { formatDateTime, t } from '../../../shared/i18n';
import type { UserError } from '../../../shared/types';
import type { ScreenProps } from '../../screens';
import { href } from '../../router';
import { ERRORS, Empty, Failure, Field, FormErrors, LoadMore, Loading, ScreenTitle, failureMessage, money, mutate, newMutationId, toMinor, usePagedList, useQuery } from '../common';
import { ItemSearch, WarehousePicker, useMutationId, useWarehouse, wholeNumber, type Warehouse } from './shared';

const RETURN = `id number status reason total creditNoteNumber creditAmount creditedAt createdAt version
  supplier { id name } warehouse { id name } lines { id quantity unitCost item { sku name unit } }`;

interface SupplierReturn {
  id: string;
  number: string;
  status: 'RETURNED' | 'CREDITED';
  reason: string;
  total: number;
  creditNoteNumber: string | null;
  creditAmount: number | null;
  creditedAt: string | null;
  createdAt: string;
  version: number;
  supplier: { id: string; name: string } | null;
  warehouse: { id: string; name: string } | null;
  lines: { id: string; quantity: number; unitCost: number; item: { sku: string; name: string; unit: string } | null }[];
}
type ReturnPayload = { supplierReturn: SupplierReturn | null; errors: UserError[] };

const RETURNS = `query SupplierReturns($status: SupplierReturnStatus, $after: String) {
  supplierReturns(status: $status, first: 20, after: $after) { edges { node { ${RETURN} } } pageInfo { hasNextPage endCursor } }
}`;
const CREATE = `mutation CreateSupplierReturn($input: CreateSupplierReturnInput!) { createSupplierReturn(input: $input) { supplierReturn { ${RETURN} } ${ERRORS} } }`;
const CREDIT = `mutation RecordSupplierReturnCredit($input: RecordCreditInput!) { recordSupplierReturnCredit(input: $input) { supplierReturn { ${RETURN} } ${ERRORS} } }`;
const SUPPLIERS = 'query ReturnSuppliers { suppliers(first: 100) { edges { node { id name active } } } }';

const CORE = `id status quantity unitValue value jobId returnedAt creditNoteNumber creditAmount createdAt version
  supplier { id name } item { sku name unit }`;
interface Core {
  id: string;
  status: 'OPEN' | 'RETURNED' | 'CREDITED';
  quantity: number;
  unitValue: number;
  value: number;
  jobId: string | null;
  returnedAt: string | null;
  creditNoteNumber: string | null;
  creditAmount: number | null;
  createdAt: string;
  version: number;
  supplier: { id: string; name: string } | null;
  item: { sku: string; name: string; unit: string } | null;
}
type CorePayload = { coreCharge: Core | null; errors: UserError[] };
const CORES = `query OpenCoreCharges { openCoreCharges { totalValue cores { ${CORE} } } }`;
const RETURN_CORE = `mutation ReturnCoreCharge($input: CoreChargeActionInput!) { returnCoreCharge(input: $input) { coreCharge { ${CORE} } ${ERRORS} } }`;
const CREDIT_CORE = `mutation CreditCoreCharge($input: RecordCreditInput!) { creditCoreCharge(input: $input) { coreCharge { ${CORE} } ${ERRORS} } }`;

export function returnStatusLabel(s: string): string {
  switch (s) {
    case 'RETURNED':
      return t('Sent back, credit awaited');
    case 'CREDITED':
      return t('Credited');
    case 'OPEN':
      return t('Old part still here');
    default:
      return s;
  }
}

export default function ReturnsScreen(_props: ScreenProps) {
  const [tab, setTab] = useState<'returns' | 'cores'>('returns');
  return (
    <section class="screen">
      <ScreenTitle>{t('Returns and core charges')}</ScreenTitle>
      <div class="wh-tabs" role="group" aria-label={t('Show')}>
        <button type="button" class={`btn btn-secondary ${tab === 'returns' ? 'wh-tab-on' : ''}`} aria-pressed={tab === 'returns'} onClick={() => setTab('returns')} data-testid="returns-tab">
          {t('Returns to suppliers')}
        </button>
        <button type="button" class={`btn btn-secondary ${tab === 'cores' ? 'wh-tab-on' : ''}`} aria-pressed={tab === 'cores'} onClick={() => setTab('cores')} data-testid="cores-tab">
          {t('Core charges')}
        </button>
      </div>
      {tab === 'returns' ? <Returns /> : <Cores />}
    </section>
  );
}

function Returns() {
  const wh = useWarehouse();
  const [status, setStatus] = useState('');
  const [creating, setCreating] = useState(false);
  const list = usePagedList<SupplierReturn>(RETURNS, 'supplierReturns', { status: status || null });
  const rows = list.rows;
  const put = (x: SupplierReturn) => list.setRows((old) => (old?.some((o) => o.id === x.id) ? old.map((o) => (o.id === x.id ? x : o)) : [x, ...(old ?? [])]));
  return (
    <>
      {wh.error && <Failure message={wh.error} />}
      {creating && wh.warehouses ? (
        <NewReturn
          warehouses={wh.warehouses}
          from={wh.warehouseId}
          onCreated={(x) => {
            put(x);
            setCreating(false);
          }}
          onCancel={() => setCreating(false)}
        />
      ) : (
        <div class="actions">
          <button type="button" class="btn btn-primary" onClick={() => setCreating(true)} data-testid="return-new">
            {t('New return')}
          </button>
        </div>
      )}
      <div class="wh-filters">
        <Field label={t('Status')}>
          {(p) => (
            <select {...p} value={status} onChange={(e) => setStatus(e.currentTarget.value)} data-testid="return-status-filter">
              <option value="">{t('All returns')}</option>
              {['RETURNED', 'CREDITED'].map((s) => (
                <option key={s} value={s}>
                  {returnStatusLabel(s)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {list.error && <Failure message={list.error} onRetry={list.reload} />}
      {!rows && !list.error && <Loading />}
      {rows && rows.length === 0 && <Empty testid="return-empty">{t('No returns here.')}</Empty>}
      {rows && rows.length > 0 && (
        <ul class="list" data-testid="return-list" aria-busy={list.busy}>
          {rows.map((x) => (
            <ReturnRow key={x.id} record={x} onChanged={put} />
          ))}
        </ul>
      )}
      <LoadMore hasMore={list.hasMore} busy={list.busy} onMore={list.more} />
    </>
  );
}

function ReturnRow({ record: x, onChanged }: { record: SupplierReturn; onChanged: (x: SupplierReturn) => void }) {
  const [crediting, setCrediting] = useState(false);
  return (
    <li class="card row" data-testid="return-row" data-number={x.number} data-status={x.status}>
      <div class="row-main">
        <span class="row-title">{x.number}</span>
        <span class="status-pill" data-testid="return-status">
          {returnStatusLabel(x.status)}
        </span>
      </div>
      <p class="small">
        <span data-raw="">{x.supplier?.name}</span> · {x.warehouse?.name} · {formatDateTime(x.createdAt)}
      </p>
      <ul class="mini-list small">
        {x.lines.map((l) => (
          <li key={l.id}>
            <span class="wh-sku">{l.item?.sku}</span> {l.item?.name} × {l.quantity}
          </li>
        ))}
      </ul>
      <p class="small">
        {t('Reason')}: <span data-raw="">{x.reason}</span>
      </p>
      <p class="small">
        {t('Value {amount}', { amount: money(x.total) })}
        {x.status === 'CREDITED' && (
          <>
            {' · '}
            <span data-testid="return-credit">{t('Credit note {number}: {amount}', { number: x.creditNoteNumber ?? '', amount: money(x.creditAmount) })}</span>
          </>
        )}
      </p>
      {x.status === 'RETURNED' &&
        (crediting ? (
          <CreditForm
            testid="return-credit"
            query={CREDIT}
            field="recordSupplierReturnCredit"
            id={x.id}
            version={x.version}
            suggested={x.total}
            onDone={(p: ReturnPayload) => {
              if (p.supplierReturn) onChanged(p.supplierReturn);
              if (!p.errors.length) setCrediting(false);
            }}
            onCancel={() => setCrediting(false)}
          />
        ) : (
          <div class="actions">
            <button type="button" class="btn btn-primary" onClick={() => setCrediting(true)} data-testid="return-credit-open">
              {t('Record the credit note')}
            </button>
          </div>
        ))}
    </li>
  );
}

/** The supplier's credit note: its number and amount. */
function CreditForm<P extends { errors: UserError[] }>({ testid, query, field, id, version, suggested, onDone, onCancel }: {
  testid: string;
  query: string;
  field: string;
  id: string;
  version: number;
  suggested: number;
  onDone: (p: P) => void;
  onCancel: () => void;
}) {
  const [number, setNumber] = useState('');
  const [amount, setAmount] = useState((suggested / 100).toFixed(2));
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [mutationId, answered] = useMutationId();
  async function submit(e: Event) {
    e.preventDefault();
    const problems: UserError[] = [];
    const minor = toMinor(amount);
    if (!number.trim()) problems.push({ field: 'creditNoteNumber', code: 'REQUIRED', message: t('Type the number of the credit note.') });
    if (minor === null || minor <= 0) problems.push({ field: 'amount', code: 'INVALID_AMOUNT', message: t('Type an amount above zero, such as 250.00.') });
    setErrors(problems);
    if (problems.length) return;
    setBusy(true);
    const r = await mutate<P>(query, { id, creditNoteNumber: number.trim(), amount: minor, expectedVersion: version, clientMutationId: mutationId }, field);
    answered(r);
    setBusy(false);
    setErrors(r.errors);
    if (r.payload) onDone(r.payload);
  }
  const on = (f: string) => errors.filter((e) => e.field === f).map((e) => e.message);
  return (
    <form class="inline-form" noValidate onSubmit={submit} data-testid={`${testid}-form`}>
      <div class="two">
        <Field label={t('Credit note number')} errors={on('creditNoteNumber')}>
          {(p) => <input {...p} value={number} onInput={(e) => setNumber(e.currentTarget.value)} data-testid={`${testid}-number`} />}
        </Field>
        <Field label={t('Amount credited')} errors={on('amount')}>
          {(p) => <input {...p} inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} data-testid={`${testid}-amount`} />}
        </Field>
      </div>
      <FormErrors errors={errors.filter((e) => e.field !== 'creditNoteNumber' && e.field !== 'amount')} testid={`${testid}-errors`} />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid={`${testid}-save`}>
          {t('Record the credit')}
        </button>
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={onCancel}>
          {t('Cancel')}
        </button>
      </div>
    </form>
  );
}

interface Line {
  itemId: string;
  label: string;
  quantity: string;
}

function NewReturn({ warehouses, from: initialFrom, onCreated, onCancel }: {
  warehouses: Warehouse[];
  from: string | null;
  onCreated: (x: SupplierReturn) => void;
  onCancel: () => void;
}) {
  const [from, setFrom] = useState(initialFrom ?? warehouses[0]?.id ?? '');
  const [suppliers, setSuppliers] = useState<{ id: string; name: string }[] | null>(null);
  const [supplierId, setSupplierId] = useState('');
  const [lines, setLines] = useState<Line[]>([]);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [mutationId, answered] = useMutationId();
  const [returnId] = useState(newMutationId);

  useEffect(() => {
    let live = true;
    authedGraphql<{ suppliers: { edges: { node: { id: string; name: string; active: boolean } }[] } }>(SUPPLIERS)
      .then((d) => {
        if (!live) return;
        const list = d.suppliers.edges.map((e) => e.node).filter((s) => s.active);
        setSuppliers(list);
        setSupplierId((old) => old || list[0]?.id || '');
      })
      .catch((e) => live && setLoadError(failureMessage(e)));
    return () => {
      live = false;
    };
  }, []);

  async function submit(e: Event) {
    e.preventDefault();
    const problems: UserError[] = [];
    if (!supplierId) problems.push({ field: 'supplierId', code: 'REQUIRED', message: t('Choose the supplier.') });
    const chosen: { itemId: string; quantity: number }[] = [];
    lines.forEach((l, i) => {
      const n = wholeNumber(l.quantity);
      if (!n) problems.push({ field: `lines.${i}.quantity`, code: 'INVALID_QUANTITY', message: t('Type a whole number above zero.') });
      else chosen.push({ itemId: l.itemId, quantity: n });
    });
    if (!lines.length) problems.push({ field: 'lines', code: 'NO_LINES', message: t('Add at least one item.') });
    if (!reason.trim()) problems.push({ field: 'reason', code: 'REASON_REQUIRED', message: t('Say why the items go back.') });
    setErrors(problems);
    if (problems.length) return;
    setBusy(true);
    const r = await mutate<ReturnPayload>(CREATE, { id: returnId, supplierId, warehouseId: from, lines: chosen, reason: reason.trim(), clientMutationId: mutationId }, 'createSupplierReturn');
    answered(r);
    setBusy(false);
    setErrors(r.errors);
    if (!r.errors.length && r.payload?.supplierReturn) onCreated(r.payload.supplierReturn);
  }

  const on = (f: string) => errors.filter((e) => e.field === f).map((e) => e.message);
  const lineErrors = (i: number) => errors.filter((e) => e.field?.startsWith(`lines.${i}.`)).map((e) => e.message);
  return (
    <form class="card row inline-form" onSubmit={submit} noValidate data-testid="return-form">
      <h2 class="card-title">{t('New return')}</h2>
      {loadError && <Failure message={loadError} />}
      <div class="two">
        <Field label={t('Supplier')} errors={on('supplierId')}>
          {(p) => (
            <select {...p} value={supplierId} onChange={(e) => setSupplierId(e.currentTarget.value)} data-testid="return-supplier">
              {(suppliers ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <WarehousePicker warehouses={warehouses} value={from} onChange={setFrom} label={t('From warehouse')} testid="return-from" remembered={false} />
      </div>
      {lines.map((l, i) => (
        <div class="wh-line" key={l.itemId} data-testid="return-form-line">
          <div class="wh-line-head">
            <span>{l.label}</span>
          </div>
          <div class="wh-line-inputs">
            <Field label={t('Quantity')} errors={lineErrors(i)}>
              {(p) => <input {...p} inputMode="numeric" value={l.quantity} onInput={(e) => setLines(lines.map((x, j) => (j === i ? { ...x, quantity: e.currentTarget.value } : x)))} data-testid="return-form-qty" />}
            </Field>
            <button type="button" class="btn btn-secondary" onClick={() => setLines(lines.filter((_, j) => j !== i))}>
              {t('Remove')}
            </button>
          </div>
        </div>
      ))}
      <ItemSearch testid="return-item-search" onPick={(item) => !lines.some((l) => l.itemId === item.id) && setLines([...lines, { itemId: item.id, label: `${item.sku} ${item.name}`, quantity: '1' }])} />
      {on('lines').map((m, i) => (
        <span key={i} class="field-error" data-testid="field-error">
          {m}
        </span>
      ))}
      <Field label={t('Why do the items go back?')} errors={on('reason')}>
        {(p) => <input {...p} value={reason} onInput={(e) => setReason(e.currentTarget.value)} data-testid="return-reason" />}
      </Field>
      <FormErrors errors={errors.filter((e) => !e.field?.startsWith('lines') && !['supplierId', 'reason'].includes(e.field ?? ''))} testid="return-errors" />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="return-create">
          {t('Send back to the supplier')}
        </button>
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={onCancel}>
          {t('Cancel')}
        </button>
      </div>
    </form>
  );
}

function Cores() {
  const q = useQuery<{ openCoreCharges: { totalValue: number; cores: Core[] } }>(CORES, {});
  const [rows, setRows] = useState<Core[] | null>(null);
  useEffect(() => {
    if (q.data) setRows(q.data.openCoreCharges.cores);
  }, [q.data]);
  if (q.error && !rows) return <Failure message={q.error} onRetry={q.reload} />;
  if (!rows) return <Loading />;
  const owed = rows.filter((c) => c.status !== 'CREDITED');
  const total = owed.reduce((s, c) => s + c.value, 0);
  const put = (c: Core) => setRows((old) => (old ?? []).map((o) => (o.id === c.id ? c : o)));
  return (
    <>
      <p class="card row" data-testid="cores-total">
        <strong>{t('Owed back to suppliers: {total}', { total: money(total) })}</strong>
      </p>
      {rows.length === 0 ? (
        <Empty testid="cores-empty">{t('No old parts are owed to suppliers.')}</Empty>
      ) : (
        <ul class="list" data-testid="core-list">
          {rows.map((c) => (
            <CoreRow key={c.id} core={c} onChanged={put} />
          ))}
        </ul>
      )}
    </>
  );
}

function CoreRow({ core: c, onChanged }: { core: Core; onChanged: (c: Core) => void }) {
  const [crediting, setCrediting] = useState(false);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [mutationId, answered] = useMutationId();
  async function markReturned() {
    setBusy(true);
    const r = await mutate<CorePayload>(RETURN_CORE, { id: c.id, expectedVersion: c.version, clientMutationId: mutationId }, 'returnCoreCharge');
    answered(r);
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.coreCharge) onChanged(r.payload.coreCharge);
  }
  return (
    <li class="card row" data-testid="core-row" data-sku={c.item?.sku} data-status={c.status}>
      <div class="row-main">
        <span class="row-title">
          <span class="wh-sku">{c.item?.sku}</span> {c.item?.name} × {c.quantity}
        </span>
        <span class="status-pill" data-testid="core-status">
          {returnStatusLabel(c.status)}
        </span>
      </div>
      <p class="small">
        <span data-raw="">{c.supplier?.name}</span> · <span data-testid="core-value">{money(c.value)}</span>
      </p>
      {c.status === 'RETURNED' && c.returnedAt && <p class="muted small">{t('Sent back {when}', { when: formatDateTime(c.returnedAt) })}</p>}
      {c.status === 'CREDITED' && <p class="small" data-testid="core-credit">{t('Credit note {number}: {amount}', { number: c.creditNoteNumber ?? '', amount: money(c.creditAmount) })}</p>}
      <FormErrors errors={errors} testid="core-errors" />
      {c.status === 'OPEN' && (
        <div class="actions">
          {c.jobId && (
            <a class="btn btn-secondary" href={href(`jobs/${c.jobId}`)} data-testid="core-job">
              {t('Open the job')}
            </a>
          )}
          <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void markReturned()} data-testid="core-return">
            {t('Mark as sent back')}
          </button>
        </div>
      )}
      {c.status === 'RETURNED' &&
        (crediting ? (
          <CreditForm
            testid="core-credit"
            query={CREDIT_CORE}
            field="creditCoreCharge"
            id={c.id}
            version={c.version}
            suggested={c.value}
            onDone={(p: CorePayload) => {
              if (p.coreCharge) onChanged(p.coreCharge);
              if (!p.errors.length) setCrediting(false);
            }}
            onCancel={() => setCrediting(false)}
          />
        ) : (
          <div class="actions">
            <button type="button" class="btn btn-primary" onClick={() => setCrediting(true)} data-testid="core-credit-open">
              {t('Record the credit note')}
            </button>
          </div>
        ))}
    </li>
  );
}
