/**
 * The page's handle on the offline knowledge base: `offlineKb.search(query, filters)` and
 * `offlineKb.article(slug)` answer from this device's copy (kept by a worker, see index.worker.ts),
 * and `offlineKb.status` says how much of the base is here. The copy belongs to the signed-in person:
 * `startOfflineKb` binds it (another person's copy is deleted), `forgetOfflineKb` deletes it.
 */
import { readonly, ref } from 'vue';
import type { OfflineArticleCopy, OfflineKbStatus, OfflineSearchResult, WorkerCall, WorkerReply, WorkerRequest } from './protocol';
import type { OfflineSearchFilters } from './search-index';
import { offlineLocales } from './locales';
import { deleteKbDb } from './storage';

/** How often an open page catches up while online (besides at start and when the network returns). */
const SYNC_EVERY_MS = 15 * 60 * 1000;

const EMPTY: OfflineKbStatus = { ready: false, kept: 0, total: 0, syncedAt: null, syncing: false, lastSyncFailed: false };
const status = ref<OfflineKbStatus>({ ...EMPTY });

let worker: Worker | null = null;
let calls = 0;
const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
let bound: { owner: string; locales: string[] } | null = null;
let timer: ReturnType<typeof setInterval> | null = null;

function ensureWorker(): Worker {
  if (worker) return worker;
  const created = new Worker(new URL('./index.worker.ts', import.meta.url), { type: 'module', name: 'kb-offline' });
  created.addEventListener('message', (event: MessageEvent<WorkerReply>) => {
    const reply = event.data;
    if (reply.call === null) {
      status.value = reply.status;
      return;
    }
    const waiting = pending.get(reply.call);
    pending.delete(reply.call);
    if (!waiting) return;
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(new Error(reply.error));
  });
  worker = created;
  return created;
}

function ask<T>(request: WorkerRequest): Promise<T> {
  const target = ensureWorker();
  calls += 1;
  const call = calls;
  return new Promise<T>((resolve, reject) => {
    pending.set(call, { resolve: resolve as (value: unknown) => void, reject });
    target.postMessage({ ...request, call } satisfies WorkerCall);
  });
}


/** After a failed sync, try again after these pauses (the network often returns in stages). */
const RETRY_AFTER_MS = [3_000, 15_000, 60_000];
let retries = 0;
let retryTimer: ReturnType<typeof setTimeout> | null = null;

function syncNow(): Promise<OfflineKbStatus | null> {
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = null;
  if (!bound || (typeof navigator !== 'undefined' && !navigator.onLine)) return Promise.resolve(null);
  return ask<OfflineKbStatus>({ type: 'sync' }).then(
    (done) => {
      retries = 0;
      return done;
    },
    () => {
      const pause = RETRY_AFTER_MS[retries];
      retries += 1;
      if (pause !== undefined && bound) retryTimer = setTimeout(() => void syncNow(), pause);
      return null;
    },
  );
}

const onOnline = () => {
  retries = 0;
  void syncNow();
};

/**
 * Binds the offline copy to this person and language, then catches up with the server (at once,
 * when the network comes back, and every 15 minutes).
 */
export async function startOfflineKb(owner: string, uiLocale: string): Promise<void> {
  const locales = offlineLocales(uiLocale);
  if (bound && bound.owner === owner && bound.locales.join() === locales.join()) return;
  bound = { owner, locales };
  await ask<OfflineKbStatus>({ type: 'open', owner, locales });
  if (!timer) {
    window.addEventListener('online', onOnline);
    timer = setInterval(onOnline, SYNC_EVERY_MS);
  }
  await syncNow();
}

/** Deletes this device's copy (sign-out, session over): the next person finds nothing. */
export async function forgetOfflineKb(): Promise<void> {
  bound = null;
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = null;
  retries = 0;
  if (timer) {
    clearInterval(timer);
    timer = null;
    window.removeEventListener('online', onOnline);
  }
  if (worker) {
    worker.terminate();
    worker = null;
    for (const waiting of pending.values()) waiting.reject(new Error('offline copy closed'));
    pending.clear();
  }
  status.value = { ...EMPTY };
  await deleteKbDb();
}

export const offlineKb = {
  /** Where the copy stands (reactive). */
  status: readonly(status),
  /** Searches this device's copy. Empty when there is none (yet). */
  search(query: string, filters: OfflineSearchFilters = {}): Promise<OfflineSearchResult[]> {
    if (!bound) return Promise.resolve([]);
    return ask<OfflineSearchResult[]>({ type: 'search', query, filters: { locales: bound.locales, ...filters } });
  },
  /** Articles for a problem description, from this device's copy. */
  suggest(text: string, limit = 3): Promise<OfflineSearchResult[]> {
    if (!bound) return Promise.resolve([]);
    return ask<OfflineSearchResult[]>({ type: 'suggest', text, filters: { locales: bound.locales, limit } });
  },
  /** An article read from this device's copy, in the person's language when there is one; null when not kept. */
  article(slug: string): Promise<OfflineArticleCopy | null> {
    if (!bound) return Promise.resolve(null);
    return ask<OfflineArticleCopy | null>({ type: 'article', slug, locales: bound.locales });
  },
  /** Catches up with the server now (no-op offline). */
  sync: syncNow,
};
