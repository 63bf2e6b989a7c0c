import { type Expression, type SqlBool, sql } from 'kysely';
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
  if (isPostgres(db)) return sql<SqlBool>`${sql.ref(column)} = any(${sql.val([...values])})`;
  return sql<SqlBool>`${sql.ref(column)} in (${sql.join([...values])})`;
}
