// The technician's data: their jobs (with tasks and parts requests), the task catalog and the items, kept in
// IndexedDB and refreshed from the server when online. Screens read the device copy first, so they open offline
// and after a reload. Every change goes through the outbox; what the screen shows is the server's copy with the
// queued changes applied on top (optimistic), so a change is visible at once and disappears only if discarded.
import { authedGraphql } from './auth';
import { db, type OutboxOp } from './db';
import { enqueue, outboxStore } from './outbox';
import { getLocale } from './i18n';
import { createStore } from './store';
import type { ClockState, ItemRef, Job, JobTask, TaskAction, WarehouseItem } from './types';
import { uuidv7 } from './uuid';

const JOB_FIELDS = `id number status version operationsStream issuesReported promisedAt workDoneNotes updatedAt
  vehicle { id registrationDisplay make model }
  tasks { id name nameTh status version position }
  partsRequests { id quantity status note item { id sku nameEn nameTh unit oneOff } }`;

export const JOB_SUBSCRIPTION = `subscription JobUpdated($jobId: ID!) { jobUpdated(jobId: $jobId) { ${JOB_FIELDS} } }`;

const MY_JOBS = `query MyJobs { myJobs { ${JOB_FIELDS} } myClock { startedAt job { id } } }`;
const JOB = `query Job($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`;
const TASK_ACTIONS = `query TaskActions { taskActions(active: true) { id stream nameEn nameTh active } }`;
const ITEMS = `query WarehouseItems($after: String) {
  warehouseItems(first: 100, after: $after) {
    edges { node { id sku nameEn nameTh unit quantityOnHand active oneOff } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const SITE_STOCK = `query SiteStock($jobId: ID!) { job(id: $jobId) { id site { id } } warehouses { id siteId } }`;
const WAREHOUSE_STOCK = `query WarehouseStock($id: ID!) { warehouseStock(warehouseId: $id) { itemId available } }`;

/**
 * What the job's site has on its shelf, per item (available: on hand less what is held for other jobs). Fetched
 * when online and kept on the phone, so the last figures show offline; null when never fetched.
 */
export async function loadSiteStock(jobId: string): Promise<Record<string, number> | null> {
  const key = `siteStock:${jobId}`;
  try {
    const where = await authedGraphql<{ job: { site: { id: string } | null } | null; warehouses: { id: string; siteId: string | null }[] }>(SITE_STOCK, { jobId });
    const warehouse = where.warehouses.find((w) => w.siteId && w.siteId === where.job?.site?.id);
    if (!warehouse) return null;
    const rows = await authedGraphql<{ warehouseStock: { itemId: string; available: number }[] }>(WAREHOUSE_STOCK, { id: warehouse.id });
    const figures = Object.fromEntries(rows.warehouseStock.map((r) => [r.itemId, r.available]));
    await (await db()).put('meta', figures, key);
    return figures;
  } catch {
    return ((await (await db()).get('meta', key)) as Record<string, number> | undefined) ?? null;
  }
}

const ERR = 'errors { field code message }';
export const MUTATIONS = {
  StartJob: `mutation StartJob($input: StartJobInput!) { startJob(input: $input) { job { ${JOB_FIELDS} } ${ERR} } }`,
  ClockOnJob: `mutation ClockOnJob($input: ClockInput!) { clockOnJob(input: $input) { entry { startedAt } job { ${JOB_FIELDS} } ${ERR} } }`,
  ClockOffJob: `mutation ClockOffJob($input: ClockInput!) { clockOffJob(input: $input) { entry { startedAt } job { ${JOB_FIELDS} } ${ERR} } }`,
  AddJobTask: `mutation AddJobTask($input: AddJobTaskInput!) { addJobTask(input: $input) { task { id } job { ${JOB_FIELDS} } ${ERR} } }`,
  CompleteJobTask: `mutation CompleteJobTask($input: JobTaskActionInput!) { completeJobTask(input: $input) { task { id } job { ${JOB_FIELDS} } ${ERR} } }`,
  RequestParts: `mutation RequestParts($input: RequestPartsInput!) { requestParts(input: $input) { partsRequest { id } job { ${JOB_FIELDS} } ${ERR} } }`,
  UpdateJobNotes: `mutation UpdateJobNotes($input: UpdateJobNotesInput!) { updateJobNotes(input: $input) { job { ${JOB_FIELDS} } ${ERR} } }`,
  CompleteJob: `mutation CompleteJob($input: CompleteJobInput!) { completeJob(input: $input) { job { ${JOB_FIELDS} } ${ERR} } }`,
} as const;
export type OperationName = keyof typeof MUTATIONS;

/** Bumped whenever the device copy changes, so screens read it again. */
export const cacheVersion = createStore(0);
const bump = () => cacheVersion.set(cacheVersion.get() + 1);
outboxStore.subscribe(bump);

// ---- names in the reader's language ----------------------------------------------------------

export function taskName(t: Pick<JobTask, 'name' | 'nameTh'>): string {
  return getLocale() === 'th' && t.nameTh ? t.nameTh : t.name;
}

export function itemName(i: Pick<ItemRef, 'nameEn' | 'nameTh'>): string {
  return getLocale() === 'th' && i.nameTh ? i.nameTh : i.nameEn;
}

export function actionName(a: Pick<TaskAction, 'nameEn' | 'nameTh'>): string {
  return getLocale() === 'th' && a.nameTh ? a.nameTh : a.nameEn;
}

// ---- refresh from the server ------------------------------------------------------------------

/** Fetches my jobs and my clock into IndexedDB. Throws ApiError when offline. */
export async function refreshMyJobs(userId: string): Promise<void> {
  const data = await authedGraphql<{ myJobs: Job[]; myClock: { startedAt: string; job: { id: string } | null } | null }>(MY_JOBS);
  const d = await db();
  const tx = d.transaction(['jobs', 'myJobs', 'meta'], 'readwrite');
  for (const job of data.myJobs) void tx.objectStore('jobs').put(job);
  void tx.objectStore('myJobs').put({ userId, ids: data.myJobs.map((j) => j.id), savedAt: Date.now() });
  const clock: ClockState = { jobId: data.myClock?.job?.id ?? null, startedAt: data.myClock?.startedAt ?? null };
  void tx.objectStore('meta').put(clock, `clock:${userId}`);
  await tx.done;
  bump();
}

export async function refreshJob(id: string): Promise<void> {
  const data = await authedGraphql<{ job: Job | null }>(JOB, { id });
  if (data.job) {
    await (await db()).put('jobs', data.job);
    bump();
  }
}

/** Stores a job as the server sent it (e.g. from a subscription). */
export async function storeJob(job: Job): Promise<void> {
  await (await db()).put('jobs', job);
  bump();
}

/** The catalog and the items, at most once every ten minutes unless forced. */
export async function refreshReference(force = false): Promise<void> {
  const d = await db();
  const last = ((await d.get('meta', 'referenceAt')) as number | undefined) ?? 0;
  if (!force && Date.now() - last < 10 * 60_000) return;
  const actions = await authedGraphql<{ taskActions: TaskAction[] }>(TASK_ACTIONS);
  const items: WarehouseItem[] = [];
  let after: string | null = null;
  for (let page = 0; page < 20; page++) {
    const res: { warehouseItems: { edges: { node: WarehouseItem }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } =
      await authedGraphql(ITEMS, { after });
    items.push(...res.warehouseItems.edges.map((e) => e.node));
    if (!res.warehouseItems.pageInfo.hasNextPage) break;
    after = res.warehouseItems.pageInfo.endCursor;
  }
  const tx = d.transaction(['taskActions', 'items', 'meta'], 'readwrite');
  await tx.objectStore('taskActions').clear();
  await tx.objectStore('items').clear();
  for (const a of actions.taskActions) void tx.objectStore('taskActions').put(a);
  for (const i of items) void tx.objectStore('items').put(i);
  void tx.objectStore('meta').put(Date.now(), 'referenceAt');
  await tx.done;
  bump();
}

// ---- the device view: server copy + queued changes ------------------------------------------------

function applies(op: OutboxOp): boolean {
  return op.status === 'queued' || op.status === 'sending';
}

/** The job as the user should see it: the server's copy with their queued changes on top. */
export function applyOps(job: Job, ops: OutboxOp[]): Job {
  let j: Job = { ...job, tasks: [...job.tasks], partsRequests: [...job.partsRequests] };
  for (const op of ops) {
    if (op.jobId !== job.id || !applies(op)) continue;
    const input = op.variables.input;
    switch (op.operationName as OperationName) {
      case 'StartJob':
        if (j.status === 'ASSIGNED') j.status = 'IN_PROGRESS';
        break;
      case 'AddJobTask':
        if (!j.tasks.some((t) => t.id === input.id)) {
          j.tasks.push({
            id: String(input.id),
            name: String(op.local?.nameEn ?? input.name ?? ''),
            nameTh: (op.local?.nameTh as string | undefined) ?? null,
            status: 'OPEN',
            version: 0,
            position: j.tasks.length,
            pending: true,
          });
        }
        break;
      case 'CompleteJobTask':
        j.tasks = j.tasks.map((t) => (t.id === input.id ? { ...t, status: 'COMPLETED', pending: true } : t));
        break;
      case 'RequestParts':
        if (!j.partsRequests.some((p) => p.id === input.id)) {
          j.partsRequests.push({
            id: String(input.id),
            quantity: Number(input.quantity),
            status: 'PENDING',
            note: (input.note as string | undefined) ?? null,
            item: (op.local?.item as ItemRef | undefined) ?? null,
            pending: true,
          });
          if (j.status === 'IN_PROGRESS') j.status = 'AWAITING_PARTS';
        }
        break;
      case 'UpdateJobNotes':
        if ('workDoneNotes' in input) j.workDoneNotes = input.workDoneNotes as string;
        break;
      case 'CompleteJob':
        if (input.workDoneNotes) j.workDoneNotes = input.workDoneNotes as string;
        j = { ...j, status: 'COMPLETED' };
        break;
      default:
        break;
    }
  }
  return j;
}

export async function loadMyJobs(userId: string): Promise<Job[] | null> {
  const d = await db();
  const mine = await d.get('myJobs', userId);
  if (!mine) return null;
  const ops = outboxStore.get();
  const jobs = await Promise.all(mine.ids.map((id) => d.get('jobs', id)));
  return jobs.filter((j): j is Job => !!j).map((j) => applyOps(j, ops));
}

export async function loadJob(id: string): Promise<Job | null> {
  const job = await (await db()).get('jobs', id);
  return job ? applyOps(job, outboxStore.get()) : null;
}

export async function loadClock(userId: string): Promise<ClockState> {
  const stored = ((await (await db()).get('meta', `clock:${userId}`)) as ClockState | undefined) ?? { jobId: null, startedAt: null };
  let clock = stored;
  for (const op of outboxStore.get()) {
    if (!applies(op)) continue;
    if (op.operationName === 'ClockOnJob') clock = { jobId: op.jobId ?? null, startedAt: new Date(op.createdAt).toISOString() };
    if (op.operationName === 'ClockOffJob' && clock.jobId === op.jobId) clock = { jobId: null, startedAt: null };
  }
  return clock;
}

export async function loadTaskActions(): Promise<TaskAction[]> {
  return (await db()).getAll('taskActions');
}

export async function loadItems(): Promise<WarehouseItem[]> {
  return (await db()).getAll('items');
}

/** Case- and accent-insensitive search over the given texts. */
export function matches(search: string, ...texts: (string | null | undefined)[]): boolean {
  const q = search.trim().toLowerCase();
  if (!q) return true;
  return texts.some((t) => (t ?? '').toLowerCase().includes(q));
}

// ---- actions (all through the outbox) -------------------------------------------------------------

function queue(operationName: OperationName, jobId: string, input: Record<string, unknown>, extra: { base?: Record<string, unknown>; local?: Record<string, unknown> } = {}) {
  return enqueue({ operationName, query: MUTATIONS[operationName], input, jobId, ...extra });
}

export const actions = {
  startJob: (jobId: string) => queue('StartJob', jobId, { jobId }),
  clockOn: (jobId: string) => queue('ClockOnJob', jobId, { jobId }),
  clockOff: (jobId: string) => queue('ClockOffJob', jobId, { jobId }),
  addCatalogTask: (jobId: string, action: TaskAction) =>
    queue('AddJobTask', jobId, { id: uuidv7(), jobId, taskActionId: action.id }, { local: { nameEn: action.nameEn, nameTh: action.nameTh ?? null } }),
  addCustomTask: (jobId: string, name: string) => queue('AddJobTask', jobId, { id: uuidv7(), jobId, name }, { local: { nameEn: name } }),
  completeTask: (jobId: string, taskId: string) => queue('CompleteJobTask', jobId, { id: taskId }),
  requestParts: (jobId: string, item: ItemRef, quantity: number, note: string) =>
    queue('RequestParts', jobId, { id: uuidv7(), jobId, itemId: item.id, quantity, note: note || null }, {
      local: { item: { id: item.id, sku: item.sku, nameEn: item.nameEn, nameTh: item.nameTh ?? null } },
    }),
  /** A part not in the catalog, by its description: the warehouse manager orders it for the job. */
  requestPartNotInCatalog: (jobId: string, description: string, quantity: number, note: string) =>
    queue('RequestParts', jobId, { id: uuidv7(), jobId, description, quantity, note: note || null }, {
      local: { item: { id: '', sku: '', nameEn: description, nameTh: null } },
    }),
  /**
   * `serverJob` is the server's copy (its version goes along); `seen` is the text the user started from. The server
   * refuses a stale version; the outbox then shows a conflict only when the notes themselves changed meanwhile.
   */
  updateNotes: (serverJob: Job, seen: string | null, workDoneNotes: string) =>
    queue('UpdateJobNotes', serverJob.id, { jobId: serverJob.id, workDoneNotes, expectedVersion: serverJob.version }, {
      base: { workDoneNotes: seen ?? null },
    }),
  completeJob: (jobId: string) => queue('CompleteJob', jobId, { jobId }),
};

/** The server's copy of a job (without queued changes), e.g. to take its version for an edit. */
export async function serverJob(id: string): Promise<Job | undefined> {
  return (await db()).get('jobs', id);
}
