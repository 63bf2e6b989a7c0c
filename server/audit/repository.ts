import type { Kysely } from 'kysely';
import type { AuditEventRow, Database, NewAuditEvent } from '../db/schema.js';

type Db = Kysely<Database>;

// Append-only on purpose: there is no update or delete here.

export async function insertAuditEvent(db: Db, event: NewAuditEvent): Promise<void> {
  await db.insertInto('audit_events').values(event).execute();
}

export function listRecentAuditEvents(db: Db, limit: number, filter: { actor?: string; action?: string } = {}): Promise<AuditEventRow[]> {
  let query = db.selectFrom('audit_events').selectAll();
  if (filter.actor) query = query.where('actor', '=', filter.actor);
  if (filter.action) query = query.where('action', '=', filter.action);
  return query.orderBy('id', 'desc').limit(limit).execute();
}

/** A person's failed sign-ins since a moment, newest first (for the help desk's account view). */
export function listFailedSignIns(db: Db, username: string, since: number, limit: number): Promise<Pick<AuditEventRow, 'at' | 'ip'>[]> {
  return db
    .selectFrom('audit_events')
    .select(['at', 'ip'])
    .where('action', '=', 'auth.login')
    .where('result', '=', 'failure')
    .where('subject', '=', username)
    .where('at', '>=', since)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
