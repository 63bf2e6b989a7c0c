/**
 * The SQLite search's ranking extension (server/kb/search/native): kb_bm25 scores as bm25() does
 * when given the IDFs bm25() would count, the engine ranks with the vocabulary's counts when the
 * connection has it and with bm25() when not, and a missing or broken build is reported, not fatal.
 * CI must have built it (npm run build): there a connection without it fails the first test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SQLite from 'better-sqlite3';
import { AuditTrail } from '../../server/audit/audit.js';
import { type KbDeps, createArticle } from '../../server/features/kb/service.js';
import { withTransaction } from '../../server/db/transaction.js';
import type { MatchPlan } from '../../server/kb/search/engine.js';
import { buildRankExtension, loadRankExtension, rankExtensionFile } from '../../server/kb/search/native/rank-extension.js';
import { bm25Idf, ftsExpression, sqliteEngine } from '../../server/kb/search/sqlite-engine.js';
import { ARTICLE_COUNT_TERM, documentFrequencies } from '../../server/kb/search/vocabulary.js';
import { findAppRoot } from '../../server/platform/app-root.js';
import { openTestDatabase } from '../harness/db.js';
import { ManualClock } from '../harness/clock.js';

const editor = { username: 'hana', canEdit: true };
const built = fs.existsSync(rankExtensionFile());

// Outside CI a checkout that was never built (or has no C compiler) runs the fallback only, and says so.
describe.runIf(process.env.CI === 'true' || process.env.CI === '1' || built)('the knowledge-base ranking extension on SQLite', () => {
  let handle: Awaited<ReturnType<typeof openTestDatabase>>;
  let kb: KbDeps;

  beforeAll(async () => {
    handle = await openTestDatabase('sqlite');
    const clock = new ManualClock();
    kb = { db: handle.db, engine: sqliteEngine, audit: new AuditTrail(handle.db, clock), clock };
    const add = (title: string, body: string, extra: { category?: string; locale?: 'en' | 'zh-CN' } = {}) =>
      createArticle(kb, editor, { title, body, locale: extra.locale ?? 'en', status: 'published', category: extra.category });
    await add('Connect to the VPN', 'Install the VPN client and sign in. The VPN gateway is near you.', { category: 'network' });
    await add('VPN drops every hour', 'When the VPN drops, reconnect the client; check the network cable.', { category: 'network' });
    await add('Printer jams', 'Open the tray, remove the paper and close the printer lid.', { category: 'printing' });
    await add('Printer and VPN at home', 'A home printer works beside the VPN when split tunnelling is on.', { category: 'network' });
    await add('Reset your password', 'Choose forgot password, follow the steps, then sign in to the VPN again.', { category: 'accounts' });
    await add('连接 VPN', '安装 VPN 客户端并登录。', { locale: 'zh-CN', category: 'network' });
    for (let i = 0; i < 12; i++) await add(`Network note ${i}`, `The network ${'cable '.repeat(i % 4)}and the client need care.`);
  });
  afterAll(() => handle?.close());

  /** A plan as the search makes it: each term's count from the vocabulary. */
  const planOf = async (groups: string[][], extra: Partial<MatchPlan> = {}): Promise<MatchPlan> => {
    const dfs = await documentFrequencies(handle.db, [...groups.flat(), ARTICLE_COUNT_TERM]);
    return {
      groups,
      any: false,
      titleOnly: false,
      cap: 300,
      limit: 50,
      frequencies: { terms: groups.map((g) => g.map((t) => dfs.get(t) ?? 0)), articles: dfs.get(ARTICLE_COUNT_TERM) ?? 0 },
      ...extra,
    };
  };
  const plans = async () => [
    await planOf([['vpn']]),
    await planOf([['vpn'], ['client']]),
    await planOf([['printer', 'printers'], ['vpn']], { any: true }),
    await planOf([['network'], ['cable']], { any: true }),
    await planOf([['vpn']], { locale: 'en', category: 'network' }),
    await planOf([['xlocen', 'vpn']], { any: true }),
    await planOf([['连接'], ['vpn']]),
  ];

  it('is loaded into the connections the portal opens', () => {
    expect(handle.rankExtension).toEqual({ loaded: true });
  });

  it('scores every match as bm25() does, given the IDFs bm25() counts', async () => {
    let rows = 0;
    for (const plan of await plans()) {
      const expression = ftsExpression(plan);
      const idfs = plan.frequencies!.terms.flat().map((n) => bm25Idf(n, plan.frequencies!.articles));
      if (plan.locale) idfs.push(0);
      if (plan.category) idfs.push(0);
      const found = await sql<{ own: number; ours: number }>`
        SELECT bm25(kb_fts, 10.0, 1.0, 0.0) AS own, kb_bm25(kb_fts, ${Buffer.from(new Float64Array(idfs).buffer)}, 10.0, 1.0, 0.0) AS ours
        FROM kb_fts WHERE kb_fts MATCH ${expression}`.execute(handle.db);
      expect(found.rows.length, expression).toBeGreaterThan(0);
      for (const r of found.rows) expect(r.ours, expression).toBeCloseTo(r.own, 9);
      rows += found.rows.length;
    }
    expect(rows).toBeGreaterThan(20);
  });

  it('gives the engine the same matches and scores as bm25(), and it ranks with the counts the plan carries', async () => {
    for (const plan of await plans()) {
      const counted = await sqliteEngine.match(handle.db, { ...plan, frequencies: undefined });
      expect(counted.length).toBeGreaterThan(0);
      const given = await sqliteEngine.match(handle.db, plan);
      expect(given.map((h) => h.id)).toEqual(counted.map((h) => h.id));
      given.forEach((h, i) => expect(h.score).toBeCloseTo(counted[i]!.score, 9));
    }
    // Counts that say "printer" is in nearly every article and "vpn" in one: only kb_bm25 can follow them.
    const plan = await planOf([['printer'], ['vpn']], { any: true });
    const articles = plan.frequencies!.articles;
    const skewed = { ...plan, frequencies: { terms: [[articles - 1], [1]], articles } };
    const honest = await sqliteEngine.match(handle.db, { ...plan, frequencies: undefined });
    const weighed = await sqliteEngine.match(handle.db, skewed);
    expect(weighed.map((h) => h.score)).not.toEqual(honest.map((h) => h.score));
    // A printer-only article now ranks below every VPN one.
    const printerOnly = (await sql<{ id: number }>`SELECT id FROM kb_articles WHERE title = 'Printer jams'`.execute(handle.db)).rows[0]!.id;
    expect(weighed.at(-1)!.id).toBe(printerOnly);
  });

  it('ranks with bm25() where the connection is not known to have it (inside a transaction), with the same answer', async () => {
    const plan = await planOf([['vpn'], ['client']]);
    const outside = await sqliteEngine.match(handle.db, plan);
    const inside = await withTransaction(handle.db, (trx) => sqliteEngine.match(trx, plan));
    expect(inside.map((h) => h.id)).toEqual(outside.map((h) => h.id));
    inside.forEach((h, i) => expect(h.score).toBeCloseTo(outside[i]!.score, 9));
  });

  it('refuses an IDF argument that does not hold one number per phrase', async () => {
    const wrong = Buffer.from(new Float64Array([1, 2, 3]).buffer);
    await expect(
      sql`SELECT kb_bm25(kb_fts, ${wrong}, 10.0, 1.0, 0.0) FROM kb_fts WHERE kb_fts MATCH ${'"vpn"'}`.execute(handle.db),
    ).rejects.toThrow(/one double per phrase/);
    await expect(sql`SELECT kb_bm25(kb_fts, ${wrong}) FROM kb_fts WHERE kb_fts MATCH ${'"vpn"'}`.execute(handle.db)).rejects.toThrow(
      /one weight per column/,
    );
  });

  it('builds from its source, and a build or load that cannot happen says why', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-rank-'));
    try {
      const out = path.join(dir, 'kb_rank.so');
      const result = buildRankExtension(findAppRoot(), out);
      expect(result).toEqual({ built: true, file: out });
      const connection = new SQLite(':memory:');
      expect(loadRankExtension(connection, out)).toEqual({ loaded: true });
      connection.close();

      const previous = process.env.CC;
      process.env.CC = path.join(dir, 'no-such-compiler');
      try {
        expect(buildRankExtension(findAppRoot(), path.join(dir, 'other.so'))).toMatchObject({ built: false, reason: /could not be run/ });
      } finally {
        if (previous === undefined) delete process.env.CC;
        else process.env.CC = previous;
      }
      const bare = new SQLite(':memory:');
      expect(loadRankExtension(bare, path.join(dir, 'missing.so'))).toMatchObject({ loaded: false, reason: /is not built/ });
      fs.writeFileSync(path.join(dir, 'broken.so'), 'not a library');
      expect(loadRankExtension(bare, path.join(dir, 'broken.so'))).toMatchObject({ loaded: false, reason: /did not load/ });
      bare.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
