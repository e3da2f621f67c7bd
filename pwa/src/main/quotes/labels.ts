// The localized names of a quote's status and of a quote line's decision.
import { t } from '../../shared/i18n';

export function quoteStatusLabel(status: string): string {
  switch (status) {
    case 'DRAFT':
      return t('Draft');
    case 'SENT':
      return t('Sent to the customer');
    case 'APPROVED':
      return t('Approved');
    case 'PARTIALLY_APPROVED':
      return t('Partly approved');
    case 'DECLINED':
      return t('Declined');
    case 'CANCELLED':
      return t('Withdrawn');
    default:
      return status;
  }
}

export function decisionLabel(decision: string): string {
  switch (decision) {
    case 'PENDING':
      return t('Awaiting decision');
    case 'APPROVED':
      return t('Approved');
    case 'DECLINED':
      return t('Declined');
    default:
      return decision;
  }
}
