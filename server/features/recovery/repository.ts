import type { Kysely, Selectable } from 'kysely';
import type { Database, PasskeyTable } from '../../db/schema.js';

type Db = Kysely<Database>;
export type PasskeyRow = Selectable<PasskeyTable>;

// A person's recovery factors: personal email, authenticator app, passkeys.

export function findRecoveryEmail(db: Db, username: string) {
  return db.selectFrom('recovery_emails').selectAll().where('username', '=', username).executeTakeFirst();
}

/** People whose confirmed recovery address this is (case-insensitive). */
export async function findUsernamesByRecoveryEmail(db: Db, email: string): Promise<string[]> {
  const rows = await db
    .selectFrom('recovery_emails')
    .select('username')
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .where('confirmed_at', 'is not', null)
    .limit(2)
    .execute();
  return rows.map((r) => r.username);
}

export async function upsertRecoveryEmail(db: Db, username: string, email: string, now: number): Promise<void> {
  await db
    .insertInto('recovery_emails')
    .values({ username, email, confirmed_at: null, created_at: now })
    .onConflict((oc) => oc.column('username').doUpdateSet({ email, confirmed_at: null, created_at: now }))
    .execute();
}

export async function confirmRecoveryEmail(db: Db, username: string, now: number): Promise<void> {
  await db.updateTable('recovery_emails').set({ confirmed_at: now }).where('username', '=', username).execute();
}

export async function deleteRecoveryEmail(db: Db, username: string): Promise<void> {
  await db.deleteFrom('recovery_emails').where('username', '=', username).execute();
}

export function findTotp(db: Db, username: string) {
  return db.selectFrom('totp_factors').selectAll().where('username', '=', username).executeTakeFirst();
}

export async function upsertPendingTotp(db: Db, username: string, secret: string, now: number): Promise<void> {
  await db
    .insertInto('totp_factors')
    .values({ username, secret, confirmed_at: null, last_step: null, created_at: now })
    .onConflict((oc) => oc.column('username').doUpdateSet({ secret, confirmed_at: null, last_step: null, created_at: now }))
    .execute();
}

/**
 * Authenticator secrets still stored in clear (from before they were sealed). Sealed values carry a
 * version prefix with a colon ("v1:…"); a base32 secret never contains one.
 */
export function findUnsealedTotpSecrets(db: Db): Promise<{ username: string; secret: string }[]> {
  return db.selectFrom('totp_factors').select(['username', 'secret']).where('secret', 'not like', '%:%').execute();
}

/** Any one sealed authenticator secret, to check the portal secret against. */
export function findOneSealedTotp(db: Db): Promise<{ username: string; secret: string } | undefined> {
  return db.selectFrom('totp_factors').select(['username', 'secret']).where('secret', 'like', '%:%').limit(1).executeTakeFirst();
}

/** Replaces a secret only if it is still the one read, so two processes sealing at once do not clash. */
export async function replaceTotpSecret(db: Db, username: string, expected: string, secret: string): Promise<boolean> {
  const result = await db
    .updateTable('totp_factors')
    .set({ secret })
    .where('username', '=', username)
    .where('secret', '=', expected)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Records a used time step, atomically: succeeds only when the step is newer than the last one
 * accepted, so a code can be used once even by parallel requests.
 */
export async function acceptTotpStep(db: Db, username: string, step: number, now: number, confirm: boolean): Promise<boolean> {
  const result = await db
    .updateTable('totp_factors')
    .set(confirm ? { last_step: step, confirmed_at: now } : { last_step: step })
    .where('username', '=', username)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteTotp(db: Db, username: string): Promise<void> {
  await db.deleteFrom('totp_factors').where('username', '=', username).execute();
}

export function listPasskeys(db: Db, username: string): Promise<PasskeyRow[]> {
  return db.selectFrom('passkeys').selectAll().where('username', '=', username).orderBy('created_at').execute();
}

export function findPasskey(db: Db, credentialId: string): Promise<PasskeyRow | undefined> {
  return db.selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
}

export async function insertPasskey(db: Db, row: PasskeyRow): Promise<void> {
  await db.insertInto('passkeys').values(row).execute();
}

export async function updatePasskeyUse(db: Db, credentialId: string, counter: number, now: number): Promise<void> {
  await db.updateTable('passkeys').set({ counter, last_used_at: now }).where('credential_id', '=', credentialId).execute();
}

export async function deletePasskey(db: Db, username: string, credentialId: string): Promise<number> {
  const result = await db
    .deleteFrom('passkeys')
    .where('username', '=', username)
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Removes every passkey of a person (offboarding: a leaver keeps no way back in). */
export async function deletePasskeysOf(db: Db, username: string): Promise<number> {
  const result = await db.deleteFrom('passkeys').where('username', '=', username).executeTakeFirst();
  return Number(result.numDeletedRows);
}
