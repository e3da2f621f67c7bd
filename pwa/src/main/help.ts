// The "?" of the header: each screen of the registry (screens.ts) opens its section of the user guide at /help
// (docs/help/<lang>/<chapter>.md, built by scripts/help-docs.mjs), in the user's language. Both languages share the
// chapters and the anchors, so one table serves them. tests/ops/test_help_guide.py fails when a screen of the
// registry is missing here or a section named here does not exist in either language.
import type { Locale } from '../shared/i18n';

export const HELP_SECTIONS: Record<string, string> = {
  intake: 'reception#open-job-card',
  arrivals: 'reception#arrivals',
  customers: 'reception#customers',
  customer: 'reception#customer',
  vehicle: 'reception#vehicle',
  board: 'site-manager#board',
  calendar: 'site-manager#calendar',
  attendance: 'site-manager#attendance',
  'job-card': 'site-manager#job-card',
  quotes: 'site-manager#quotes',
  quote: 'site-manager#quote',
  'quote-new-job': 'site-manager#new-quote',
  'quote-new-vehicle': 'site-manager#new-quote',
  'findings-quote': 'site-manager#findings-quote',
  'parts-approval': 'workshop-manager#parts-approval',
  review: 'workshop-manager#review',
  'my-jobs': 'technician#my-jobs',
  job: 'technician#job',
  inspection: 'technician#inspection',
  sync: 'getting-started#unsent-changes',
  'parts-issue': 'warehouse#parts-issue',
  stock: 'warehouse#stock',
  'wh-receive': 'warehouse#receiving',
  'wh-orders': 'warehouse#purchase-orders',
  'wh-reorder': 'warehouse#reorder',
  'wh-suppliers': 'warehouse#suppliers',
  'wh-transfers': 'warehouse#transfers',
  'wh-count': 'warehouse#stock-count',
  'wh-reports': 'warehouse#stock-reports',
  'wh-returns': 'warehouse#returns-and-cores',
  'billing-queue': 'billing#billing-queue',
  invoices: 'billing#invoices',
  invoice: 'billing#invoice',
  dashboard: 'admin#dashboard',
  users: 'admin#users',
  'inspection-templates': 'admin#inspection-templates',
  'task-actions': 'admin#task-actions',
  messages: 'admin#messages',
  reminders: 'admin#reminders',
  import: 'admin#import',
  webhooks: 'admin#webhooks',
  settings: 'admin#settings',
  'booking-settings': 'admin#online-booking',
};

/** The guide's address for a screen (its section) in a language; the language's contents for an unknown screen. */
export function helpHref(screenId: string | undefined, locale: Locale): string {
  const section = screenId ? HELP_SECTIONS[screenId] : undefined;
  return `/help/${locale}/${section ?? ''}`;
}
