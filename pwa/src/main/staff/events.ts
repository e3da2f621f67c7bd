import { t } from '../../shared/i18n';

/** The name of a message's event (`invoice_issued` -> "Invoice issued"), for the outbox and the template picker. */
export function eventLabel(event: string): string {
  switch (event) {
    case 'invoice_issued':
      return t('Invoice issued');
    case 'job_ready':
      return t('Vehicle ready for collection');
    case 'quote_to_approve':
      return t('Quote to approve');
    case 'parts_request_approved':
      return t('Parts request approved');
    case 'parts_request_rejected':
      return t('Parts request rejected');
    case 'parts_request_issued':
      return t('Parts issued');
    case 'technician_assigned':
      return t('Job assigned to a technician');
    case 'reminder_mot':
      return t('MOT reminder');
    case 'reminder_service':
      return t('Service reminder');
    case 'reminder_vehicle_tax':
      return t('Annual vehicle tax reminder');
    case 'reminder_inspection':
      return t('Vehicle inspection reminder');
    case 'reminder_insurance':
      return t('Compulsory insurance reminder');
    case 'portal_code':
      return t('Customer portal sign-in code');
    case 'portal_link':
      return t('Customer portal link');
    case 'booking_confirmed':
      return t('Appointment confirmed');
    case 'booking_requested':
      return t('Appointment request received');
    case 'booking_cancelled':
      return t('Appointment cancelled');
    case 'booking_day_before':
      return t('Appointment tomorrow');
    case 'booking_code':
      return t('Online booking code');
    case 'clock_left_running':
      return t('Clock left running');
    case 'kpi_off_goal':
      return t('Figure below its goal');
    case 'low_stock_daily':
      return t('Daily low-stock list');
    case 'purchase_order_sent':
      return t('Purchase order to a supplier');
    case 'webhook_disabled':
      return t('Webhook endpoint switched off');
    case 'staff_invitation':
      return t('Invitation to a member of staff');
    case 'scheduled_import_failed':
      return t('Scheduled import failed');
    default: {
      // an event this build does not know yet: its key in words rather than in code
      const words = event.replace(/[_.]+/g, ' ').trim();
      return words.charAt(0).toUpperCase() + words.slice(1);
    }
  }
}

export function messageStatusLabel(s: string): string {
  switch (s) {
    case 'QUEUED':
      return t('Queued');
    case 'SENDING':
      return t('Sending');
    case 'SENT':
      return t('Sent');
    case 'DELIVERED':
      return t('Delivered');
    case 'FAILED':
      return t('Failed');
    case 'CANCELLED':
      return t('Cancelled');
    default:
      return s;
  }
}

/** A reminder kind's name: the UK MOT, the service, or a Thai garage's legal duties (the tax renewal, ตรอ., พ.ร.บ.). */
export function reminderKindLabel(kind: string): string {
  switch (kind) {
    case 'VEHICLE_TAX':
      return t('Annual vehicle tax renewal');
    case 'INSPECTION':
      return t('Vehicle inspection (ตรอ.)');
    case 'INSURANCE':
      return t('Compulsory insurance (พ.ร.บ.)');
    case 'MOT':
      return t('MOT');
    case 'SERVICE':
      return t('Service');
    default:
      return kind;
  }
}
