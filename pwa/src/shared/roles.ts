import { t } from './i18n';

/** The localized name of a role enum value; unknown values are shown as they are. */
export function roleLabel(role: string): string {
  switch (role) {
    case 'ADMIN':
      return t('Administrator');
    case 'SITE_MANAGER':
      return t('Site manager');
    case 'TECHNICIAN':
      return t('Technician');
    case 'WORKSHOP_MANAGER':
      return t('Workshop manager');
    case 'WAREHOUSE_MANAGER':
      return t('Warehouse manager');
    case 'BILLING':
      return t('Billing');
    default:
      return role;
  }
}
