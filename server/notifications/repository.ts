import type { Kysely } from 'kysely';
import type { Database, NotificationTable } from '../db/schema.js';

// In-app notifications: the only code touching the notifications table.

type Db = Kysely<Database>;
const n = (value: unknown) => Number(value);

/** A notification as stored: its params as JSON. */
export type NotificationRow = Pick<NotificationTable, 'recipient' | 'kind' | 'params' | 'link' | 'created_at'>;

export async function insertNotification(db: Db, row: NotificationRow): Promise<number> {
  const inserted = await db.insertInto('notifications').values(row).returning('id').executeTakeFirstOrThrow();
  return n(inserted.id);
}

/** Several rows in one statement; their ids in no particular order. */
export async function insertNotifications(db: Db, rows: readonly NotificationRow[]): Promise<number[]> {
  if (!rows.length) return [];
  const inserted = await db.insertInto('notifications').values(rows).returning('id').execute();
  return inserted.map((r) => n(r.id));
}

export async function findNotification(db: Db, id: number) {
  return db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listNotifications(db: Db, recipient: string, limit: number) {
  return db.selectFrom('notifications').selectAll().where('recipient', '=', recipient).orderBy('id', 'desc').limit(limit).execute();
}

export async function countUnread(db: Db, recipient: string): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('recipient', '=', recipient)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return n(row.count);
}

export async function markRead(db: Db, recipient: string, ids: number[] | undefined, now: number): Promise<number> {
  let q = db.updateTable('notifications').set({ read_at: now }).where('recipient', '=', recipient).where('read_at', 'is', null);
  if (ids) q = q.where('id', 'in', ids.length ? ids : [-1]);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

