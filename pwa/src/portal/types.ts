// What the portal reads from /portal/graphql (portal.graphql at the top of the repository).

/** A photo or document: links valid for 5 minutes, for this portal link only. */
export interface PortalFile {
  name: string;
  contentType: string;
  url: string;
  thumbnailUrl: string | null;
}

export interface Garage {
  name: string;
  phone: string | null;
  email: string | null;
  address: string | null;
  promptPayId: string | null;
}

export interface TimelineEntry {
  at: string;
  status: string;
  label: string;
}

export interface PortalJob {
  number: string;
  status: string;
  statusLabel: string;
  promisedAt: string | null;
  vehicle: { registration: string; make: string | null; model: string | null } | null;
  timeline: TimelineEntry[];
}

export type Condition = 'GOOD' | 'ADVISE' | 'URGENT';

export interface InspectionItem {
  sectionTitle: string;
  title: string;
  condition: Condition | null;
  value: string | null;
  unit: string | null;
  note: string | null;
  photos: PortalFile[];
}

export interface Inspection {
  id: string;
  name: string;
  completedAt: string | null;
  counts: { good: number; advise: number; urgent: number };
  items: InspectionItem[];
}

export type Decision = 'PENDING' | 'APPROVED' | 'DECLINED';

export interface QuoteLine {
  id: string;
  description: string;
  quantity: string;
  unitPrice: number;
  taxAmount: number;
  total: number;
  decision: Decision;
  photos: PortalFile[];
}

export interface Quote {
  id: string;
  number: string;
  version: number;
  status: string;
  statusLabel: string;
  linesHash: string;
  locked: boolean;
  currency: string;
  taxLabel: string;
  total: number;
  lines: QuoteLine[];
}

export interface Invoice {
  number: string | null;
  currency: string;
  total: number;
  balance: number;
  pdfUrl: string;
  /** The QR for the balance due (SVG); null without a PromptPay ID or nothing due. */
  promptPay: { svg: string } | null;
}

export interface Receipt {
  invoiceNumber: string | null;
  amount: number;
  currency: string;
  paidOn: string;
  pdfUrl: string;
}

export interface PortalData {
  locale: string;
  garage: Garage;
  job: PortalJob;
  inspections: Inspection[];
  quotes: Quote[];
  invoices: Invoice[];
  receipts: Receipt[];
  documents: PortalFile[];
}

export interface UserError {
  field: string | null;
  code: string;
  message: string;
}
