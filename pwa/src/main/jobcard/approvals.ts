// "Approved 3 of 5 lines": how far the customer's decision on the job's quotes has come, for the job card and the
// board card. Counted from the lines' decisions of the quotes that went to the customer (a draft or a withdrawn
// quote is not waiting for anyone), so a decision made in the portal shows as soon as the job's live event arrives.
import { t } from '../../shared/i18n';

export const APPROVAL_FIELDS = 'quotes { id status lines { id decision } }';

export interface ApprovalQuote {
  status: string;
  lines: { decision: string }[];
}

export interface Approvals {
  approved: number;
  declined: number;
  lines: number;
}

const WITH_CUSTOMER = ['SENT', 'APPROVED', 'PARTIALLY_APPROVED', 'DECLINED'];

export function approvalsOf(quotes: ApprovalQuote[] | null | undefined): Approvals | null {
  const sent = (quotes ?? []).filter((q) => WITH_CUSTOMER.includes(q.status));
  const lines = sent.flatMap((q) => q.lines);
  if (!lines.length) return null;
  return {
    approved: lines.filter((l) => l.decision === 'APPROVED').length,
    declined: lines.filter((l) => l.decision === 'DECLINED').length,
    lines: lines.length,
  };
}

export function approvalsText(a: Approvals): string {
  return t('Approved {approved} of {lines} lines', { approved: a.approved, lines: a.lines });
}
