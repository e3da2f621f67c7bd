// The outbox: GraphQL mutations made on the device wait in IndexedDB and are sent in the order they were made.
//
// - A network failure or a 5xx keeps the operation queued and retries later (backoff, the "online" event, app start,
//   a visible tab, and Background Sync through the service worker). Every operation carries a clientMutationId, so
//   a request that reached the server but whose answer was lost is answered from the server's record on replay.
// - Errors inside the payload (HTTP 200, `errors: [UserError]`) mean the server refused and changed nothing: the
//   operation stays, marked `failed` with the localized messages, until the user retries or discards it.
// - A CONFLICT (stale expectedVersion) keeps the operation with the server's current record (`theirs`) so the user
//   can choose; when the field the user edited did not change on the server, it is re-sent by itself.
import { ApiError } from './api';
import { authStore, authedGraphql } from './auth';
import { db, type OutboxOp } from './db';
import { createStore, useStore } from './store';
import type { Job, UserError } from './types';
import { uuidv7 } from './uuid';

/** The signed-in user's operations, in order. */
export const outboxStore = createStore<OutboxOp[]>([]);
export const syncingStore = createStore<boolean>(false);

const channel: BroadcastChannel | null = typeof BroadcastChannel === 'function' ? new BroadcastChannel('mototrack-outbox') : null;
const SYNC_TAG = 'mototrack-outbox';

function userId(): string | null {
  const s = authStore.get();
  return s.status === 'signedIn' ? s.user.id : null;
}

export async function loadOutbox(): Promise<OutboxOp[]> {
  const uid = userId();
  if (!uid) {
    outboxStore.set([]);
    return [];
  }
  const ops = (await (await db()).getAllFromIndex('outbox', 'byUser', uid)).sort((a, b) => (a.id < b.id ? -1 : 1));
  outboxStore.set(ops);
  return ops;
}

async function changed(): Promise<void> {
  await loadOutbox();
  channel?.postMessage('changed');
}

export function useOutbox(): OutboxOp[] {
  return useStore(outboxStore);
}

export interface NewOperation {
  operationName: string;
  query: string;
  input: Record<string, unknown>;
  jobId?: string;
  base?: Record<string, unknown>;
  local?: Record<string, unknown>;
}

/** Queues a mutation (adding its clientMutationId) and tries to send it at once. */
export async function enqueue(op: NewOperation): Promise<OutboxOp> {
  const uid = userId();
  if (!uid) throw new Error('not signed in');
  const id = uuidv7();
  const entry: OutboxOp = {
    id,
    userId: uid,
    operationName: op.operationName,
    query: op.query,
    variables: { input: { ...op.input, clientMutationId: id } },
    jobId: op.jobId,
    attempts: 0,
    status: 'queued',
    error: null,
    base: op.base,
    local: op.local,
    createdAt: Date.now(),
  };
  await (await db()).put('outbox', entry);
  await changed();
  void registerBackgroundSync();
  void drain();
  return entry;
}

/** Drops an operation the user gave up on (a refusal or a conflict where they took the server's version). */
export async function discard(id: string): Promise<void> {
  const d = await db();
  const op = await d.get('outbox', id);
  if (op?.status === 'conflict' && op.theirs) await d.put('jobs', op.theirs);
  await d.delete('outbox', id);
  await changed();
}

/** Sends a refused operation again (after the user fixed what was wrong), under a new clientMutationId. */
export async function retry(id: string, patch: Record<string, unknown> = {}): Promise<void> {
  const d = await db();
  const op = await d.get('outbox', id);
  if (!op) return;
  op.variables = { input: { ...op.variables.input, ...patch, clientMutationId: uuidv7() } };
  op.status = 'queued';
  op.error = null;
  await d.put('outbox', op);
  await changed();
  void drain();
}

/** Conflict, "keep mine": send the local value again over the server's current version. */
export async function keepMine(id: string): Promise<void> {
  const d = await db();
  const op = await d.get('outbox', id);
  if (!op || !op.theirs) return;
  const theirs = op.theirs;
  if (op.base) op.base = Object.fromEntries(Object.keys(op.base).map((k) => [k, (theirs as unknown as Record<string, unknown>)[k] ?? null]));
  op.theirs = null;
  await d.put('jobs', theirs);
  await d.put('outbox', op);
  await retry(id, { expectedVersion: theirs.version });
}

// ---- sending -----------------------------------------------------------------------------------

type Payload = { errors?: UserError[] | null; job?: Job | null; [key: string]: unknown };

let draining: Promise<void> | null = null;
let again = false;
let failures = 0;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

function scheduleRetry(): void {
  clearTimeout(retryTimer);
  failures += 1;
  const delay = Math.min(60_000, 2000 * 2 ** Math.min(failures - 1, 5)) * (0.75 + Math.random() / 2);
  retryTimer = setTimeout(() => void drain(), delay);
}

const FETCH_JOB = `query OutboxJob($id: ID!) { job(id: $id) { id version workDoneNotes status } }`;

async function sendOne(op: OutboxOp): Promise<'done' | 'stop' | 'next'> {
  const d = await db();
  op.status = 'sending';
  op.attempts += 1;
  await d.put('outbox', op);
  let data: Record<string, Payload>;
  try {
    data = await authedGraphql<Record<string, Payload>>(op.query, op.variables, { timeoutMs: 20_000 });
  } catch (e) {
    if (e instanceof ApiError && (e.retryable || e.kind === 'unauthenticated')) {
      op.status = 'queued';
      op.error = e.kind === 'unauthenticated' ? null : [{ code: 'NETWORK', message: e.message }];
      await d.put('outbox', op);
      return 'stop';
    }
    // A GraphQL error (forbidden, invalid document): the server did nothing; the user decides.
    op.status = 'failed';
    op.error = [{ code: e instanceof ApiError ? e.kind.toUpperCase() : 'ERROR', message: e instanceof Error ? e.message : String(e) }];
    await d.put('outbox', op);
    return 'next';
  }
  const payload = Object.values(data)[0] ?? {};
  const errors = payload.errors ?? [];
  if (!errors.length) {
    if (payload.job) await d.put('jobs', payload.job);
    await d.delete('outbox', op.id);
    return 'done';
  }
  if (errors.some((e) => e.code === 'CONFLICT')) {
    let theirs = payload.job ?? null;
    if (!theirs && op.jobId) {
      theirs = await authedGraphql<{ job: Job | null }>(FETCH_JOB, { id: op.jobId })
        .then((r) => r.job)
        .catch(() => null);
    }
    // Only the fields the user edited matter: when they are unchanged on the server, send again on its version.
    const base = op.base ?? {};
    const untouched =
      theirs && Object.keys(base).length > 0 && Object.keys(base).every((k) => ((theirs as unknown as Record<string, unknown>)[k] ?? null) === (base[k] ?? null));
    if (theirs && untouched && op.attempts < 5) {
      if (payload.job) await d.put('jobs', payload.job);
      op.variables = { input: { ...op.variables.input, expectedVersion: theirs.version, clientMutationId: uuidv7() } };
      op.status = 'queued';
      await d.put('outbox', op);
      return 'done'; // go round again: the list is read afresh
    }
    op.status = 'conflict';
    op.theirs = theirs;
    op.error = errors;
    await d.put('outbox', op);
    return 'next';
  }
  op.status = 'failed';
  op.error = errors;
  if (payload.job) await d.put('jobs', payload.job);
  await d.put('outbox', op);
  return 'next';
}

async function drainNow(): Promise<void> {
  const uid = userId();
  if (!uid || !navigator.onLine) return; // offline: the "online" event starts the next drain
  syncingStore.set(true);
  try {
    for (;;) {
      const ops = await loadOutbox();
      const next = ops.find((o) => o.status === 'queued' || o.status === 'sending');
      if (!next || userId() !== uid) break;
      const outcome = await sendOne(next);
      await changed();
      if (outcome === 'stop') {
        scheduleRetry();
        return;
      }
    }
    failures = 0;
    clearTimeout(retryTimer);
  } finally {
    syncingStore.set(false);
  }
}

/** Sends what is queued, in order; one drain at a time (across tabs too). */
export function drain(): Promise<void> {
  if (draining) {
    again = true;
    return draining;
  }
  const run = async () => {
    do {
      again = false;
      if (navigator.locks?.request) {
        await navigator.locks.request(SYNC_TAG, { ifAvailable: true }, async (lock) => (lock ? drainNow() : undefined));
      } else {
        await drainNow();
      }
    } while (again);
  };
  draining = run()
    .catch(() => scheduleRetry())
    .finally(() => {
      draining = null;
    });
  return draining;
}

/** Asks the service worker to wake the app (or itself) when the connection returns, where Background Sync exists. */
async function registerBackgroundSync(): Promise<void> {
  try {
    const reg = (await navigator.serviceWorker?.getRegistration()) as
      | (ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } })
      | undefined;
    await reg?.sync?.register(SYNC_TAG);
  } catch {
    /* not supported or not allowed: the online event and the retry timer still drain */
  }
}

let started = false;

/** Wires the triggers once: sign-in, the online event, a visible tab, other tabs, the service worker. */
export function startSync(): void {
  if (started) return;
  started = true;
  const kick = () => void drain();
  window.addEventListener('online', () => {
    failures = 0;
    kick();
  });
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && kick());
  channel?.addEventListener('message', () => void loadOutbox());
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if ((event.data as { type?: string } | null)?.type === 'DRAIN_OUTBOX') kick();
  });
  let lastUser: string | null = null;
  const onAuth = async () => {
    const uid = userId();
    if (uid === lastUser) return;
    lastUser = uid;
    if (!uid) {
      outboxStore.set([]);
      return;
    }
    // An operation left "sending" when the app was closed is sent again: its clientMutationId makes that safe.
    const d = await db();
    for (const op of await d.getAllFromIndex('outbox', 'byUser', uid)) {
      if (op.status === 'sending') await d.put('outbox', { ...op, status: 'queued' });
    }
    await loadOutbox();
    kick();
  };
  authStore.subscribe(() => void onAuth());
  void onAuth();
}

/** The number of changes not yet accepted by the server (queued, being sent, refused, in conflict). */
export function pendingCount(ops: OutboxOp[]): number {
  return ops.length;
}
