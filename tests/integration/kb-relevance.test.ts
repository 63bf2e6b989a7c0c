/**
 * Search quality on the demo knowledge base: the checked-in relevance set (English, both Chinese
 * scripts, typos, prefixes, mixed text) on SQLite and PostgreSQL. Prints recall@3 and MRR (for the
 * record) and fails below the floor, so a change to tokenisation or ranking that loses quality shows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KbLocale } from '../../shared/kb.js';
import { seedDemoKnowledgeBase } from '../../server/features/kb/demo-seed.js';
import { type KbDeps, search } from '../../server/features/kb/service.js';
import { searchEngineFor } from '../../server/kb/search/index.js';
import { type TestApp, buildTestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';

interface RelevanceCase {
  query: string;
  locale: KbLocale;
  expected: string;
  kind: string;
}
const CASES: RelevanceCase[] = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../fixtures/kb-relevance.json'), 'utf8'));

/** The floor: at least this share of queries has the expected article in the top 3. */
const RECALL_AT_3_FLOOR = 0.9;

/** A demo article's source slug (translations carry their language as a suffix). */
const sourceSlug = (slug: string) => slug.replace(/-(zh-cn|zh-tw)$/, '');

describe.each(availableDialects())('knowledge-base relevance on %s', (dialect) => {
  let t: TestApp;
  let kb: KbDeps;
  beforeAll(async () => {
    t = await buildTestApp({ dialect });
    kb = { db: t.deps.db, engine: searchEngineFor(t.deps.database.kind), audit: t.deps.audit, clock: t.clock };
    expect(await seedDemoKnowledgeBase(kb)).toBe(true);
  }, 120_000);
  afterAll(() => t?.close());

  it(`finds the expected article in the top 3 for at least ${RECALL_AT_3_FLOOR * 100}% of ${CASES.length} queries`, async () => {
    let found = 0;
    let reciprocal = 0;
    const misses: string[] = [];
    const byKind = new Map<string, { n: number; hit: number }>();
    for (const c of CASES) {
      // A person searches in their own language: the page asks for it (the offline index does the same).
      const results = await search(kb, { q: c.query, locale: c.locale, limit: 10 }, { log: false });
      const rank = results.findIndex((r) => sourceSlug(r.slug) === c.expected) + 1;
      if (rank > 0) reciprocal += 1 / rank;
      const kind = byKind.get(c.kind) ?? { n: 0, hit: 0 };
      kind.n++;
      if (rank > 0 && rank <= 3) {
        found++;
        kind.hit++;
      } else misses.push(`${c.query} (${c.locale}) → ${c.expected}: ${rank ? `rank ${rank}` : 'not found'}; got ${results.slice(0, 3).map((r) => r.slug).join(', ')}`);
      byKind.set(c.kind, kind);
    }
    const recall = found / CASES.length;
    const mrr = reciprocal / CASES.length;
    console.log(
      `[kb relevance ${dialect}] recall@3 ${recall.toFixed(3)}  MRR ${mrr.toFixed(3)}  (${CASES.length} queries; ` +
        [...byKind].map(([k, v]) => `${k} ${v.hit}/${v.n}`).join(', ') +
        `)\n  misses:\n    ${misses.join('\n    ')}`,
    );
    expect(recall).toBeGreaterThanOrEqual(RECALL_AT_3_FLOOR);
  }, 120_000);
});
