import type { Kysely } from 'kysely';
import type { Database, PasswordFlowTable } from '../../db/schema.js';
import type { Insertable, Selectable } from 'kysely';

type Db = Kysely<Database>;
export type FlowRow = Selectable<PasswordFlowTable>;

// Reset flows and the consecutive-failure counter. Only this file touches them.
// (One-time secrets have their own module: server/one-time-secrets/.)

export async function insertFlow(db: Db, flow: Insertable<PasswordFlowTable>): Promise<void> {
  await db.insertInto('password_flows').values(flow).execute();
}

export function findFlow(db: Db, idHash: string): Promise<FlowRow | undefined> {
  return db.selectFrom('password_flows').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
}

export async function setFlowVerifiedMethods(db: Db, idHash: string, methods: string): Promise<void> {
  await db.updateTable('password_flows').set({ verified_methods: methods }).where('id_hash', '=', idHash).execute();
}

/** Records the staff member whose help-desk code proved the flow, for the reset's audit row. */
export async function setFlowOnBehalfOf(db: Db, idHash: string, staff: string): Promise<void> {
  await db.updateTable('password_flows').set({ on_behalf_of: staff }).where('id_hash', '=', idHash).execute();
}

/**
 * Counts one verification attempt on a live flow, in one statement, before the guess is judged:
 * true while the flow had attempts left. Of many parallel callers at most `max` ever get true.
 */
export async function chargeFlowAttempt(db: Db, idHash: string, max: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('password_flows')
    .set((eb) => ({ failed_verifications: eb('failed_verifications', '+', 1) }))
    .where('id_hash', '=', idHash)
    .where('failed_verifications', '<', max)
    .where('completed_at', 'is', null)
    .where('cancelled_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Gives back the attempt a successful verification was charged: only failures use up a flow. */
export async function refundFlowAttempt(db: Db, idHash: string): Promise<void> {
  await db
    .updateTable('password_flows')
    .set((eb) => ({ failed_verifications: eb('failed_verifications', '-', 1) }))
    .where('id_hash', '=', idHash)
    .where('failed_verifications', '>', 0)
    .execute();
}

/**
 * Marks a live flow completed, atomically: of many parallel callers exactly one gets true.
 * The caller re-opens it (reopenFlow) when the directory then refuses the new password.
 */
export async function claimFlow(db: Db, idHash: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('password_flows')
    .set({ completed_at: now })
    .where('id_hash', '=', idHash)
    .where('completed_at', 'is', null)
    .where('cancelled_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function reopenFlow(db: Db, idHash: string): Promise<void> {
  await db.updateTable('password_flows').set({ completed_at: null }).where('id_hash', '=', idHash).execute();
}

export async function cancelFlow(db: Db, idHash: string, now: number): Promise<void> {
  await db
    .updateTable('password_flows')
    .set({ cancelled_at: now })
    .where('id_hash', '=', idHash)
    .where('cancelled_at', 'is', null)
    .execute();
}

/** Cancels every open flow of a person except one (after a reset or a change). */
export async function cancelFlowsOf(db: Db, username: string, now: number, exceptIdHash?: string): Promise<void> {
  let query = db
    .updateTable('password_flows')
    .set({ cancelled_at: now })
    .where('username', '=', username)
    .where('completed_at', 'is', null)
    .where('cancelled_at', 'is', null);
  if (exceptIdHash) query = query.where('id_hash', '!=', exceptIdHash);
  await query.execute();
}

/** Consecutive failures counted for a person in one scope (a client address, or '*' for all of them). */
export async function consecutiveFailures(db: Db, subject: string, scope: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_failures')
    .select('consecutive')
    .where('username', '=', subject)
    .where('scope', '=', scope)
    .executeTakeFirst();
  return Number(row?.consecutive ?? 0);
}

/**
 * Counts one attempt toward a person's consecutive failures in one scope, in one statement (an
 * upsert whose update only applies under the limit), before the guess is judged: true while the
 * count was below `limit`. Of many parallel callers at most `limit` get true. A success clears it.
 */
export async function chargeRecoveryFailure(db: Db, subject: string, scope: string, limit: number, now: number): Promise<boolean> {
  const row = await db
    .insertInto('recovery_failures')
    .values({ username: subject, scope, consecutive: 1, updated_at: now })
    .onConflict((oc) =>
      oc
        .columns(['username', 'scope'])
        .doUpdateSet((eb) => ({ consecutive: eb('recovery_failures.consecutive', '+', 1), updated_at: now }))
        .where('recovery_failures.consecutive', '<', limit),
    )
    .returning('consecutive')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Counts nobody has added to since `before` and that stopped short of their limit (the address's
 * for a per-address row, the total's for the '*' row): housekeeping deletes them, so rows for
 * logins that name nobody, or guesses abandoned long ago, do not pile up. A count at its limit is a
 * lock and stays until a success or the help desk clears it.
 */
export async function deleteIdleRecoveryFailures(
  db: Db,
  before: number,
  limits: { perAddress: number; total: number },
): Promise<number> {
  const result = await db
    .deleteFrom('recovery_failures')
    .where('updated_at', '<', before)
    .where((eb) =>
      eb.or([
        eb.and([eb('scope', '=', '*'), eb('consecutive', '<', limits.total)]),
        eb.and([eb('scope', '!=', '*'), eb('consecutive', '<', limits.perAddress)]),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** A success, or the help desk's unlock: every count of the person starts over, per address and in total. */
export async function clearRecoveryFailures(db: Db, subject: string): Promise<void> {
  await db.deleteFrom('recovery_failures').where('username', '=', subject).execute();
}
