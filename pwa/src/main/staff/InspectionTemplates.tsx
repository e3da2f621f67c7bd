// Admin: the garage's inspection templates. A template has a name and sections (in English and Thai), each with
// items: a condition (the technician taps green / amber / red) or a measurement with a unit and two limits (advise,
// urgent) on the side the item gets worse; "photo required" per item. One page: the list, and a template opens its
// editor in place with collapsible sections; items are added, removed and moved up or down. The server checks
// everything (limits on the wrong side, empty titles) and its localized errors are shown at the field.
import { useRef, useState } from 'preact/hooks';
import { t } from '../../shared/i18n';
import type { UserError } from '../../shared/types';
import type { ScreenProps } from '../screens';
import { ERRORS, Field, FormButtons, FormErrors, errorsFor, mutate, newMutationId, useQuery, useSave } from './common';
import { EditableList, EditingRow, useEditing } from './EditableList';
import './templates.css';

const TEMPLATE = `id nameEn nameTh version sections { key titleEn titleTh items {
  key titleEn titleTh kind unit adviseAt urgentAt higherIsBetter photoRequired } }`;
const LIST = `query InspectionTemplatesAdmin { inspectionTemplates { ${TEMPLATE} } }`;
const CREATE = `mutation CreateInspectionTemplate($input: CreateInspectionTemplateInput!) {
  createInspectionTemplate(input: $input) { inspectionTemplate { ${TEMPLATE} } ${ERRORS} } }`;
const UPDATE = `mutation UpdateInspectionTemplate($input: UpdateInspectionTemplateInput!) {
  updateInspectionTemplate(input: $input) { inspectionTemplate { ${TEMPLATE} } ${ERRORS} } }`;
const ARCHIVE = `mutation ArchiveInspectionTemplate($input: ArchiveInspectionTemplateInput!) {
  archiveInspectionTemplate(input: $input) { inspectionTemplate { id archivedAt } ${ERRORS} } }`;

interface Item {
  key: string;
  titleEn: string;
  titleTh: string | null;
  kind: 'CONDITION' | 'MEASUREMENT';
  unit: string | null;
  adviseAt: string | null;
  urgentAt: string | null;
  higherIsBetter: boolean;
  photoRequired: boolean;
}
interface Section {
  key: string;
  titleEn: string;
  titleTh: string | null;
  items: Item[];
}
interface Template {
  id: string;
  nameEn: string;
  nameTh: string | null;
  version: number;
  sections: Section[];
}
// the fields whose errors this form shows where they were typed (an item itself: its limits; a section: its items)
const AT_FIELD = /^(nameEn|nameTh|sections\.\d+\.(key|titleEn|titleTh|items(\.\d+(\.(titleEn|titleTh|kind|unit|adviseAt|urgentAt))?)?))$/;
type Payload = { inspectionTemplate: Template | null; errors: UserError[] };

/** A key no other section or item of the template has (the server keeps keys: they carry measurements forward). */
function newKey(prefix: string, sections: Section[]): string {
  const taken = new Set(sections.flatMap((s) => [s.key, ...s.items.map((i) => i.key)]));
  let key = '';
  do key = `${prefix}_${Math.random().toString(36).slice(2, 8)}`;
  while (taken.has(key));
  return key;
}

const blankItem = (key: string): Item => ({ key, titleEn: '', titleTh: null, kind: 'CONDITION', unit: null, adviseAt: null, urgentAt: null, higherIsBetter: true, photoRequired: false });

function itemCount(tpl: Template): number {
  return tpl.sections.reduce((n, s) => n + s.items.length, 0);
}

export default function InspectionTemplatesScreen(_props: ScreenProps) {
  const list = useQuery<{ inspectionTemplates: Template[] }>(LIST, {});
  const archived = (id: string) => list.setData((old) => (old ? { inspectionTemplates: old.inspectionTemplates.filter((x) => x.id !== id) } : old));
  return (
    <EditableList
      list={list}
      field="inspectionTemplates"
      title={t('Inspection templates')}
      addLabel={t('Add template')}
      addTestid="template-add"
      listTestid="template-list"
      form={(done) => <TemplateForm onDone={done} />}
      row={(tpl, changed) => <TemplateRow key={tpl.id} template={tpl} onChanged={changed} onArchived={archived} />}
    />
  );
}

function TemplateRow({ template, onChanged, onArchived }: { template: Template; onChanged: (t: Template) => void; onArchived: (id: string) => void }) {
  const editor = useEditing(onChanged);
  if (editor.editing)
    return (
      <EditingRow>
        <TemplateForm template={template} onDone={editor.done} onArchived={onArchived} />
      </EditingRow>
    );
  return (
    <li class="card row" data-testid="template-row" data-name={template.nameEn}>
      <div class="row-main">
        <span class="row-title jc-break" data-raw="">
          {template.nameEn}
        </span>
        <span class="muted small">{t('{sections} sections · {items} items', { sections: template.sections.length, items: itemCount(template) })}</span>
      </div>
      {template.nameTh && (
        <p class="small" lang="th" data-raw="">
          {template.nameTh}
        </p>
      )}
      <div class="actions">
        <button type="button" class="btn btn-secondary" onClick={editor.edit} data-testid="template-edit">
          {t('Edit')}
        </button>
      </div>
    </li>
  );
}

function TemplateForm({ template, onDone, onArchived }: { template?: Template; onDone: (t: Template | null) => void; onArchived?: (id: string) => void }) {
  const [nameEn, setNameEn] = useState(template?.nameEn ?? '');
  const [nameTh, setNameTh] = useState(template?.nameTh ?? '');
  const [sections, setSections] = useState<Section[]>(() => template?.sections ?? [{ key: 'general', titleEn: '', titleTh: null, items: [blankItem('item_1')] }]);
  const { errors, busy, save, send } = useSave<Template>(onDone);
  // one id per attempt that may have changed something: after the server refused one (nothing changed) a new id,
  // else the replay of the refused attempt would come back; after a network failure the same id (replay-safe)
  const mutationId = useRef(newMutationId());
  if (errors.some((e) => e.code !== 'FAILED') && !busy) mutationId.current = newMutationId();

  const setSection = (si: number, patch: Partial<Section>) => setSections((all) => all.map((s, i) => (i === si ? { ...s, ...patch } : s)));
  const setItems = (si: number, fn: (items: Item[]) => Item[]) => setSections((all) => all.map((s, i) => (i === si ? { ...s, items: fn(s.items) } : s)));

  async function submit(e: Event) {
    e.preventDefault();
    const problems: UserError[] = [];
    if (!nameEn.trim()) problems.push({ field: 'nameEn', code: 'REQUIRED', message: t('Type the English name.') });
    const input: Record<string, unknown> = {
      nameEn: nameEn.trim(),
      nameTh: nameTh.trim() || null,
      sections: sections.map((s) => ({
        key: s.key,
        titleEn: s.titleEn.trim(),
        titleTh: s.titleTh?.trim() || null,
        items: s.items.map((i) => ({
          key: i.key,
          titleEn: i.titleEn.trim(),
          titleTh: i.titleTh?.trim() || null,
          kind: i.kind,
          unit: i.kind === 'MEASUREMENT' ? i.unit?.trim() || null : null,
          adviseAt: i.kind === 'MEASUREMENT' ? i.adviseAt?.trim() || null : null,
          urgentAt: i.kind === 'MEASUREMENT' ? i.urgentAt?.trim() || null : null,
          higherIsBetter: i.higherIsBetter,
          photoRequired: i.photoRequired,
        })),
      })),
      clientMutationId: mutationId.current,
    };
    await save(
      problems,
      () =>
        template
          ? mutate<Payload>(UPDATE, { id: template.id, expectedVersion: template.version, ...input }, 'updateInspectionTemplate')
          : mutate<Payload>(CREATE, input, 'createInspectionTemplate'),
      (p) => p.inspectionTemplate,
    );
  }

  async function archive() {
    if (!template || !confirm(t('Archive {name}? Technicians will no longer be offered it.', { name: template.nameEn }))) return;
    await send(
      () => mutate<Payload>(ARCHIVE, { id: template.id, expectedVersion: template.version, clientMutationId: newMutationId() }, 'archiveInspectionTemplate'),
      (p) => {
        if (p.inspectionTemplate && !p.errors.length) onArchived?.(template.id);
        return null;
      },
    );
  }

  const at = (field: string) => errorsFor(errors, field);
  const body = (
    <>
      <div class="two">
        <Field label={t('Name (English)')} errors={at('nameEn')}>
          {(p) => <input {...p} value={nameEn} onInput={(e) => setNameEn(e.currentTarget.value)} data-testid="template-name-en" />}
        </Field>
        <Field label={t('Name (Thai)')} errors={at('nameTh')}>
          {(p) => <input {...p} lang="th" value={nameTh} onInput={(e) => setNameTh(e.currentTarget.value)} data-testid="template-name-th" />}
        </Field>
      </div>
      {sections.map((s, si) => {
        const f = `sections.${si}`;
        return (
          <details key={s.key} class="tpl-section" open data-testid="template-section">
            <summary class="tpl-summary">
              <span data-raw="">{s.titleEn || t('New section')}</span>
              <span class="muted small"> · {t('{n} items', { n: s.items.length })}</span>
            </summary>
            <div class="two">
              <Field label={t('Section title (English)')} errors={at(`${f}.titleEn`)}>
                {(p) => <input {...p} value={s.titleEn} onInput={(e) => setSection(si, { titleEn: e.currentTarget.value })} data-testid="section-title-en" />}
              </Field>
              <Field label={t('Section title (Thai)')} errors={at(`${f}.titleTh`)}>
                {(p) => <input {...p} lang="th" value={s.titleTh ?? ''} onInput={(e) => setSection(si, { titleTh: e.currentTarget.value })} data-testid="section-title-th" />}
              </Field>
            </div>
            <FormErrors errors={errors.filter((e) => e.field === `${f}.items` || e.field === `${f}.key`)} />
            <ol class="tpl-items">
              {s.items.map((item, ii) => (
                <ItemEditor
                  key={item.key}
                  item={item}
                  field={`${f}.items.${ii}`}
                  at={at}
                  first={ii === 0}
                  last={ii === s.items.length - 1}
                  onChange={(patch) => setItems(si, (items) => items.map((x, j) => (j === ii ? { ...x, ...patch } : x)))}
                  onMove={(by) =>
                    setItems(si, (items) => {
                      const next = items.filter((_, j) => j !== ii);
                      next.splice(ii + by, 0, item);
                      return next;
                    })
                  }
                  onRemove={() => setItems(si, (items) => items.filter((_, j) => j !== ii))}
                />
              ))}
            </ol>
            <div class="actions">
              <button type="button" class="btn btn-secondary" onClick={() => setItems(si, (items) => [...items, blankItem(newKey('item', sections))])} data-testid="item-add">
                + {t('Add item')}
              </button>
              {sections.length > 1 && (
                <button type="button" class="btn btn-secondary" onClick={() => setSections((all) => all.filter((_, i) => i !== si))} data-testid="section-remove">
                  {t('Remove section')}
                </button>
              )}
            </div>
          </details>
        );
      })}
      <button type="button" class="btn btn-secondary btn-block" onClick={() => setSections((all) => [...all, { key: newKey('section', all), titleEn: '', titleTh: null, items: [blankItem(newKey('item', all))] }])} data-testid="section-add">
        + {t('Add section')}
      </button>
    </>
  );

  return (
    <form class="card form tpl-form" onSubmit={submit} noValidate data-testid="template-form">
      <h2 class="form-title">{template ? t('Edit {name}', { name: template.nameEn }) : t('New inspection template')}</h2>
      {body}
      <FormErrors errors={errors.filter((e) => !e.field || !AT_FIELD.test(e.field))} />
      <FormButtons busy={busy} saveTestid="template-save" onCancel={() => onDone(null)} />
      {template && (
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => void archive()} data-testid="template-archive">
          {t('Archive')}
        </button>
      )}
    </form>
  );
}

interface ItemProps {
  item: Item;
  field: string;
  at: (field: string) => string[];
  first: boolean;
  last: boolean;
  onChange: (patch: Partial<Item>) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
}

function ItemEditor({ item, field, at, first, last, onChange, onMove, onRemove }: ItemProps) {
  const measured = item.kind === 'MEASUREMENT';
  // the server names the item itself when its limits do not fit together (urgent on the good side of advise)
  const limits = at(field);
  return (
    <li class="tpl-item" data-testid="template-item">
      <div class="two">
        <Field label={t('Item (English)')} errors={at(`${field}.titleEn`)}>
          {(p) => <input {...p} value={item.titleEn} onInput={(e) => onChange({ titleEn: e.currentTarget.value })} data-testid="item-title-en" />}
        </Field>
        <Field label={t('Item (Thai)')} errors={at(`${field}.titleTh`)}>
          {(p) => <input {...p} lang="th" value={item.titleTh ?? ''} onInput={(e) => onChange({ titleTh: e.currentTarget.value })} data-testid="item-title-th" />}
        </Field>
      </div>
      <div class="two">
        <Field label={t('Kind')} errors={at(`${field}.kind`)}>
          {(p) => (
            <select {...p} value={item.kind} onChange={(e) => onChange({ kind: e.currentTarget.value as Item['kind'] })} data-testid="item-kind">
              <option value="CONDITION">{t('Condition (green, amber, red)')}</option>
              <option value="MEASUREMENT">{t('Measurement')}</option>
            </select>
          )}
        </Field>
        {measured && (
          <Field label={t('Unit')} errors={at(`${field}.unit`)}>
            {(p) => <input {...p} value={item.unit ?? ''} placeholder="mm" onInput={(e) => onChange({ unit: e.currentTarget.value })} data-testid="item-unit" />}
          </Field>
        )}
      </div>
      {measured && (
        <>
          <Field label={t('Which is better')} errors={[]}>
            {(p) => (
              <select {...p} value={item.higherIsBetter ? 'higher' : 'lower'} onChange={(e) => onChange({ higherIsBetter: e.currentTarget.value === 'higher' })} data-testid="item-direction">
                <option value="higher">{t('Higher is better (tread depth, pads)')}</option>
                <option value="lower">{t('Lower is better (play, wear)')}</option>
              </select>
            )}
          </Field>
          <div class="two">
            <Field label={t('Advise at (amber)')} errors={[...at(`${field}.adviseAt`), ...limits]}>
              {(p) => <input {...p} inputMode="decimal" value={item.adviseAt ?? ''} onInput={(e) => onChange({ adviseAt: e.currentTarget.value })} data-testid="item-advise" />}
            </Field>
            <Field label={t('Urgent at (red)')} errors={at(`${field}.urgentAt`)}>
              {(p) => <input {...p} inputMode="decimal" value={item.urgentAt ?? ''} onInput={(e) => onChange({ urgentAt: e.currentTarget.value })} data-testid="item-urgent" />}
            </Field>
          </div>
        </>
      )}
      {!measured && limits.length > 0 && <FormErrors errors={limits.map((message) => ({ field, code: 'INVALID_VALUE', message }))} />}
      <label class="check">
        <input type="checkbox" checked={item.photoRequired} onChange={(e) => onChange({ photoRequired: e.currentTarget.checked })} data-testid="item-photo" />
        {t('Photo required')}
      </label>
      <div class="actions tpl-item-actions">
        <button type="button" class="btn btn-secondary" disabled={first} onClick={() => onMove(-1)} aria-label={t('Move up')} data-testid="item-up">
          ↑
        </button>
        <button type="button" class="btn btn-secondary" disabled={last} onClick={() => onMove(1)} aria-label={t('Move down')} data-testid="item-down">
          ↓
        </button>
        <button type="button" class="btn btn-secondary" onClick={onRemove} data-testid="item-remove">
          {t('Remove item')}
        </button>
      </div>
    </li>
  );
}
