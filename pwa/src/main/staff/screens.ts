// Screens of the site manager, workshop manager, warehouse manager, billing and admin (owned by the staff screens).
// Each one is its own module, loaded when first opened.
import type { ScreenDef } from '../screens';

export const staffScreens: ScreenDef[] = [
  { id: 'intake', path: 'intake', roles: ['SITE_MANAGER', 'ADMIN'], label: 'Reception', nav: true, load: () => import('./Intake') },
  { id: 'customer', path: 'customers/:id', roles: ['ADMIN', 'SITE_MANAGER', 'WORKSHOP_MANAGER', 'BILLING'], label: 'Customer', nav: false, load: () => import('./CustomerScreen') },
  { id: 'vehicle', path: 'vehicles/:id', roles: ['ADMIN', 'SITE_MANAGER', 'WORKSHOP_MANAGER', 'BILLING'], label: 'Vehicle', nav: false, load: () => import('./VehicleScreen') },
  { id: 'board', path: 'board', roles: ['SITE_MANAGER', 'WORKSHOP_MANAGER', 'ADMIN'], label: 'Job board', nav: true, load: () => import('./Board') },
  { id: 'parts-approval', path: 'parts/approval', roles: ['WORKSHOP_MANAGER', 'ADMIN'], label: 'Parts to approve', nav: true, load: () => import('./ApproveParts') },
  { id: 'review', path: 'review', roles: ['WORKSHOP_MANAGER', 'ADMIN'], label: 'Review', nav: true, load: () => import('./Review') },
  { id: 'attendance', path: 'attendance', roles: ['SITE_MANAGER', 'WORKSHOP_MANAGER', 'ADMIN'], label: 'Time', nav: true, icon: 'clock', load: () => import('./Attendance') },
  { id: 'parts-issue', path: 'parts/issue', roles: ['WAREHOUSE_MANAGER', 'ADMIN'], label: 'Parts to issue', nav: true, load: () => import('./IssueParts') },
  { id: 'stock', path: 'stock', roles: ['WAREHOUSE_MANAGER', 'ADMIN'], label: 'Stock', nav: true, load: () => import('./Stock') },
  { id: 'billing-queue', path: 'billing/queue', roles: ['BILLING', 'ADMIN'], label: 'To invoice', nav: true, load: () => import('./billing/BillingQueue') },
  { id: 'invoices', path: 'invoices', roles: ['BILLING', 'ADMIN'], label: 'Invoices', nav: true, load: () => import('./billing/Invoices') },
  { id: 'invoice', path: 'invoices/:id', roles: ['BILLING', 'ADMIN'], label: 'Invoice', nav: false, load: () => import('./billing/InvoiceScreen') },
  { id: 'job-card', path: 'jobs/:id', roles: ['ADMIN', 'SITE_MANAGER', 'WORKSHOP_MANAGER', 'WAREHOUSE_MANAGER', 'BILLING'], label: 'Job card', nav: false, load: () => import('../jobcard/JobCard') },
  { id: 'quotes', path: 'quotes', roles: ['ADMIN', 'SITE_MANAGER', 'WORKSHOP_MANAGER', 'BILLING'], label: 'Quotes', nav: true, load: () => import('../quotes/Quotes') },
  { id: 'quote', path: 'quotes/:id', roles: ['ADMIN', 'SITE_MANAGER', 'WORKSHOP_MANAGER', 'BILLING'], label: 'Quote', nav: false, load: () => import('../quotes/QuoteScreen') },
  { id: 'quote-new-job', path: 'jobs/:id/quote', roles: ['ADMIN', 'SITE_MANAGER', 'BILLING'], label: 'New quote', nav: false, load: () => import('../quotes/QuoteNew') },
  { id: 'findings-quote', path: 'jobs/:id/findings', roles: ['ADMIN', 'SITE_MANAGER', 'BILLING'], label: 'Quote the findings', nav: false, load: () => import('../inspection/FindingsQuote') },
  { id: 'quote-new-vehicle', path: 'vehicles/:id/quote', roles: ['ADMIN', 'SITE_MANAGER', 'BILLING'], label: 'New quote', nav: false, load: () => import('../quotes/QuoteNew') },
  { id: 'users', path: 'admin/users', roles: ['ADMIN'], label: 'Users', nav: true, load: () => import('./Users') },
  { id: 'inspection-templates', path: 'admin/inspection-templates', roles: ['ADMIN'], label: 'Inspection templates', nav: true, icon: 'review', load: () => import('./InspectionTemplates') },
  { id: 'task-actions', path: 'admin/tasks', roles: ['ADMIN'], label: 'Task catalog', nav: true, load: () => import('./TaskActions') },
  { id: 'messages', path: 'admin/messages', roles: ['ADMIN'], label: 'Messages', nav: true, load: () => import('./Messages') },
  { id: 'reminders', path: 'admin/reminders', roles: ['ADMIN'], label: 'Reminders', nav: true, load: () => import('./Reminders') },
  { id: 'import', path: 'admin/import', roles: ['ADMIN'], label: 'Import', nav: true, icon: 'settings', load: () => import('./Import') },
  { id: 'webhooks', path: 'admin/webhooks', roles: ['ADMIN'], label: 'Webhooks', nav: true, icon: 'settings', load: () => import('./Webhooks') },
  { id: 'settings', path: 'admin/settings', roles: ['ADMIN'], label: 'Garage settings', nav: true, load: () => import('./Settings') },
];
