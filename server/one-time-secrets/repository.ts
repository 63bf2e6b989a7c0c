import type { Kysely } from 'kysely';
import type { Database, OneTimeSecretPurpose } from '../db/schema.js';

type Db = Kysely<Database>;

// One-time secrets (codes, link tokens, WebAuthn challenges). Only this file touches the table.

export interface NewSecretRow {
  secretHash: string;
  username: string;
  purpose: OneTimeSecretPurpose;
  flowIdHash: string | null;
  now: number;
  expiresAt: number;
  createdBy: string | null;
}

export async function insertSecret(db: Db, secret: NewSecretRow): Promise<void> {
  await db
    .insertInto('one_time_secrets')
    .values({
      secret_hash: secret.secretHash,
      username: secret.username,
      purpose: secret.purpose,
      flow_id_hash: secret.flowIdHash,
      created_at: secret.now,
      expires_at: secret.expiresAt,
      created_by: secret.createdBy,
    })
    .execute();
}

/** Live (unconsumed, unexpired) secrets of one purpose for a person, newest first; optionally of one flow. */
export function findLiveSecrets(db: Db, username: string, purpose: OneTimeSecretPurpose, now: number, flowIdHash?: string) {
  let query = db
    .selectFrom('one_time_secrets')
    .select(['id', 'secret_hash', 'attempts', 'created_by'])
    .where('username', '=', username)
    .where('purpose', '=', purpose)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now);
  if (flowIdHash) query = query.where('flow_id_hash', '=', flowIdHash);
  return query.orderBy('id', 'desc').execute();
}

/** A live secret found by its hash (link tokens), whatever person it belongs to. */
export function findLiveSecretByHash(db: Db, secretHash: string, purpose: OneTimeSecretPurpose, now: number) {
  return db
    .selectFrom('one_time_secrets')
    .select(['id', 'username', 'created_by', 'expires_at'])
    .where('secret_hash', '=', secretHash)
    .where('purpose', '=', purpose)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Consumes a secret in one statement: of many parallel callers exactly one gets true; expiry checked now. */
export async function consumeSecret(db: Db, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('one_time_secrets')
    .set({ consumed_at: now })
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Undoes consumeSecret for a secret whose use failed downstream (see restoreLinkToken). */
export async function unconsumeSecret(db: Db, id: number): Promise<void> {
  await db.updateTable('one_time_secrets').set({ consumed_at: null }).where('id', '=', id).execute();
}

/**
 * Counts one guess against the newest live secret of a person's purpose (and flow) that still has
 * guesses left, in one statement, before the guess is judged. Returns that secret's id, or null
 * when none has any left. The outer WHERE repeats the limit, so of many parallel callers at most
 * `maxAttempts` are ever charged to one secret (on PostgreSQL a concurrent update re-checks it).
 */
export async function chargeSecretAttempt(
  db: Db,
  where: { username: string; purpose: OneTimeSecretPurpose; now: number; flowIdHash?: string },
  maxAttempts: number,
): Promise<number | null> {
  let newest = db
    .selectFrom('one_time_secrets')
    .select('id')
    .where('username', '=', where.username)
    .where('purpose', '=', where.purpose)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', where.now)
    .where('attempts', '<', maxAttempts);
  if (where.flowIdHash) newest = newest.where('flow_id_hash', '=', where.flowIdHash);
  const row = await db
    .updateTable('one_time_secrets')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', newest.orderBy('id', 'desc').limit(1))
    .where('attempts', '<', maxAttempts)
    .where('consumed_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row ? Number(row.id) : null;
}

/** Voids every outstanding secret of a person, or only those of some purposes. */
export async function consumeSecretsOf(db: Db, username: string, now: number, purposes?: readonly OneTimeSecretPurpose[]): Promise<void> {
  let query = db
    .updateTable('one_time_secrets')
    .set({ consumed_at: now })
    .where('username', '=', username)
    .where('consumed_at', 'is', null);
  if (purposes) query = query.where('purpose', 'in', purposes);
  await query.execute();
}
