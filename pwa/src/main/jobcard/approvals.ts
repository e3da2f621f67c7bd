// "Approved 3 of 5 lines": how far the customer's decision on the job's quotes has come, for the job card and the
// board card. Counted from the lines' decisions of the quotes that went to the customer (a draft or a withdrawn
// quote is not waiting for anyone), so a decision made in the portal shows as soon as the job's live event arrives.
import { useEffect, useState } from 'preact/hooks';
import { authedGraphql } from '../../shared/auth';
import { t } from '../../shared/i18n';

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

// The board's own small query (its jobBoard query stays the one the fast read path answers): the site's quotes that
// went to the customer, newest first, each with its approval summary.
const BOARD_APPROVALS = `query BoardApprovals($siteId: ID!) {
  quotes(filter: { siteId: $siteId, status: [SENT, PARTIALLY_APPROVED, APPROVED, DECLINED] }, first: 100) {
    edges { node { id job { id } approvalSummary { approved declined total } } }
  }
}`;

type Summary = { approved: number; declined: number; total: number };

/** Approvals per job of the site's board, read now and again (debounced) each time `tick` changes (a live event). */
export function useBoardApprovals(siteId: string, tick: number): Map<string, Approvals> {
  const [byJob, setByJob] = useState<Map<string, Approvals>>(new Map());
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      authedGraphql<{ quotes: { edges: { node: { job: { id: string } | null; approvalSummary: Summary } }[] } }>(BOARD_APPROVALS, { siteId })
        .then((data) => {
          if (!live) return;
          const next = new Map<string, Approvals>();
          for (const { node } of data.quotes.edges) {
            if (!node.job || !node.approvalSummary.total) continue;
            const a = next.get(node.job.id) ?? { approved: 0, declined: 0, lines: 0 };
            next.set(node.job.id, { approved: a.approved + node.approvalSummary.approved, declined: a.declined + node.approvalSummary.declined, lines: a.lines + node.approvalSummary.total });
          }
          setByJob(next);
        })
        .catch(() => undefined); // offline or refused: the cards keep what they showed
    }, tick ? 400 : 0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [siteId, tick]);
  return byJob;
}

export function approvalsText(a: Approvals): string {
  return t('Approved {approved} of {lines} lines', { approved: a.approved, lines: a.lines });
}
