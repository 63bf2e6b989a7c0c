import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

// Housekeeping deletes for tables whose own repositories have none yet.

/** Reset flows that ended (expired) before `before`. */
export async function deleteExpiredFlows(db: Kysely<Database>, before: number): Promise<number> {
  const result = await db.deleteFrom('password_flows').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** One-time secrets (codes, link tokens, challenges) that expired before `before`. */
export async function deleteExpiredSecrets(db: Kysely<Database>, before: number): Promise<number> {
  const result = await db.deleteFrom('one_time_secrets').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
