import { ROWS_PER_STATEMENT, chunks } from '../../db/chunks.js';
import { type Executor, withTransaction } from '../../db/transaction.js';
import * as repo from './repository.js';

/** One search as analytics keep it. `burst` ties a typing burst's searches together (see kb.search). */
export interface SearchLogEntry {
  query: string;
  locale: string | null;
  result_count: number;
  created_at: number;
  burst?: string | undefined;
}

/**
 * Searches of one burst of typing that follow each other within this long (from the last one)
 * and grow or shrink the same query are one search for analytics: the one it settles on.
 */
export const SEARCH_BURST_MS = 10_000;

function continues(previous: { query: string; created_at: number }, next: SearchLogEntry): boolean {
  return (
    next.created_at - previous.created_at <= SEARCH_BURST_MS &&
    next.created_at >= previous.created_at &&
    (next.query.startsWith(previous.query) || previous.query.startsWith(next.query))
  );
}

/**
 * Writes searches to the analytics log in one transaction. A burst's searches that continue each
 * other become the one they settle on, here first and then against the burst's latest stored row
 * (which may be another process's); only a burst's latest row keeps its key.
 */
export async function writeSearchLog(db: Executor, entries: readonly SearchLogEntry[]): Promise<void> {
  if (!entries.length) return;
  const plain: SearchLogEntry[] = [];
  // Per burst, its searches collapsed: each run of searches that continue each other becomes the
  // one it settles on (`settled`), remembering the run's first search (`first`): that one is what
  // must continue the burst's stored row, as it would have had each search been written on its
  // own (the settled one may be more than SEARCH_BURST_MS past that row, its run less each step).
  const bursts = new Map<string, { first: SearchLogEntry; settled: SearchLogEntry }[]>();
  for (const entry of entries) {
    if (!entry.burst) {
      plain.push(entry);
      continue;
    }
    const list = bursts.get(entry.burst) ?? [];
    const run = list.at(-1);
    if (run && continues(run.settled, entry)) run.settled = entry;
    else list.push({ first: entry, settled: entry });
    bursts.set(entry.burst, list);
  }
  await withTransaction(db, async (trx) => {
    const rows = plain.map((e) => ({ ...e, burst: null as string | null }));
    for (const [burst, list] of bursts) {
      const keyOn = (i: number) => (i === list.length - 1 ? burst : null);
      const last = await repo.lastOfBurst(trx, burst);
      let first = 0;
      if (last && continues({ query: last.query, created_at: Number(last.created_at) }, list[0]!.first)) {
        await repo.settleSearch(trx, last.id, { ...list[0]!.settled, burst: keyOn(0) });
        first = 1;
      } else if (last) {
        // A new search: the previous one has settled and stops carrying the key.
        await repo.endBurst(trx, last.id);
      }
      for (let i = first; i < list.length; i++) rows.push({ ...list[i]!.settled, burst: keyOn(i) });
    }
    for (const part of chunks(rows, ROWS_PER_STATEMENT)) await repo.logSearches(trx, part);
  });
}

/**
 * Searches waiting to be written, per process. A search answered from the cache costs a few
 * reads; writing its log row at once would make every search a write transaction (at hundreds
 * a second, most of a cached answer's cost). They are written together instead, at most
 * `flushMs` later or once `maxBuffered` wait; analytics flush first, and closing the app
 * flushes. A crash loses at most that second of search statistics, never anything a person did.
 */
export class SearchLog {
  private pending: SearchLogEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Executor,
    private readonly onError: (error: unknown) => void,
    private readonly options: { flushMs: number; maxBuffered: number } = { flushMs: 1000, maxBuffered: 500 },
  ) {}

  record(entry: SearchLogEntry): void {
    this.pending.push(entry);
    if (this.pending.length >= this.options.maxBuffered) void this.flush().catch(this.onError);
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush().catch(this.onError), this.options.flushMs);
      this.timer.unref();
    }
  }

  /** Writes everything recorded so far (after any write already under way: the log keeps its order). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    this.writing = this.writing.catch(() => undefined).then(() => writeSearchLog(this.db, batch));
    return this.writing;
  }
}
