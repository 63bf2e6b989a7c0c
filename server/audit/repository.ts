import { type Kysely, sql } from 'kysely';
import { isPostgres } from '../db/dialect.js';
import type { AuditEventRow, Database } from '../db/schema.js';
import { auditRowHash } from './chain.js';

type Db = Kysely<Database>;

// Append-only on purpose: there is no update or delete of audit rows here. Tampering directly in
// the database is not prevented but detected: every row is hash-chained (see chain.ts) and
// verifyAuditChain() names the first row that was changed or removed.

/** What a caller records; the id and the chain fields are assigned when the row is appended. */
export type AuditEventContent = Omit<AuditEventRow, 'id' | 'prev_hash' | 'hash'>;

/**
 * Takes the chain's lock for the rest of the transaction and returns the head, with the highest id
 * in the table (one statement: an append is part of most writes). Appends must be serialised or
 * two writers would link to the same predecessor and fork the chain.
 * PostgreSQL: a row lock on the one-row head (held until commit, across processes).
 * SQLite: a write to the head first, so the transaction holds the database's single write lock
 * before it reads anything (a deferred transaction that reads first and writes later can fail
 * with SQLITE_BUSY when another process wrote in between; a first statement that writes waits
 * under busy_timeout instead).
 */
async function lockChainHead(trx: Db): Promise<{ last_id: number; hash: string; max: number | null }> {
  const maxId = sql<number | null>`(select max(id) from audit_events)`.as('max');
  const head = isPostgres(trx)
    ? // The subquery sees the statement's snapshot, taken before the lock was granted; the head row
      // itself is re-read once locked, and it is what orders the chain (max only guards against a
      // row written past the head outside the chain).
      await trx.selectFrom('audit_chain_head').select(['last_id', 'hash', maxId]).where('id', '=', 1).forUpdate().executeTakeFirst()
    : await trx
        .updateTable('audit_chain_head')
        .set({ last_id: sql`last_id` })
        .where('id', '=', 1)
        .returning(['last_id', 'hash', maxId])
        .executeTakeFirst();
  if (head) return head;
  throw new Error('audit_chain_head is missing: run the migrations');
}

/**
 * Appends one event to the chain. Given a transaction, the row commits or rolls back with the
 * caller's change (and the chain stays locked until then); given the plain database, it opens a
 * transaction of its own.
 */
export async function insertAuditEvent(db: Db, event: AuditEventContent): Promise<void> {
  if (!db.isTransaction) return db.transaction().execute((trx) => insertAuditEvent(trx, event));
  const head = await lockChainHead(db);
  // Ids are assigned under the lock, so they follow the chain order with no gaps from rollbacks.
  // A row someone slipped in past the head still cannot collide with the next id.
  const row = { ...event, id: Math.max(Number(head.last_id), Number(head.max ?? 0)) + 1, prev_hash: head.hash };
  const hash = auditRowHash(row);
  await db
    .insertInto('audit_events')
    .values({ ...row, hash })
    .execute();
  await db.updateTable('audit_chain_head').set({ last_id: row.id, hash }).where('id', '=', 1).execute();
}

/** Rows of the chain after an id, oldest first, for verification. */
export function listAuditChainPage(db: Db, afterId: number, limit: number): Promise<AuditEventRow[]> {
  return db.selectFrom('audit_events').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
}

/** The newest row and its hash as the last append left them; null if the head row is gone. */
export async function findAuditChainHead(db: Db): Promise<{ lastId: number; hash: string } | null> {
  const head = await db.selectFrom('audit_chain_head').select(['last_id', 'hash']).where('id', '=', 1).executeTakeFirst();
  return head ? { lastId: Number(head.last_id), hash: head.hash } : null;
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
