/**
 * The offline copy in IndexedDB: the articles kept for reading, the serialised index, and where
 * the last sync stopped. One database per browser profile, bound to the person it was made for.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { OfflineArticle } from './search-index';
import { KB_DB_NAME as DB_NAME } from './db-name';

const DB_VERSION = 1;

/**
 * One article the base has in the person's languages. Articles beyond the budget are kept as a
 * stub (no body, not indexed): it still counts in "N of M", and its view count can bring it back.
 */
export interface StoredArticle extends OfflineArticle {
  /** Indexed and readable offline. */
  kept: boolean;
  /** Length of its Markdown (the body of a stub is empty). */
  chars: number;
}

/** Where the copy stands. */
export interface CopyState {
  /** Username it was made for: another person never reads it. */
  owner: string;
  /** Languages it holds (the UI language and English); another set starts afresh. */
  locales: string[];
  /** The export cursor to ask from next time; null for everything. */
  cursor: number | null;
  /** Published articles the base has in these languages, as the server last said. */
  total: number;
  /** Articles kept (indexed, readable); counted at each sync so opening the copy reads no articles. */
  kept: number;
  /** Articles known, kept or not. */
  known: number;
  syncedAt: string | null;
}

interface KbOfflineDb extends DBSchema {
  articles: { key: number; value: StoredArticle; indexes: { slug: string } };
  state: { key: 'state'; value: CopyState };
  /** The serialised MiniSearch index (`toJSON`), loaded without re-reading every article. */
  index: { key: 'index'; value: string };
}

export type KbDb = IDBPDatabase<KbOfflineDb>;

const STORES = ['articles', 'state', 'index'] as const;

export async function openKbDb(onBlocking: () => void): Promise<KbDb> {
  const db = await openAtVersion(onBlocking);
  if (STORES.every((name) => db.objectStoreNames.contains(name))) return db;
  // A database of this name and version without our stores (created empty by an open that asked
  // for no version, e.g. one racing a sign-out's deletion) is never upgraded: start it afresh.
  db.close();
  await deleteKbDb();
  return openAtVersion(onBlocking);
}

function openAtVersion(onBlocking: () => void): Promise<KbDb> {
  return openDB<KbOfflineDb>(DB_NAME, DB_VERSION, {
    upgrade(db) {
      const articles = db.createObjectStore('articles', { keyPath: 'id' });
      articles.createIndex('slug', 'slug');
      db.createObjectStore('state');
      db.createObjectStore('index');
    },
    // Sign-out deletes the database from the page: let go at once so the deletion is not held up.
    blocking: onBlocking,
  });
}

export async function readState(db: KbDb): Promise<CopyState | null> {
  return (await db.get('state', 'state')) ?? null;
}

/** Empties the copy and records whom it now belongs to. */
export async function resetCopy(db: KbDb, owner: string, locales: string[]): Promise<CopyState> {
  const state: CopyState = { owner, locales, cursor: null, total: 0, kept: 0, known: 0, syncedAt: null };
  const tx = db.transaction(['articles', 'state', 'index'], 'readwrite');
  await Promise.all([tx.objectStore('articles').clear(), tx.objectStore('index').clear(), tx.objectStore('state').put(state, 'state'), tx.done]);
  return state;
}

/** Deletes the whole offline copy (sign-out, a 401, another person). Safe to call when there is none. */
export function deleteKbDb(): Promise<void> {
  if (typeof indexedDB === 'undefined') return Promise.resolve();
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = () => resolve();
    request.onerror = () => resolve();
    // Blocked: an open connection has not let go yet; it will, and the deletion then completes.
    request.onblocked = () => undefined;
  });
}
