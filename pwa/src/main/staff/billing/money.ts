// Money and dates of the billing screens, in the user's language. Amounts travel as integers in the currency's
// minor units (satang for THB); the number of minor digits comes from Intl (THB 2, JPY 0).
import { formatDate, formatMoney, intlLocale, minorDigits, t } from '../../../shared/i18n';

// The formatting itself lives with the language (shared/i18n.ts), so every screen, billing or not, shows the same.
export { formatDate, formatMoney, minorDigits };

/** Minor units as the plain number a person types back into a field: 125050 -> "1250.50". */
export function minorToInput(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
}

/**
 * What a person typed ("1,250.5", "1250") as minor units; null when it is not an amount of that currency (letters,
 * a minus sign, more decimals than the currency has).
 */
export function parseAmount(text: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const v = text.trim().replace(/[,\s]/g, '').replace(/^[฿$£€₹]/, '');
  const pattern = digits > 0 ? new RegExp(`^\\d+(\\.\\d{0,${digits}})?$`) : /^\d+$/;
  if (!pattern.test(v)) return null;
  const [whole, frac = ''] = v.split('.');
  const minor = Number(whole) * 10 ** digits + Number((frac + '0'.repeat(digits)).slice(0, digits) || '0');
  return Number.isSafeInteger(minor) ? minor : null;
}

/** A tax rate as the server sends it ("7", "7.00") -> "7%". */
export function formatRate(rate: string | number): string {
  const n = Number(rate);
  if (!Number.isFinite(n)) return String(rate);
  return `${new Intl.NumberFormat(intlLocale(), { maximumFractionDigits: 2 }).format(n)}%`;
}

/** A quantity ("1.00", "2.5") without needless zeros. */
export function formatQuantity(q: string | number): string {
  const n = Number(q);
  return Number.isFinite(n) ? new Intl.NumberFormat(intlLocale(), { maximumFractionDigits: 3 }).format(n) : String(q);
}

/** Today on this device, as the server's Date scalar wants it. */
export function todayIso(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function invoiceStatusLabel(s: string): string {
  switch (s) {
    case 'DRAFT':
      return t('Draft');
    case 'ISSUED':
      return t('Issued, unpaid');
    case 'PARTIALLY_PAID':
      return t('Partially paid');
    case 'PAID':
      return t('Paid');
    case 'VOID':
      return t('Void');
    default:
      return s;
  }
}

export const METHODS = ['CASH', 'CARD', 'TRANSFER', 'QR', 'OTHER'] as const;

export function methodLabel(m: string): string {
  switch (m) {
    case 'CASH':
      return t('Cash');
    case 'CARD':
      return t('Card');
    case 'TRANSFER':
      return t('Bank transfer');
    case 'QR':
      return t('QR payment');
    case 'OTHER':
      return t('Other');
    default:
      return m;
  }
}

export function lineKindLabel(k: string): string {
  switch (k) {
    case 'LABOUR':
      return t('Labour');
    case 'PART':
      return t('Parts');
    case 'OTHER':
      return t('Other');
    default:
      return k;
  }
}
