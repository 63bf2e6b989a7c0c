import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

type Db = Kysely<Database>;

export async function insertScimToken(
  db: Db,
  row: { id: string; name: string; tokenHash: string; createdBy: string; now: number },
): Promise<void> {
  await db
    .insertInto('scim_tokens')
    .values({ id: row.id, name: row.name, token_hash: row.tokenHash, created_by: row.createdBy, created_at: row.now })
    .execute();
}

export function listScimTokenRows(db: Db) {
  return db
    .selectFrom('scim_tokens')
    .select(['id', 'name', 'created_by', 'created_at', 'last_used_at', 'revoked_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
}

export function findScimTokenRow(db: Db, id: string) {
  return db
    .selectFrom('scim_tokens')
    .select(['id', 'name', 'created_by', 'created_at', 'last_used_at', 'revoked_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The live (not revoked) token with this keyed hash. */
export function findLiveScimTokenByHash(db: Db, tokenHash: string) {
  return db
    .selectFrom('scim_tokens')
    .select(['id', 'name', 'token_hash', 'created_by', 'last_used_at'])
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Revokes a live token; false when it was already revoked (or is not there). */
export async function revokeScimTokenRow(db: Db, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('scim_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function touchScimToken(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('scim_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
}
