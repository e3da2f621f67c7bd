// Admin: when and how customers are reminded of their MOT and service (lead days, kinds, channels, the service
// interval), and the garage's own wording of each message (event, channel, language): the default text, the
// override, a preview rendered by the server, save (the server checks the template and names the line of a
// mistake) and reset to the default.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../shared/api';
import { authedGraphql } from '../../shared/auth';
import { getLocale, t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import type { ScreenProps } from '../screens';
import { eventLabel, reminderKindLabel } from './events';
import { ERRORS, EnumSelect, Failure, Field, FormErrors, Loading, ScreenTitle, errorsFor, failureMessage, mutate, otherErrors, useQuery } from './common';

// ---- reminder settings ------------------------------------------------------------------------

const SETTINGS = 'leadDays channels kinds serviceIntervalMonths serviceIntervalKm lastScanOn version';
interface Settings {
  leadDays: number[];
  channels: string[];
  kinds: string[];
  serviceIntervalMonths: number;
  serviceIntervalKm: number | null;
  lastScanOn: string | null;
  version: number;
}
const READ_SETTINGS = `query ReminderSettingsAdmin { reminderSettings { ${SETTINGS} } garage { country timeZone } }`;
const UPDATE_SETTINGS = `mutation UpdateReminderSettings($input: UpdateReminderSettingsInput!) {
  updateReminderSettings(input: $input) { settings { ${SETTINGS} } ${ERRORS} } }`;

// the kinds a garage can choose from, as the API decides them: its country's legal duties, then the service
const UK_KINDS = ['MOT', 'SERVICE'];
const THAI_KINDS = ['VEHICLE_TAX', 'INSPECTION', 'INSURANCE', 'SERVICE'];
const REMINDER_CHANNELS = ['SMS', 'EMAIL'] as const;

/** The kinds offered: a Thai garage's duties (country TH, or no country and a Bangkok time zone) or the MOT. */
function offeredKinds(garage: { country: string | null; timeZone: string } | undefined, chosen: string[]): string[] {
  const thai = garage ? (garage.country ? garage.country.toUpperCase() === 'TH' : garage.timeZone === 'Asia/Bangkok') : false;
  // the saved kinds are the API's own country's, so a saved duty settles it; the garage's country otherwise
  return chosen.some((k) => k !== 'SERVICE' && THAI_KINDS.includes(k)) || (thai && !chosen.includes('MOT')) ? THAI_KINDS : UK_KINDS;
}

export function channelLabel(c: string): string {
  switch (c) {
    case 'SMS':
      return t('SMS');
    case 'EMAIL':
      return t('Email');
    case 'PUSH':
      return t('Push notification');
    default:
      return c;
  }
}

export default function RemindersScreen(_props: ScreenProps) {
  return (
    <section class="screen">
      <ScreenTitle>{t('Reminders')}</ScreenTitle>
      <SettingsForm />
      <Templates />
    </section>
  );
}

function SettingsForm() {
  const read = useQuery<{ reminderSettings: Settings; garage: { country: string | null; timeZone: string } }>(READ_SETTINGS, {});
  const [settings, setSettings] = useState<Settings | null>(null);
  const [leadDays, setLeadDays] = useState('');
  const [kinds, setKinds] = useState<string[]>([]);
  const [channels, setChannels] = useState<string[]>([]);
  const [months, setMonths] = useState('');
  const [km, setKm] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  function fill(s: Settings) {
    setSettings(s);
    setLeadDays(s.leadDays.join(', '));
    setKinds(s.kinds);
    setChannels(s.channels);
    setMonths(String(s.serviceIntervalMonths));
    setKm(s.serviceIntervalKm == null ? '' : String(s.serviceIntervalKm));
  }
  useEffect(() => {
    if (read.data && !settings) fill(read.data.reminderSettings);
  }, [read.data]);

  const toggle = (list: string[], set: (v: string[]) => void, v: string) => {
    setSaved(false);
    set(list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);
  };

  async function submit(e: Event) {
    e.preventDefault();
    if (!settings) return;
    const problems: UserError[] = [];
    const parts = leadDays.split(/[\s,]+/).filter(Boolean);
    const days = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
    if (!parts.length || parts.length > 5 || days.some((d) => !(d >= 1 && d <= 365)))
      problems.push({ field: 'leadDays', code: 'INVALID_LEAD_DAYS', message: t('Type one to five numbers of days from 1 to 365, such as 30, 7.') });
    const m = /^\d+$/.test(months.trim()) ? Number(months.trim()) : NaN;
    if (!(m >= 1 && m <= 60)) problems.push({ field: 'serviceIntervalMonths', code: 'INVALID_SERVICE_INTERVAL', message: t('Type a number of months from 1 to 60.') });
    const k = km.trim() ? (/^\d+$/.test(km.trim()) ? Number(km.trim()) : NaN) : null;
    if (k !== null && !(k >= 1 && k <= 200000)) problems.push({ field: 'serviceIntervalKm', code: 'INVALID_SERVICE_INTERVAL', message: t('Type a distance from 1 to 200,000 km, or leave it empty.') });
    setErrors(problems);
    setSaved(false);
    if (problems.length) return;
    setBusy(true);
    const r = await mutate<{ settings: Settings | null; errors: UserError[] }>(
      UPDATE_SETTINGS,
      { leadDays: [...new Set(days)].sort((a, b) => b - a), kinds, channels, serviceIntervalMonths: m, serviceIntervalKm: k, expectedVersion: settings.version },
      'updateReminderSettings',
    );
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.settings && !r.errors.length) {
      fill(r.payload.settings);
      setSaved(true);
    }
  }

  if (read.error) return <Failure message={read.error} onRetry={read.reload} />;
  if (!settings) return <Loading />;
  const fields = ['leadDays', 'kinds', 'channels', 'serviceIntervalMonths', 'serviceIntervalKm'];
  return (
    <form class="card form" onSubmit={submit} noValidate data-testid="reminder-settings-form">
      <h2 class="form-title">{t('Reminder settings')}</h2>
      <Field label={t('Days before the due date')} hint={t('Up to five, separated by commas, e.g. 30, 7')} errors={errorsFor(errors, 'leadDays')}>
        {(p) => <input {...p} inputMode="numeric" value={leadDays} onInput={(e) => (setSaved(false), setLeadDays(e.currentTarget.value))} data-testid="reminder-lead-days" />}
      </Field>
      <fieldset class="group">
        <legend>{t('Remind about')}</legend>
        {offeredKinds(read.data?.garage, settings.kinds).map((v) => (
          <label class="check" key={v}>
            <input type="checkbox" checked={kinds.includes(v)} onChange={() => toggle(kinds, setKinds, v)} data-testid={`reminder-kind-${v}`} />
            {reminderKindLabel(v)}
          </label>
        ))}
        {errorsFor(errors, 'kinds').length > 0 && <p class="field-error">{errorsFor(errors, 'kinds').join(' ')}</p>}
      </fieldset>
      <fieldset class="group">
        <legend>{t('Send by')}</legend>
        {REMINDER_CHANNELS.map((v) => (
          <label class="check" key={v}>
            <input type="checkbox" checked={channels.includes(v)} onChange={() => toggle(channels, setChannels, v)} data-testid={`reminder-channel-${v}`} />
            {channelLabel(v)}
          </label>
        ))}
        {errorsFor(errors, 'channels').length > 0 && <p class="field-error">{errorsFor(errors, 'channels').join(' ')}</p>}
      </fieldset>
      <div class="two">
        <Field label={t('Service every (months)')} errors={errorsFor(errors, 'serviceIntervalMonths')}>
          {(p) => <input {...p} inputMode="numeric" value={months} onInput={(e) => (setSaved(false), setMonths(e.currentTarget.value))} data-testid="reminder-months" />}
        </Field>
        <Field label={t('Or every (km)')} errors={errorsFor(errors, 'serviceIntervalKm')}>
          {(p) => <input {...p} inputMode="numeric" value={km} onInput={(e) => (setSaved(false), setKm(e.currentTarget.value))} data-testid="reminder-km" />}
        </Field>
      </div>
      {settings.lastScanOn && <p class="muted small">{t('Last checked on {date}', { date: settings.lastScanOn })}</p>}
      <FormErrors errors={otherErrors(errors, fields)} />
      {saved && (
        <p class="outcome" role="status" data-testid="reminder-settings-saved">
          {t('Settings saved.')}
        </p>
      )}
      <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="reminder-settings-save">
        {busy ? t('Saving…') : t('Save settings')}
      </button>
    </form>
  );
}

// ---- message templates ------------------------------------------------------------------------

const TEMPLATE = 'event channel locale variables defaultSubject defaultBody subject body overridden updatedAt';
interface Template {
  event: string;
  channel: string;
  locale: string;
  variables: string[];
  defaultSubject: string | null;
  defaultBody: string;
  subject: string | null;
  body: string | null;
  overridden: boolean;
  updatedAt: string | null;
}
const TEMPLATES = `query NotificationTemplatesAdmin { notificationTemplates { ${TEMPLATE} } }`;
const PREVIEW = `query PreviewTemplate($input: PreviewNotificationTemplateInput!) { previewNotificationTemplate(input: $input) { subject body } }`;
const UPDATE_TEMPLATE = `mutation UpdateTemplate($input: UpdateNotificationTemplateInput!) {
  updateNotificationTemplate(input: $input) { template { ${TEMPLATE} } ${ERRORS} } }`;
const RESET_TEMPLATE = `mutation ResetTemplate($input: ResetNotificationTemplateInput!) {
  resetNotificationTemplate(input: $input) { template { ${TEMPLATE} } ${ERRORS} } }`;
type TemplatePayload = { template: Template | null; errors: UserError[] };

const LANGUAGES = ['TH', 'EN'] as const;
const languageLabel = (l: string) => (l === 'TH' ? 'ไทย' : l === 'EN' ? 'English' : l);
const uniq = (xs: string[]) => [...new Set(xs)];

function Templates() {
  const list = useQuery<{ notificationTemplates: Template[] }>(TEMPLATES, {});
  const all = list.data?.notificationTemplates ?? [];
  const [event, setEvent] = useState('');
  const [channel, setChannel] = useState('');
  const [locale, setLocale] = useState(getLocale() === 'th' ? 'TH' : 'EN');
  const events = uniq(all.map((x) => x.event));
  const ev = events.includes(event) ? event : events[0] ?? '';
  const channels = uniq(all.filter((x) => x.event === ev).map((x) => x.channel));
  const ch = channels.includes(channel) ? channel : channels[0] ?? '';
  const locales = uniq(all.filter((x) => x.event === ev && x.channel === ch).map((x) => x.locale));
  const lo = locales.includes(locale) ? locale : locales[0] ?? '';
  const template = all.find((x) => x.event === ev && x.channel === ch && x.locale === lo) ?? null;
  const changed = (n: Template) =>
    list.setData((old) =>
      old && {
        notificationTemplates: old.notificationTemplates.map((x) => (x.event === n.event && x.channel === n.channel && x.locale === n.locale ? n : x)),
      },
    );

  return (
    <div class="card form" data-testid="template-editor">
      <h2 class="form-title">{t('Message templates')}</h2>
      {list.error && <Failure message={list.error} onRetry={list.reload} />}
      {!list.data && !list.error && <Loading />}
      {list.data && (
        <>
          <EnumSelect label={t('Message')} values={events} labelOf={eventLabel} value={ev} onChange={setEvent} testid="template-event" />
          <div class="two">
            <EnumSelect label={t('Channel')} values={channels} labelOf={channelLabel} value={ch} onChange={setChannel} testid="template-channel" />
            <EnumSelect label={t('Language')} values={LANGUAGES.filter((l) => locales.includes(l))} labelOf={languageLabel} value={lo} onChange={setLocale} testid="template-locale" />
          </div>
          {template && <TemplateForm key={`${ev}|${ch}|${lo}`} template={template} onChanged={changed} />}
        </>
      )}
    </div>
  );
}

/** The errors a failed query reports (one, or each of several), as the form's errors. */
function queryErrors(e: unknown): UserError[] {
  if (e instanceof ApiError && e.kind === 'graphql' && e.errors.length) {
    const ext = e.errors[0].extensions ?? {};
    const many = Array.isArray(ext.errors) ? (ext.errors as { field?: string | null; reason?: string; message?: string }[]) : null;
    if (many && many.length) return many.map((x) => ({ field: x.field ?? null, code: x.reason ?? 'INVALID_VALUE', message: x.message ?? e.message }));
    return [{ field: (ext.field as string | null | undefined) ?? null, code: String(ext.reason ?? 'FAILED'), message: e.message }];
  }
  return [{ field: null, code: 'FAILED', message: failureMessage(e) }];
}

function TemplateForm({ template, onChanged }: { template: Template; onChanged: (t: Template) => void }) {
  const hasSubject = template.defaultSubject !== null;
  const [subject, setSubject] = useState(template.subject ?? template.defaultSubject ?? '');
  const [body, setBody] = useState(template.body ?? template.defaultBody);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ subject: string | null; body: string } | null>(null);
  const key = { event: template.event, channel: template.channel, locale: template.locale };

  function problems(): UserError[] {
    const out: UserError[] = [];
    if (hasSubject && !subject.trim()) out.push({ field: 'subject', code: 'REQUIRED', message: t('Type the subject.') });
    if (!body.trim()) out.push({ field: 'body', code: 'REQUIRED', message: t('Type the text of the message.') });
    return out;
  }
  const text = () => ({ ...key, subject: hasSubject ? subject.trim() : null, body: body.trim() });

  async function runPreview() {
    const p = problems();
    setErrors(p);
    setOutcome(null);
    setPreview(null);
    if (p.length) return;
    setBusy(true);
    try {
      const d = await authedGraphql<{ previewNotificationTemplate: { subject: string | null; body: string } }>(PREVIEW, { input: text() });
      setPreview(d.previewNotificationTemplate);
    } catch (e) {
      setErrors(queryErrors(e));
    } finally {
      setBusy(false);
    }
  }

  async function save(e: Event) {
    e.preventDefault();
    const p = problems();
    setErrors(p);
    setOutcome(null);
    if (p.length) return;
    setBusy(true);
    const r = await mutate<TemplatePayload>(UPDATE_TEMPLATE, text(), 'updateNotificationTemplate');
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.template && !r.errors.length) {
      onChanged(r.payload.template);
      setOutcome(t('Template saved.'));
    }
  }

  async function reset() {
    setErrors([]);
    setOutcome(null);
    setPreview(null);
    setBusy(true);
    const r = await mutate<TemplatePayload>(RESET_TEMPLATE, key, 'resetNotificationTemplate');
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.template && !r.errors.length) {
      const n = r.payload.template;
      setSubject(n.defaultSubject ?? '');
      setBody(n.defaultBody);
      onChanged(n);
      setOutcome(t('Back to the default text.'));
    }
  }

  const edited = () => {
    setOutcome(null);
    setPreview(null);
  };
  return (
    <form onSubmit={save} noValidate data-testid="template-form" data-overridden={String(template.overridden)}>
      <p class="small" data-testid="template-state">
        {template.overridden ? t('The garage’s own text is used.') : t('The default text is used.')}
      </p>
      <details>
        <summary>{t('Default text')}</summary>
        {template.defaultSubject && <p class="small pre-text">{template.defaultSubject}</p>}
        <pre class="small pre-text" data-testid="template-default-body" lang={template.locale.toLowerCase()}>
          {template.defaultBody}
        </pre>
      </details>
      {hasSubject && (
        <Field label={t('Subject')} errors={errorsFor(errors, 'subject')}>
          {(p) => <input {...p} lang={template.locale.toLowerCase()} value={subject} onInput={(e) => (edited(), setSubject(e.currentTarget.value))} data-testid="template-subject" />}
        </Field>
      )}
      <Field label={t('Text')} hint={t('Variables: {names}', { names: template.variables.map((v) => `{{ ${v} }}`).join(', ') })} errors={errorsFor(errors, 'body')}>
        {(p) => <textarea {...p} rows={6} lang={template.locale.toLowerCase()} value={body} onInput={(e) => (edited(), setBody(e.currentTarget.value))} data-testid="template-body" />}
      </Field>
      <FormErrors errors={otherErrors(errors, hasSubject ? ['subject', 'body'] : ['body'])} />
      {preview && (
        <div class="notice" role="status" data-testid="template-preview">
          <p class="small muted">{t('Preview')}</p>
          {preview.subject && <p class="row-title pre-text">{preview.subject}</p>}
          <pre class="pre-text" lang={template.locale.toLowerCase()}>
            {preview.body}
          </pre>
        </div>
      )}
      {outcome && (
        <p class="outcome" role="status" data-testid="template-outcome">
          {outcome}
        </p>
      )}
      <div class="actions">
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={runPreview} data-testid="template-preview-button">
          {t('Preview')}
        </button>
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="template-save">
          {t('Save')}
        </button>
        {template.overridden && (
          <button type="button" class="btn btn-secondary" disabled={busy} onClick={reset} data-testid="template-reset">
            {t('Reset to default')}
          </button>
        )}
      </div>
    </form>
  );
}
