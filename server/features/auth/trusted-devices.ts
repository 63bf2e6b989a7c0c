import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

type Db = Kysely<Database>;

// Trusted-device rows. Only this file touches them.

/** The device's username when its token is live, else undefined. */
export async function findTrustedDevice(db: Db, tokenHash: string, now: number): Promise<{ username: string } | undefined> {
  return db
    .selectFrom('trusted_devices')
    .select('username')
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export async function insertTrustedDevice(db: Db, row: { tokenHash: string; username: string; now: number; ttlMs: number }): Promise<void> {
  await db
    .insertInto('trusted_devices')
    .values({ token_hash: row.tokenHash, username: row.username, created_at: row.now, last_used_at: row.now, expires_at: row.now + row.ttlMs })
    .execute();
}

export async function touchTrustedDevice(db: Db, tokenHash: string, now: number, ttlMs: number): Promise<void> {
  await db.updateTable('trusted_devices').set({ last_used_at: now, expires_at: now + ttlMs }).where('token_hash', '=', tokenHash).execute();
}

/** Housekeeping: forgets devices unused for their whole life. */
export async function deleteExpiredTrustedDevices(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('trusted_devices').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Forgets every browser a person signed in from (offboarding). */
export async function deleteTrustedDevicesOf(db: Db, username: string): Promise<number> {
  const result = await db.deleteFrom('trusted_devices').where('username', '=', username.toLowerCase()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
