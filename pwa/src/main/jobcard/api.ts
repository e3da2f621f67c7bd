// The job card's data: one query (and the same selection on the jobUpdated subscription) whose fields depend on the
// role, so a role never asks for what the permission table (backend/core/permissions.py) does not let it read: no
// owner's contacts without customers:read, no quotes or invoices without their read permissions, no labour price
// for a technician or the warehouse (and never a cost price: the card selects none).
import { useStore } from '../../shared/store';
import { authStore } from '../../shared/auth';

export type Capability =
  | 'customers'
  | 'prices'
  | 'quotes'
  | 'quotesWrite'
  | 'invoices'
  | 'invoicesWrite'
  | 'assign'
  | 'review'
  | 'hold'
  | 'work';

// A mirror of the server's role -> permission table, for what the card selects and which buttons it shows; the
// server checks every field and mutation itself.
const ROLE_CAPS: Record<string, Capability[]> = {
  ADMIN: ['customers', 'prices', 'quotes', 'quotesWrite', 'invoices', 'invoicesWrite', 'assign', 'review', 'hold', 'work'],
  SITE_MANAGER: ['customers', 'prices', 'quotes', 'quotesWrite', 'invoices', 'assign', 'hold'],
  WORKSHOP_MANAGER: ['customers', 'quotes', 'assign', 'review', 'hold'],
  BILLING: ['customers', 'prices', 'quotes', 'quotesWrite', 'invoices', 'invoicesWrite'],
  WAREHOUSE_MANAGER: [],
  TECHNICIAN: ['work'],
};

export function capsOf(role: string): Set<Capability> {
  return new Set(ROLE_CAPS[role] ?? []);
}

export function useRole(): string {
  const auth = useStore(authStore);
  return auth.status === 'signedIn' ? String(auth.user.role) : '';
}

/** The garage's currency (amounts travel in its minor units). */
export function garageCurrency(): string {
  const auth = authStore.get();
  return (auth.status === 'signedIn' && auth.user.garage?.currency) || 'THB';
}

export function useCaps(): Set<Capability> {
  return capsOf(useRole());
}

export const ERR = 'errors { field code message }';

// The job's fields the card shows. What a role may not read is left out with @include (cardVariables), so each
// document is one constant text: the build lists it in the trusted-documents manifest.
export const CARD_VARIABLES = '$customers: Boolean!, $prices: Boolean!, $quotes: Boolean!, $invoices: Boolean!';

export const CARD_FIELDS = `id number status heldFromStatus version operationsStream revenueStream issuesReported mileageIn promisedAt
    complaint cause correction workDoneNotes managerNotes holdReason cancelReason createdAt updatedAt
    clockedHours billedHours
    site { id name } technician { id name }
    vehicle { id registrationDisplay make model year colour vin mileage }
    customer @include(if: $customers) { id name phone email vehicles { id registrationDisplay make model } }
    tasks { id name nameTh status billedHours labourCost @include(if: $prices) completedAt }
    partsRequests { id quantity status note createdAt item { id sku nameEn nameTh unit } }
    timeline { id at kind actorLabel fromStatus toStatus note }
    clockEntries { id startedAt endedAt hours technician { id name } }
    quotes @include(if: $quotes) { id number status currency total sentAt decidedAt lines { id kind description quantity total decision } }
    invoices @include(if: $invoices) { id number status currency total balanceDue }`;

/** The variables of CARD_FIELDS for a role's capabilities. */
export function cardVariables(caps: Set<Capability>): Record<string, boolean> {
  return {
    customers: caps.has('customers'),
    prices: caps.has('prices'),
    quotes: caps.has('quotes'),
    invoices: caps.has('invoices'),
  };
}

export const CARD_QUERY = `query JobCard($id: ID!, ${CARD_VARIABLES}) { job(id: $id) { ${CARD_FIELDS} } }`;

export const CARD_SUBSCRIPTION = `subscription JobCardLive($jobId: ID!, ${CARD_VARIABLES}) { jobUpdated(jobId: $jobId) { ${CARD_FIELDS} } }`;

export const SHEET_URL = `query JobSheetUrl($id: ID!, $locale: Locale) { job(id: $id) { id jobSheetUrl(locale: $locale) } }`;

export interface CardVehicle {
  id: string;
  registrationDisplay: string;
  make: string | null;
  model: string | null;
  year?: number | null;
  colour?: string | null;
  vin?: string | null;
  mileage?: number | null;
}

export interface CardEvent {
  id: string;
  at: string;
  kind: string;
  actorLabel: string;
  fromStatus: string | null;
  toStatus: string | null;
  note: string | null;
}

export interface CardQuote {
  id: string;
  number: string;
  status: string;
  currency: string;
  total: number;
  sentAt: string | null;
  decidedAt: string | null;
  lines: { id: string; kind: string; description: string; quantity: string; total: number; decision: string }[];
}

export interface CardInvoice {
  id: string;
  number: string | null;
  status: string;
  currency: string;
  total: number;
  balanceDue: number;
}

export interface CardJob {
  id: string;
  number: string;
  status: string;
  heldFromStatus: string | null;
  version: number;
  operationsStream: string;
  revenueStream: string;
  issuesReported: string | null;
  mileageIn: number | null;
  promisedAt: string | null;
  complaint: string | null;
  cause: string | null;
  correction: string | null;
  workDoneNotes: string | null;
  managerNotes: string | null;
  holdReason: string | null;
  cancelReason: string | null;
  createdAt: string;
  updatedAt: string;
  clockedHours: number;
  billedHours: number;
  site: { id: string; name: string } | null;
  technician: { id: string; name: string } | null;
  vehicle: CardVehicle | null;
  customer?: { id: string; name: string; phone: string | null; email: string | null; vehicles: CardVehicle[] } | null;
  tasks: { id: string; name: string; nameTh: string | null; status: string; billedHours: string; labourCost?: number; completedAt: string | null }[];
  partsRequests: {
    id: string;
    quantity: number;
    status: string;
    note: string | null;
    createdAt: string;
    item: { id: string; sku: string; nameEn: string; nameTh: string | null; unit?: string } | null;
  }[];
  timeline: CardEvent[];
  clockEntries: { id: string; startedAt: string; endedAt: string | null; hours: string; technician: { id: string; name: string } | null }[];
  quotes?: CardQuote[];
  invoices?: CardInvoice[];
}
