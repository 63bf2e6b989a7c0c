/**
 * The search pool's prepared statements (server/db/prepared.ts): PostgreSQL parses and plans a
 * search's statements once per connection, their number stays small however varied the queries
 * (lists go as one array parameter), and a connection's budget, once spent, only stops preparing.
 * Reads compiled once (precompiledRead) answer as the queries Kysely builds at each run do.
 * SQLite statements carry their LIMIT as a number, not a parameter.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../server/db/database.js';
import { MAX_PREPARED_PER_CONNECTION, PreparingClient, inList, listArgument, oneOf, precompiledRead } from '../../server/db/prepared.js';
import type { Database } from '../../server/db/schema.js';
import { sqliteLimit } from '../../server/db/sqlite-literal-limits.js';
import type { Executor } from '../../server/db/transaction.js';
import { importArticles } from '../../server/features/kb/import.js';
import { AuditTrail } from '../../server/audit/audit.js';
import { searchEngineFor } from '../../server/kb/search/index.js';
import { searchArticles } from '../../server/kb/search/search.js';
import { documentFrequencies } from '../../server/kb/search/vocabulary.js';
import { ManualClock } from '../harness/clock.js';
import { type DialectName, availableDialects, openTestDatabase } from '../harness/db.js';

/** Terms a list parameter must carry intact: quotes, commas, braces, backslashes, spaces, CJK. */
const AWKWARD = [`it's`, 'a"b', 'c,d', '{e}', 'f\\g', 'h i', 'NULL', '重置', ''];

describe.each(availableDialects())('lists as one parameter (oneOf) on %s', (dialect) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    await handle.db
      .insertInto('kb_terms')
      .values(AWKWARD.map((term, i) => ({ term, df: i + 1 })))
      .onConflict((oc) => oc.column('term').doUpdateSet({ df: sql`excluded.df` }))
      .execute();
  });
  afterAll(() => handle?.close());

  it('matches exactly the values given, whatever characters they hold', async () => {
    const found = await documentFrequencies(handle.db, [...AWKWARD, 'not-there', 'a', 'b']);
    expect([...found.keys()].sort()).toEqual([...AWKWARD].sort());
    expect(found.get('c,d')).toBe(AWKWARD.indexOf('c,d') + 1);
    const ids = await handle.db
      .selectFrom('kb_terms')
      .select('term')
      .where(oneOf(handle.db, 'term', ['{e}', 'h i']))
      .execute();
    expect(ids.map((r) => r.term).sort()).toEqual(['h i', '{e}']);
  });

  it('takes a whole list as one argument of a read compiled once (inList), strings or numbers, an empty one matching nothing', async () => {
    const terms = precompiledRead((db, list: unknown) =>
      db
        .selectFrom('kb_terms')
        .select(['term', 'df'])
        .where(inList(db, 'term', list)),
    );
    const counts = precompiledRead((db, list: unknown) =>
      db
        .selectFrom('kb_terms')
        .select('term')
        .where(inList(db, 'df', list)),
    );
    const termsOf = async (values: string[]) => (await terms(handle.db, listArgument(handle.db, values))).map((r) => r.term).sort();
    expect(await termsOf(AWKWARD)).toEqual([...AWKWARD].sort());
    expect(await termsOf(['c,d', 'not-there', 'a'])).toEqual(['c,d']);
    expect(await termsOf([])).toEqual([]);
    const withCounts = (await counts(handle.db, listArgument(handle.db, [1, 3]))).map((r) => r.term).sort();
    expect(withCounts).toEqual([AWKWARD[0]!, AWKWARD[2]!].sort());
  });
});

/** A fresh database whose kb_meta holds one row for each AWKWARD name, valued 1, 2, … in order. */
async function openWithAwkwardNames(dialect: DialectName): Promise<DatabaseHandle> {
  const handle = await openTestDatabase(dialect);
  await handle.db
    .insertInto('kb_meta')
    .values(AWKWARD.map((name, i) => ({ name, value: i + 1 })))
    .execute();
  return handle;
}

describe.each(availableDialects())('reads compiled once (precompiledRead) on %s', (dialect) => {
  let handle: DatabaseHandle;
  const byName = precompiledRead((db, name: string, above: number) =>
    db.selectFrom('kb_meta').select(['name', 'value']).where('name', '=', name).where('value', '>', above).where('name', '<>', 'never'),
  );
  const built = (name: string, above: number) =>
    handle.db.selectFrom('kb_meta').select(['name', 'value']).where('name', '=', name).where('value', '>', above).execute();
  beforeAll(async () => {
    handle = await openWithAwkwardNames(dialect);
  });
  afterAll(() => handle?.close());

  it('answers as the query built at each run does, the value written into it kept, whatever the arguments', async () => {
    for (const name of [...AWKWARD, 'not-there'])
      for (const above of [0, 3, 100]) expect(await byName(handle.db, name, above), `${name} > ${above}`).toEqual(await built(name, above));
    expect(await byName(handle.db, 'h i', 0)).toEqual([{ name: 'h i', value: AWKWARD.indexOf('h i') + 1 }]);
    await expect(byName(handle.db, 'never', 0)).resolves.toEqual([]);
  });

  it('reads inside a transaction through it, and outside never sees what an open transaction has not committed', async () => {
    const before = await byName(handle.db, 'NULL', 0);
    const outside: Promise<unknown>[] = [];
    await expect(
      handle.db.transaction().execute(async (trx) => {
        await trx.updateTable('kb_meta').set({ value: 999 }).where('name', '=', 'NULL').execute();
        expect(await byName(trx, 'NULL', 0)).toEqual([{ name: 'NULL', value: 999 }]);
        // Another request's read while this one is open (SQLite: one connection for both).
        outside.push(byName(handle.db, 'NULL', 0));
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await outside[0]).toEqual(before);
    expect(await byName(handle.db, 'NULL', 0)).toEqual(before);
  });

  it('refuses a build that leaves an argument out of the statement', async () => {
    const careless = precompiledRead((db, _name: string) => db.selectFrom('kb_meta').select('value').where('name', '=', 'change_seq'));
    await expect(careless(handle.db, 'x')).rejects.toThrow(/an argument is not a parameter/);
  });
});

describe.each(availableDialects())('LIMIT and OFFSET on %s', (dialect) => {
  let handle: DatabaseHandle;
  const names = [...AWKWARD].sort();
  const page = (db: Executor, limit: number, offset: number) =>
    db.selectFrom('kb_meta').select('name').where('name', 'in', AWKWARD).orderBy('name').limit(limit).offset(offset);
  beforeAll(async () => {
    handle = await openWithAwkwardNames(dialect);
  });
  afterAll(() => handle?.close());

  it('LIMIT is written into SQLite statements (a bound one is planned again at every run), bound on PostgreSQL, and pages alike', async () => {
    const compiled = page(handle.db, 3, 2).compile();
    if (dialect === 'sqlite') {
      // OFFSET stays bound: SQLite does not plan by it, and a text per page would crowd the statement cache.
      expect(compiled.sql).toMatch(/ limit 3 offset \?$/);
      expect(compiled.parameters.slice(-1)).toEqual([2]);
      expect(compiled.parameters).not.toContain(3);
    } else {
      // One statement text for every page, as PostgreSQL's prepared statements want.
      expect(compiled.sql).toMatch(/ limit \$\d+ offset \$\d+$/);
      expect(compiled.parameters.slice(-2)).toEqual([3, 2]);
    }
    expect((await page(handle.db, 3, 2).execute()).map((r) => r.name)).toEqual(names.slice(2, 5));
    expect((await page(handle.db, 100, 0).execute()).map((r) => r.name)).toEqual(names);
    await handle.db.transaction().execute(async (trx) => {
      expect((await page(trx, 1, 8).execute()).map((r) => r.name)).toEqual(names.slice(8, 9));
    });
  });

  it('a LIMIT that is an argument of a read compiled once stays a parameter (one statement for every limit)', async () => {
    const first = precompiledRead((db, limit: number) => page(db, limit, 0));
    expect((await first(handle.db, 2)).map((r) => r.name)).toEqual(names.slice(0, 2));
    expect((await first(handle.db, 4)).map((r) => r.name)).toEqual(names.slice(0, 4));
  });

  it('refuses what is not a row count rather than write it into a statement', async () => {
    for (const bad of [1.5, -1, Number.NaN, 2 ** 60]) expect(() => sqliteLimit(bad), String(bad)).toThrow(/Not a row count/);
    if (dialect === 'sqlite') expect(() => page(handle.db, 2.5, 0).compile()).toThrow(/Not a row count/);
  });
});

describe.runIf(availableDialects().includes('postgres'))('prepared search statements on PostgreSQL', () => {
  let handle: Awaited<ReturnType<typeof openTestDatabase>>;
  /** One connection, as the search pool's are made, so its prepared statements can be listed. */
  let db: Kysely<Database>;
  const prepared = async () =>
    (await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(db)).rows.map((r) => r.statement);

  beforeAll(async () => {
    handle = await openTestDatabase('postgres');
    const clock = new ManualClock();
    const kb = { db: handle.db, engine: searchEngineFor('postgres'), audit: new AuditTrail(handle.db, clock), clock };
    const topics = ['printer', 'password', 'laptop', 'monitor', 'network', 'keyboard', 'mailbox', 'camera', 'badge', 'docking'];
    const lines = topics.flatMap((topic, i) =>
      Array.from({ length: 6 }, (_, j) =>
        JSON.stringify({
          title: `${topic} guide ${j}`,
          body: `How to fix the ${topic} when it stops working: restart, update, reconnect. Step ${i}-${j}.`,
          locale: 'en',
          slug: `${topic}-${j}`,
          status: 'published',
        }),
      ),
    );
    await importArticles(kb, lines, { actor: 'test' });
    if (handle.config.kind !== 'postgres') throw new Error('a PostgreSQL database was asked for');
    const url = handle.config.url;
    const pool = new pg.Pool({ connectionString: url, max: 1, Client: PreparingClient });
    // As openDatabase does: a connection the server ends (the database dropped at close) must not crash the run.
    pool.on('error', () => {});
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  });
  afterAll(async () => {
    await db?.destroy();
    await handle?.close();
  });

  it('prepares each search statement once, and their number does not grow with the queries', async () => {
    const engine = searchEngineFor('postgres');
    const queries = [
      'printer',
      'pasword',
      'lapt',
      'monitor network',
      'keyboard restart update',
      'mailbox camera badge docking',
      'docking station guide 3',
    ];
    for (const q of queries) expect((await searchArticles(engine, db, q, { limit: 10 })).length, q).toBeGreaterThan(0);
    const afterFew = await prepared();
    expect(afterFew.some((s) => s.includes('kb_search'))).toBe(true); // the match passes
    expect(afterFew.some((s) => s.includes('kb_snippet_text'))).toBe(true);
    expect(afterFew.some((s) => s.includes('kb_terms'))).toBe(true);
    // Forty more queries of every length: lists of terms, ids and typo keys of new lengths make
    // no new statement texts.
    const words = [
      'printer',
      'password',
      'laptop',
      'monitor',
      'network',
      'keyboard',
      'mailbox',
      'camera',
      'badge',
      'docking',
      'restart',
      'update',
    ];
    for (let i = 0; i < 40; i++) {
      const q = words.slice(i % 7, (i % 7) + 1 + (i % 5)).join(' ') + (i % 3 === 0 ? ' guid' : '');
      await searchArticles(engine, db, q, { limit: 1 + (i % 10) });
    }
    const afterMany = await prepared();
    expect(afterMany.length - afterFew.length).toBeLessThanOrEqual(4); // a new pass shape or prefix count at most
    expect(afterMany.length).toBeLessThan(20);
  });

  it("is how the handle's search pool (statement timeout) connects", async () => {
    const searchPool = handle.withStatementTimeout(500)!;
    // Run one after another, the statements take the same idle connection (the pool reuses the last one freed).
    await sql`SELECT ${1}::int AS one`.execute(searchPool);
    const listed = await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(searchPool);
    expect(listed.rows.map((r) => r.statement)).toContain('SELECT $1::int AS one');
  });

  it("plans each statement once on the handle's search pool, whatever its arguments", async () => {
    const searchPool = handle.withStatementTimeout(700)!;
    const engine = searchEngineFor('postgres');
    // Run one after another, so on one connection; more runs than PostgreSQL's five custom plans.
    for (const q of ['printer', 'pass', 'lapt', 'monitor network', 'mailbox', 'badg', 'docking guide', 'keyboard'])
      await searchArticles(engine, searchPool, q, { limit: 5 });
    const plans = (
      await sql<{ statement: string; generic_plans: number; custom_plans: number }>`
        SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements`.execute(searchPool)
    ).rows;
    const vocabulary = plans.filter((p) => p.statement.includes('kb_terms'));
    expect(vocabulary.length).toBeGreaterThan(0);
    expect(vocabulary.some((p) => Number(p.generic_plans) >= 6)).toBe(true);
    expect(plans.filter((p) => Number(p.custom_plans) > 0)).toEqual([]);
  });

  it('keeps the connections it opened through a quiet spell, on the main and the search pool', async () => {
    // pg's pool closes a connection idle for 10 s: the next burst opened new ones, each a backend
    // with cold catalog caches that plans every statement again. Timers faked from the start, so
    // the pool's idle timers are ones the test can run out.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const own = openDatabase(handle.config);
    try {
      const backends = async (db: Kysely<Database>) =>
        (await Promise.all([1, 2, 3].map(() => sql<{ pid: number }>`SELECT pg_backend_pid() AS pid, pg_sleep(0.05)`.execute(db))))
          .map((r) => r.rows[0]!.pid)
          .sort();
      for (const db of [own.db, own.withStatementTimeout(500)!]) {
        const before = await backends(db);
        expect(new Set(before).size).toBe(3);
        vi.advanceTimersByTime(60_000);
        expect(await backends(db)).toEqual(before);
      }
    } finally {
      vi.useRealTimers();
      await own.close();
    }
  });

  it('stops preparing once a connection holds its budget, and still runs every statement', async () => {
    const before = (await prepared()).length;
    for (let i = 0; i < MAX_PREPARED_PER_CONNECTION + 5; i++) {
      const row = (await sql<{ n: number }>`SELECT ${i}::int + ${sql.lit(i)} AS n`.execute(db)).rows[0]!;
      expect(row.n).toBe(2 * i);
    }
    expect((await prepared()).length).toBe(MAX_PREPARED_PER_CONNECTION);
    expect(before).toBeLessThan(MAX_PREPARED_PER_CONNECTION);
  });
});
