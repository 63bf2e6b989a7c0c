import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, PushSubscriptionTable } from '../db/schema.js';

// The only module that touches push_subscriptions.

type Db = Kysely<Database> | Transaction<Database>;
export type PushSubscriptionRow = Selectable<PushSubscriptionTable>;

/**
 * Stores a browser's subscription for `username`. An endpoint is one browser profile: if another
 * person subscribed it before (a shared computer), it now belongs to whoever turned it on last.
 */
export async function upsertPushSubscription(db: Db, row: PushSubscriptionRow): Promise<void> {
  await db
    .insertInto('push_subscriptions')
    .values(row)
    .onConflict((oc) =>
      oc.column('endpoint').doUpdateSet({
        username: row.username,
        p256dh: row.p256dh,
        auth: row.auth,
        user_agent: row.user_agent,
        created_at: row.created_at,
      }),
    )
    .execute();
}

/** Whether a person has turned notifications on in any browser. */
export async function hasPushSubscription(db: Db, username: string): Promise<boolean> {
  const row = await db.selectFrom('push_subscriptions').select('endpoint').where('username', '=', username).limit(1).executeTakeFirst();
  return row !== undefined;
}

export function listPushSubscriptions(db: Db, username: string): Promise<PushSubscriptionRow[]> {
  return db.selectFrom('push_subscriptions').selectAll().where('username', '=', username).orderBy('created_at', 'desc').execute();
}

/** Removes one of a person's own subscriptions; true when there was one. */
export async function deletePushSubscription(db: Db, username: string, endpoint: string): Promise<boolean> {
  const result = await db.deleteFrom('push_subscriptions').where('username', '=', username).where('endpoint', '=', endpoint).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Drops a subscription the push service no longer knows (404/410). */
export async function deleteGonePushSubscription(db: Db, endpoint: string): Promise<void> {
  await db.deleteFrom('push_subscriptions').where('endpoint', '=', endpoint).execute();
}

/** Keeps a person's newest `keep` subscriptions, deleting older ones (a bound on rows per person). */
export async function trimPushSubscriptions(db: Db, username: string, keep: number): Promise<number> {
  const rows = await listPushSubscriptions(db, username);
  const stale = rows.slice(keep).map((r) => r.endpoint);
  if (!stale.length) return 0;
  const result = await db.deleteFrom('push_subscriptions').where('username', '=', username).where('endpoint', 'in', stale).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Removes every push subscription of a person (offboarding: nothing more reaches their phone). */
export async function deletePushSubscriptionsOf(db: Db, username: string): Promise<number> {
  const result = await db.deleteFrom('push_subscriptions').where('username', '=', username).executeTakeFirst();
  return Number(result.numDeletedRows);
}
