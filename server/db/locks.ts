import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface LockOptions {
  /** A holder that has not let go after this long (a crashed process) loses the lock. */
  ttlMs: number;
  /** How long to wait for the lock before giving up with `onTimeout()`. */
  waitMs: number;
  onTimeout: () => Error;
}

/**
 * Named locks across every process on one database: a row per held lock, taken by one statement
 * that inserts it or takes over an expired one (never a read and then a write), let go by its
 * holder only. For work outside the database that must not interleave between processes; the
 * caller keeps it short (the lease expires, so a crashed holder does not block for ever). Lease
 * times are wall-clock milliseconds: they measure real waiting, not the portal's (testable) clock.
 */
export class DatabaseLocks {
  constructor(private readonly db: Kysely<Database>) {}

  async withLock<T>(key: string, work: () => Promise<T>, options: LockOptions): Promise<T> {
    const holder = randomUUID();
    const deadline = Date.now() + options.waitMs;
    let pause = 5;
    while (!(await this.tryTake(key, holder, options.ttlMs))) {
      if (Date.now() + pause > deadline) throw options.onTimeout();
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 100);
    }
    try {
      return await work();
    } finally {
      await this.db.deleteFrom('locks').where('key', '=', key).where('holder', '=', holder).execute();
    }
  }

  private async tryTake(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const taken = await this.db
      .insertInto('locks')
      .values({ key, holder, expires_at: now + ttlMs })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ holder, expires_at: now + ttlMs })
          .where('locks.expires_at', '<', now),
      )
      .returning('holder')
      .executeTakeFirst();
    return taken?.holder === holder;
  }
}
