// What the warehouse manager's screens share: the garage's warehouses with a picker that remembers the last one
// (per user, on this device), live stock figures (stockChanged), an item search for order and transfer lines,
// and the labels of purchase-order and transfer statuses.
import { useEffect, useRef, useState } from 'preact/hooks';
import { authStore, authedGraphql } from '../../../shared/auth';
import { getLocale, t } from '../../../shared/i18n';
import { subscribe } from '../../../shared/live';
import type { UserError } from '../../../shared/types';
import { Field, failureMessage, newMutationId } from '../common';
import './warehouse.css';

export interface Warehouse {
  id: string;
  name: string;
  kind: 'CENTRAL' | 'SITE';
  siteId: string | null;
}

const WAREHOUSES = 'query Warehouses { warehouses { id name kind siteId active } }';
const KEY = 'mototrack.warehouse.';

function storageKey(): string | null {
  const auth = authStore.get();
  return auth.status === 'signedIn' ? KEY + auth.user.id : null;
}

export function rememberedWarehouse(): string | null {
  const key = storageKey();
  if (!key) return null;
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function rememberWarehouse(id: string): void {
  const key = storageKey();
  if (!key) return;
  try {
    localStorage.setItem(key, id);
  } catch {
    /* private mode: the choice lasts for this visit */
  }
}

// per language: the central warehouse's name is the server's word for it in the reader's language
const cache = new Map<string, Promise<Warehouse[]>>();
export function loadWarehouses(): Promise<Warehouse[]> {
  const lang = getLocale();
  let list = cache.get(lang);
  if (!list) {
    list = authedGraphql<{ warehouses: (Warehouse & { active: boolean })[] }>(WAREHOUSES).then(
      (d) => d.warehouses.filter((w) => w.active),
      (e) => {
        cache.delete(lang);
        throw e;
      },
    );
    cache.set(lang, list);
  }
  return list;
}

/** The garage's warehouses and the one chosen: the last one picked on this device, else the central one. */
export function useWarehouse() {
  const lang = getLocale();
  const [warehouses, setWarehouses] = useState<Warehouse[] | null>(null);
  const [warehouseId, setId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    loadWarehouses()
      .then((list) => {
        if (!live) return;
        setWarehouses(list);
        const wanted = rememberedWarehouse();
        setId(list.some((w) => w.id === wanted) ? wanted : (list[0]?.id ?? null));
      })
      .catch((e) => live && setError(failureMessage(e)));
    return () => {
      live = false;
    };
  }, [lang]);
  return {
    warehouses,
    warehouseId,
    error,
    setWarehouseId: (id: string) => {
      rememberWarehouse(id);
      setId(id);
    },
  };
}

export function WarehousePicker({ warehouses, value, onChange, label, testid = 'warehouse-picker', remembered = true }: {
  warehouses: Warehouse[];
  value: string | null;
  onChange: (id: string) => void;
  label?: string;
  testid?: string;
  remembered?: boolean;
}) {
  return (
    <Field label={label ?? t('Warehouse')}>
      {(p) => (
        <select {...p} value={value ?? ''} onChange={(e) => onChange(e.currentTarget.value)} data-testid={testid} data-remembered={remembered ? 'true' : 'false'}>
          {warehouses.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export interface StockFigures {
  itemId: string;
  warehouseId: string;
  onHand: number;
  reserved: number;
  available: number;
  garageOnHand: number;
}

const STOCK_CHANGED = `subscription StockChanged($warehouseId: ID) {
  stockChanged(warehouseId: $warehouseId) { itemId warehouseId onHand reserved available garageOnHand }
}`;

/** Calls `onChange` with each item's new figures whenever stock moves (in one warehouse, or anywhere when null);
 *  `onRestart` after the socket came back (what moved meanwhile was not sent: the screen reads again). True once
 *  the server has the subscription. */
export function useStockLive(warehouseId: string | null | undefined, onChange: (f: StockFigures) => void, onRestart?: () => void): boolean {
  const handler = useRef(onChange);
  handler.current = onChange;
  const restart = useRef(onRestart);
  restart.current = onRestart;
  const [live, setLive] = useState(false);
  useEffect(() => {
    setLive(false);
    if (warehouseId === undefined) return;
    let started = false;
    return subscribe<{ stockChanged: StockFigures }>(STOCK_CHANGED, { warehouseId }, {
      next: (d) => handler.current(d.stockChanged),
      onStart: () => {
        if (started) restart.current?.();
        started = true;
        setLive(true);
      },
    });
  }, [warehouseId]);
  return live;
}

export interface ItemRef {
  id: string;
  sku: string;
  name: string;
  unit: string;
}

const FIND_ITEMS = `query WarehouseItemSearch($search: String) {
  warehouseItems(search: $search, first: 8) { edges { node { id sku name unit } } }
}`;

/** A search box that lists matching items; picking one hands it to `onPick`. */
export function ItemSearch({ onPick, testid = 'item-search', label }: { onPick: (item: ItemRef) => void; testid?: string; label?: string }) {
  const [text, setText] = useState('');
  const [found, setFound] = useState<ItemRef[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const q = text.trim();
    if (!q) {
      setFound([]);
      return;
    }
    let live = true;
    const id = setTimeout(() => {
      authedGraphql<{ warehouseItems: { edges: { node: ItemRef }[] } }>(FIND_ITEMS, { search: q })
        .then((d) => live && (setFound(d.warehouseItems.edges.map((e) => e.node)), setError(null)))
        .catch((e) => live && setError(failureMessage(e)));
    }, 250);
    return () => {
      live = false;
      clearTimeout(id);
    };
  }, [text]);
  return (
    <div class="wh-item-search">
      <Field label={label ?? t('Add an item')} errors={error ? [error] : []}>
        {(p) => <input {...p} type="search" placeholder={t('SKU or name')} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid={testid} />}
      </Field>
      {found.length > 0 && (
        <ul class="wh-found" data-testid={`${testid}-results`}>
          {found.map((i) => (
            <li key={i.id}>
              <button
                type="button"
                class="btn btn-secondary wh-found-btn"
                data-testid={`${testid}-pick`}
                data-sku={i.sku}
                onClick={() => {
                  onPick(i);
                  setText('');
                  setFound([]);
                }}
              >
                <span class="wh-sku">{i.sku}</span> {i.name}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A whole-number stepper: − and + around a numeric box (big enough for a thumb). */
export function Stepper({ value, onChange, min = 0, label, testid, invalid }: {
  value: string;
  onChange: (v: string) => void;
  min?: number;
  label: string;
  testid: string;
  invalid?: boolean;
}) {
  const n = Number(value);
  const step = (d: number) => onChange(String(Math.max(min, (Number.isFinite(n) ? Math.trunc(n) : 0) + d)));
  return (
    <div class="wh-stepper" role="group" aria-label={label}>
      <button type="button" class="btn btn-secondary" aria-label={t('One less')} onClick={() => step(-1)} data-testid={`${testid}-minus`}>
        −
      </button>
      <input
        inputMode="numeric"
        aria-label={label}
        aria-invalid={invalid ? true : false}
        value={value}
        onInput={(e) => onChange(e.currentTarget.value)}
        data-testid={testid}
      />
      <button type="button" class="btn btn-secondary" aria-label={t('One more')} onClick={() => step(1)} data-testid={`${testid}-plus`}>
        +
      </button>
    </div>
  );
}

export const ORDER_STATUSES = ['DRAFT', 'PENDING_APPROVAL', 'APPROVED', 'SENT', 'PARTIALLY_RECEIVED', 'RECEIVED', 'CANCELLED'] as const;

export function orderStatusLabel(s: string): string {
  switch (s) {
    case 'DRAFT':
      return t('Draft');
    case 'PENDING_APPROVAL':
      return t('Waiting for approval');
    case 'APPROVED':
      return t('Approved');
    case 'SENT':
      return t('Sent to the supplier');
    case 'PARTIALLY_RECEIVED':
      return t('Partly received');
    case 'RECEIVED':
      return t('Received in full');
    case 'CANCELLED':
      return t('Cancelled');
    default:
      return s;
  }
}

export const TRANSFER_STATUSES = ['DRAFT', 'REQUESTED', 'APPROVED', 'DISPATCHED', 'RECEIVED', 'CANCELLED'] as const;

export function transferStatusLabel(s: string): string {
  switch (s) {
    case 'DRAFT':
      return t('Draft');
    case 'REQUESTED':
      return t('Requested');
    case 'APPROVED':
      return t('Approved');
    case 'DISPATCHED':
      return t('In transit');
    case 'RECEIVED':
      return t('Arrived at its destination');
    case 'CANCELLED':
      return t('Cancelled');
    default:
      return s;
  }
}

/** A whole number typed in a box, or null. */
export function wholeNumber(text: string): number | null {
  const v = text.trim();
  return /^\d+$/.test(v) ? Number(v) : null;
}

/**
 * The clientMutationId of the next send of a form: kept after a network failure (sending again then cannot apply
 * it twice) and renewed after every answer of the server, refusals included (the server keeps a refusal under its
 * id and would answer the corrected form with it).
 */
export function useMutationId(): [string, (r: { errors: UserError[] }) => void] {
  const [id, setId] = useState(newMutationId);
  return [id, (r) => !r.errors.some((e) => e.code === 'FAILED') && setId(newMutationId())];
}

/** A reason asked before something is undone or cancelled: refused empty before sending; `{testid}-reason` and
 *  `{testid}-confirm` name its box and button. */
export function ReasonForm({ label, confirm, missing, busy, testid, onConfirm, onKeep }: {
  label: string;
  confirm: string;
  missing: string;
  busy: boolean;
  testid: string;
  onConfirm: (reason: string) => void;
  onKeep: () => void;
}) {
  const [reason, setReason] = useState('');
  const [empty, setEmpty] = useState(false);
  return (
    <form
      class="inline-form"
      noValidate
      data-testid={`${testid}-form`}
      onSubmit={(e) => {
        e.preventDefault();
        setEmpty(!reason.trim());
        if (reason.trim()) onConfirm(reason.trim());
      }}
    >
      <Field label={label} errors={empty ? [missing] : []}>
        {(p) => <input {...p} value={reason} onInput={(e) => setReason(e.currentTarget.value)} data-testid={`${testid}-reason`} />}
      </Field>
      <div class="actions">
        <button type="submit" class="btn btn-danger" disabled={busy} data-testid={`${testid}-confirm`}>
          {confirm}
        </button>
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={onKeep}>
          {t('Keep it')}
        </button>
      </div>
    </form>
  );
}
