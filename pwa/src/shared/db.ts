// The PWA's IndexedDB, through idb. The schema is typed and upgraded step by step: add a new
// `if (oldVersion < N)` block for each version, never edit an old one.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Customer, Job, TaskAction, User, UserError, WarehouseItem } from './types';

export interface StoredSession {
  refreshToken: string;
  user: User;
  savedAt: number;
}

export interface CachedCustomers {
  key: string; // the search text
  customers: Customer[];
  hasNextPage: boolean;
  endCursor: string | null;
  savedAt: number;
}

export type OutboxStatus = 'queued' | 'sending' | 'failed' | 'conflict';

/** One GraphQL mutation waiting to reach the server, in the order it was made (ids are UUIDv7). */
export interface OutboxOp {
  id: string;
  userId: string;
  operationName: string;
  query: string;
  /** `{ input: {..., clientMutationId } }`; creates carry the client-chosen UUIDv7 `id`. */
  variables: { input: Record<string, unknown> };
  /** The job the change belongs to, so the screen can show it before the server has it. */
  jobId?: string;
  attempts: number;
  status: OutboxStatus;
  /** The server's refusal (localized messages), or the last network trouble while still queued. */
  error: UserError[] | null;
  /** For a conflict: the server's current record. */
  theirs?: Job | null;
  /** The values the edit started from (a stale edit is a conflict only when these changed on the server). */
  base?: Record<string, unknown>;
  /** Extra data for showing the change on the device (e.g. the chosen catalog entry's names). */
  local?: Record<string, unknown>;
  createdAt: number;
}

/** A photo taken on the device, resized, waiting to be uploaded (or uploaded and waiting for the server's link). */
export interface PhotoRecord {
  /** Chosen on the device: the upload's idempotency key (POST /files/upload `uploadId`). */
  uploadId: string;
  userId: string;
  jobId: string;
  /** `<inspectionId>:<itemKey>` for an inspection photo, else null (a document or photo on the job itself). */
  inspectionItem: string | null;
  ownerType: 'job' | 'vehicle' | 'customer';
  ownerId: string;
  kind: 'PHOTO' | 'DOCUMENT';
  name: string;
  blob: Blob;
  width: number;
  height: number;
  status: 'queued' | 'uploading' | 'uploaded' | 'failed';
  attempts: number;
  /** When to try again after a network failure (ms since the epoch). */
  nextAt: number;
  error: UserError | null;
  /** The server's attachment, once uploaded. */
  attachmentId: string | null;
  createdAt: number;
}

export interface CachedJobs {
  userId: string;
  ids: string[];
  savedAt: number;
}

interface MotoTrackDB extends DBSchema {
  /** The signed-in session; one record under the key "current". */
  session: { key: string; value: StoredSession };
  /** Last first page of customers per search text, shown when offline. */
  customers: { key: string; value: CachedCustomers };
  /** v2: the server's copy of the technician's jobs, with tasks and parts requests. */
  jobs: { key: string; value: Job };
  /** v2: which jobs are "mine" (the last myJobs answer), per user. */
  myJobs: { key: string; value: CachedJobs };
  /** v2: the task-action catalog. */
  taskActions: { key: string; value: TaskAction };
  /** v2: the warehouse items a technician may request. */
  items: { key: string; value: WarehouseItem };
  /** v2: queued GraphQL operations, replayed in key (creation) order. */
  outbox: { key: string; value: OutboxOp; indexes: { byUser: string } };
  /** v2: small values: the clock, when the catalog was last refreshed, ... */
  meta: { key: string; value: unknown };
  /** v3: photos (and documents) waiting to be uploaded, with their resized bytes. */
  photos: { key: string; value: PhotoRecord; indexes: { byUser: string } };
}

export const DB_NAME = 'mototrack';
export const DB_VERSION = 3;

let dbPromise: Promise<IDBPDatabase<MotoTrackDB>> | null = null;

export function db(): Promise<IDBPDatabase<MotoTrackDB>> {
  dbPromise ??= openDB<MotoTrackDB>(DB_NAME, DB_VERSION, {
    upgrade(database, oldVersion) {
      if (oldVersion < 1) {
        database.createObjectStore('session');
        database.createObjectStore('customers', { keyPath: 'key' });
      }
      if (oldVersion < 2) {
        database.createObjectStore('jobs', { keyPath: 'id' });
        database.createObjectStore('myJobs', { keyPath: 'userId' });
        database.createObjectStore('taskActions', { keyPath: 'id' });
        database.createObjectStore('items', { keyPath: 'id' });
        const outbox = database.createObjectStore('outbox', { keyPath: 'id' });
        outbox.createIndex('byUser', 'userId');
        database.createObjectStore('meta');
      }
      if (oldVersion < 3) {
        database.createObjectStore('photos', { keyPath: 'uploadId' }).createIndex('byUser', 'userId');
      }
    },
    blocking() {
      // A newer version of the app wants to upgrade: let it.
      void dbPromise?.then((d) => d.close());
      dbPromise = null;
    },
  });
  return dbPromise;
}

export async function loadSession(): Promise<StoredSession | undefined> {
  return (await db()).get('session', 'current');
}

export async function saveSession(session: StoredSession): Promise<void> {
  await (await db()).put('session', session, 'current');
}

/**
 * Removes what belongs to the signed-in user. The outbox stays unless `discardOutbox`: changes not yet sent
 * are sent when the same user signs in again (an expired session must not lose them).
 */
export async function clearUserData(discardOutbox = false): Promise<void> {
  const d = await db();
  const names = ['session', 'customers', 'jobs', 'myJobs', 'taskActions', 'items', 'meta'] as const;
  // queued photos stay with the outbox (the changes that name them are sent when the same user signs in again)
  const all = discardOutbox ? [...names, 'outbox' as const, 'photos' as const] : names;
  const tx = d.transaction(all, 'readwrite');
  await Promise.all([...all.map((n) => tx.objectStore(n).clear()), tx.done]);
}

export async function cacheCustomers(entry: CachedCustomers): Promise<void> {
  await (await db()).put('customers', entry);
}

export async function cachedCustomers(key: string): Promise<CachedCustomers | undefined> {
  return (await db()).get('customers', key);
}
