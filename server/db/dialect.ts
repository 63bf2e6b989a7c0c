import { PostgresAdapter } from 'kysely';
import type { Executor } from './transaction.js';

/**
 * Whether `db` (or a transaction on it) runs on PostgreSQL, for the few statements whose SQL
 * differs by dialect at run time. Migrations keep their own, frozen copy (migrations/dialect.ts).
 */
export function isPostgres(db: Executor): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
