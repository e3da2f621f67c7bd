// What the portal reads from /portal/graphql (portal.graphql at the top of the repository).

export interface Photo {
  thumbnailUrl: string;
  url: string;
}

export interface Garage {
  name: string;
  phone: string | null;
  email: string | null;
  address: string | null;
  promptPayId: string | null;
  currency: string;
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

export interface InspectionResult {
  itemKey: string;
  sectionKey: string;
  title: string;
  condition: Condition | null;
  value: string | null;
  note: string | null;
  photos: Photo[];
}

export interface Inspection {
  id: string;
  name: string;
  completedAt: string | null;
  counts: { good: number; advise: number; urgent: number };
  results: InspectionResult[];
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
  photos: Photo[];
}

export interface Quote {
  id: string;
  number: string;
  version: number;
  status: string;
  statusLabel: string;
  linesHash: string;
  taxLabel: string;
  total: number;
  lines: QuoteLine[];
}

export interface Invoice {
  number: string;
  total: number;
  balance: number;
  pdfUrl: string | null;
  promptPayQr: string | null;
}

export interface DocumentLink {
  name: string;
  url: string;
}

export interface PortalData {
  locale: string;
  garage: Garage;
  job: PortalJob;
  inspections: Inspection[];
  quotes: Quote[];
  invoices: Invoice[];
  receipts: DocumentLink[];
  documents: DocumentLink[];
}

export interface UserError {
  field: string | null;
  code: string;
  message: string;
}
