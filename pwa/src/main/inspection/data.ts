// Inspections on the device: the templates and each job's inspections as the server last sent them (IndexedDB
// `meta`), with the changes still in the outbox applied on top, so an inspection can be started and filled with no
// network (ids are chosen here; every mutation carries a clientMutationId and is replayed safely). When one of these
// operations has been accepted, the job's inspections are read again.
import { authedGraphql } from '../../shared/auth';
import { db, type OutboxOp, type PhotoRecord } from '../../shared/db';
import { getLocale } from '../../shared/i18n';
import { enqueue, outboxStore } from '../../shared/outbox';
import { onlineStore } from '../../shared/online';
import { cacheVersion } from '../../shared/workshop';
import { uuidv7 } from '../../shared/uuid';

// mirrors of backend/core/permissions.py (the server checks every field and mutation itself)
export const INSPECTORS = ['ADMIN', 'SITE_MANAGER', 'WORKSHOP_MANAGER', 'TECHNICIAN'];
export const QUOTERS = ['ADMIN', 'SITE_MANAGER', 'BILLING'];

export type Condition = 'GOOD' | 'ADVISE' | 'URGENT';

export interface TemplateItem {
  key: string;
  title: string;
  kind: 'CONDITION' | 'MEASUREMENT';
  unit: string | null;
  adviseAt: number | null;
  urgentAt: number | null;
  higherIsBetter: boolean;
  photoRequired: boolean;
}

export interface TemplateSection {
  key: string;
  title: string;
  items: TemplateItem[];
}

export interface Template {
  id: string;
  name: string;
  sections: TemplateSection[];
}

export interface ServerPhoto {
  id: string;
  thumbnailUrl: string | null;
  url: string | null;
}

export interface Result {
  itemKey: string;
  sectionKey: string;
  title: string;
  condition: Condition | null;
  value: number | null;
  note: string | null;
  photos: ServerPhoto[];
  previous: { value: number | null; condition: Condition | null; recordedAt: string } | null;
  quoted: boolean;
  /** On the device only: upload ids of the photos named by queued changes. */
  photoUploadIds?: string[];
  pending?: boolean;
}

export interface Inspection {
  id: string;
  version: number;
  status: 'IN_PROGRESS' | 'COMPLETED';
  template: Template | null;
  /** The template's sections (as they were when the inspection started). */
  sections: TemplateSection[];
  startedBy: { id: string; name: string } | null;
  startedAt: string;
  completedAt: string | null;
  results: Result[];
  counts: { good: number; advise: number; urgent: number };
  pending?: boolean;
}

const ITEM = 'key title kind unit adviseAt urgentAt higherIsBetter photoRequired';
const SECTIONS = `sections { key title items { ${ITEM} } }`;
export const INSPECTION_FIELDS = `id version status startedAt completedAt startedBy { id name } template { id name ${SECTIONS} }
  counts { good advise urgent }
  results { itemKey sectionKey title condition value note quoted photos { id thumbnailUrl url } previous { value condition recordedAt } }`;
const TEMPLATES = `query InspectionTemplates { inspectionTemplates { id name ${SECTIONS} } }`;
const JOB_INSPECTIONS = `query JobInspections($id: ID!) { job(id: $id) { id inspections { ${INSPECTION_FIELDS} } } }`;
const ERR = 'errors { field code message }';
export const INSPECTION_MUTATIONS = {
  StartInspection: `mutation StartInspection($input: StartInspectionInput!) { startInspection(input: $input) { inspection { ${INSPECTION_FIELDS} } ${ERR} } }`,
  RecordInspectionResult: `mutation RecordInspectionResult($input: RecordInspectionResultInput!) { recordInspectionResult(input: $input) { inspection { ${INSPECTION_FIELDS} } ${ERR} } }`,
  CompleteInspection: `mutation CompleteInspection($input: CompleteInspectionInput!) { completeInspection(input: $input) { inspection { ${INSPECTION_FIELDS} } ${ERR} } }`,
} as const;
type Name = keyof typeof INSPECTION_MUTATIONS;
export const INSPECTION_OPS = Object.keys(INSPECTION_MUTATIONS) as Name[];

/** The device copy changed: screens read it again (the one version the technician's screens follow). */
const bump = () => cacheVersion.set(cacheVersion.get() + 1);

const templatesKey = () => `inspectionTemplates:${getLocale()}`;
const jobKey = (jobId: string) => `inspections:${jobId}`;

// ---- the server's copy ---------------------------------------------------------------------------

// Decimals arrive as strings ("3.500"): numbers on the device.
const num = (v: unknown): number | null => (v == null || v === '' ? null : Number(v));

function normalTemplate(t: Template): Template {
  return { ...t, sections: t.sections.map((s) => ({ ...s, items: s.items.map((i) => ({ ...i, adviseAt: num(i.adviseAt), urgentAt: num(i.urgentAt) })) })) };
}

/** The server's inspection as the device keeps it: its template's sections at hand, numbers as numbers. */
export function normalInspection(i: Inspection & { template: Template }): Inspection {
  const template = normalTemplate(i.template);
  return {
    ...i,
    template,
    sections: template.sections,
    results: i.results.map((r) => ({ ...r, value: num(r.value), previous: r.previous ? { ...r.previous, value: num(r.previous.value) } : null })),
  };
}

export async function refreshTemplates(): Promise<void> {
  const data = await authedGraphql<{ inspectionTemplates: Template[] }>(TEMPLATES);
  await (await db()).put('meta', data.inspectionTemplates.map(normalTemplate), templatesKey());
  bump();
}

/** The templates in the reader's language, else (offline, the language switched since) in the other one. */
export async function loadTemplates(): Promise<Template[] | null> {
  const d = await db();
  const mine = (await d.get('meta', templatesKey())) as Template[] | undefined;
  if (mine) return mine;
  const other = `inspectionTemplates:${getLocale() === 'th' ? 'en' : 'th'}`;
  return ((await d.get('meta', other)) as Template[] | undefined) ?? null;
}

export async function refreshInspections(jobId: string): Promise<void> {
  const data = await authedGraphql<{ job: { inspections: (Inspection & { template: Template })[] } | null }>(JOB_INSPECTIONS, { id: jobId });
  if (!data.job) return;
  await (await db()).put('meta', data.job.inspections.map(normalInspection), jobKey(jobId));
  bump();
}

async function serverInspections(jobId: string): Promise<Inspection[] | null> {
  return ((await (await db()).get('meta', jobKey(jobId))) as Inspection[] | undefined) ?? null;
}

// ---- colours -------------------------------------------------------------------------------------

/** A measurement's colour from its limits: at or past the urgent limit red, at or past the advise limit amber. */
export function conditionOf(item: Pick<TemplateItem, 'adviseAt' | 'urgentAt' | 'higherIsBetter'>, value: number | null): Condition | null {
  if (value == null || Number.isNaN(value)) return null;
  const past = (limit: number | null) => limit != null && (item.higherIsBetter ? value <= limit : value >= limit);
  if (past(item.urgentAt)) return 'URGENT';
  if (past(item.adviseAt)) return 'ADVISE';
  return 'GOOD';
}

function countsOf(results: Result[]): Inspection['counts'] {
  const n = (c: Condition) => results.filter((r) => r.condition === c).length;
  return { good: n('GOOD'), advise: n('ADVISE'), urgent: n('URGENT') };
}

// ---- the device view -----------------------------------------------------------------------------

function applies(op: OutboxOp): boolean {
  return op.status === 'queued' || op.status === 'sending';
}

function findItem(sections: TemplateSection[], key: string): { section: TemplateSection; item: TemplateItem } | null {
  for (const section of sections) {
    const item = section.items.find((i) => i.key === key);
    if (item) return { section, item };
  }
  return null;
}

/** The job's inspections as the user should see them: the server's copy with their queued changes on top. */
export function applyInspectionOps(jobId: string, server: Inspection[], ops: OutboxOp[]): Inspection[] {
  let list = server.map((i) => ({ ...i, results: [...i.results] }));
  for (const op of ops) {
    if (op.jobId !== jobId || !applies(op)) continue;
    const input = op.variables.input;
    switch (op.operationName as Name) {
      case 'StartInspection': {
        if (list.some((i) => i.id === input.id)) break;
        const tpl = op.local?.template as Template | undefined;
        list.push({
          id: String(input.id),
          version: 0,
          status: 'IN_PROGRESS',
          template: tpl ?? null,
          sections: tpl?.sections ?? [],
          startedBy: (op.local?.by as Inspection['startedBy']) ?? null,
          startedAt: new Date(op.createdAt).toISOString(),
          completedAt: null,
          results: [],
          counts: { good: 0, advise: 0, urgent: 0 },
          pending: true,
        });
        break;
      }
      case 'RecordInspectionResult': {
        list = list.map((insp) => {
          if (insp.id !== input.inspectionId) return insp;
          const key = String(input.itemKey);
          const found = findItem(insp.sections, key);
          const before = insp.results.find((r) => r.itemKey === key);
          const value = input.value == null ? (before?.value ?? null) : Number(input.value);
          const condition =
            found?.item.kind === 'MEASUREMENT'
              ? conditionOf(found.item, value)
              : ((input.condition as Condition | undefined) ?? before?.condition ?? null);
          const next: Result = {
            itemKey: key,
            sectionKey: found?.section.key ?? before?.sectionKey ?? '',
            title: found?.item.title ?? before?.title ?? key,
            condition,
            value,
            note: 'note' in input ? ((input.note as string | null) ?? null) : (before?.note ?? null),
            photos: before?.photos ?? [],
            previous: before?.previous ?? null,
            quoted: before?.quoted ?? false,
            photoUploadIds: (input.photoUploadIds as string[] | undefined) ?? before?.photoUploadIds,
            pending: true,
          };
          const results = before ? insp.results.map((r) => (r.itemKey === key ? next : r)) : [...insp.results, next];
          return { ...insp, results, counts: countsOf(results) };
        });
        break;
      }
      case 'CompleteInspection':
        list = list.map((i) => (i.id === input.inspectionId ? { ...i, status: 'COMPLETED', pending: true } : i));
        break;
      default:
        break;
    }
  }
  return list;
}

export async function loadInspections(jobId: string): Promise<Inspection[] | null> {
  const server = await serverInspections(jobId);
  const ops = outboxStore.get();
  if (!server && !ops.some((o) => o.jobId === jobId && INSPECTION_OPS.includes(o.operationName as Name))) return null;
  return applyInspectionOps(jobId, server ?? [], ops);
}

// ---- changes (through the outbox) ----------------------------------------------------------------

function queue(name: Name, jobId: string, input: Record<string, unknown>, local?: Record<string, unknown>) {
  return enqueue({ operationName: name, query: INSPECTION_MUTATIONS[name], input, jobId, local });
}

export const inspectionActions = {
  start: async (jobId: string, template: Template, by: { id: string; name: string } | null): Promise<string> => {
    const id = uuidv7();
    await queue('StartInspection', jobId, { id, jobId, templateId: template.id }, { template, by });
    return id;
  },
  /** Records what the user set on one item; `photoUploadIds` is the item's whole list of photos. */
  record: (
    jobId: string,
    inspectionId: string,
    itemKey: string,
    change: { condition?: Condition | null; value?: string | null; note?: string | null; photoUploadIds?: string[] },
  ) => queue('RecordInspectionResult', jobId, { inspectionId, itemKey, ...change }),
  complete: (jobId: string, inspectionId: string) => queue('CompleteInspection', jobId, { inspectionId }),
};

/** Upload ids of an item's photos that the user took on this device (queued, uploading or waiting for the link). */
export function devicePhotos(photos: PhotoRecord[], inspectionId: string, itemKey: string): PhotoRecord[] {
  return photos.filter((p) => p.inspectionItem === `${inspectionId}:${itemKey}`);
}

// An accepted inspection change: read the job's inspections again (the server computed colours and counts).
let watching = false;
export function watchInspectionOps(): void {
  if (watching) return;
  watching = true;
  let before = new Map<string, string | undefined>();
  const snapshot = () => new Map(outboxStore.get().filter((o) => INSPECTION_OPS.includes(o.operationName as Name)).map((o) => [o.id, o.jobId]));
  before = snapshot();
  outboxStore.subscribe(() => {
    const now = snapshot();
    const jobs = new Set<string>();
    for (const [id, jobId] of before) if (!now.has(id) && jobId) jobs.add(jobId);
    before = now;
    bump();
    if (onlineStore.get()) for (const jobId of jobs) void refreshInspections(jobId).catch(() => undefined);
  });
}
