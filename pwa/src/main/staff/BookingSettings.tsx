// Admin / site manager: online booking — whether a booked time is confirmed at once or asked for, the cut-off for
// moving or cancelling online, how long a booking link works, and which catalog services customers may book.
// Saved with updateBookingSettings (scheduling:manage); the server's errors are shown as it words them.
import { useEffect, useState } from 'preact/hooks';
import { streamLabel } from '../../shared/labels';
import { formatNumber, getLocale, t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import type { ScreenProps } from '../screens';
import { ERRORS, Failure, Field, FormErrors, Loading, ScreenTitle, errorsFor, mutate, otherErrors, useQuery } from './common';

const SETTINGS = 'mode cutoffHours linkDays bookableServiceIds version';
interface Settings { mode: 'INSTANT' | 'REQUEST'; cutoffHours: number; linkDays: number; bookableServiceIds: string[]; version: number }
interface Action { id: string; stream: string; nameEn: string; nameTh: string | null; standardHours: string }
const READ = `query BookingSettingsAdmin { bookingSettings { ${SETTINGS} }
  taskActions(active: true) { id stream nameEn nameTh standardHours } }`;
const UPDATE = `mutation UpdateBookingSettings($input: UpdateBookingSettingsInput!) {
  updateBookingSettings(input: $input) { settings { ${SETTINGS} } ${ERRORS} } }`;

interface Form { mode: Settings['mode']; cutoffHours: string; linkDays: string; ids: string[]; version: number }

const toForm = (s: Settings): Form => ({
  mode: s.mode, cutoffHours: String(s.cutoffHours), linkDays: String(s.linkDays), ids: s.bookableServiceIds, version: s.version,
});

const whole = (text: string): number | null => (/^\d{1,4}$/.test(text.trim()) ? Number(text.trim()) : null);

export default function BookingSettingsScreen(_props: ScreenProps) {
  const loaded = useQuery<{ bookingSettings: Settings; taskActions: Action[] }>(READ, {});
  const [form, setForm] = useState<Form | null>(null);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (loaded.data && !form) setForm(toForm(loaded.data.bookingSettings));
  }, [loaded.data]);

  const set = (patch: Partial<Form>) => {
    setSaved(false);
    setForm((f) => (f ? { ...f, ...patch } : f));
  };
  const toggle = (id: string) => form && set({ ids: form.ids.includes(id) ? form.ids.filter((x) => x !== id) : [...form.ids, id] });

  async function submit(e: Event) {
    e.preventDefault();
    if (!form) return;
    const cutoff = whole(form.cutoffHours);
    const days = whole(form.linkDays);
    const problems: UserError[] = [];
    if (cutoff === null) problems.push({ field: 'cutoffHours', code: 'INVALID_VALUE', message: t('Type a whole number of hours, such as 2.') });
    if (days === null) problems.push({ field: 'linkDays', code: 'INVALID_VALUE', message: t('Type a whole number of days, such as 30.') });
    setErrors(problems);
    setSaved(false);
    if (problems.length) return;
    setBusy(true);
    const r = await mutate<{ settings: Settings | null; errors: UserError[] }>(
      UPDATE,
      { mode: form.mode, cutoffHours: cutoff, linkDays: days, bookableServiceIds: form.ids, expectedVersion: form.version },
      'updateBookingSettings',
    );
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.settings && !r.errors.length) {
      setForm(toForm(r.payload.settings));
      setSaved(true);
    }
  }

  const actions = loaded.data?.taskActions ?? [];
  const name = (a: Action) => (getLocale() === 'th' && a.nameTh ? a.nameTh : a.nameEn);
  return (
    <section class="screen">
      <ScreenTitle>{t('Online booking')}</ScreenTitle>
      {loaded.error && <Failure message={loaded.error} onRetry={loaded.reload} />}
      {!form && !loaded.error && <Loading />}
      {form && (
        <form class="card form" onSubmit={submit} noValidate data-testid="booking-settings-form">
          <fieldset class="field" data-testid="booking-settings-mode">
            <legend class="field-label">{t('When a customer books online')}</legend>
            <label class="check">
              <input type="radio" name="booking-mode" checked={form.mode === 'INSTANT'} onChange={() => set({ mode: 'INSTANT' })}
                data-testid="booking-mode-instant" />
              {t('Confirm a free time at once')}
            </label>
            <label class="check">
              <input type="radio" name="booking-mode" checked={form.mode === 'REQUEST'} onChange={() => set({ mode: 'REQUEST' })}
                data-testid="booking-mode-request" />
              {t('The customer asks for a time; reception confirms it')}
            </label>
            {errorsFor(errors, 'mode').map((m) => <span key={m} class="field-error">{m}</span>)}
          </fieldset>
          <Field label={t('Cut-off (hours)')} errors={errorsFor(errors, 'cutoffHours')}
              hint={t('Moving or cancelling online ends this many hours before.')}>
              {(p) => <input {...p} inputMode="numeric" value={form.cutoffHours} onInput={(e) => set({ cutoffHours: e.currentTarget.value })} data-testid="booking-cutoff" />}
            </Field>
            <Field label={t('A booking link works (days)')} errors={errorsFor(errors, 'linkDays')}>
              {(p) => <input {...p} inputMode="numeric" value={form.linkDays} onInput={(e) => set({ linkDays: e.currentTarget.value })} data-testid="booking-link-days" />}
            </Field>
          <fieldset class="field" data-testid="booking-services">
            <legend class="field-label">{t('Services customers may book')}</legend>
            {!actions.length && <p class="muted">{t('The task catalog is empty: add services there first.')}</p>}
            {actions.map((a, i) => (
              <label key={a.id} class="check">
                <input type="checkbox" checked={form.ids.includes(a.id)} onChange={() => toggle(a.id)} data-testid="booking-service-check" data-id={a.id} />
                <span>
                  {name(a)} <span class="muted small">· {streamLabel(a.stream)} · {t('{hours} h', { hours: formatNumber(Number(a.standardHours), 2) })}</span>
                </span>
                {errorsFor(errors, `bookableServiceIds.${form.ids.indexOf(a.id)}`).map((m) => <span key={`${i}-${m}`} class="field-error">{m}</span>)}
              </label>
            ))}
          </fieldset>
          <FormErrors errors={otherErrors(errors, ['mode', 'cutoffHours', 'linkDays', ...form.ids.map((_, i) => `bookableServiceIds.${i}`)])} />
          {saved && <p class="outcome" role="status" data-testid="booking-settings-saved">{t('Settings saved.')}</p>}
          <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="booking-settings-save">
            {busy ? t('Saving…') : t('Save settings')}
          </button>
        </form>
      )}
    </section>
  );
}
