import type SQLite from 'better-sqlite3';
import { type Compilable, type CompiledQuery, type Expression, type SqlBool, type SqliteDatabase, sql } from 'kysely';
import pg from 'pg';
import { isPostgres } from './dialect.js';
import type { Executor } from './transaction.js';

/** How many statements one connection keeps prepared; any further statement text is planned at each run, as without. */
export const MAX_PREPARED_PER_CONNECTION = 100;

/**
 * A PostgreSQL connection that prepares the statements run through it: the first run of a
 * statement text names it (PostgreSQL parses it once on this connection and, after a few runs,
 * may keep one generic plan for it); later runs send only the parameters. For a pool whose
 * statements are few and run often (the knowledge-base search's, with lists passed as arrays:
 * see oneOf), where parsing and planning are a large part of each statement's cost. Statement
 * texts that vary with their input (a list of parameters, a bulk insert) would use up the
 * connection's budget on one-off texts: keep them off such a pool, or make them fixed.
 */
export class PreparingClient extends pg.Client {
  readonly #names = new Map<string, string>();

  // Kysely calls query(text, parameters); anything else (a cursor, a config object) passes through.
  override query(...args: any[]): any {
    const [text, values] = args;
    if (args.length === 2 && typeof text === 'string' && Array.isArray(values)) {
      let name = this.#names.get(text);
      if (name === undefined && this.#names.size < MAX_PREPARED_PER_CONNECTION) {
        name = `portal_${this.#names.size + 1}`;
        this.#names.set(text, name);
      }
      if (name !== undefined) return super.query({ name, text, values });
    }
    return (super.query as (...a: any[]) => any)(...args);
  }
}

/**
 * `column IN (values)` with one statement text whatever the number of values: on PostgreSQL
 * `column = ANY($1)`, one array parameter, so the statement is prepared once (see
 * PreparingClient) rather than once per list length; SQLite has no arrays: `IN (?, ?, …)`.
 */
export function oneOf(db: Executor, column: string, values: readonly (string | number)[]): Expression<SqlBool> {
  if (isPostgres(db)) return inList(db, column, listArgument(db, values));
  return sql<SqlBool>`${sql.ref(column)} in (${sql.join([...values])})`;
}

/**
 * `column IN (list)` where the whole list is one parameter, so one statement text serves every
 * list and precompiledRead can compile it once: pass `listArgument(db, values)` as the argument.
 * On PostgreSQL `column = ANY($1)` with an array, as oneOf; on SQLite the list goes as a JSON
 * array, read by json_each (the planner looks each value up in the column's index).
 */
export function inList(db: Executor, column: string, list: unknown): Expression<SqlBool> {
  if (isPostgres(db)) return sql<SqlBool>`${sql.ref(column)} = any(${list})`;
  return sql<SqlBool>`${sql.ref(column)} in (select value from json_each(${list}))`;
}

/** The argument inList takes for `values` on `db`'s dialect. */
export function listArgument(db: Executor, values: readonly (string | number)[]): unknown {
  return isPostgres(db) ? [...values] : JSON.stringify(values);
}

/** What a SQLite connection has beyond SQLite itself. */
export interface SqliteFeatures {
  /** kb_bm25, bm25() with the IDFs passed in (server/kb/search/native/rank-extension.ts). */
  rankFunction: boolean;
}

/** The SQLite connection behind each database openDatabase opened: the statement cache Kysely prepares through, the connection itself and what it was given. */
const sqliteConnections = new WeakMap<Executor, { statements: SqliteDatabase; connection: SQLite.Database; features: SqliteFeatures }>();

/** Lets precompiledRead run its statements on `db`'s SQLite connection directly, and says what the connection has (openDatabase calls it). */
export function attachSqliteConnection(
  db: Executor,
  statements: SqliteDatabase,
  connection: SQLite.Database,
  features: SqliteFeatures,
): void {
  sqliteConnections.set(db, { statements, connection, features });
}

/**
 * Whether statements run on `db` can call kb_bm25: a database openDatabase opened on SQLite whose
 * connection loaded the extension. A transaction object is not known here and answers false
 * (its caller falls back to bm25(), with the same answers), as PostgreSQL does.
 */
export function hasRankFunction(db: Executor): boolean {
  return sqliteConnections.get(db)?.features.rankFunction ?? false;
}

/**
 * A read that runs on almost every request (the session behind a cookie, the knowledge base's
 * change counter), built and compiled by Kysely once per dialect rather than at every run, and on
 * SQLite run straight on the connection. For such small reads Kysely's machinery, not the
 * database, was the cost: building the query, compiling it, and the asynchronous steps to the
 * connection and back (the two reads of a cached search: 11-15% of its server CPU at 500 requests
 * a second, measured against the same build without this).
 *
 * `build` gets one placeholder per argument and must pass each on as a value (a comparison, a
 * limit, a whole list through inList; not an `in` list of its own or a computed expression): the
 * compiled statement's parameters are then the arguments in the order the compiler placed them.
 * Values it writes itself stay as they are.
 *
 * On SQLite the statement runs synchronously on the connection, through the same statement cache
 * Kysely uses, but only when no transaction is open on it. Kysely lets one transaction at a time
 * hold the connection and makes other queries wait for its end; a read run beside an open one
 * would see its uncommitted changes. (A streamed query would hold it too, across awaits and with
 * no transaction; none runs on SQLite, and better-sqlite3 would refuse a read beside one as busy.)
 * Otherwise (`db` is a transaction, one is open on the connection, or the database is PostgreSQL)
 * the compiled statement goes through Kysely as any other query does.
 */
export function precompiledRead<A extends unknown[], R>(
  build: (db: Executor, ...args: A) => Compilable<R>,
): (db: Executor, ...args: A) => Promise<R[]> {
  /** Per dialect (keyed by isPostgres): the compiled statement and, per parameter, the argument it takes (null: the compiled value). */
  const compiled = new Map<boolean, { query: CompiledQuery<R>; slots: (number | null)[] }>();
  const compile = (db: Executor, arity: number) => {
    const placeholders = Array.from({ length: arity }, (_, i) => `\u0000precompiledRead:${i}\u0000`);
    const query = build(db, ...(placeholders as A)).compile();
    const slots = query.parameters.map((p) => {
      const slot = placeholders.indexOf(p as string);
      return slot >= 0 ? slot : null;
    });
    const used = new Set(slots);
    if (placeholders.some((_, i) => !used.has(i))) throw new Error(`precompiledRead: an argument is not a parameter of ${query.sql}`);
    return { query, slots };
  };
  return async (db, ...args) => {
    const postgres = isPostgres(db);
    let entry = compiled.get(postgres);
    if (!entry) compiled.set(postgres, (entry = compile(db, args.length)));
    const { query, slots } = entry;
    const parameters = slots.map((slot, i) => (slot === null ? query.parameters[i] : args[slot]));
    const sqlite = sqliteConnections.get(db);
    if (sqlite && !sqlite.connection.inTransaction) {
      const statement = sqlite.statements.prepare(query.sql) as unknown as SQLite.Statement;
      if (!statement.reader) throw new Error(`precompiledRead: not a read: ${query.sql}`);
      return statement.all(parameters) as R[];
    }
    return (await db.executeQuery<R>({ ...query, parameters })).rows;
  };
}
