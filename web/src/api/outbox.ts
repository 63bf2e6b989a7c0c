/**
 * The offline outbox in the browser: IndexedDB storage, fetch, Web Locks and the triggers that send
 * (app start, the network coming back, sign-in, a backoff timer). The rules live in outbox-core.ts.
 *
 * Writes that must survive being offline (create a request, decide an approval) call `queueWrite`
 * instead of the API client: the write is stored with its Idempotency-Key first, then sent as soon
 * as it can be, exactly once however often it is resent. Not Workbox's background sync, which drops
 * a request on any HTTP answer and deletes it before sending.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import {
  type AttentionEntry,
  dismiss as dismissEntry,
  errorOf,
  flush,
  type FlushOutcome,
  type LockRunner,
  type OutboxDeps,
  type OutboxEntry,
  type OutboxStorage,
  type OutboxWrite,
  queue,
  retryAsNew as retryEntryAsNew,
  type TransportAnswer,
} from './outbox-core';

export type { AttentionEntry, FlushOutcome, OutboxEntry, OutboxWrite, TransportAnswer } from './outbox-core';

const DB_NAME = 'portal-outbox';
const LOCK_NAME = 'portal-outbox';
const CHANNEL_NAME = 'portal-outbox';

interface OutboxDb extends DBSchema {
  pending: { key: string; value: OutboxEntry; indexes: { seq: number } };
  attention: { key: string; value: AttentionEntry };
}

let dbPromise: Promise<IDBPDatabase<OutboxDb>> | null = null;
function database(): Promise<IDBPDatabase<OutboxDb>> {
  dbPromise ??= openDB<OutboxDb>(DB_NAME, 1, {
    upgrade(db) {
      db.createObjectStore('pending', { keyPath: 'key' }).createIndex('seq', 'seq');
      db.createObjectStore('attention', { keyPath: 'key' });
    },
  });
  return dbPromise;
}

/** Tells this tab's store and every other tab's that the outbox changed. */
const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(CHANNEL_NAME);
const localListeners = new Set<() => void>();
function changed(): void {
  for (const listener of localListeners) listener();
  channel?.postMessage('changed');
}

/** The outbox in IndexedDB. Moving an entry to "needs attention" is one transaction over both stores. */
export const indexedDbStorage: OutboxStorage = {
  async pending() {
    return (await database()).getAllFromIndex('pending', 'seq');
  },
  async put(entry) {
    await (await database()).put('pending', entry);
    changed();
  },
  async remove(key) {
    await (await database()).delete('pending', key);
    changed();
  },
  async moveToAttention(entry) {
    const tx = (await database()).transaction(['pending', 'attention'], 'readwrite');
    await Promise.all([tx.objectStore('pending').delete(entry.key), tx.objectStore('attention').put(entry), tx.done]);
    changed();
  },
  async attention() {
    return (await database()).getAll('attention');
  },
  async removeAttention(key) {
    await (await database()).delete('attention', key);
    changed();
  },
};

/** One sender across tabs (Web Locks); where the API is missing, one per tab. */
let localBusy = false;
const withLock: LockRunner = async <T>(work: () => Promise<T>) => {
  if (typeof navigator !== 'undefined' && navigator.locks) {
    return navigator.locks.request(LOCK_NAME, { ifAvailable: true }, async (lock) => (lock ? work() : undefined)) as Promise<T | undefined>;
  }
  if (localBusy) return undefined;
  localBusy = true;
  try {
    return await work();
  } finally {
    localBusy = false;
  }
};

/** Sends one entry straight to the server (not through the service worker's caches or the API client's prompts). */
async function send(entry: OutboxEntry): Promise<TransportAnswer> {
  const response = await fetch(entry.path, {
    method: entry.method,
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': entry.key },
    body: JSON.stringify(entry.body ?? {}),
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: response.status, body };
}

export interface OutboxHooks {
  /** The signed-in person's username, or null. */
  currentUser(): string | null;
  /** The server asked for a sign-in while entries wait (401): the app offers it. */
  onSignInNeeded(): void;
}

let hooks: OutboxHooks | null = null;
const answers = new Map<string, { answer: TransportAnswer; kind: 'done' | 'refused' }>();
const answerWaiters = new Map<string, ((result: { answer: TransportAnswer; kind: 'done' | 'refused' }) => void)[]>();
let timer: ReturnType<typeof setTimeout> | null = null;
let lastOutcome: FlushOutcome | null = null;

function deps(): OutboxDeps {
  return {
    storage: indexedDbStorage,
    transport: send,
    withLock,
    now: () => Date.now(),
    newKey: () => crypto.randomUUID(),
    currentUser: () => hooks?.currentUser() ?? null,
    onAnswer(entry, answer, kind) {
      const result = { answer, kind };
      answers.set(entry.key, result);
      for (const resolve of answerWaiters.get(entry.key) ?? []) resolve(result);
      answerWaiters.delete(entry.key);
    },
  };
}

/**
 * Sends what is waiting, now (`force` skips the backoff: the network came back or the person signed
 * in). Safe to call any time from any tab: only one tab sends at once.
 */
let flushingHere = false;
let sendAgain = false;

export async function sendPending(options: { force?: boolean } = {}): Promise<FlushOutcome> {
  if (!hooks) return 'busy';
  if (flushingHere) {
    // This tab is sending already: it goes round once more when done, for what was queued meanwhile.
    sendAgain = true;
    return 'busy';
  }
  // Nobody signed in (yet): nothing of anyone's is sent; the sign-in sends it.
  if (!hooks.currentUser()) return 'signin';
  if (typeof navigator !== 'undefined' && navigator.onLine === false) return 'offline';
  flushingHere = true;
  let outcome: FlushOutcome;
  try {
    outcome = await flush(deps(), options).catch(() => 'later' as const);
  } finally {
    flushingHere = false;
  }
  if (sendAgain && outcome === 'done') {
    sendAgain = false;
    return sendPending(options);
  }
  sendAgain = false;
  lastOutcome = outcome;
  if (outcome === 'signin') hooks.onSignInNeeded();
  await scheduleRetry(outcome);
  return outcome;
}

/** After a passing failure, tries again when the first entry's backoff ends. */
async function scheduleRetry(outcome: FlushOutcome): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = null;
  if (outcome !== 'later' && outcome !== 'offline' && outcome !== 'busy') return;
  const user = hooks?.currentUser();
  const first = (await indexedDbStorage.pending()).find((e) => e.owner === user);
  if (!first) return;
  // Busy: another tab is sending; look again shortly in case it is closed mid-way.
  const wait = outcome === 'busy' ? 5000 : Math.max(1000, first.notBefore - Date.now());
  timer = setTimeout(() => void sendPending(), wait);
}

/**
 * Queues a write made by the signed-in person and tries to send it at once. Resolves when it is
 * stored (not when sent): the write is safe from then on, online or not.
 */
export async function queueWrite(write: OutboxWrite): Promise<OutboxEntry> {
  const owner = hooks?.currentUser();
  if (!owner) throw new Error('queueWrite needs a signed-in person');
  const entry = await queue(deps(), owner, write);
  void sendPending({ force: true });
  return entry;
}

/**
 * The final answer to a queued write, once there is one from this tab's sending (e.g. to open the
 * created request); null after `timeoutMs` (still waiting, or another tab sent it).
 */
export function answerFor(key: string, timeoutMs = 10_000): Promise<{ answer: TransportAnswer; kind: 'done' | 'refused' } | null> {
  const known = answers.get(key);
  if (known) return Promise.resolve(known);
  return new Promise((resolve) => {
    const timeout = setTimeout(() => resolve(null), timeoutMs);
    answerWaiters.set(key, [
      ...(answerWaiters.get(key) ?? []),
      (result) => {
        clearTimeout(timeout);
        resolve(result);
      },
    ]);
  });
}

export function listPending(): Promise<OutboxEntry[]> {
  return indexedDbStorage.pending();
}

export function listAttention(): Promise<AttentionEntry[]> {
  return indexedDbStorage.attention();
}

export function dismiss(key: string): Promise<void> {
  return dismissEntry({ storage: indexedDbStorage }, key);
}

export async function retryAsNew(entry: AttentionEntry): Promise<OutboxEntry> {
  const fresh = await retryEntryAsNew(deps(), entry);
  void sendPending({ force: true });
  return fresh;
}

/** Subscribes to changes from this tab and every other; returns the unsubscribe. */
export function onOutboxChange(listener: () => void): () => void {
  localListeners.add(listener);
  const fromOtherTabs = () => listener();
  channel?.addEventListener('message', fromOtherTabs);
  return () => {
    localListeners.delete(listener);
    channel?.removeEventListener('message', fromOtherTabs);
  };
}

export function lastFlushOutcome(): FlushOutcome | null {
  return lastOutcome;
}

/**
 * Starts sending: now (app start), whenever the network comes back, and on the timer after a
 * passing failure. Call `sendPending({force: true})` after a sign-in.
 */
export function startOutbox(appHooks: OutboxHooks): void {
  const first = hooks === null;
  hooks = appHooks;
  if (!first || typeof window === 'undefined' || !('indexedDB' in window)) return;
  window.addEventListener('online', () => void sendPending({ force: true }));
  void sendPending({ force: true });
}

export type SendOrQueueResult =
  /** Sent and accepted: the server's answer (e.g. the created request). */
  | { state: 'sent'; status: number; body: unknown }
  /** Refused by the server: it is also under "needs attention". */
  | { state: 'refused'; status: number; error: AttentionEntry['error'] }
  /** No answer yet (offline, signed out, slow): kept in the outbox and sent later, exactly once. */
  | { state: 'queued'; entry: OutboxEntry };

/**
 * For a form: queue the write, then wait a little for its answer, so online it behaves like a
 * normal call (open the created request; show a refusal in place) and offline it says "saved on
 * this device, it will be sent". Never sends twice: the waiting is only for the outbox's answer.
 */
export async function sendOrQueue(write: OutboxWrite, waitMs = 8000): Promise<SendOrQueueResult> {
  const entry = await queueWrite(write);
  const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
  const result = offline ? null : await answerFor(entry.key, waitMs);
  if (!result) return { state: 'queued', entry };
  if (result.kind === 'done') return { state: 'sent', status: result.answer.status, body: result.answer.body };
  return { state: 'refused', status: result.answer.status, error: errorOf(result.answer) };
}
