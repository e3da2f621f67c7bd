// The PWA's IndexedDB, through idb. The schema is typed and upgraded step by step: add a new
// `if (oldVersion < N)` block for each version, never edit an old one.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Customer, User } from './types';

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

interface MotoTrackDB extends DBSchema {
  /** The signed-in session; one record under the key "current". */
  session: { key: string; value: StoredSession };
  /** Last first page of customers per search text, shown when offline. */
  customers: { key: string; value: CachedCustomers };
}

export const DB_NAME = 'mototrack';
export const DB_VERSION = 1;

let dbPromise: Promise<IDBPDatabase<MotoTrackDB>> | null = null;

export function db(): Promise<IDBPDatabase<MotoTrackDB>> {
  dbPromise ??= openDB<MotoTrackDB>(DB_NAME, DB_VERSION, {
    upgrade(database, oldVersion) {
      if (oldVersion < 1) {
        database.createObjectStore('session');
        database.createObjectStore('customers', { keyPath: 'key' });
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

/** Removes everything that belongs to the signed-in user. */
export async function clearUserData(): Promise<void> {
  const d = await db();
  const tx = d.transaction(['session', 'customers'], 'readwrite');
  await Promise.all([tx.objectStore('session').clear(), tx.objectStore('customers').clear(), tx.done]);
}

export async function cacheCustomers(entry: CachedCustomers): Promise<void> {
  await (await db()).put('customers', entry);
}

export async function cachedCustomers(key: string): Promise<CachedCustomers | undefined> {
  return (await db()).get('customers', key);
}
