import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { startCheckpointer } from './checkpointer.js';
import { PreparingClient, attachSqliteConnection } from './prepared.js';
import { type NotificationHandlers, type NotificationListener, listenForNotifications } from './notifications.js';
import { createPrivateFile, ensurePrivateDir, restrictToOwner } from '../platform/private-files.js';
import { SqliteLiteralLimits } from './sqlite-literal-limits.js';
import { type RankExtensionLoad, loadRankExtension } from '../kb/search/native/rank-extension.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

/**
 * `mmapMb`: how much of an on-disk SQLite file is read through a memory map (SQLITE_MMAP_MB; 0 or
 * absent: SQLite's default, read() into its page cache). Searches read many FTS pages once each:
 * mapped, a page read is no system call and no copy (the distinct logged queries at 100k articles,
 * in-process: CPU 4.3 → 3.4 s).
 */
export type DatabaseConfig = { kind: 'sqlite'; file: string; mmapMb?: number } | { kind: 'postgres'; url: string };

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseConfig['kind'];
  /** The SQLite connection, for online backups; null on PostgreSQL. */
  sqlite: SQLite.Database | null;
  /**
   * PostgreSQL: a small pool of its own whose connections cancel any statement that runs longer
   * than `ms` (one pool per value, made on first use, closed with the handle). Read-only work
   * with a time bound runs there without a transaction around it to SET LOCAL the timeout in:
   * three round trips fewer a search. Its connections prepare the statements run through them
   * (PreparingClient): for few statement texts run often, such as the search's. Null on SQLite,
   * which has no statement timeout.
   */
  withStatementTimeout(ms: number): Kysely<Database> | null;
  /**
   * PostgreSQL: notifications on `channel` (LISTEN, on a connection of its own; see
   * notifications.ts). Null on SQLite, which has none.
   */
  listen(channel: string, handlers: NotificationHandlers): NotificationListener | null;
  /** SQLite: whether the knowledge-base ranking extension loaded into the connection, and why not (see rank-extension.ts). Null on PostgreSQL. */
  rankExtension: RankExtensionLoad | null;
  close(): Promise<void>;
}

// PostgreSQL returns bigint (int8) as a string to avoid precision loss; our bigints are epoch
// milliseconds and counters, far below 2^53, so read them as numbers like SQLite does.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface OpenOptions {
  /** PostgreSQL connections in the pool (default 10). */
  poolSize?: number;
  /**
   * SQLite on disk: WAL checkpoints on a thread of their own instead of inside the commit that
   * fills the log (see checkpointer.ts). For a long-running server; short commands leave it off.
   */
  backgroundCheckpoints?: boolean;
}

/** SQLite's own default, which the portal's connection goes back to if the checkpoint thread stops. */
const WAL_AUTOCHECKPOINT_PAGES = 1000;
/** With the checkpoint thread: only a backstop (about 40 MB of log) should the thread fall behind. */
const WAL_BACKSTOP_PAGES = 10_000;

/** Builds the one Kysely instance of a process from configuration. */
export function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): DatabaseHandle {
  if (config.kind === 'postgres') {
    const connect = (settings: pg.PoolConfig) => {
      // A connection once opened is kept (min: max), where pg's pool would close it after 10 s
      // idle: the next burst then opened new ones, and each new backend loads its catalog caches
      // and plans every statement again (a search after a quiet spell: up to 170 ms).
      const pool = new pg.Pool({ connectionString: config.url, min: settings.max, ...settings });
      // An idle connection dropped by the server (restart, failover) must not crash the process;
      // the pool replaces it on the next query, and that query reports any lasting problem.
      pool.on('error', () => {});
      return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    };
    const db = connect({ max: options.poolSize ?? 10 });
    const bounded = new Map<number, Kysely<Database>>();
    // Closed with the handle, should their owners not have closed them first (closing twice is harmless).
    const listeners = new Set<NotificationListener>();
    return {
      db,
      kind: 'postgres',
      sqlite: null,
      withStatementTimeout(ms) {
        const timeout = Math.max(1, Math.floor(ms));
        let found = bounded.get(timeout);
        // Its statements (searches') are few and run often: prepared on each connection, and each
        // planned once. Left to choose, PostgreSQL planned the vocabulary lookup anew at every run
        // (its generic plan's estimate lost to the custom ones'): 0.1 ms of planning for 0.02 ms of
        // work, the same plan each time. The match passes hide their query from the planner anyway
        // (see matchStatement), so a generic plan is what they ran with already.
        if (!found)
          bounded.set(
            timeout,
            (found = connect({
              max: Math.min(4, options.poolSize ?? 10),
              statement_timeout: timeout,
              options: '-c plan_cache_mode=force_generic_plan',
              Client: PreparingClient,
            })),
          );
        return found;
      },
      rankExtension: null,
      listen(channel, handlers) {
        const listener = listenForNotifications(config.url, channel, handlers);
        listeners.add(listener);
        return listener;
      },
      close: async () => {
        await Promise.all([...listeners].map((l) => l.close()));
        await Promise.all([...bounded.values()].map((b) => b.destroy()));
        await db.destroy();
      },
    };
  }
  const onDisk = config.file !== ':memory:';
  if (onDisk) {
    // SQLite creates files 0644 and gives -wal/-shm the database file's mode: creating the file
    // 0600 first keeps all three private to the portal's account.
    ensurePrivateDir(path.dirname(config.file));
    createPrivateFile(config.file);
  }
  const sqlite = new SQLite(config.file);
  // WAL lets readers run beside the writer; busy_timeout makes a second process wait instead of failing.
  sqlite.pragma('journal_mode = WAL');
  // Files left readable by an earlier version are tightened too.
  if (onDisk) for (const suffix of ['-wal', '-shm']) restrictToOwner(config.file + suffix);
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  if (onDisk && config.mmapMb) sqlite.pragma(`mmap_size = ${config.mmapMb * 1024 * 1024}`);
  const checkpointer =
    onDisk && options.backgroundCheckpoints
      ? startCheckpointer(config.file, () => {
          // The thread died: this connection checkpoints in its commits again, as without it.
          if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
        })
      : null;
  if (checkpointer) sqlite.pragma(`wal_autocheckpoint = ${WAL_BACKSTOP_PAGES}`);
  const statements = withStatementCache(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }), plugins: [new SqliteLiteralLimits()] });
  // The search's ranking function, where it was built (a database without it searches with bm25()).
  const rankExtension = loadRankExtension(sqlite);
  attachSqliteConnection(db, statements, sqlite, { rankFunction: rankExtension.loaded });
  return {
    db,
    kind: 'sqlite',
    sqlite,
    rankExtension,
    withStatementTimeout: () => null,
    listen: () => null,
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

/**
 * better-sqlite3 behind a bounded LRU of prepared statements. Kysely prepares every query anew,
 * which on SQLite costs more than running it; our queries are few and reused on every request.
 */
function withStatementCache(sqlite: SQLite.Database, size = 500): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql); // re-inserted below: most recently used last
      } else {
        statement = sqlite.prepare(sql);
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

/** Brings the schema up to date; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
