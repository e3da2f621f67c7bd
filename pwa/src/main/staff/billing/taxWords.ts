// The tax words of the invoice screen, the same as the PDF prints them (backend/billing/documents/render.py):
// "VAT" reads ภาษีมูลค่าเพิ่ม in Thai, a branch is สำนักงานใหญ่ or สาขาที่ 00001.
import { t } from '../../../shared/i18n';

/** The garage's tax label, in the reader's language where it has a customary name (VAT); else as the garage set it. */
export function taxLabelText(label: string): string {
  return label.trim().toUpperCase() === 'VAT' ? t('VAT') : label;
}

/** Head office, or the 5-digit branch number as the Revenue Department writes it. */
export function branchText(branch: string | null | undefined): string {
  const text = (branch ?? '').trim();
  if (!text || (/^\d+$/.test(text) && Number(text) === 0) || ['head office', 'สำนักงานใหญ่'].includes(text.toLowerCase())) {
    return t('Head office');
  }
  return t('Branch {number}', { number: /^\d+$/.test(text) ? text.padStart(5, '0') : text });
}
