/// <reference lib="webworker" />
/**
 * The offline knowledge-base search, off the page's thread: loads (or builds) the index, keeps it
 * in step with `GET /api/kb/export?since=` and answers searches and article reads. Loading 10,000
 * articles' index takes a phone most of a second; here that never stalls typing or scrolling.
 */
import type { ExportPage, OfflineArticleCopy, OfflineKbStatus, OfflineSearchResult, WorkerCall, WorkerReply } from './protocol';
import { parseExportPage } from './protocol';
import type { KbLocale } from '../../../../../shared/kb';
import {
  buildIndex,
  capArticles,
  DEFAULT_BUDGET,
  loadIndex,
  removeIndexed,
  searchIndex,
  suggestIndex,
  serializeIndex,
  snippetOf,
  upsertIndexed,
  type OfflineArticle,
  type OfflineIndex,
  type OfflineSearchFilters,
} from './search-index';
import { openKbDb, readState, resetCopy, type CopyState, type KbDb, type StoredArticle } from './storage';

declare const self: DedicatedWorkerGlobalScope;

/** Pages of changes fetched per sync at most: a first sync of a huge base continues next time. */
const MAX_PAGES_PER_SYNC = 200;
/** Above this many changes the index is rebuilt rather than patched (patching leaves work for vacuum). */
const REBUILD_ABOVE = 500;

let db: KbDb | null = null;
let state: CopyState | null = null;
let index: OfflineIndex | null = null;
/**
 * Languages the person switched to, not yet in the copy. The copy of the old ones stays (and keeps
 * answering) until a sync has fetched the new languages completely; then one IndexedDB transaction
 * swaps it. Someone offline who switches language keeps a copy to read.
 */
let pendingLocales: string[] | null = null;
const status: OfflineKbStatus = { ready: false, kept: 0, total: 0, syncedAt: null, syncing: false, lastSyncFailed: false };

function announce(): void {
  self.postMessage({ call: null, status: { ...status } } satisfies WorkerReply);
}

function closeDb(): void {
  db?.close();
  db = null;
  state = null;
  index = null;
  pendingLocales = null;
  Object.assign(status, { ready: false, kept: 0, total: 0, syncedAt: null, syncing: false, lastSyncFailed: false });
  announce();
}

function countStatus(copy: CopyState): void {
  status.kept = copy.kept ?? 0;
  status.total = Math.max(copy.known ?? 0, copy.total ?? 0);
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

async function open(owner: string, locales: string[]): Promise<OfflineKbStatus> {
  if (db && state && state.owner === owner) {
    // The same person: other languages wait for the next sync to swap them in (see pendingLocales).
    pendingLocales = sameSet(state.locales, locales) ? null : locales;
    return { ...status };
  }
  db ??= await openKbDb(closeDb);
  const stored = await readState(db);
  if (stored && stored.owner === owner) {
    state = stored;
    pendingLocales = sameSet(stored.locales, locales) ? null : locales;
  } else {
    // Another person's copy: start afresh (the old one is deleted, not hidden).
    state = await resetCopy(db, owner, locales);
    pendingLocales = null;
  }
  const json = await db.get('index', 'index');
  index = json ? loadIndex(json) : null;
  countStatus(state);
  Object.assign(status, { ready: index !== null, syncedAt: state.syncedAt });
  announce();
  return { ...status };
}

/** Asks the server for what changed since the cursor, page by page. Null: signed out (the copy is gone). */
async function fetchChanges(since: number | null, locales: readonly string[]): Promise<{ pages: ExportPage[]; cursor: number | null; total: number } | null> {
  const pages: ExportPage[] = [];
  let cursor = since;
  let total = 0;
  for (let n = 0; n < MAX_PAGES_PER_SYNC; n += 1) {
    const query = new URLSearchParams(locales.map((locale) => ['locale', locale]));
    if (cursor !== null) query.set('since', String(cursor));
    const response = await fetch(`/api/kb/export?${query}`, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (response.status === 401) return null;
    if (!response.ok) throw new Error(`export answered ${response.status}`);
    const page = parseExportPage(await response.json());
    if (!page) throw new Error('export answer not understood');
    pages.push(page);
    cursor = page.cursor;
    total = page.total;
    if (!page.more) break;
  }
  return { pages, cursor, total };
}

function stub(article: StoredArticle): StoredArticle {
  return { ...article, body: '', kept: false };
}

/**
 * A copy in other languages, fetched whole and swapped in by one transaction: until it commits,
 * the old copy stays on the device and in use (a failed fetch, offline, leaves it as it was).
 */
async function swapLanguages(database: KbDb, copy: CopyState, locales: string[]): Promise<OfflineKbStatus> {
  const changes = await fetchChanges(null, locales);
  if (!changes) {
    // The session is over: nobody may keep reading this person's copy.
    state = await resetCopy(database, copy.owner, locales);
    index = null;
    pendingLocales = null;
    countStatus(state);
    Object.assign(status, { ready: false, syncedAt: null, lastSyncFailed: true });
    return { ...status };
  }
  const wanted = new Set(locales);
  const latest = new Map<number, OfflineArticle>();
  for (const page of changes.pages) {
    for (const article of page.articles) {
      if (wanted.has(article.locale)) latest.set(article.id, article);
      else latest.delete(article.id);
    }
    for (const id of page.removed) latest.delete(id);
  }
  const all: StoredArticle[] = [...latest.values()].map((article) => ({ ...article, kept: true, chars: article.body.length }));
  const keptIds = new Set(capArticles(all, DEFAULT_BUDGET).kept.map((a) => a.id));
  const stored = all.map((article) => (keptIds.has(article.id) ? article : stub(article)));
  const nextIndex = buildIndex(stored.filter((a) => a.kept));
  const nextState: CopyState = {
    owner: copy.owner,
    locales,
    cursor: changes.cursor,
    total: changes.total,
    kept: keptIds.size,
    known: stored.length,
    syncedAt: new Date().toISOString(),
  };
  const tx = database.transaction(['articles', 'state', 'index'], 'readwrite');
  const articles = tx.objectStore('articles');
  void articles.clear();
  for (const article of stored) void articles.put(article);
  void tx.objectStore('index').put(serializeIndex(nextIndex), 'index');
  void tx.objectStore('state').put(nextState, 'state');
  await tx.done;
  // Committed: the new copy replaces the old one in memory too, in one step for readers.
  state = nextState;
  index = nextIndex;
  if (pendingLocales && sameSet(pendingLocales, locales)) pendingLocales = null;
  countStatus(nextState);
  Object.assign(status, { ready: true, syncedAt: nextState.syncedAt, lastSyncFailed: false });
  return { ...status };
}

async function sync(): Promise<OfflineKbStatus> {
  if (!db || !state) throw new Error('not open');
  const database = db;
  const copy = state;
  status.syncing = true;
  announce();
  try {
    if (pendingLocales) return await swapLanguages(database, copy, pendingLocales);
    const changes = await fetchChanges(copy.cursor, copy.locales);
    if (!changes) {
      // The session is over: nobody may keep reading this person's copy.
      state = await resetCopy(database, copy.owner, copy.locales);
      index = null;
      countStatus(state);
      Object.assign(status, { ready: false, syncedAt: null, lastSyncFailed: true });
      return { ...status };
    }
    const wanted = new Set(copy.locales);
    const upserts = new Map<number, OfflineArticle>();
    const removed = new Set<number>();
    for (const page of changes.pages) {
      for (const article of page.articles) {
        if (wanted.has(article.locale)) {
          upserts.set(article.id, article);
          removed.delete(article.id);
        } else {
          upserts.delete(article.id);
          removed.add(article.id);
        }
      }
      for (const id of page.removed) {
        upserts.delete(id);
        removed.add(id);
      }
    }

    if (upserts.size === 0 && removed.size === 0 && index !== null) {
      // Nothing changed: only the cursor moves (and the server's count may have).
      const nextState: CopyState = { ...copy, cursor: changes.cursor, total: changes.total, syncedAt: new Date().toISOString() };
      await database.put('state', nextState, 'state');
      state = nextState;
      countStatus(nextState);
      Object.assign(status, { ready: true, syncedAt: nextState.syncedAt, lastSyncFailed: false });
      return { ...status };
    }

    // Decide what to keep over the whole base as it now is: the most viewed within the budget.
    const existing = new Map((await database.getAll('articles')).map((a) => [a.id, a]));
    for (const id of removed) existing.delete(id);
    const candidates = new Map<number, StoredArticle>(existing);
    for (const [id, article] of upserts) candidates.set(id, { ...article, kept: true, chars: article.body.length });
    // A stub's body is not here: it can only be kept again once the server sends it anew.
    const keepable = [...candidates.values()].filter((a) => a.kept || upserts.has(a.id));
    const keptIds = new Set(capArticles(keepable, DEFAULT_BUDGET).kept.map((a) => a.id));

    const toIndex: OfflineArticle[] = [];
    const toUnindex: number[] = [...removed];
    const writes: StoredArticle[] = [];
    for (const article of candidates.values()) {
      const keep = keptIds.has(article.id);
      const changed = upserts.has(article.id);
      if (keep && changed) {
        toIndex.push(article);
        writes.push({ ...article, kept: true });
      } else if (!keep && (changed || article.kept)) {
        toUnindex.push(article.id);
        writes.push(stub(article));
      }
    }

    const rebuild = index === null || toIndex.length + toUnindex.length > REBUILD_ABOVE;
    const tx = database.transaction(['articles', 'state', 'index'], 'readwrite');
    const articles = tx.objectStore('articles');
    for (const id of removed) void articles.delete(id);
    for (const article of writes) void articles.put(article);
    await tx.done;

    const stored = new Map(candidates);
    for (const article of writes) stored.set(article.id, article);
    const kept = [...stored.values()].filter((a) => a.kept);
    if (rebuild) {
      index = buildIndex(kept);
    } else if (index) {
      for (const id of toUnindex) removeIndexed(index, id);
      for (const article of toIndex) upsertIndexed(index, article);
      if (index.dirtCount > 0) await index.vacuum();
    }
    const nextState: CopyState = {
      ...copy,
      cursor: changes.cursor,
      total: changes.total,
      kept: kept.length,
      known: stored.size,
      syncedAt: new Date().toISOString(),
    };
    const save = database.transaction(['state', 'index'], 'readwrite');
    if (index && (rebuild || toIndex.length + toUnindex.length > 0)) void save.objectStore('index').put(serializeIndex(index), 'index');
    void save.objectStore('state').put(nextState, 'state');
    await save.done;
    state = nextState;
    countStatus(nextState);
    Object.assign(status, { ready: index !== null, syncedAt: nextState.syncedAt, lastSyncFailed: false });
    return { ...status };
  } catch (error) {
    status.lastSyncFailed = true;
    throw error;
  } finally {
    status.syncing = false;
    announce();
  }
}

async function search(query: string, filters: OfflineSearchFilters, suggest = false): Promise<OfflineSearchResult[]> {
  if (!db || !index) return [];
  // Languages switched but not swapped in yet: search what the copy holds rather than nothing.
  if (pendingLocales && state && filters.locales && sameSet(filters.locales, pendingLocales)) filters = { ...filters, locales: state.locales };
  const results = suggest ? suggestIndex(index, query, filters) : searchIndex(index, query, filters);
  const database = db;
  return Promise.all(
    results.map(async ({ terms, ...result }) => {
      const article = await database.get('articles', result.id);
      return { ...result, locale: result.locale as KbLocale, snippet: article ? snippetOf(article.body, query, terms) : '' };
    }),
  );
}

/** The article with this slug, in the first of `locales` it exists in (else any language kept). */
async function article(slug: string, locales: string[]): Promise<OfflineArticleCopy | null> {
  if (!db) return null;
  const found = (await db.getAllFromIndex('articles', 'slug', slug)).filter((a) => a.kept);
  if (found.length === 0) return null;
  const rank = (a: StoredArticle) => {
    const at = locales.indexOf(a.locale);
    return at < 0 ? locales.length : at;
  };
  const best = found.sort((a, b) => rank(a) - rank(b))[0]!;
  const { id, title, body, locale, category, tags, updatedAt } = best;
  return { id, slug: best.slug, title, body, locale, category, tags, updatedAt };
}

async function clear(): Promise<null> {
  if (db && state) await resetCopy(db, state.owner, pendingLocales ?? state.locales);
  closeDb();
  return null;
}

async function handle(request: WorkerCall): Promise<unknown> {
  switch (request.type) {
    case 'open':
      return open(request.owner, request.locales);
    case 'sync':
      return sync();
    case 'search':
      return search(request.query, request.filters);
    case 'suggest':
      return search(request.text, request.filters, true);
    case 'article':
      return article(request.slug, request.locales);
    case 'clear':
      return clear();
  }
}

// Changes to the copy (open, sync, clear) run one at a time. Reads wait only for the copy to be
// opened, not for a sync's network round trip: a search while syncing answers from the index as it
// was (swapping in a new one is a single assignment, so a read never sees half of one).
let changes: Promise<unknown> = Promise.resolve();
let opened: Promise<unknown> = Promise.resolve();
self.addEventListener('message', (event: MessageEvent<WorkerCall>) => {
  const request = event.data;
  let run: Promise<unknown>;
  if (request.type === 'search' || request.type === 'suggest' || request.type === 'article') {
    run = opened.then(() => handle(request));
  } else {
    run = changes.then(() => handle(request));
    changes = run.catch(() => undefined);
    if (request.type !== 'sync') opened = changes;
  }
  run.then(
    (value) => self.postMessage({ call: request.call, ok: true, value } satisfies WorkerReply),
    (error: unknown) => self.postMessage({ call: request.call, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies WorkerReply),
  );
});
