// Admin: import from an earlier system. Choose what the file holds and the file (CSV or Excel), upload it in parts,
// map its columns to fields (a built-in or saved preset, or by hand; a mapping can be saved as a preset), then a dry
// run that lists every bad row's problems and changes nothing, and the real run with a progress bar.
import { useEffect, useRef, useState } from 'preact/hooks';
import { authStore, authedGraphql } from '../../shared/auth';
import { useStore } from '../../shared/store';
import { t, useLocale } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import type { ScreenProps } from '../screens';
import { ERRORS, Failure, Field, FormErrors, ScreenTitle, failureMessage, mutate, newMutationId } from './common';
import './import.css';

type Kind = 'CUSTOMERS' | 'VEHICLES' | 'SERVICE_HISTORY' | 'STOCK_ITEMS';
const KINDS: Kind[] = ['CUSTOMERS', 'VEHICLES', 'SERVICE_HISTORY', 'STOCK_ITEMS'];
const PART = 384 * 1024; // bytes a part: its base64 stays well under the request cap
const POLL_MS = 1000;

interface Pair {
  column: string;
  field: string;
}
interface FieldInfo {
  name: string;
  label: string;
  required: boolean;
  severalColumns: boolean;
}
interface Preset {
  key: string;
  name: string;
  builtin: boolean;
  source: string;
  mapping: Pair[];
}
interface Preview {
  columns: string[];
  rows: (string | null)[][];
  totalRows: number;
  format: string;
  encoding: string | null;
  delimiter: string | null;
  suggested: Pair[];
}
interface RowError {
  row: number;
  column: string | null;
  code: string;
  message: string;
}
interface Job {
  id: string;
  status: 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED';
  dryRun: boolean;
  totalRows: number;
  rowsDone: number;
  createdCount: number;
  updatedCount: number;
  unchangedCount: number;
  errorRows: number;
  failure: string | null;
  errors: RowError[];
}

const UPLOAD = `mutation UploadImportFile($input: UploadImportFileInput!) { uploadImportFile(input: $input) { file { id size complete } ${ERRORS} } }`;
const PREVIEW = `query ImportPreview($fileId: ID!, $kind: ImportKind!, $options: ImportOptionsInput) {
  importPreview(fileId: $fileId, kind: $kind, options: $options) { columns rows totalRows format encoding delimiter suggested { column field } }
  importFields(kind: $kind) { name label required severalColumns }
  importPresets(kind: $kind) { key name builtin source mapping { column field } } }`;
const SAVE_PRESET = `mutation SaveImportPreset($input: SaveImportPresetInput!) { saveImportPreset(input: $input) { preset { key name builtin source mapping { column field } } ${ERRORS} } }`;
const JOB_FIELDS = 'id status dryRun totalRows rowsDone createdCount updatedCount unchangedCount errorRows failure errors(first: 500) { row column code message }';
const START = `mutation StartImport($input: StartImportInput!) { startImport(input: $input) { job { ${JOB_FIELDS} } ${ERRORS} } }`;
const LABELS = `query ImportFields($kind: ImportKind!) { importFields(kind: $kind) { name label required severalColumns } }`;
const JOB = `query ImportJob($id: ID!) { importJob(id: $id) { ${JOB_FIELDS} } }`;

function kindLabel(k: Kind): string {
  switch (k) {
    case 'CUSTOMERS':
      return t('Customers');
    case 'VEHICLES':
      return t('Vehicles');
    case 'SERVICE_HISTORY':
      return t('Service history');
    default:
      return t('Stock items');
  }
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export default function ImportScreen(_props: ScreenProps) {
  const [kind, setKind] = useState<Kind>('CUSTOMERS');
  const [encoding, setEncoding] = useState('auto');
  const [file, setFile] = useState<File | null>(null);
  const [fileId, setFileId] = useState<string | null>(null);
  const [sent, setSent] = useState<number | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [fields, setFields] = useState<FieldInfo[]>([]);
  const [presets, setPresets] = useState<Preset[]>([]);
  const [preset, setPreset] = useState('');
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [presetName, setPresetName] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [job, setJob] = useState<Job | null>(null);
  const timer = useRef<number | null>(null);

  useEffect(() => () => { if (timer.current) window.clearTimeout(timer.current); }, []);

  // the server words the field labels and the rows' problems in the account's language: ask again once the server
  // has the new one (the switch saves it to the account; until then answers still come in the old language)
  const auth = useStore(authStore);
  const appLocale = useLocale();
  const locale = (auth.status === 'signedIn' ? auth.user.locale?.toLowerCase() : null) ?? appLocale;
  const shown = useRef(locale);
  useEffect(() => {
    if (shown.current === locale) return;
    shown.current = locale;
    if (fileId) authedGraphql<{ importFields: FieldInfo[] }>(LABELS, { kind }).then((d) => setFields(d.importFields), () => undefined);
    if (job) authedGraphql<{ importJob: Job | null }>(JOB, { id: job.id }).then((d) => d.importJob && setJob(d.importJob), () => undefined);
  }, [locale]);

  const options = encoding === 'auto' ? null : { encoding };

  async function loadPreview(id: string, k: Kind) {
    try {
      const d = await authedGraphql<{ importPreview: Preview | null; importFields: FieldInfo[]; importPresets: Preset[] }>(PREVIEW, { fileId: id, kind: k, options });
      setPreview(d.importPreview);
      setFields(d.importFields);
      setPresets(d.importPresets);
      setPreset('');
      setMapping(Object.fromEntries((d.importPreview?.suggested ?? []).map((p) => [p.column, p.field])));
      setFailure(null);
    } catch (e) {
      setPreview(null);
      setFailure(failureMessage(e));
    }
  }

  async function upload(e: Event) {
    e.preventDefault();
    if (!file) {
      setErrors([{ field: 'file', code: 'REQUIRED', message: t('Choose the file to import.') }]);
      return;
    }
    setBusy(true);
    setErrors([]);
    setJob(null);
    const id = newMutationId();
    const bytes = new Uint8Array(await file.arrayBuffer());
    const parts = Math.max(1, Math.ceil(bytes.length / PART));
    for (let i = 0; i < parts; i++) {
      setSent(i);
      const r = await mutate<{ errors: UserError[] }>(UPLOAD, { fileId: id, name: file.name, index: i, last: i === parts - 1, data: toBase64(bytes.subarray(i * PART, (i + 1) * PART)) }, 'uploadImportFile');
      if (r.errors.length) {
        setErrors(r.errors);
        setBusy(false);
        setSent(null);
        return;
      }
    }
    setSent(null);
    setFileId(id);
    await loadPreview(id, kind);
    setBusy(false);
  }

  function choosePreset(key: string) {
    setPreset(key);
    const p = presets.find((x) => x.key === key);
    if (p) setMapping(Object.fromEntries(p.mapping.map((m) => [m.column, m.field])));
  }

  function pairs(): Pair[] {
    return Object.entries(mapping).filter(([, f]) => f).map(([column, field]) => ({ column, field }));
  }

  async function savePreset() {
    const r = await mutate<{ preset: Preset | null; errors: UserError[] }>(SAVE_PRESET, { kind, name: presetName, mapping: pairs(), options, clientMutationId: newMutationId() }, 'saveImportPreset');
    setErrors(r.errors);
    const saved = r.payload?.preset;
    if (saved && !r.errors.length) {
      setPresets((old) => [...old.filter((p) => p.key !== saved.key), saved]);
      setPreset(saved.key);
      setPresetName('');
    }
  }

  function poll(id: string) {
    timer.current = window.setTimeout(async () => {
      try {
        const d = await authedGraphql<{ importJob: Job | null }>(JOB, { id });
        if (d.importJob) setJob(d.importJob);
        if (d.importJob && (d.importJob.status === 'QUEUED' || d.importJob.status === 'RUNNING')) poll(id);
      } catch {
        poll(id); // the network came and went: keep asking, the run goes on on the server
      }
    }, POLL_MS);
  }

  async function start(dryRun: boolean) {
    if (!fileId) return;
    setBusy(true);
    const chosen = presets.find((p) => p.key === preset);
    const r = await mutate<{ job: Job | null; errors: UserError[] }>(START, { fileId, kind, dryRun, mapping: pairs(), options, source: chosen?.source ?? null, clientMutationId: newMutationId() }, 'startImport');
    setBusy(false);
    setErrors(r.errors);
    if (r.payload?.job && !r.errors.length) {
      setJob(r.payload.job);
      poll(r.payload.job.id);
    }
  }

  const running = job !== null && (job.status === 'QUEUED' || job.status === 'RUNNING');
  return (
    <section class="screen import-screen">
      <ScreenTitle>{t('Import from an earlier system')}</ScreenTitle>
      <p class="muted small">{t('Bring in customers, vehicles, past visits and stock from your previous program’s CSV or Excel export. Try a dry run first: it lists every row with a problem and changes nothing. Importing the same file again changes nothing.')}</p>

      <form class="card form" onSubmit={upload}>
        <Field label={t('What the file holds')}>
          {(p) => (
            <select {...p} value={kind} data-testid="import-kind" onChange={(e) => { const k = e.currentTarget.value as Kind; setKind(k); if (fileId) void loadPreview(fileId, k); }}>
              {KINDS.map((k) => <option key={k} value={k}>{kindLabel(k)}</option>)}
            </select>
          )}
        </Field>
        <Field label={t('File (CSV or Excel .xlsx)')} errors={errors.filter((e) => e.field === 'file' || e.field === 'data').map((e) => e.message)}>
          {(p) => <input {...p} type="file" accept=".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" data-testid="import-file" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />}
        </Field>
        <Field label={t('Text encoding')} hint={t('Automatic reads UTF-8 and Thai TIS-620 files.')}>
          {(p) => (
            <select {...p} value={encoding} data-testid="import-encoding" onChange={(e) => setEncoding(e.currentTarget.value)}>
              <option value="auto">{t('Automatic')}</option>
              <option value="utf-8">UTF-8</option>
              <option value="cp874">TIS-620 / Windows-874 ({t('Thai')})</option>
              <option value="utf-16">UTF-16</option>
            </select>
          )}
        </Field>
        <div class="actions">
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="import-upload">{t('Upload and preview')}</button>
          {sent !== null && <span class="muted small" role="status">{t('Uploading…')} {sent + 1}</span>}
        </div>
      </form>

      {failure && <Failure message={failure} onRetry={fileId ? () => void loadPreview(fileId, kind) : undefined} />}

      {preview && (
        <div class="card form" data-testid="import-mapping">
          <h2 class="card-title">{t('Match the columns')}</h2>
          <p class="muted small">{t('{rows} rows found.', { rows: preview.totalRows })}</p>
          <Field label={t('Preset')}>
            {(p) => (
              <select {...p} value={preset} data-testid="import-preset" onChange={(e) => choosePreset(e.currentTarget.value)}>
                <option value="">{t('By hand')}</option>
                {presets.map((x) => <option key={x.key} value={x.key}>{x.name}{x.builtin ? ` (${t('built in')})` : ''}</option>)}
              </select>
            )}
          </Field>
          <ul class="import-columns">
            {preview.columns.map((c, i) => (
              <li key={c} class="import-column">
                <Field label={c} hint={preview.rows.map((r) => r[i]).filter(Boolean).slice(0, 2).join(' · ') || undefined}>
                  {(p) => (
                    <select {...p} value={mapping[c] ?? ''} data-testid="import-field" onChange={(e) => { const v = e.currentTarget.value; setMapping((m) => ({ ...m, [c]: v })); }}>
                      <option value="">{t('Not imported')}</option>
                      {fields.map((f) => <option key={f.name} value={f.name}>{f.label}{f.required ? ' *' : ''}</option>)}
                    </select>
                  )}
                </Field>
              </li>
            ))}
          </ul>
          <div class="import-save-preset">
            <Field label={t('Save this matching as a preset')} errors={errors.filter((e) => e.field === 'name').map((e) => e.message)}>
              {(p) => <input {...p} type="text" maxLength={100} value={presetName} data-testid="import-preset-name" onInput={(e) => setPresetName(e.currentTarget.value)} />}
            </Field>
            <button type="button" class="btn btn-secondary" disabled={!presetName.trim()} onClick={() => void savePreset()} data-testid="import-preset-save">{t('Save preset')}</button>
          </div>
          <FormErrors errors={errors.filter((e) => !['file', 'data', 'name'].includes(e.field ?? ''))} testid="import-errors" />
          <div class="actions">
            <button type="button" class="btn btn-secondary" disabled={busy || running} onClick={() => void start(true)} data-testid="import-dry-run">{t('Dry run')}</button>
            <button type="button" class="btn btn-primary" disabled={busy || running} onClick={() => void start(false)} data-testid="import-run">{t('Import')}</button>
          </div>
        </div>
      )}

      {job && <JobCard job={job} />}
    </section>
  );
}

function JobCard({ job }: { job: Job }) {
  const done = job.status === 'DONE';
  return (
    <div class="card form" data-testid="import-job" aria-live="polite">
      <h2 class="card-title">{job.dryRun ? t('Dry run') : t('Import')}: {job.status === 'FAILED' ? t('could not run') : done ? t('finished') : t('running…')}</h2>
      <progress max={Math.max(job.totalRows, 1)} value={job.rowsDone} class="import-progress" data-testid="import-progress" />
      <p class="small" data-testid="import-counts">
        {t('{done} of {total} rows', { done: job.rowsDone, total: job.totalRows })} · {job.dryRun ? t('would be new: {n}', { n: job.createdCount }) : t('new: {n}', { n: job.createdCount })} · {t('updated: {n}', { n: job.updatedCount })} · {t('unchanged: {n}', { n: job.unchangedCount })} · {t('with problems: {n}', { n: job.errorRows })}
      </p>
      {done && job.dryRun && <p class="muted small">{t('Nothing was changed. Fix the rows below in the file, or import: the good rows go in and these are left out.')}</p>}
      {job.errors.length > 0 && (
        <ul class="import-problems" data-testid="import-problems">
          {job.errors.map((e, i) => (
            <li key={i}>
              <strong>{t('Row {row}', { row: e.row })}</strong>
              {e.column && <span class="muted"> · {e.column}</span>}
              <span>: {e.message}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
