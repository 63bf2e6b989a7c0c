import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { inject } from 'vitest';
import { type DatabaseConfig, type DatabaseHandle, migrateToLatest, openDatabase } from '../../server/db/database.js';
import type { Database } from '../../server/db/schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** The dialects this run can test: SQLite always, PostgreSQL when the harness started one. */
export function availableDialects(): DialectName[] {
  return inject('postgresUrl') ? ['sqlite', 'postgres'] : ['sqlite'];
}

/**
 * A fresh, migrated database: an in-memory SQLite, or a new PostgreSQL database on the shared
 * server (created here, dropped on close) so test files never see each other's rows.
 */
export async function openTestDatabase(kind: DialectName = 'sqlite'): Promise<DatabaseHandle & { config: DatabaseConfig }> {
  if (kind === 'sqlite') {
    const config: DatabaseConfig = { kind: 'sqlite', file: ':memory:' };
    const handle = openDatabase(config);
    await migrateToLatest(handle.db);
    return { ...handle, config };
  }
  const serverUrl = inject('postgresUrl');
  if (!serverUrl) throw new Error('No PostgreSQL for this run.');
  const name = `portal_test_${randomBytes(6).toString('hex')}`;
  const admin = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: serverUrl, max: 1 }) }) });
  await sql`create database ${sql.id(name)}`.execute(admin);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const config: DatabaseConfig = { kind: 'postgres', url: url.href };
  const handle = openDatabase(config, { poolSize: 20 });
  await migrateToLatest(handle.db);
  return {
    ...handle,
    config,
    close: async () => {
      await handle.close();
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
      await admin.destroy();
    },
  };
}

export type TestDb = Kysely<Database>;

/** `db` with a count of the statements run through it (`counter.statements`, settable). */
export function countingStatements(db: Kysely<Database>): { db: Kysely<Database>; statements: number } {
  const counter = { statements: 0, db };
  counter.db = db.withPlugin({
    transformQuery: (args) => args.node,
    // Once per statement run (transformQuery also sees each subquery as it is built).
    transformResult: async (args) => ((counter.statements += 1), args.result),
  });
  return counter;
}

/**
 * A new, empty (unmigrated) PostgreSQL database on the shared server, for tests of migrations
 * themselves; `drop` removes it. Null when this run has no PostgreSQL.
 */
export async function createEmptyPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const serverUrl = inject('postgresUrl');
  if (!serverUrl) return null;
  const name = `portal_test_${randomBytes(6).toString('hex')}`;
  const admin = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: serverUrl, max: 1 }) }) });
  await sql`create database ${sql.id(name)}`.execute(admin);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
      await admin.destroy();
    },
  };
}
