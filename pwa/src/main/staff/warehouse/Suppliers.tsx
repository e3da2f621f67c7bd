// Warehouse manager: the garage's suppliers (contact, tax ID, payment terms, lead time, the language of their
// orders) and, per supplier, what it sells us: the supplier's code, price, pack size and whether it is preferred.
import { useState } from 'preact/hooks';
import { t } from '../../../shared/i18n';
import type { UserError } from '../../../shared/types';
import type { ScreenProps } from '../../screens';
import { ERRORS, Empty, Failure, Field, FormButtons, FormErrors, LoadMore, Loading, ScreenTitle, errorsFor, money, mutate, otherErrors, toMinor, useQuery, usePagedList, useSave } from '../common';
import { ItemSearch, type ItemRef, useMutationId } from './shared';

const SUPPLIER = 'id name contactName email phone taxId address paymentTermsDays leadTimeDays locale active version';

export interface Supplier {
  id: string;
  name: string;
  contactName: string | null;
  email: string | null;
  phone: string | null;
  taxId: string | null;
  address: string | null;
  paymentTermsDays: number;
  leadTimeDays: number;
  locale: 'EN' | 'TH';
  active: boolean;
  version: number;
}

const SUPPLIERS = `query Suppliers($after: String) { suppliers(first: 50, after: $after) { edges { node { ${SUPPLIER} } } pageInfo { hasNextPage endCursor } } }`;
const CREATE = `mutation CreateSupplier($input: SupplierInput!) { createSupplier(input: $input) { supplier { ${SUPPLIER} } ${ERRORS} } }`;
const UPDATE = `mutation UpdateSupplier($input: SupplierInput!) { updateSupplier(input: $input) { supplier { ${SUPPLIER} } ${ERRORS} } }`;

export default function SuppliersScreen(_props: ScreenProps) {
  const list = usePagedList<Supplier>(SUPPLIERS, 'suppliers', {});
  const [adding, setAdding] = useState(false);
  const rows = list.rows;
  const put = (s: Supplier) => list.setRows((old) => (old?.some((o) => o.id === s.id) ? old.map((o) => (o.id === s.id ? s : o)) : [s, ...(old ?? [])]));
  return (
    <section class="screen">
      <ScreenTitle
        extra={
          !adding && (
            <button type="button" class="btn btn-primary" onClick={() => setAdding(true)} data-testid="supplier-add">
              {t('New supplier')}
            </button>
          )
        }
      >
        {t('Suppliers')}
      </ScreenTitle>
      {adding && (
        <div class="card row">
          <SupplierForm
            onSaved={(s) => {
              put(s);
              setAdding(false);
            }}
            onCancel={() => setAdding(false)}
          />
        </div>
      )}
      {list.error && <Failure message={list.error} onRetry={list.reload} />}
      {!rows && !list.error && <Loading />}
      {rows && rows.length === 0 && !adding && <Empty testid="suppliers-empty">{t('No suppliers yet.')}</Empty>}
      {rows && rows.length > 0 && (
        <ul class="list" data-testid="supplier-list" aria-busy={list.busy}>
          {rows.map((s) => (
            <SupplierRow key={s.id} supplier={s} onChanged={put} />
          ))}
        </ul>
      )}
      <LoadMore hasMore={list.hasMore} busy={list.busy} onMore={list.more} />
    </section>
  );
}

function SupplierRow({ supplier: s, onChanged }: { supplier: Supplier; onChanged: (s: Supplier) => void }) {
  const [mode, setMode] = useState<'none' | 'edit' | 'items'>('none');
  return (
    <li class={`card row ${s.active ? '' : 'inactive'}`} data-testid="supplier-row" data-name={s.name}>
      <div class="row-main">
        <span class="row-title">{s.name}</span>
        {s.taxId && <span class="muted small">{t('Tax ID {id}', { id: s.taxId })}</span>}
      </div>
      <p class="small">
        {[s.contactName, s.phone, s.email].filter(Boolean).join(' · ')}
      </p>
      <p class="muted small">
        {t('Pay within {n} days', { n: s.paymentTermsDays })} · {t('Delivers in {n} days', { n: s.leadTimeDays })}
        {!s.active && <span> · {t('Inactive')}</span>}
      </p>
      {mode === 'edit' ? (
        <SupplierForm
          supplier={s}
          onSaved={(saved) => {
            onChanged(saved);
            setMode('none');
          }}
          onCancel={() => setMode('none')}
        />
      ) : (
        <div class="actions">
          <button type="button" class="btn btn-secondary" onClick={() => setMode('edit')} data-testid="supplier-edit">
            {t('Edit')}
          </button>
          <button type="button" class="btn btn-secondary" aria-expanded={mode === 'items'} onClick={() => setMode(mode === 'items' ? 'none' : 'items')} data-testid="supplier-items">
            {t('Items')}
          </button>
        </div>
      )}
      {mode === 'items' && <SupplierItems supplierId={s.id} />}
    </li>
  );
}

function SupplierForm({ supplier, onSaved, onCancel }: { supplier?: Supplier; onSaved: (s: Supplier) => void; onCancel: () => void }) {
  const [v, setV] = useState({
    name: supplier?.name ?? '',
    contactName: supplier?.contactName ?? '',
    email: supplier?.email ?? '',
    phone: supplier?.phone ?? '',
    taxId: supplier?.taxId ?? '',
    address: supplier?.address ?? '',
    paymentTermsDays: String(supplier?.paymentTermsDays ?? 30),
    leadTimeDays: String(supplier?.leadTimeDays ?? 3),
    locale: supplier?.locale ?? 'TH',
    active: supplier?.active ?? true,
  });
  const [mutationId, answered] = useMutationId();
  const form = useSave<Supplier>(onSaved);
  const set = (k: keyof typeof v) => (e: Event) => setV({ ...v, [k]: (e.currentTarget as HTMLInputElement).value });
  const shown = ['name', 'contactName', 'email', 'phone', 'taxId', 'address', 'paymentTermsDays', 'leadTimeDays'];

  function submit(e: Event) {
    e.preventDefault();
    const problems: UserError[] = [];
    if (!v.name.trim()) problems.push({ field: 'name', code: 'REQUIRED', message: t('Type the supplier’s name.') });
    for (const k of ['paymentTermsDays', 'leadTimeDays'] as const)
      if (!/^\d+$/.test(v[k].trim())) problems.push({ field: k, code: 'INVALID_VALUE', message: t('Type a number of days, such as 30.') });
    const blank = (x: string) => x.trim() || null;
    const input: Record<string, unknown> = {
      name: v.name.trim(),
      contactName: blank(v.contactName),
      email: blank(v.email),
      phone: blank(v.phone),
      taxId: blank(v.taxId),
      address: blank(v.address),
      paymentTermsDays: Number(v.paymentTermsDays.trim()),
      leadTimeDays: Number(v.leadTimeDays.trim()),
      locale: v.locale,
      clientMutationId: mutationId,
    };
    if (supplier) Object.assign(input, { id: supplier.id, active: v.active, expectedVersion: supplier.version });
    void form.save(
      problems,
      async () => {
        const r = await mutate<{ supplier: Supplier | null; errors: UserError[] }>(supplier ? UPDATE : CREATE, input, supplier ? 'updateSupplier' : 'createSupplier');
        answered(r);
        return r;
      },
      (p) => p.supplier,
    );
  }

  const fe = (f: string) => errorsFor(form.errors, f);
  return (
    <form class="inline-form" onSubmit={submit} noValidate data-testid="supplier-form">
      <Field label={t('Name')} errors={fe('name')}>
        {(p) => <input {...p} value={v.name} onInput={set('name')} data-testid="supplier-name" />}
      </Field>
      <div class="two">
        <Field label={t('Contact person')} errors={fe('contactName')}>
          {(p) => <input {...p} value={v.contactName} onInput={set('contactName')} data-testid="supplier-contact" />}
        </Field>
        <Field label={t('Phone')} errors={fe('phone')}>
          {(p) => <input {...p} type="tel" value={v.phone} onInput={set('phone')} data-testid="supplier-phone" />}
        </Field>
      </div>
      <div class="two">
        <Field label={t('Email')} errors={fe('email')}>
          {(p) => <input {...p} type="email" value={v.email} onInput={set('email')} data-testid="supplier-email" />}
        </Field>
        <Field label={t('Tax ID')} errors={fe('taxId')}>
          {(p) => <input {...p} value={v.taxId} onInput={set('taxId')} data-testid="supplier-tax-id" />}
        </Field>
      </div>
      <Field label={t('Address')} errors={fe('address')}>
        {(p) => <textarea {...p} rows={2} value={v.address} onInput={set('address')} data-testid="supplier-address" />}
      </Field>
      <div class="two">
        <Field label={t('Payment terms (days)')} errors={fe('paymentTermsDays')}>
          {(p) => <input {...p} inputMode="numeric" value={v.paymentTermsDays} onInput={set('paymentTermsDays')} data-testid="supplier-terms" />}
        </Field>
        <Field label={t('Lead time (days)')} errors={fe('leadTimeDays')}>
          {(p) => <input {...p} inputMode="numeric" value={v.leadTimeDays} onInput={set('leadTimeDays')} data-testid="supplier-lead" />}
        </Field>
      </div>
      <Field label={t('Language of its orders')}>
        {(p) => (
          <select {...p} value={v.locale} onChange={(e) => setV({ ...v, locale: e.currentTarget.value as 'EN' | 'TH' })} data-testid="supplier-locale">
            <option value="TH">{t('Thai')}</option>
            <option value="EN">{t('English')}</option>
          </select>
        )}
      </Field>
      {supplier && (
        <label class="check">
          <input type="checkbox" checked={v.active} onChange={(e) => setV({ ...v, active: e.currentTarget.checked })} data-testid="supplier-active" />
          {t('Active')}
        </label>
      )}
      <FormErrors errors={otherErrors(form.errors, shown)} />
      <FormButtons busy={form.busy} saveTestid="supplier-save" onCancel={onCancel} />
    </form>
  );
}

interface SupplierItem {
  id: string;
  itemId: string;
  supplierCode: string | null;
  price: number;
  packSize: number;
  preferred: boolean;
  item: { sku: string; name: string; unit: string } | null;
}

const SUPPLIER_ITEM = 'id itemId supplierCode price packSize preferred item { sku name unit }';
const SUPPLIER_ITEMS = `query SupplierItems($supplierId: ID) { supplierItems(supplierId: $supplierId) { ${SUPPLIER_ITEM} } }`;
const SET_ITEM = `mutation SetSupplierItem($input: SetSupplierItemInput!) { setSupplierItem(input: $input) { supplierItem { ${SUPPLIER_ITEM} } ${ERRORS} } }`;

function SupplierItems({ supplierId }: { supplierId: string }) {
  const q = useQuery<{ supplierItems: SupplierItem[] }>(SUPPLIER_ITEMS, { supplierId });
  const [editing, setEditing] = useState<{ itemId: string; label: string; row?: SupplierItem } | null>(null);
  const rows = q.data?.supplierItems;
  const put = (row: SupplierItem) =>
    q.setData((old) => {
      const list = (old?.supplierItems ?? []).filter((r) => r.itemId !== row.itemId);
      return { supplierItems: [...list, row] };
    });
  return (
    <div class="inline-form" data-testid="supplier-item-list">
      {q.error && <Failure message={q.error} onRetry={q.reload} />}
      {!rows && !q.error && <Loading />}
      {rows && rows.length === 0 && <p class="muted small">{t('Nothing listed from this supplier yet.')}</p>}
      {rows?.map((r) =>
        editing?.row?.id === r.id ? null : (
          <div key={r.id} class="wh-line" data-testid="supplier-item" data-sku={r.item?.sku}>
            <div class="wh-line-head">
              <span>
                <span class="wh-sku">{r.item?.sku}</span> {r.item?.name}
              </span>
              {r.preferred && <span class="status-pill">{t('Preferred')}</span>}
            </div>
            <p class="muted small">
              {r.supplierCode ? t('Their code {code}', { code: r.supplierCode }) + ' · ' : ''}
              {money(r.price)} · {t('Pack of {n}', { n: r.packSize })}
            </p>
            <div class="actions">
              <button type="button" class="btn btn-secondary" onClick={() => setEditing({ itemId: r.itemId, label: `${r.item?.sku ?? ''} ${r.item?.name ?? ''}`, row: r })} data-testid="supplier-item-edit">
                {t('Change')}
              </button>
            </div>
          </div>
        ),
      )}
      {editing ? (
        <SupplierItemForm
          supplierId={supplierId}
          itemId={editing.itemId}
          label={editing.label}
          row={editing.row}
          onSaved={(row) => {
            if (row.preferred) q.reload();
            else put(row);
            setEditing(null);
          }}
          onCancel={() => setEditing(null)}
        />
      ) : (
        <ItemSearch testid="supplier-item-search" label={t('List an item from this supplier')} onPick={(i: ItemRef) => setEditing({ itemId: i.id, label: `${i.sku} ${i.name}`, row: rows?.find((r) => r.itemId === i.id) })} />
      )}
    </div>
  );
}

function SupplierItemForm({ supplierId, itemId, label, row, onSaved, onCancel }: {
  supplierId: string;
  itemId: string;
  label: string;
  row?: SupplierItem;
  onSaved: (r: SupplierItem) => void;
  onCancel: () => void;
}) {
  const [code, setCode] = useState(row?.supplierCode ?? '');
  const [price, setPrice] = useState(row ? (row.price / 100).toFixed(2) : '');
  const [pack, setPack] = useState(String(row?.packSize ?? 1));
  const [preferred, setPreferred] = useState(row?.preferred ?? false);
  const [mutationId, answered] = useMutationId();
  const form = useSave<SupplierItem>(onSaved);
  function submit(e: Event) {
    e.preventDefault();
    const problems: UserError[] = [];
    const minor = toMinor(price);
    if (minor === null) problems.push({ field: 'price', code: 'INVALID_AMOUNT', message: t('Type an amount such as 120.50.') });
    if (!/^\d+$/.test(pack.trim()) || Number(pack) < 1) problems.push({ field: 'packSize', code: 'INVALID_QUANTITY', message: t('Type how many come in a pack (1 or more).') });
    void form.save(
      problems,
      async () => {
        const r = await mutate<{ supplierItem: SupplierItem | null; errors: UserError[] }>(
          SET_ITEM,
          { supplierId, itemId, supplierCode: code.trim() || null, price: minor, packSize: Number(pack.trim()), preferred, clientMutationId: mutationId },
          'setSupplierItem',
        );
        answered(r);
        return r;
      },
      (p) => p.supplierItem,
    );
  }
  const fe = (f: string) => errorsFor(form.errors, f);
  return (
    <form class="inline-form" onSubmit={submit} noValidate data-testid="supplier-item-form">
      <p class="row-title">{label}</p>
      <div class="two">
        <Field label={t('Supplier’s code')} errors={fe('supplierCode')}>
          {(p) => <input {...p} value={code} onInput={(e) => setCode(e.currentTarget.value)} data-testid="supplier-item-code" />}
        </Field>
        <Field label={t('Price per unit')} errors={fe('price')}>
          {(p) => <input {...p} inputMode="decimal" value={price} onInput={(e) => setPrice(e.currentTarget.value)} data-testid="supplier-item-price" />}
        </Field>
      </div>
      <Field label={t('Pack size')} errors={fe('packSize')}>
        {(p) => <input {...p} inputMode="numeric" value={pack} onInput={(e) => setPack(e.currentTarget.value)} data-testid="supplier-item-pack" />}
      </Field>
      <label class="check">
        <input type="checkbox" checked={preferred} onChange={(e) => setPreferred(e.currentTarget.checked)} data-testid="supplier-item-preferred" />
        {t('Preferred supplier of this item')}
      </label>
      <FormErrors errors={otherErrors(form.errors, ['supplierCode', 'price', 'packSize'])} />
      <FormButtons busy={form.busy} saveTestid="supplier-item-save" onCancel={onCancel} />
    </form>
  );
}
