// The inspection of a job (`#/jobs/<id>/inspection`), for the technician on their job and the managers: start one
// from a template, then item by item tap green / amber / red or type the measurement (its colour computed and
// shown), a note (typed or a preset), photos from the camera; the vehicle's previous value beside each item. It all
// works offline: every change goes through the outbox and every photo through the photo queue (photos.ts).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { authStore } from '../../shared/auth';
import { formatDate, formatNumber, t } from '../../shared/i18n';
import { onlineStore, useOnline } from '../../shared/online';
import { useOutbox } from '../../shared/outbox';
import { useStore } from '../../shared/store';
import { useDeviceValue } from '../technician/useDevice';
import { OpProblems } from '../OpProblems';
import { href } from '../router';
import type { ScreenProps } from '../screens';
import {
  conditionOf,
  devicePhotos,
  INSPECTION_OPS,
  INSPECTORS,
  inspectionActions,
  loadInspections,
  loadTemplates,
  refreshInspections,
  refreshTemplates,
  watchInspectionOps,
  type Condition,
  type Inspection,
  type Result,
  type Template,
  type TemplateItem,
} from './data';
import { Counts } from './Counts';
import { LocalPhoto, PhotoState } from './PhotoThumb';
import { dropShown, queueUpload, startPhotoQueue, usePhotos } from './photos';
import './inspection.css';

const NOTE_MAX = 500;

export function conditionLabel(c: Condition | null): string {
  switch (c) {
    case 'GOOD':
      return t('Good');
    case 'ADVISE':
      return t('Advise');
    case 'URGENT':
      return t('Urgent');
    default:
      return t('Not checked');
  }
}

/** A few notes a technician picks with one tap. */
function presets(): string[] {
  return [t('Worn, replace soon'), t('Replace now'), t('Leaking'), t('Damaged'), t('Customer informed'), t('Check at next service')];
}

export default function InspectionScreen({ params }: ScreenProps) {
  const jobId = params.id;
  const online = useOnline();
  const ops = useOutbox();
  const auth = useStore(authStore);
  const me = auth.status === 'signedIn' ? { id: auth.user.id, name: auth.user.name } : null;
  const canWrite = auth.status === 'signedIn' && INSPECTORS.includes(String(auth.user.role));
  const templates = useDeviceValue(() => loadTemplates(), []);
  const inspections = useDeviceValue(() => loadInspections(jobId), [jobId]);
  const [chosen, setChosen] = useState<string | null>(null);
  const [offline, setOffline] = useState(false);

  useEffect(() => {
    watchInspectionOps();
    startPhotoQueue();
  }, []);
  useEffect(() => {
    if (!online) return;
    let live = true;
    Promise.all([refreshInspections(jobId), refreshTemplates()])
      .then(() => live && setOffline(false))
      .catch(() => live && setOffline(true));
    return () => {
      live = false;
    };
  }, [jobId, online]);

  // a photo reached the server: its link shows once the server has both the photo and the result naming it
  useEffect(() => {
    const onUploaded = () => onlineStore.get() && void refreshInspections(jobId).catch(() => undefined);
    document.addEventListener('mototrack-photo-uploaded', onUploaded);
    return () => document.removeEventListener('mototrack-photo-uploaded', onUploaded);
  }, [jobId]);
  useEffect(() => {
    const shown = (inspections ?? []).flatMap((i) => i.results.flatMap((r) => r.photos.map((p) => p.id)));
    if (shown.length) void dropShown(shown);
  }, [inspections]);

  const list = inspections ?? [];
  const current = list.find((i) => i.id === chosen) ?? [...list].reverse().find((i) => i.status === 'IN_PROGRESS') ?? list[list.length - 1] ?? null;

  return (
    <section class="screen insp" data-testid="inspection-screen" data-job-id={jobId}>
      <a class="back" href={href(`jobs/${jobId}`)} data-testid="inspection-back">
        ‹ {t('Job card')}
      </a>
      <h1 class="screen-title">{t('Inspection')}</h1>
      {inspections === undefined && <p class="muted center">{t('Loading…')}</p>}
      {inspections === null && (offline || !online) && (
        <p class="muted" data-testid="inspection-not-saved">
          {t('This job’s inspections are not saved on this device yet. Open it once while online.')}
        </p>
      )}
      {list.length > 1 && (
        <div class="insp-tabs" role="group" aria-label={t('Inspections of this job')}>
          {list.map((i) => (
            <button
              key={i.id}
              type="button"
              class={`btn btn-inline ${current?.id === i.id ? 'btn-primary' : 'btn-secondary'}`}
              aria-pressed={current?.id === i.id ? 'true' : 'false'}
              onClick={() => setChosen(i.id)}
            >
              <span data-raw="">{i.template?.name ?? t('Inspection')}</span> · {formatDate(i.startedAt)}
            </button>
          ))}
        </div>
      )}
      {!canWrite && inspections && list.length === 0 && <p class="muted card">{t('No inspection yet.')}</p>}
      {current && <InspectionForm jobId={jobId} inspection={current} canWrite={canWrite} />}
      <OpProblems ops={ops} jobId={jobId} names={INSPECTION_OPS} />
      {canWrite && inspections !== undefined && (!current || current.status === 'COMPLETED') && (
        <StartInspection
          templates={templates ?? null}
          onStart={async (tpl) => {
            const id = await inspectionActions.start(jobId, tpl, me);
            setChosen(id);
          }}
        />
      )}
    </section>
  );
}

function StartInspection({ templates, onStart }: { templates: Template[] | null; onStart: (t: Template) => void }) {
  return (
    <div class="card" data-testid="inspection-start">
      <h2 class="card-title">{t('Start an inspection')}</h2>
      {!templates && <p class="muted small">{t('The inspection templates show when you are online.')}</p>}
      {templates && templates.length === 0 && <p class="muted">{t('There are no inspection templates yet.')}</p>}
      <ul class="options">
        {(templates ?? []).map((tpl) => (
          <li key={tpl.id}>
            <button type="button" class="option" data-testid="inspection-template" onClick={() => onStart(tpl)}>
              + <span data-raw="">{tpl.name}</span>{' '}
              <span class="muted small">{t('{n} items', { n: tpl.sections.reduce((n, s) => n + s.items.length, 0) })}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function InspectionForm({ jobId, inspection, canWrite }: { jobId: string; inspection: Inspection; canWrite: boolean }) {
  const byKey = useMemo(() => new Map(inspection.results.map((r) => [r.itemKey, r])), [inspection.results]);
  const open = inspection.status === 'IN_PROGRESS' && canWrite;
  const missing = inspection.sections.flatMap((s) => s.items).filter((i) => !byKey.get(i.key)?.condition);
  return (
    <div class="insp-form" data-testid="inspection" data-inspection-id={inspection.id} data-status={inspection.status}>
      <div class="card insp-head">
        <div class="row-main">
          <h2 class="card-title" data-raw="">
            {inspection.template?.name ?? t('Inspection')}
          </h2>
          <span class={`chip ${inspection.status === 'IN_PROGRESS' ? 'chip-wait' : 'chip-done'}`} data-testid="inspection-status">
            {inspection.status === 'IN_PROGRESS' ? t('In progress') : t('Completed')}
          </span>
        </div>
        <Counts counts={inspection.counts} />
        {inspection.pending && <span class="chip chip-wait">{t('Waiting to sync')}</span>}
      </div>
      {inspection.sections.map((section) => (
        <section key={section.key} class="card insp-section" aria-labelledby={`s-${section.key}`}>
          <h3 class="card-title" id={`s-${section.key}`} data-raw="">
            {section.title}
          </h3>
          <ul class="list">
            {section.items.map((item) => (
              <ItemRow key={item.key} jobId={jobId} inspection={inspection} item={item} result={byKey.get(item.key) ?? null} open={open} />
            ))}
          </ul>
        </section>
      ))}
      {open && (
        <div class="card">
          {missing.length > 0 && <p class="muted small">{t('{n} items not checked yet.', { n: missing.length })}</p>}
          <button type="button" class="btn btn-primary btn-block btn-big" data-testid="inspection-complete" onClick={() => void inspectionActions.complete(jobId, inspection.id)}>
            {t('Complete the inspection')}
          </button>
        </div>
      )}
    </div>
  );
}

function shown(value: number | null | undefined, unit: string | null): string {
  if (value == null) return '—';
  return unit ? `${formatNumber(value, 2)} ${unit}` : formatNumber(value, 2);
}

function ItemRow({ jobId, inspection, item, result, open }: { jobId: string; inspection: Inspection; item: TemplateItem; result: Result | null; open: boolean }) {
  const photos = usePhotos();
  const local = devicePhotos(photos, inspection.id, item.key).filter((p) => !(p.attachmentId && result?.photos.some((s) => s.id === p.attachmentId)));
  const [value, setValue] = useState(result?.value != null ? String(result.value) : '');
  const [valueError, setValueError] = useState<string | null>(null);
  const [note, setNote] = useState(result?.note ?? '');
  const [noteOpen, setNoteOpen] = useState(false);
  const [noteError, setNoteError] = useState<string | null>(null);
  useEffect(() => setValue(result?.value != null ? String(result.value) : ''), [result?.value]);
  useEffect(() => setNote(result?.note ?? ''), [result?.note]);
  const record = (change: Parameters<typeof inspectionActions.record>[3]) => inspectionActions.record(jobId, inspection.id, item.key, change);
  const parsed = value.trim() === '' ? null : Number(value.replace(',', '.'));
  const condition = item.kind === 'MEASUREMENT' && parsed != null && !Number.isNaN(parsed) ? conditionOf(item, parsed) : (result?.condition ?? null);
  const id = `i-${inspection.id}-${item.key}`;
  const camera = useRef<HTMLInputElement>(null); // the camera opens from a real button

  function saveValue() {
    const text = value.trim().replace(',', '.');
    if (text === '' && result?.value == null) return;
    const n = Number(text);
    if (text === '' || Number.isNaN(n) || n < 0 || n > 100000) return setValueError(t('Enter a number, e.g. 3.5.'));
    setValueError(null);
    if (n !== result?.value) void record({ value: String(n) });
  }
  function saveNote(text: string) {
    const v = text.trim();
    if (v.length > NOTE_MAX) return setNoteError(t('At most {max} characters.', { max: NOTE_MAX }));
    setNoteError(null);
    setNote(v);
    if (v !== (result?.note ?? '')) void record({ note: v || null });
  }
  async function addPhotos(e: Event) {
    const input = e.currentTarget as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    const ids: string[] = [];
    for (const file of files) {
      const rec = await queueUpload(file, { jobId, inspectionItem: `${inspection.id}:${item.key}`, name: `${item.key}.jpg` });
      ids.push(rec.uploadId);
    }
    if (ids.length) await record({ photoUploadIds: ids });
  }

  return (
    <li class={`insp-item insp-${(condition ?? 'none').toLowerCase()}`} data-testid="inspection-item" data-item={item.key} data-condition={condition ?? ''}>
      <div class="insp-title">
        <span class="row-title" id={`${id}-t`} data-raw="">
          {item.title}
        </span>
        {result?.pending && <span class="chip chip-wait">{t('Waiting to sync')}</span>}
        {result?.quoted && <span class="chip">{t('Quoted')}</span>}
      </div>
      {result?.previous && (
        <p class="muted small insp-prev" data-testid="inspection-previous">
          {t('Last time ({date}): {value}', {
            date: formatDate(result.previous.recordedAt),
            value: item.kind === 'MEASUREMENT' ? shown(result.previous.value, item.unit) : conditionLabel(result.previous.condition),
          })}
        </p>
      )}
      {item.kind === 'CONDITION' ? (
        <div class="insp-colours" role="group" aria-labelledby={`${id}-t`}>
          {(['GOOD', 'ADVISE', 'URGENT'] as Condition[]).map((c) => (
            <button
              key={c}
              type="button"
              class={`insp-colour insp-colour-${c.toLowerCase()}`}
              aria-pressed={condition === c ? 'true' : 'false'}
              disabled={!open}
              data-testid={`inspection-${c.toLowerCase()}`}
              onClick={() => void record({ condition: c })}
            >
              {conditionLabel(c)}
            </button>
          ))}
        </div>
      ) : (
        <div class="insp-measure">
          <label class="field">
            <span class="field-label">
              {item.unit ? t('Measured ({unit})', { unit: item.unit }) : t('Measured')}
            </span>
            <input
              inputMode="decimal"
              value={value}
              disabled={!open}
              data-testid="inspection-value"
              aria-invalid={valueError ? 'true' : 'false'}
              onInput={(e) => setValue(e.currentTarget.value)}
              onBlur={saveValue}
              onKeyDown={(e) => e.key === 'Enter' && saveValue()}
            />
          </label>
          <span class={`insp-chip insp-chip-${(condition ?? 'none').toLowerCase()}`} data-testid="inspection-computed" role="status">
            {conditionLabel(condition)}
          </span>
          <span class="muted small">
            {item.adviseAt != null && t('advise at {value}', { value: shown(item.adviseAt, item.unit) })}
            {item.urgentAt != null && ` · ${t('urgent at {value}', { value: shown(item.urgentAt, item.unit) })}`}
          </span>
          {valueError && (
            <p class="field-error" role="alert" data-testid="inspection-value-error">
              {valueError}
            </p>
          )}
        </div>
      )}
      {(note || noteOpen) && !noteOpen && (
        <p class="small insp-note" data-raw="" data-testid="inspection-note">
          {note}
        </p>
      )}
      {noteOpen && (
        <div class="insp-note-box">
          <label class="field">
            <span class="field-label">{t('Note')}</span>
            <input value={note} maxLength={NOTE_MAX + 50} data-testid="inspection-note-input" onInput={(e) => setNote(e.currentTarget.value)} />
          </label>
          <div class="insp-presets" role="group" aria-label={t('Quick notes')}>
            {presets().map((p) => (
              <button key={p} type="button" class="btn btn-secondary btn-inline" data-testid="inspection-preset" onClick={() => setNote(p)}>
                {p}
              </button>
            ))}
          </div>
          {noteError && (
            <p class="field-error" role="alert">
              {noteError}
            </p>
          )}
          <div class="op-actions">
            <button
              type="button"
              class="btn btn-primary btn-inline"
              data-testid="inspection-note-save"
              onClick={() => {
                saveNote(note);
                setNoteOpen(false);
              }}
            >
              {t('Save the note')}
            </button>
            <button type="button" class="btn btn-ghost btn-inline" onClick={() => setNoteOpen(false)}>
              {t('Close')}
            </button>
          </div>
        </div>
      )}
      {(result?.photos.length || local.length) ? (
        <ul class="insp-photos">
          {(result?.photos ?? []).map((p) => (
            <li key={p.id} data-testid="inspection-photo" data-state="stored">
              {p.thumbnailUrl ? (
                <a href={p.url ?? p.thumbnailUrl} target="_blank" rel="noopener">
                  <img class="att-thumb" src={p.thumbnailUrl} alt={t('Photo of {item}', { item: item.title })} width={72} height={72} loading="lazy" />
                </a>
              ) : (
                <span class="att-thumb att-doc">{t('Photo')}</span>
              )}
            </li>
          ))}
          {local.map((p) => (
            <li key={p.uploadId} data-testid="inspection-photo" data-state={p.status}>
              <LocalPhoto record={p} size={72} />
              <PhotoState record={p} />
            </li>
          ))}
        </ul>
      ) : null}
      {item.photoRequired && !(result?.photos.length || local.length) && <p class="muted small">{t('A photo is required for this item.')}</p>}
      {open && !result?.condition && (
        // the server keeps a note or a photo only on a rated item
        <p class="muted small" data-testid="inspection-rate-first">
          {item.kind === 'MEASUREMENT' ? t('Enter the measurement to add a note or photos.') : t('Rate the item to add a note or photos.')}
        </p>
      )}
      {open && result?.condition && (
        <div class="insp-tools">
          {!noteOpen && (
            <button type="button" class="btn btn-secondary btn-inline" data-testid="inspection-add-note" onClick={() => setNoteOpen(true)}>
              {note ? t('Edit the note') : t('Add a note')}
            </button>
          )}
          <button type="button" class="btn btn-secondary btn-inline" data-testid="inspection-take-photo" onClick={() => camera.current?.click()}>
            {t('Take a photo')}
          </button>
          <input
            ref={camera}
            hidden
            type="file"
            accept="image/*"
            capture="environment"
            multiple
            data-testid="inspection-camera"
            onChange={(e) => void addPhotos(e)}
          />
        </div>
      )}
    </li>
  );
}
