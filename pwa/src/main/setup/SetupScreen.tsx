// First run (an installation without a garage) and the open sign-up of a new garage: the garage with its tax
// settings, its sites, the first admin; one request (backend/accounts/setup.py), after which that admin is signed in.
import { useState } from 'preact/hooks';
import { ApiError, graphql } from '../../shared/api';
import { startSession, USER_FIELDS, type TokenPayload } from '../../shared/auth';
import { getLocale, t } from '../../shared/i18n';
import type { User, UserError } from '../../shared/types';
import { LanguageSwitch } from '../LanguageSwitch';
import { Logo } from '../Logo';
import { OnlineBadge } from '../OnlineBadge';
import { Field, FormErrors, errorsFor, otherErrors } from '../staff/common';
import '../staff/staff.css';
import { MIN_PASSWORD, PasswordField } from './PasswordField';
import './setup.css';

const PAYLOAD = `accessToken refreshToken expiresIn user { ${USER_FIELDS} } errors { field code message }`;
const SET_UP = `mutation SetUpInstallation($input: SetUpGarageInput!) { setUpInstallation(input: $input) { ${PAYLOAD} } }`;
const SIGN_UP = `mutation SignUpGarage($input: SetUpGarageInput!) { signUpGarage(input: $input) { ${PAYLOAD} } }`;

// a country's usual currency and time zone, filled in while the user has not typed their own
const COUNTRIES: Record<string, [string, string]> = {
  TH: ['THB', 'Asia/Bangkok'],
  MY: ['MYR', 'Asia/Kuala_Lumpur'],
  SG: ['SGD', 'Asia/Singapore'],
  LA: ['LAK', 'Asia/Vientiane'],
  KH: ['KHR', 'Asia/Phnom_Penh'],
  VN: ['VND', 'Asia/Ho_Chi_Minh'],
  IN: ['INR', 'Asia/Kolkata'],
  GB: ['GBP', 'Europe/London'],
  US: ['USD', 'America/New_York'],
};

interface SiteDraft {
  key: number;
  name: string;
  branchCode: string;
  phone: string;
}

type Payload = TokenPayload & { user: User | null };

function countryName(code: string): string {
  try {
    return new Intl.DisplayNames([getLocale()], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

export default function SetupScreen({ mode, onBack }: { mode: 'first' | 'signup'; onBack?: () => void }) {
  const [garageName, setGarageName] = useState('');
  const [country, setCountry] = useState('TH');
  const [currency, setCurrency] = useState('THB');
  const [timeZone, setTimeZone] = useState('Asia/Bangkok');
  const [vatRegistered, setVatRegistered] = useState(true);
  const [taxRate, setTaxRate] = useState('7');
  const [pricesIncludeTax, setPricesIncludeTax] = useState(false);
  const [taxId, setTaxId] = useState('');
  const [branch, setBranch] = useState('00000');
  const [address, setAddress] = useState('');
  const [sites, setSites] = useState<SiteDraft[]>([{ key: 0, name: '', branchCode: '00000', phone: '' }]);
  const [adminName, setAdminName] = useState('');
  const [adminEmail, setAdminEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);

  function pickCountry(code: string) {
    const [oldCurrency, oldZone] = COUNTRIES[country] ?? ['', ''];
    const [newCurrency, newZone] = COUNTRIES[code] ?? ['', ''];
    if (currency === oldCurrency && newCurrency) setCurrency(newCurrency);
    if (timeZone === oldZone && newZone) setTimeZone(newZone);
    setCountry(code);
  }

  const editSite = (key: number, change: Partial<SiteDraft>) =>
    setSites((old) => old.map((s) => (s.key === key ? { ...s, ...change } : s)));
  const addSite = () =>
    setSites((old) => [
      ...old,
      { key: Math.max(...old.map((s) => s.key)) + 1, name: '', branchCode: String(old.length).padStart(5, '0'), phone: '' },
    ]);

  function check(): UserError[] {
    const problems: UserError[] = [];
    const need = (field: string, value: string) => {
      if (!value.trim()) problems.push({ field, code: 'REQUIRED', message: t('This field is required.') });
    };
    need('garage.name', garageName);
    sites.forEach((s, i) => need(`sites.${i}.name`, s.name));
    need('admin.name', adminName);
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(adminEmail.trim()))
      problems.push({ field: 'admin.email', code: 'INVALID_EMAIL', message: t('Enter a valid email address.') });
    if (password.length < MIN_PASSWORD)
      problems.push({
        field: 'admin.password',
        code: 'PASSWORD_TOO_SHORT',
        message: t('The password must have at least {min} characters.', { min: MIN_PASSWORD }),
      });
    return problems;
  }

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    const problems = check();
    setErrors(problems);
    if (problems.length) return;
    setBusy(true);
    const input = {
      garageName: garageName.trim(),
      country,
      currency: currency.trim(),
      timeZone: timeZone.trim(),
      defaultLocale: getLocale().toUpperCase(),
      vatRegistered,
      taxRate: vatRegistered ? taxRate.trim() || null : null,
      pricesIncludeTax: vatRegistered && pricesIncludeTax,
      taxId: taxId.trim() || null,
      branch: branch.trim() || null,
      address: address.trim() || null,
      sites: sites.map((s) => ({ name: s.name.trim(), branchCode: s.branchCode.trim() || null, phone: s.phone.trim() || null })),
      adminName: adminName.trim(),
      adminEmail: adminEmail.trim(),
      adminPassword: password,
    };
    try {
      const data = await graphql<Record<string, Payload>>(mode === 'first' ? SET_UP : SIGN_UP, { input });
      const payload = data[mode === 'first' ? 'setUpInstallation' : 'signUpGarage'];
      const result = await startSession(payload, getLocale());
      if (!result.ok) setErrors(result.errors);
      // on success the app replaces this screen with the signed-in admin's
    } catch (err) {
      const network = err instanceof ApiError && err.kind === 'network';
      setErrors([
        {
          field: null,
          code: 'FAILED',
          message: network ? t('Cannot reach the server. Check your connection and try again.') : t('Something went wrong. Please try again.'),
        },
      ]);
    }
    setBusy(false);
  }

  const shown = [
    'garage.name', 'garage.country', 'garage.currency', 'garage.timeZone', 'garage.taxRate', 'garage.taxId',
    'garage.branch', 'garage.address', 'admin.name', 'admin.email', 'admin.password', 'sites',
    ...sites.flatMap((_s, i) => [`sites.${i}.name`, `sites.${i}.branchCode`, `sites.${i}.phone`]),
  ];
  return (
    <div class="signin setup">
      <div class="signin-top">
        <OnlineBadge />
        <LanguageSwitch />
      </div>
      <form class="card signin-card setup-card" onSubmit={submit} noValidate data-testid="setup-form">
        <div class="signin-brand">
          <Logo size={48} />
          <h1>{mode === 'first' ? t('Set up MotoTrack') : t('Create a garage')}</h1>
          <p class="muted">
            {mode === 'first'
              ? t('Your garage, its sites and the first administrator. You can change all of it later in Settings.')
              : t('A new garage of its own, with you as its administrator.')}
          </p>
        </div>

        <fieldset class="group">
          <legend>{t('Garage')}</legend>
          <Field label={t('Garage name (as on tax invoices)')} errors={errorsFor(errors, 'garage.name')}>
            {(p) => <input {...p} value={garageName} autocomplete="organization" onInput={(e) => setGarageName(e.currentTarget.value)} data-testid="setup-garage-name" />}
          </Field>
          <Field label={t('Country')} errors={errorsFor(errors, 'garage.country')}>
            {(p) => (
              <select {...p} value={country} onChange={(e) => pickCountry(e.currentTarget.value)} data-testid="setup-country">
                {Object.keys(COUNTRIES).map((c) => (
                  <option key={c} value={c}>
                    {countryName(c)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <div class="setup-pair">
            <Field label={t('Currency')} errors={errorsFor(errors, 'garage.currency')}>
              {(p) => <input {...p} value={currency} maxLength={3} autocapitalize="characters" onInput={(e) => setCurrency(e.currentTarget.value.toUpperCase())} data-testid="setup-currency" />}
            </Field>
            <Field label={t('Time zone')} errors={errorsFor(errors, 'garage.timeZone')}>
              {(p) => <input {...p} value={timeZone} onInput={(e) => setTimeZone(e.currentTarget.value)} data-testid="setup-time-zone" />}
            </Field>
          </div>
          <Field label={t('Head office address')} errors={errorsFor(errors, 'garage.address')}>
            {(p) => <textarea {...p} rows={2} value={address} onInput={(e) => setAddress(e.currentTarget.value)} data-testid="setup-address" />}
          </Field>
        </fieldset>

        <fieldset class="group">
          <legend>{t('Tax')}</legend>
          <label class="check">
            <input type="checkbox" checked={vatRegistered} onChange={(e) => setVatRegistered(e.currentTarget.checked)} data-testid="setup-vat-registered" />
            {t('Registered for VAT')}
          </label>
          {vatRegistered && (
            <>
              <Field label={t('VAT rate (%)')} errors={errorsFor(errors, 'garage.taxRate')}>
                {(p) => <input {...p} value={taxRate} inputMode="decimal" onInput={(e) => setTaxRate(e.currentTarget.value)} data-testid="setup-tax-rate" />}
              </Field>
              <label class="check">
                <input type="checkbox" checked={pricesIncludeTax} onChange={(e) => setPricesIncludeTax(e.currentTarget.checked)} />
                {t('Prices include VAT')}
              </label>
            </>
          )}
          <Field
            label={vatRegistered ? t('Tax ID (13 digits)') : t('Tax ID (optional)')}
            errors={errorsFor(errors, 'garage.taxId')}
          >
            {(p) => <input {...p} value={taxId} inputMode="numeric" onInput={(e) => setTaxId(e.currentTarget.value)} data-testid="setup-tax-id" />}
          </Field>
          <Field
            label={t('Head office branch')}
            hint={t('00000 for the head office (สำนักงานใหญ่), as on your VAT registration.')}
            errors={errorsFor(errors, 'garage.branch')}
          >
            {(p) => <input {...p} value={branch} onInput={(e) => setBranch(e.currentTarget.value)} data-testid="setup-branch" />}
          </Field>
        </fieldset>

        <fieldset class="group">
          <legend>{t('Sites')}</legend>
          {sites.map((s, i) => (
            <div class="setup-site" key={s.key} data-testid="setup-site">
              <Field label={t('Site name')} errors={errorsFor(errors, `sites.${i}.name`)}>
                {(p) => <input {...p} value={s.name} onInput={(e) => editSite(s.key, { name: e.currentTarget.value })} data-testid="setup-site-name" />}
              </Field>
              <div class="setup-pair">
                <Field label={t('Branch code')} errors={errorsFor(errors, `sites.${i}.branchCode`)}>
                  {(p) => <input {...p} value={s.branchCode} inputMode="numeric" maxLength={5} onInput={(e) => editSite(s.key, { branchCode: e.currentTarget.value })} data-testid="setup-site-branch" />}
                </Field>
                <Field label={t('Phone')} errors={errorsFor(errors, `sites.${i}.phone`)}>
                  {(p) => <input {...p} type="tel" value={s.phone} onInput={(e) => editSite(s.key, { phone: e.currentTarget.value })} data-testid="setup-site-phone" />}
                </Field>
              </div>
              {sites.length > 1 && (
                <button type="button" class="btn btn-secondary" onClick={() => setSites((old) => old.filter((x) => x.key !== s.key))}>
                  {t('Remove this site')}
                </button>
              )}
            </div>
          ))}
          {errorsFor(errors, 'sites').length > 0 && <p class="field-error">{errorsFor(errors, 'sites').join(' ')}</p>}
          <button type="button" class="btn btn-secondary" onClick={addSite} data-testid="setup-add-site">
            {t('Add a site')}
          </button>
        </fieldset>

        <fieldset class="group">
          <legend>{t('First administrator')}</legend>
          <Field label={t('Your name')} errors={errorsFor(errors, 'admin.name')}>
            {(p) => <input {...p} value={adminName} autocomplete="name" onInput={(e) => setAdminName(e.currentTarget.value)} data-testid="setup-admin-name" />}
          </Field>
          <Field label={t('Email')} errors={errorsFor(errors, 'admin.email')}>
            {(p) => <input {...p} type="email" autocomplete="username" inputMode="email" autocapitalize="none" value={adminEmail} onInput={(e) => setAdminEmail(e.currentTarget.value)} data-testid="setup-admin-email" />}
          </Field>
          <PasswordField label={t('Password')} value={password} onInput={setPassword} errors={errorsFor(errors, 'admin.password')} testid="setup-admin-password" />
        </fieldset>

        <FormErrors errors={otherErrors(errors, shown)} testid="setup-errors" />
        <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="setup-submit">
          {busy ? t('Setting up…') : mode === 'first' ? t('Set up the garage') : t('Create the garage')}
        </button>
        {onBack && (
          <button type="button" class="btn btn-secondary btn-block" onClick={onBack} data-testid="setup-back">
            {t('Back to sign in')}
          </button>
        )}
      </form>
    </div>
  );
}
