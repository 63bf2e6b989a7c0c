import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

/**
 * What repositories and the audit trail take: the database, or a transaction in progress.
 * (A Kysely Transaction is a Kysely, so every repository function already accepts one; the alias
 * says at the call site that it is meant to.)
 */
export type Executor = Kysely<Database>;

/**
 * Runs `work` in one transaction, so a change, its audit row and the jobs it enqueues commit or
 * roll back together. Called with a transaction already open, it joins it instead of nesting
 * (SQLite cannot nest, and a caller's unit of work must stay one unit).
 */
export function withTransaction<T>(db: Executor, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db as Transaction<Database>);
  return db.transaction().execute(work);
}
