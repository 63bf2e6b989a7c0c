import { type ColumnDefinitionBuilder, type Kysely, PostgresAdapter } from 'kysely';

// The few places where the two dialects' DDL differs, for migrations only (frozen like them).

export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** An auto-incrementing integer primary key: identity on PostgreSQL, AUTOINCREMENT on SQLite (ids never reused). */
export function autoIncrementId(db: Kysely<any>) {
  return (col: ColumnDefinitionBuilder) =>
    isPostgres(db) ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement();
}
