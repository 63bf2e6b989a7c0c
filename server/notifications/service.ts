import type { Kysely } from 'kysely';
import type { Notification, NotificationKind, NotificationList, NotificationParams } from '../../shared/requests.js';
import type { Database } from '../db/schema.js';
import { countUnread, listNotifications, markRead } from './repository.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

/** The newest 50 notifications and how many are unread (the bell's count). */
export async function myNotifications(db: Kysely<Database>, username: string): Promise<NotificationList> {
  const [rows, unread] = await Promise.all([listNotifications(db, username, 50), countUnread(db, username)]);
  return {
    items: rows.map(
      (r): Notification => ({
        id: Number(r.id),
        kind: r.kind as NotificationKind,
        params: JSON.parse(r.params) as NotificationParams,
        link: r.link,
        createdAt: iso(r.created_at)!,
        readAt: iso(r.read_at),
      }),
    ),
    unread,
  };
}

/** Marks some (or all) of one's own notifications read; other people's ids are ignored. */
export async function readNotifications(db: Kysely<Database>, username: string, ids: number[] | undefined, now: number): Promise<{ marked: number; unread: number }> {
  const marked = await markRead(db, username, ids, now);
  return { marked, unread: await countUnread(db, username) };
}
