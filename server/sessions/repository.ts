import type { Insertable, Kysely } from 'kysely';
import { precompiledRead } from '../db/prepared.js';
import type { Database, SessionRow, SessionTable } from '../db/schema.js';

type Db = Kysely<Database>;

export async function insertSession(db: Db, row: Insertable<SessionTable>): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

/** Read on every request that carries a session cookie: compiled once (see precompiledRead). */
const liveSession = precompiledRead((db, idHash: string, now: number, idleSince: number) =>
  db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).where('expires_at', '>', now).where('last_seen_at', '>', idleSince),
);

/** A session that has not expired by the absolute limit nor by idleness. */
export async function findLiveSession(db: Db, idHash: string, now: number, idleMs: number): Promise<SessionRow | undefined> {
  return (await liveSession(db, idHash, now, now - idleMs))[0];
}

export async function touchSession(db: Db, idHash: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
}

/** Notes that the person re-entered their password in this session just now. */
export async function markSessionReauthenticated(db: Db, idHash: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ reauth_at: now }).where('id_hash', '=', idHash).execute();
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

/** Ends every session of a person, optionally keeping one (the caller's own). Returns how many ended. */
export async function deleteSessionsOf(db: Db, username: string, keepIdHash?: string): Promise<number> {
  let query = db.deleteFrom('sessions').where('username', '=', username);
  if (keepIdHash) query = query.where('id_hash', '!=', keepIdHash);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteExpiredSessions(db: Db, now: number, idleMs: number): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', now - idleMs)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Claims the directory recheck of a session: moves checked_at from the value the caller read to
 * `now`. Only one of several requests (or processes) that saw the same value wins; the others
 * carry on with the stored profile. True when this caller won.
 */
export async function claimRecheck(db: Db, idHash: string, seenCheckedAt: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({ checked_at: now })
    .where('id_hash', '=', idHash)
    .where('checked_at', '=', seenCheckedAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Stores a recheck's outcome: the person as the directory knows them now, and when that was. */
export async function storeRecheck(db: Db, idHash: string, profile: string, checkedAt: number): Promise<void> {
  await db.updateTable('sessions').set({ profile, checked_at: checkedAt }).where('id_hash', '=', idHash).execute();
}

/** Schedules the next recheck (after a directory outage, sooner than the usual interval). */
export async function setCheckedAt(db: Db, idHash: string, checkedAt: number): Promise<void> {
  await db.updateTable('sessions').set({ checked_at: checkedAt }).where('id_hash', '=', idHash).execute();
}
