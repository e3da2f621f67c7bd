// The localized names of the workshop's enums that both the staff and the technician screens show.
// Unknown values are shown as they are.
import { t } from './i18n';

export function streamLabel(stream: string): string {
  switch (stream) {
    case 'BODY':
      return t('Body');
    case 'MECHANICAL':
      return t('Mechanical');
    case 'ELECTRICAL':
      return t('Electrical');
    case 'INTERIOR':
      return t('Interior');
    default:
      return stream;
  }
}

/** A job's (or a task's) status. */
export function statusLabel(status: string): string {
  switch (status) {
    case 'RECEIVED':
      return t('Received');
    case 'ASSIGNED':
      return t('Assigned');
    case 'IN_PROGRESS':
      return t('In progress');
    case 'AWAITING_PARTS':
      return t('Awaiting parts');
    case 'ON_HOLD':
      return t('On hold');
    case 'COMPLETED':
      return t('Completed');
    case 'MANAGER_REVIEW':
      return t('Manager review');
    case 'BILLING':
      // Not 'Billing': that msgid is the role (Thai "ฝ่ายการเงิน", the billing department), not a job's state.
      return t('Waiting to be billed');
    case 'INVOICED':
      return t('Invoiced');
    case 'CANCELLED':
      return t('Cancelled');
    default:
      return status;
  }
}

/** A parts request's status. */
export function partsStatusLabel(status: string): string {
  switch (status) {
    case 'PENDING':
      return t('Waiting for approval');
    case 'APPROVED':
      return t('Approved');
    case 'REJECTED':
      return t('Rejected');
    case 'ISSUED':
      return t('Issued');
    case 'COMPLETED':
      return t('Fitted');
    default:
      return status;
  }
}
