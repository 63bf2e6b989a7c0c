import type { Kysely, Transaction } from 'kysely';
import type { Database, IdempotencyKeyTable } from '../db/schema.js';
import type { Selectable } from 'kysely';

// The only module that touches idempotency_keys (see server/http/idempotency.ts for the rules).

type Db = Kysely<Database> | Transaction<Database>;

/** How long a key is remembered; housekeeping deletes older ones. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60_000;
export type IdempotencyRow = Selectable<IdempotencyKeyTable>;

/**
 * The atomic claim: inserts (person, key) as running unless the pair exists. True when this call
 * inserted it, so exactly one of any number of concurrent callers runs the handler. On PostgreSQL a
 * concurrent insert of the same pair waits for the first to commit, then does nothing.
 */
export async function claimIdempotencyKey(db: Db, username: string, key: string, fingerprint: string, now: number): Promise<boolean> {
  const row = await db
    .insertInto('idempotency_keys')
    .values({ username, key, fingerprint, state: 'running', status: null, response: null, created_at: now, finished_at: null })
    .onConflict((oc) => oc.columns(['username', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  return row !== undefined;
}

export function findIdempotencyKey(db: Db, username: string, key: string): Promise<IdempotencyRow | undefined> {
  return db.selectFrom('idempotency_keys').selectAll().where('username', '=', username).where('key', '=', key).executeTakeFirst();
}

/** Stores the answer of a running claim; false when the claim was already done (or released). */
export async function completeIdempotencyKey(
  db: Db,
  username: string,
  key: string,
  status: number,
  response: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('idempotency_keys')
    .set({ state: 'done', status, response, finished_at: now })
    .where('username', '=', username)
    .where('key', '=', key)
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Releases a running claim whose handler failed, so a retry runs the handler again. */
export async function releaseIdempotencyKey(db: Db, username: string, key: string): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('username', '=', username)
    .where('key', '=', key)
    .where('state', '=', 'running')
    .execute();
}

/** Housekeeping: keys created before `before` (a day ago) are forgotten. */
export async function deleteExpiredIdempotencyKeys(db: Db, before: number): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
