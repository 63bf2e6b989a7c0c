/**
 * The offline outbox's rules, free of the browser: storage, the network, the lock and the clock
 * are handed in, so the same code runs in the app (IndexedDB, fetch, Web Locks; see outbox.ts)
 * and in the model test (memory, a simulated server; tests/unit/outbox-model.test.ts).
 *
 * A write is queued with an Idempotency-Key made when it is queued, so however often it is sent
 * (lost answers, reloads, two tabs) the server applies it once. An entry leaves the outbox only on
 * a final answer: success (gone), or a refusal (moved, in the same storage step, to "needs
 * attention", where the person sees it). Everything else keeps it: no network, 5xx, 408, 429, 409
 * "still in progress" (retried with backoff), and 401 (kept; the app asks the person to sign in).
 */

export type OutboxMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface OutboxWrite {
  method: OutboxMethod;
  /** An API path, e.g. `/api/requests`. */
  path: string;
  body: unknown;
  /** What the person did, in their words, shown while it waits or if it is refused. */
  label: string;
}

export interface OutboxEntry extends OutboxWrite {
  /** The Idempotency-Key, made when the write was queued; also the entry's id. */
  key: string;
  /** Queue order: entries are sent oldest first. */
  seq: number;
  /** Who queued it: it is only ever sent under that person's session. */
  owner: string;
  queuedAt: number;
  attempts: number;
  /** Not sent again (automatically) before this time. */
  notBefore: number;
}

export interface OutboxError {
  code: string;
  message: string;
  fields?: Record<string, string>;
}

/** A refused write, kept for the person to read and dismiss or send again as a new write. */
export interface AttentionEntry extends OutboxEntry {
  status: number;
  error: OutboxError;
  refusedAt: number;
}

/** The small storage interface: IndexedDB in the browser, memory in the model test. */
export interface OutboxStorage {
  /** Pending entries, oldest first. */
  pending(): Promise<OutboxEntry[]>;
  put(entry: OutboxEntry): Promise<void>;
  remove(key: string): Promise<void>;
  /** Removes the pending entry and adds it to "needs attention" in one atomic step. */
  moveToAttention(entry: AttentionEntry): Promise<void>;
  attention(): Promise<AttentionEntry[]>;
  removeAttention(key: string): Promise<void>;
}

export interface TransportAnswer {
  status: number;
  body: unknown;
}

/** Sends one entry with its Idempotency-Key; throws when no answer came back (offline, dropped). */
export type Transport = (entry: OutboxEntry) => Promise<TransportAnswer>;

/**
 * Runs `work` while holding the one outbox lock shared by every tab (Web Locks), or returns
 * undefined without running it when another tab holds it (that tab is sending already).
 */
export type LockRunner = <T>(work: () => Promise<T>) => Promise<T | undefined>;

export interface OutboxDeps {
  storage: OutboxStorage;
  transport: Transport;
  withLock: LockRunner;
  now(): number;
  newKey(): string;
  /** The signed-in person, or null. */
  currentUser(): string | null;
  /** Told of every final answer (the app shows the created request, the store refreshes). */
  onAnswer?(entry: OutboxEntry, answer: TransportAnswer, kind: 'done' | 'refused'): void;
}

/** What one flush ended with. */
export type FlushOutcome =
  /** Every due entry of the person was answered (sent or refused). */
  | 'done'
  /** Nothing answered: offline or the server unreachable; try again later. */
  | 'offline'
  /** The server wants a sign-in: the entries stay. */
  | 'signin'
  /** A passing refusal (5xx, 408, 429, in progress): retried after a backoff. */
  | 'later'
  /** Another tab is sending. */
  | 'busy';

export type AnswerKind = 'done' | 'refused' | 'signin' | 'retry';

const TRANSIENT_CODES = new Set(['idempotency_in_progress']);

/** How an HTTP answer to a queued write is treated. */
export function classifyAnswer(answer: TransportAnswer): AnswerKind {
  const { status } = answer;
  if (status >= 200 && status < 300) return 'done';
  if (status === 401) return 'signin';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  if (status === 409 && TRANSIENT_CODES.has(errorOf(answer).code)) return 'retry';
  return 'refused';
}

/** The server's error, or a stand-in when the body is not one. */
export function errorOf(answer: TransportAnswer): OutboxError {
  const error = (answer.body as { error?: Partial<OutboxError> } | null)?.error;
  if (error && typeof error.code === 'string') {
    return {
      code: error.code,
      message: typeof error.message === 'string' ? error.message : '',
      ...(error.fields && typeof error.fields === 'object' ? { fields: error.fields } : {}),
    };
  }
  return { code: `http_${answer.status}`, message: '' };
}

/** Backoff after a failed attempt: 2 s, 4 s, … up to 5 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(2000 * 2 ** Math.max(0, attempts - 1), 5 * 60_000);
}

let lastSeq = 0;
/** Increasing even within one millisecond and across reloads (time-based). */
function nextSeq(now: number): number {
  lastSeq = Math.max(lastSeq + 1, now * 1000);
  return lastSeq;
}

/** Stores a write for sending; returns the entry (its key is the Idempotency-Key). */
export async function queue(deps: Pick<OutboxDeps, 'storage' | 'now' | 'newKey'>, owner: string, write: OutboxWrite): Promise<OutboxEntry> {
  const now = deps.now();
  const entry: OutboxEntry = { ...write, key: deps.newKey(), seq: nextSeq(now), owner, queuedAt: now, attempts: 0, notBefore: now };
  await deps.storage.put(entry);
  return entry;
}

/**
 * Sends the signed-in person's pending entries, oldest first, while holding the lock. Stops at the
 * first entry that cannot be answered now (offline, sign-in, passing refusal), so later writes never
 * overtake an earlier one. `force` ignores backoff (the network just came back, the person signed in).
 */
export async function flush(deps: OutboxDeps, options: { force?: boolean } = {}): Promise<FlushOutcome> {
  const outcome = await deps.withLock(async () => {
    const user = deps.currentUser();
    if (!user) return 'signin' as const;
    // Read inside the lock: another tab may have sent (and removed) entries a moment ago.
    for (const entry of await deps.storage.pending()) {
      if (entry.owner !== user) continue;
      if (!options.force && entry.notBefore > deps.now()) return 'later' as const;
      let answer: TransportAnswer;
      try {
        answer = await deps.transport(entry);
      } catch {
        await deps.storage.put({ ...entry, attempts: entry.attempts + 1, notBefore: deps.now() + backoffMs(entry.attempts + 1) });
        return 'offline' as const;
      }
      const kind = classifyAnswer(answer);
      if (kind === 'done') {
        await deps.storage.remove(entry.key);
        deps.onAnswer?.(entry, answer, kind);
      } else if (kind === 'refused') {
        await deps.storage.moveToAttention({ ...entry, status: answer.status, error: errorOf(answer), refusedAt: deps.now() });
        deps.onAnswer?.(entry, answer, kind);
      } else if (kind === 'signin') {
        return 'signin' as const;
      } else {
        await deps.storage.put({ ...entry, attempts: entry.attempts + 1, notBefore: deps.now() + backoffMs(entry.attempts + 1) });
        return 'later' as const;
      }
    }
    return 'done' as const;
  });
  return outcome ?? 'busy';
}

/** Forgets a refused write (the person read it). */
export function dismiss(deps: Pick<OutboxDeps, 'storage'>, key: string): Promise<void> {
  return deps.storage.removeAttention(key);
}

/**
 * Sends a refused write again as a new write (a new Idempotency-Key: the old one's refusal is
 * stored on the server and would only be replayed).
 */
export async function retryAsNew(deps: Pick<OutboxDeps, 'storage' | 'now' | 'newKey'>, refused: AttentionEntry): Promise<OutboxEntry> {
  const entry = await queue(deps, refused.owner, { method: refused.method, path: refused.path, body: refused.body, label: refused.label });
  await deps.storage.removeAttention(refused.key);
  return entry;
}
