/**
 * The search analytics log written in batches (SearchLog): whatever way searches are split into
 * batches, the log ends as if each had been written on its own, on SQLite and PostgreSQL; a
 * batch is written on its timer and on flush, in order.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../server/db/database.js';
import { SEARCH_BURST_MS, SearchLog, type SearchLogEntry, writeSearchLog } from '../../server/features/kb/search-log.js';
import { availableDialects, openTestDatabase } from '../harness/db.js';

describe.each(availableDialects())('search log on %s', (dialect) => {
  let handle: Awaited<ReturnType<typeof openTestDatabase>>;
  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    await migrateToLatest(handle.db);
  });
  afterAll(() => handle?.close());

  const table = async () =>
    (await handle.db.selectFrom('kb_search_log').select(['query', 'locale', 'result_count', 'created_at', 'burst']).execute())
      .map((r) => ({ ...r, created_at: Number(r.created_at), result_count: Number(r.result_count) }))
      .sort((a, b) => a.created_at - b.created_at || a.query.localeCompare(b.query) || String(a.burst).localeCompare(String(b.burst)));

  // Typing in two sessions (and searches with no session key), queries that grow, shrink and
  // change, pauses short and long: the cases burst collapsing decides between.
  const entries = fc
    .array(
      fc.record({
        burst: fc.constantFrom('a', 'b', undefined),
        query: fc.constantFrom('v', 'vp', 'vpn', 'vpn setup', 'printer', 'pr'),
        pause: fc.constantFrom(100, 2000, SEARCH_BURST_MS + 1),
      }),
      { maxLength: 12 },
    )
    .map((list) => {
      let at = 1_000_000;
      return list.map(({ pause, ...e }, i): SearchLogEntry => ({ ...e, locale: null, result_count: i, created_at: (at += pause) }));
    });

  it('ends the same whether searches are written one by one or in batches split anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(entries, fc.array(fc.nat(), { maxLength: 4 }), async (list, cuts) => {
        await handle.db.deleteFrom('kb_search_log').execute();
        for (const e of list) await writeSearchLog(handle.db, [e]);
        const oneByOne = await table();
        await handle.db.deleteFrom('kb_search_log').execute();
        const points = [...new Set(cuts.map((c) => (list.length ? c % list.length : 0)))].sort((a, b) => a - b);
        let from = 0;
        for (const p of [...points, list.length]) {
          await writeSearchLog(handle.db, list.slice(from, p));
          from = Math.max(from, p);
        }
        expect(await table()).toEqual(oneByOne);
      }),
      {
        numRuns: dialect === 'sqlite' ? 60 : 25,
        // Found by a run of this property: a run of searches each within the burst window of the one
        // before, split so a later batch's settled search is past the window from the stored row.
        examples: [
          [
            [0, 2000, 4000, 6000, 6100, 8100, 10100, 10200].map((at, i) => ({
              burst: 'a',
              query: 'v',
              locale: null,
              result_count: i,
              created_at: 1_000_100 + at,
            })),
            [848296745],
          ],
        ],
      },
    );
  });

  it('writes a batch on its timer and on flush, in the order recorded', async () => {
    await handle.db.deleteFrom('kb_search_log').execute();
    const errors: unknown[] = [];
    const log = new SearchLog(handle.db, (e) => errors.push(e), { flushMs: 30, maxBuffered: 100 });
    log.record({ query: 'vp', locale: null, result_count: 1, created_at: 1000, burst: 'k' });
    log.record({ query: 'vpn', locale: null, result_count: 2, created_at: 1500, burst: 'k' });
    expect(await table()).toEqual([]);
    await new Promise((r) => setTimeout(r, 150));
    expect((await table()).map((r) => [r.query, r.burst])).toEqual([['vpn', 'k']]);
    log.record({ query: 'vpn setup', locale: null, result_count: 3, created_at: 2000, burst: 'k' });
    log.record({ query: 'printer', locale: 'en', result_count: 0, created_at: 2100 });
    await log.flush();
    expect((await table()).map((r) => [r.query, r.burst])).toEqual([
      ['vpn setup', 'k'],
      ['printer', null],
    ]);
    expect(errors).toEqual([]);
  });
});
