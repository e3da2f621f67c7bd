// Admin: the garage's settings — name, tax, currency, time zone and default language.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import type { ScreenProps } from '../screens';
import { ERRORS, Failure, Field, FormErrors, Loading, ScreenTitle, errorsFor, mutate, otherErrors, useQuery } from './common';

const GARAGE = 'id name currency timeZone defaultLocale taxLabel taxRate pricesIncludeTax taxId branch address version';
interface Garage {
  id: string;
  name: string;
  currency: string;
  timeZone: string;
  defaultLocale: string;
  taxLabel: string;
  taxRate: string;
  pricesIncludeTax: boolean;
  taxId: string | null;
  branch: string | null;
  address: string | null;
  version: number;
}
const READ = `query GarageSettings { garage { ${GARAGE} } }`;
const UPDATE = `mutation UpdateGarageSettings($input: UpdateGarageSettingsInput!) {
  updateGarageSettings(input: $input) { garage { ${GARAGE} } ${ERRORS} } }`;

type Form = Omit<Garage, 'id' | 'version' | 'taxId' | 'branch' | 'address'> & { taxId: string; branch: string; address: string };

function toForm(g: Garage): Form {
  return { ...g, taxRate: String(Number(g.taxRate)), taxId: g.taxId ?? '', branch: g.branch ?? '', address: g.address ?? '' };
}

export default function SettingsScreen(_props: ScreenProps) {
  const garage = useQuery<{ garage: Garage }>(READ, {});
  const [form, setForm] = useState<Form | null>(null);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (garage.data && !form) setForm(toForm(garage.data.garage));
  }, [garage.data]);

  async function submit(e: Event) {
    e.preventDefault();
    if (!form) return;
    const problems: UserError[] = [];
    if (!form.name.trim()) problems.push({ field: 'name', code: 'REQUIRED', message: t('Type the garage name.') });
    if (!/^[A-Za-z]{3}$/.test(form.currency.trim())) problems.push({ field: 'currency', code: 'INVALID_CURRENCY', message: t('Type a three-letter currency code such as THB.') });
    if (!/^\d{1,2}(\.\d{1,3})?$/.test(form.taxRate.trim())) problems.push({ field: 'taxRate', code: 'INVALID_TAX_RATE', message: t('Type the tax rate in percent, such as 7.') });
    if (!form.timeZone.trim()) problems.push({ field: 'timeZone', code: 'REQUIRED', message: t('Type a time zone such as Asia/Bangkok.') });
    setErrors(problems);
    setSaved(false);
    if (problems.length) return;
    setBusy(true);
    const r = await mutate<{ garage: Garage | null; errors: UserError[] }>(
      UPDATE,
      {
        name: form.name.trim(),
        currency: form.currency.trim().toUpperCase(),
        timeZone: form.timeZone.trim(),
        defaultLocale: form.defaultLocale,
        taxLabel: form.taxLabel.trim(),
        taxRate: form.taxRate.trim(),
        pricesIncludeTax: form.pricesIncludeTax,
        taxId: form.taxId.trim() || null,
        branch: form.branch.trim() || null,
        address: form.address.trim() || null,
      },
      'updateGarageSettings',
    );
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.garage && !r.errors.length) {
      setForm(toForm(r.payload.garage));
      setSaved(true);
    }
  }

  const set = (patch: Partial<Form>) => {
    setSaved(false);
    setForm((f) => (f ? { ...f, ...patch } : f));
  };
  const fields = ['name', 'currency', 'timeZone', 'defaultLocale', 'taxLabel', 'taxRate', 'pricesIncludeTax', 'taxId', 'branch', 'address'];
  return (
    <section class="screen">
      <ScreenTitle>{t('Garage settings')}</ScreenTitle>
      {garage.error && <Failure message={garage.error} onRetry={garage.reload} />}
      {!form && !garage.error && <Loading />}
      {form && (
        <form class="card form" onSubmit={submit} noValidate data-testid="settings-form">
          <Field label={t('Garage name')} errors={errorsFor(errors, 'name')}>
            {(p) => <input {...p} value={form.name} onInput={(e) => set({ name: e.currentTarget.value })} data-testid="settings-name" />}
          </Field>
          <div class="two">
            <Field label={t('Tax label')} errors={errorsFor(errors, 'taxLabel')}>
              {(p) => <input {...p} value={form.taxLabel} onInput={(e) => set({ taxLabel: e.currentTarget.value })} data-testid="settings-tax-label" />}
            </Field>
            <Field label={t('Tax rate (%)')} errors={errorsFor(errors, 'taxRate')}>
              {(p) => <input {...p} inputMode="decimal" value={form.taxRate} onInput={(e) => set({ taxRate: e.currentTarget.value })} data-testid="settings-tax-rate" />}
            </Field>
          </div>
          <label class="check">
            <input type="checkbox" checked={form.pricesIncludeTax} onChange={(e) => set({ pricesIncludeTax: e.currentTarget.checked })} data-testid="settings-includes-tax" />
            {t('Prices include tax')}
          </label>
          <div class="two">
            <Field label={t('Currency')} errors={errorsFor(errors, 'currency')}>
              {(p) => <input {...p} maxLength={3} autocapitalize="characters" value={form.currency} onInput={(e) => set({ currency: e.currentTarget.value })} data-testid="settings-currency" />}
            </Field>
            <Field label={t('Default language')} errors={errorsFor(errors, 'defaultLocale')}>
              {(p) => (
                <select {...p} value={form.defaultLocale} onChange={(e) => set({ defaultLocale: e.currentTarget.value })} data-testid="settings-locale">
                  <option value="TH">ไทย</option>
                  <option value="EN">English</option>
                </select>
              )}
            </Field>
          </div>
          <Field label={t('Time zone')} errors={errorsFor(errors, 'timeZone')}>
            {(p) => <input {...p} value={form.timeZone} onInput={(e) => set({ timeZone: e.currentTarget.value })} data-testid="settings-timezone" />}
          </Field>
          <div class="two">
            <Field label={t('Tax ID')} errors={errorsFor(errors, 'taxId')}>
              {(p) => <input {...p} inputMode="numeric" value={form.taxId} onInput={(e) => set({ taxId: e.currentTarget.value })} data-testid="settings-tax-id" />}
            </Field>
            <Field label={t('Branch')} errors={errorsFor(errors, 'branch')}>
              {(p) => <input {...p} value={form.branch} onInput={(e) => set({ branch: e.currentTarget.value })} data-testid="settings-branch" />}
            </Field>
          </div>
          <Field label={t('Address')} errors={errorsFor(errors, 'address')}>
            {(p) => <textarea {...p} rows={2} value={form.address} onInput={(e) => set({ address: e.currentTarget.value })} data-testid="settings-address" />}
          </Field>
          <FormErrors errors={otherErrors(errors, fields)} />
          {saved && (
            <p class="outcome" role="status" data-testid="settings-saved">
              {t('Settings saved.')}
            </p>
          )}
          <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="settings-save">
            {busy ? t('Saving…') : t('Save settings')}
          </button>
        </form>
      )}
    </section>
  );
}
