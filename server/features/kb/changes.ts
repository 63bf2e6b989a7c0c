import type { DatabaseHandle } from '../../db/database.js';
import type { Executor } from '../../db/transaction.js';
import * as repo from './repository.js';

/**
 * The knowledge base's change counter (kb_meta 'change_seq') as the search caches read it: an
 * answer is kept for the counter value it was computed at, so any committed change to what
 * searches see (a new, edited, published or archived article, an import) retires every answer.
 */
export interface KbChanges {
  /** The counter, at least as new as every change this process committed and every one announced to it. */
  current(db: Executor): Promise<number>;
  /** This process has just committed a change: the next current() reads the counter. */
  changed(): void;
  close(): Promise<void>;
}

/**
 * Reads the counter on every call. SQLite's way: the read is in-process (~12 µs), and a second
 * process (the import command) writes to the same file with no way to announce it.
 */
export const readChangesEachTime: KbChanges = {
  current: (db) => repo.currentChangeSeq(db),
  changed() {},
  close: async () => {},
};

/** The channel PostgreSQL announces the counter's moves on (migration 2026-12-05T0100-kb-change-notify). */
export const KB_CHANGES_CHANNEL = 'kb_changes';

/**
 * PostgreSQL: the counter as the database announces it. Read once when the listener is in place,
 * then moved by each notification (sent at the commit of any writer's change, by a trigger):
 * a round trip fewer for every search, a cached one included (a cached answer in-process: 139–377
 * → 5–12 µs of server CPU, and no work for PostgreSQL). Reads again, as `readChangesEachTime` does, whenever the
 * notifications cannot be trusted to be complete: before the listener is in place, while its
 * connection is lost, and right after this process's own write, whose notification may still be
 * on its way (a person who publishes an article finds it at once). A listener that dies without
 * a sign leaves answers no older than the caches' time to live. SQLite: `readChangesEachTime`.
 */
export function kbChangesFor(database: DatabaseHandle, options: { onLost?: (error: unknown) => void } = {}): KbChanges {
  /** The newest value seen, read or announced (the counter only grows). */
  let seen = -1;
  /** Whether `seen` may be answered without a read: true only after a read that began after the last reason to doubt it. */
  let trusted = false;
  let listening = false;
  /** Moves at each reason to doubt `seen` (listener in place or lost, a local write): a read begun before it cannot restore trust. */
  let doubts = 0;
  const doubt = () => {
    trusted = false;
    doubts++;
  };
  const listener = database.listen(KB_CHANGES_CHANNEL, {
    onListening() {
      listening = true;
      doubt();
    },
    onNotification(payload) {
      const value = Number(payload);
      if (Number.isSafeInteger(value)) seen = Math.max(seen, value);
    },
    onLost(error) {
      listening = false;
      doubt();
      options.onLost?.(error);
    },
  });
  if (!listener) return readChangesEachTime;
  return {
    async current(db) {
      if (trusted) return seen;
      // A caller's transaction may see its own uncommitted change: its answer, not one to keep.
      if (db.isTransaction) return repo.currentChangeSeq(db);
      const before = doubts;
      seen = Math.max(seen, await repo.currentChangeSeq(db));
      if (listening && doubts === before) trusted = true;
      return seen;
    },
    changed: doubt,
    close: () => listener.close(),
  };
}
