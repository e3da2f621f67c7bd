// The billing GraphQL operations and their shapes (schema.graphql: Invoice, Payment, the invoice mutations).
import { ERRORS } from '../common';
import type { UserError } from '../../../shared/types';

export const INVOICE_FIELDS = `id status number issueDate dueDate currency taxLabel taxRate pricesIncludeTax
  subtotal taxTotal total paidTotal withholdingTotal creditedTotal refundedTotal balanceDue version createdAt
  buyerName buyerTaxId buyerBranch notes issuedAt paidAt
  lines { id position kind description quantity unitPrice discount net tax total }
  payments { id amount withholdingAmount method paidOn reference createdAt recordedBy { name } }
  customer { id name taxId }
  vehicle { registrationDisplay make model }
  job { id number }`;

export interface InvoiceLine {
  id: string;
  position: number;
  kind: string;
  description: string;
  quantity: string;
  unitPrice: number;
  discount: number;
  net: number;
  tax: number;
  total: number;
}

export interface PaymentRow {
  id: string;
  amount: number;
  withholdingAmount: number;
  method: string;
  paidOn: string;
  reference: string | null;
  createdAt: string;
  recordedBy: { name: string } | null;
}

export interface Invoice {
  id: string;
  status: string;
  number: string | null;
  issueDate: string | null;
  dueDate: string | null;
  currency: string;
  taxLabel: string;
  taxRate: string;
  pricesIncludeTax: boolean;
  subtotal: number;
  taxTotal: number;
  total: number;
  paidTotal: number;
  withholdingTotal: number;
  creditedTotal: number;
  refundedTotal: number;
  balanceDue: number;
  version: number;
  createdAt: string;
  buyerName: string | null;
  buyerTaxId: string | null;
  buyerBranch: string | null;
  notes: string | null;
  issuedAt: string | null;
  paidAt: string | null;
  lines: InvoiceLine[];
  payments: PaymentRow[];
  customer: { id: string; name: string; taxId: string | null } | null;
  vehicle: { registrationDisplay: string; make: string | null; model: string | null } | null;
  job: { id: string; number: string } | null;
}

export const INVOICE_QUERY = `query Invoice($id: ID!) { invoice(id: $id) { ${INVOICE_FIELDS} } }`;
export const INVOICE_CHANGED = `subscription InvoiceChanged($invoiceId: ID) { invoiceChanged(invoiceId: $invoiceId) { ${INVOICE_FIELDS} } }`;
export const PDF_URL_QUERY = `query InvoicePdfUrl($id: ID!) { invoice(id: $id) { id pdfUrl } }`;

export const CREATE_FROM_JOB = `mutation CreateInvoiceFromJob($input: CreateInvoiceFromJobInput!) {
  createInvoiceFromJob(input: $input) { invoice { id status } ${ERRORS} } }`;
export const ISSUE = `mutation IssueInvoice($input: IssueInvoiceInput!) {
  issueInvoice(input: $input) { invoice { ${INVOICE_FIELDS} } ${ERRORS} } }`;
export const RECORD_PAYMENT = `mutation RecordPayment($input: RecordPaymentInput!) {
  recordPayment(input: $input) { payment { id } invoice { ${INVOICE_FIELDS} } ${ERRORS} } }`;
export const MARK_PAID = `mutation MarkInvoicePaid($input: MarkInvoicePaidInput!) {
  markInvoicePaid(input: $input) { payment { id } invoice { ${INVOICE_FIELDS} } ${ERRORS} } }`;

export interface InvoicePayload {
  invoice: Invoice | null;
  errors: UserError[];
}
export interface PaymentPayload {
  payment: { id: string } | null;
  invoice: Invoice | null;
  errors: UserError[];
}

/** Statuses that take payments. */
export const OPEN_STATUSES = ['ISSUED', 'PARTIALLY_PAID'];

/** Issued, not settled and due before today (the server's `overdue` filter, for a tag on a row). */
export function isOverdue(inv: { status: string; dueDate: string | null }, today: string): boolean {
  return OPEN_STATUSES.includes(inv.status) && !!inv.dueDate && inv.dueDate < today;
}
