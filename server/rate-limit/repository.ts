import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

type Db = Kysely<Database>;

/**
 * Counts one hit in a fixed window, atomically (one upsert), and returns the count and the
 * window's start. A window older than `windowMs` restarts at 1. Same SQL on SQLite and PostgreSQL.
 */
export async function hitRateLimit(db: Db, key: string, windowMs: number, now: number): Promise<{ count: number; windowStart: number }> {
  const expired = now - windowMs;
  const row = await db
    .insertInto('rate_limits')
    .values({ key, window_start: now, count: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        count: eb
          .case()
          .when('rate_limits.window_start', '<=', expired)
          .then(1)
          .else(eb('rate_limits.count', '+', 1))
          .end(),
        window_start: eb.case().when('rate_limits.window_start', '<=', expired).then(now).else(eb.ref('rate_limits.window_start')).end(),
      })),
    )
    .returning(['count', 'window_start'])
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), windowStart: Number(row.window_start) };
}

/** Gives one hit back (a success that should not count against the caller). */
export async function refundRateLimit(db: Db, key: string): Promise<void> {
  await db
    .updateTable('rate_limits')
    .set((eb) => ({ count: eb('count', '-', 1) }))
    .where('key', '=', key)
    .where('count', '>', 0)
    .execute();
}

export async function clearRateLimit(db: Db, key: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('key', '=', key).execute();
}

/** Housekeeping: forgets windows that ended long ago. */
export async function deleteStaleRateLimits(db: Db, olderThan: number): Promise<void> {
  await db.deleteFrom('rate_limits').where('window_start', '<', olderThan).execute();
}
