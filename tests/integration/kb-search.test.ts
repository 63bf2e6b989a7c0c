/**
 * The knowledge-base search module, the same suite on SQLite (FTS5) and PostgreSQL (tsvector):
 * typos, prefixes, Chinese without spaces and in both scripts, mixed text, title above body,
 * helpful above unhelpful, filters, drafts invisible, index kept in step with every save.
 */
import { Migrator, sql } from 'kysely';
import { migrations } from '../../server/db/migrations/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Executor } from '../../server/db/transaction.js';
import { importArticles } from '../../server/features/kb/import.js';
import type { MatchPlan } from '../../server/kb/search/engine.js';
import { searchEngineFor } from '../../server/kb/search/index.js';
import { matchStatement } from '../../server/kb/search/postgres-engine.js';
import { RANK_CAP, searchArticles } from '../../server/kb/search/search.js';
import {
  ARTICLE_COUNT_TERM,
  documentFrequencies,
  type TypoCheck,
  frequenciesAndCompletions,
  prefixCompletions,
  typoCandidates,
} from '../../server/kb/search/vocabulary.js';
import { SearchCache } from '../../server/kb/search/cache.js';
import {
  type ArticleInput,
  type KbDeps,
  createArticle,
  giveFeedback,
  search,
  suggest,
  updateArticle,
} from '../../server/features/kb/service.js';
import { availableDialects, countingStatements } from '../harness/db.js';
import { type TestApp, buildTestApp } from '../harness/app.js';

const editor = { username: 'hana', canEdit: true };

function article(title: string, body: string, extra: Partial<ArticleInput> = {}): ArticleInput {
  return { title, body, locale: 'en', status: 'published', ...extra };
}

describe.each(availableDialects())('knowledge-base search on %s', (dialect) => {
  let t: TestApp;
  let kb: KbDeps;
  const ids: Record<string, number> = {};
  const titles = (results: { title: string }[]) => results.map((r) => r.title);
  /** How many articles the search vocabulary says the index holds. */
  const indexedCount = async () => (await documentFrequencies(t.deps.db, [ARTICLE_COUNT_TERM])).get(ARTICLE_COUNT_TERM);
  /** Migrates down to just before `name`, then to the latest again: that migration's down and up both run. */
  const migrateDownPastAndUp = async (name: string) => {
    const migrator = new Migrator({ db: t.deps.db, provider: { getMigrations: async () => migrations } });
    const names = Object.keys(migrations).sort();
    expect((await migrator.migrateTo(names[names.indexOf(name) - 1]!)).error).toBeUndefined();
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
  };

  beforeAll(async () => {
    t = await buildTestApp({ dialect });
    kb = { db: t.deps.db, engine: searchEngineFor(t.deps.database.kind), audit: t.deps.audit, clock: t.clock };
    const add = async (key: string, input: ArticleInput) => {
      ids[key] = (await createArticle(kb, editor, input)).id;
    };
    await add(
      'password',
      article('Reset your password', 'Open the portal, choose **Forgot password** and follow the steps.', { category: 'accounts' }),
    );
    await add(
      'vpn',
      article('Connect to the VPN', 'Install the VPN client, sign in with your work account and pick the nearest gateway.', {
        category: 'network',
      }),
    );
    await add(
      'outlook',
      article('Outlook keeps asking for a password', 'When Outlook prompts again and again, remove the cached credentials.', {
        category: 'email',
      }),
    );
    await add(
      'printer',
      article('Add a network printer', 'Printers on each floor are named after the room. Add one from Settings.', { category: 'devices' }),
    );
    await add(
      'bodyonly',
      article('Laptop battery drains fast', 'Check which apps use power. A printer driver update can also help.', { category: 'devices' }),
    );
    await add('wifi', article('Join the office Wi-Fi', 'Use the Corp network with your work account.', { category: 'network' }));
    await add('zhReset', article('如何重置密码', '打开门户，选择“忘记密码”，然后按步骤操作。', { locale: 'zh-CN', category: 'accounts' }));
    await add(
      'zhPrinter',
      article('打印机连不上怎么办', '先检查打印机是否开机，然后重新连接无线网络。', { locale: 'zh-CN', category: 'devices' }),
    );
    await add('twVpn', article('VPN 連線失敗', '請確認網路連線後重新啟動 VPN 用戶端。', { locale: 'zh-TW', category: 'network' }));
    await add('draft', article('Secret draft about passwords', 'Not yet reviewed.', { status: 'draft' }));
  });
  afterAll(() => t?.close());

  it('finds by words in titles and bodies, titles first', async () => {
    const results = await search(kb, { q: 'printer', limit: 10 });
    expect(titles(results).slice(0, 2)).toEqual(['Add a network printer', 'Laptop battery drains fast']);
    expect(results[0]!.score).toBeGreaterThan(results[1]!.score);
  });

  it('forgives typos (one edit: missing letter, swapped letters, extra letter)', async () => {
    expect(titles(await search(kb, { q: 'pasword', limit: 3 }))[0]).toBe('Reset your password');
    expect(titles(await search(kb, { q: 'vnp', limit: 3 }))[0]).toBe('Connect to the VPN');
    expect(titles(await search(kb, { q: 'outlok', limit: 3 }))[0]).toBe('Outlook keeps asking for a password');
    expect(titles(await search(kb, { q: 'printerr ', limit: 3 }))[0]).toBe('Add a network printer');
  });

  it('completes the word being typed', async () => {
    expect(titles(await search(kb, { q: 'prin', limit: 3 }))[0]).toBe('Add a network printer');
    expect(titles(await search(kb, { q: 'reset pass', limit: 3 }))[0]).toBe('Reset your password');
    expect(titles(await search(kb, { q: 'o', limit: 3 }))).toContain('Outlook keeps asking for a password');
  });

  it('completes a prefix with the commonest of the first words it begins, in term order, most common first', async () => {
    // Words no article uses (a prefix of their own), written straight into the vocabulary and removed after.
    const dfs = [5, 9, 1, 9, 0, 7, 3, 8, 2];
    const rows = dfs.map((df, i) => ({ term: `zqxv${i + 1}`, df }));
    await t.deps.db.insertInto('kb_terms').values(rows).execute();
    try {
      // The first five in term order with df > 0: zqxv1 (5), 2 (9), 3 (1), 4 (9), 6 (7). zqxv8 (8) is past them.
      expect(await prefixCompletions(t.deps.db, 'zqxv', 3, 5)).toEqual([
        { term: 'zqxv2', df: 9 },
        { term: 'zqxv4', df: 9 },
        { term: 'zqxv6', df: 7 },
      ]);
      expect((await prefixCompletions(t.deps.db, 'zqxv', 2, 100)).map((c) => c.term)).toEqual(['zqxv2', 'zqxv4']);
      expect((await prefixCompletions(t.deps.db, 'zqxv', 10, 100)).map((c) => c.term)).toEqual([
        'zqxv2',
        'zqxv4',
        'zqxv8',
        'zqxv6',
        'zqxv1',
        'zqxv7',
        'zqxv9',
        'zqxv3',
      ]);
    } finally {
      await t.deps.db.deleteFrom('kb_terms').where('term', 'like', 'zqxv%').execute();
    }
  });

  it('can read the frequencies and the completions a typed query needs in one statement, answering as the separate lookups do', async () => {
    const counted = countingStatements(t.deps.db);
    const terms = ['password', 'vpn', 'nosuchword', ARTICLE_COUNT_TERM];
    const prefixes = ['pr', 'o', 'zzz', '打'];
    for (const oneStatement of [true, false]) {
      counted.statements = 0;
      const { dfs, completions } = await frequenciesAndCompletions(counted.db, terms, prefixes, { oneStatement });
      expect(counted.statements).toBe(oneStatement ? 1 : 1 + prefixes.length);
      expect(dfs).toEqual(await documentFrequencies(t.deps.db, terms));
      for (const p of prefixes) expect(completions.get(p), p).toEqual(await prefixCompletions(t.deps.db, p));
      expect(completions.get('pr')!.map((c) => c.term)).toContain('printer');
      expect(completions.get('zzz')).toEqual([]);
    }
  });

  it('reads the typo corrections of words nothing else stands for in the same statement, as typoCandidates finds them', async () => {
    const counted = countingStatements(t.deps.db);
    const typos: TypoCheck[] = [
      { word: 'pasword', completes: false }, // a typo
      { word: 'printerr', completes: true }, // a typo being typed, that no word begins
      { word: 'outlok', stem: 'outlok', completes: true },
      { word: 'qzxwvk', completes: false }, // no word near it: looked up, none found
      { word: 'password', completes: false }, // a word articles use: not looked up
      { word: 'pri', completes: true }, // begins words: not looked up
      { word: 'printers', stem: 'printer', completes: true }, // its stem is a word: not looked up
      { word: 'vp', completes: false }, // too short to correct
    ];
    const terms = [...typos.flatMap((c) => [c.word, ...(c.stem ? [c.stem] : [])]), ARTICLE_COUNT_TERM];
    const prefixes = typos.filter((c) => c.completes).map((c) => c.word);
    for (const withPrefixes of [prefixes, []]) {
      counted.statements = 0;
      const { corrections, dfs } = await frequenciesAndCompletions(counted.db, terms, withPrefixes, { oneStatement: true, typos });
      expect(counted.statements).toBe(1);
      expect(dfs).toEqual(await documentFrequencies(t.deps.db, terms));
      expect([...corrections.keys()].sort()).toEqual(['outlok', 'pasword', 'printerr', 'qzxwvk']);
      for (const [word, found] of corrections) expect(found, word).toEqual(await typoCandidates(t.deps.db, word));
      expect(corrections.get('pasword')!.map((c) => c.term)).toContain('password');
      expect(corrections.get('qzxwvk')).toEqual([]);
    }
    // Apart, nothing is looked up ahead: expandTerms asks typoCandidates.
    expect((await frequenciesAndCompletions(t.deps.db, terms, prefixes, { oneStatement: false, typos })).corrections.size).toBe(0);
    // A search with a typo: on PostgreSQL no statement more than with the word spelled right.
    const statementsOf = async (q: string) => {
      counted.statements = 0;
      const results = await search({ ...kb, db: counted.db }, { q, limit: 3 });
      return { titles: titles(results), statements: counted.statements };
    };
    for (const [typo, right] of [
      ['pasword ', 'password '],
      ['outlok', 'outlook'],
    ]) {
      const [a, b] = [await statementsOf(typo!), await statementsOf(right!)];
      expect(a.titles, typo).toEqual(b.titles);
      expect(a.statements, typo).toBe(b.statements + (dialect === 'postgres' ? 0 : 1));
    }
  });

  it('understands Chinese without spaces, in both scripts, and mixed text', async () => {
    expect(titles(await search(kb, { q: '重置密码', limit: 3 }))[0]).toBe('如何重置密码');
    expect(titles(await search(kb, { q: '重設密碼', limit: 3 }))[0]).toBe('如何重置密码');
    expect(titles(await search(kb, { q: '打印机连不上', limit: 3 }))[0]).toBe('打印机连不上怎么办');
    expect(titles(await search(kb, { q: 'VPN 连线失败', limit: 3 }))[0]).toBe('VPN 連線失敗');
    expect(titles(await search(kb, { q: '密', limit: 5 }))).toContain('如何重置密码');
  });

  it('finds hyphenated words typed without the hyphen', async () => {
    expect(titles(await search(kb, { q: 'wifi', limit: 3 }))[0]).toBe('Join the office Wi-Fi');
  });

  it('builds escaped snippets with the hits marked', async () => {
    const [hit] = await search(kb, { q: 'cached credentials', limit: 1 });
    expect(hit!.snippet).toContain('<mark>cached</mark> <mark>credentials</mark>');
    const [zh] = await search(kb, { q: '忘记密码', limit: 1 });
    expect(zh!.snippet).toContain('<mark>忘记密码</mark>');
  });

  it('filters by language and category', async () => {
    const zh = await search(kb, { q: 'vpn', locale: 'zh-TW', limit: 10 });
    expect(titles(zh)).toEqual(['VPN 連線失敗']);
    const devices = await search(kb, { q: 'printer', category: 'devices', limit: 10 });
    expect(devices.every((r) => r.category === 'devices')).toBe(true);
    expect(await search(kb, { q: 'printer', category: 'email', limit: 10 })).toEqual([]);
  });

  it("answers from the article's own row where its index entries say otherwise: status, language and category", async () => {
    // The index is written in the article's own transaction, so the two agree; the result rows are
    // checked again anyway. Here the row is changed behind the index's back, and put back after.
    const input = article('Calibrate the numbat plotter', 'Open the numbat plotter settings.', { category: 'devices' });
    const { id } = await createArticle(kb, editor, input);
    const found = async (options: { locale?: 'en' | 'zh-CN'; category?: string }) =>
      (await search(kb, { q: 'numbat plotter', limit: 10, ...options })).map((r) => r.id);
    const setRow = (values: { status?: string; locale?: string; category?: string }) =>
      t.deps.db.updateTable('kb_articles').set(values).where('id', '=', id).execute();
    try {
      expect(await found({ locale: 'en', category: 'devices' })).toEqual([id]);
      await setRow({ status: 'archived' });
      expect(await found({})).toEqual([]);
      await setRow({ status: 'published', locale: 'zh-CN' });
      expect(await found({ locale: 'en' })).toEqual([]);
      expect(await found({})).toEqual([id]);
      await setRow({ locale: 'en', category: 'email' });
      expect(await found({ category: 'devices' })).toEqual([]);
      const [shown] = await search(kb, { q: 'numbat plotter', limit: 10 });
      expect(shown).toMatchObject({ id, category: 'email', locale: 'en', title: 'Calibrate the numbat plotter' });
    } finally {
      await setRow({ status: 'published', locale: 'en', category: 'devices' });
      await updateArticle(kb, editor, id, { ...input, status: 'archived' });
    }
  });

  it('matches a word that is spelled like a filter only where an article has it, never through the filters', async () => {
    // SQLite keeps each article's language and category as tokens ("xlocen", "xcatnetwork") in the
    // index; a search that left the column out of the match only when no term could be one of them
    // would answer these with every English article and every network article.
    const odd = article('Odd tokens', 'Logs show xlocen and xcatnetwork after the upgrade.');
    const { id } = await createArticle(kb, editor, odd);
    try {
      for (const q of ['xlocen', 'xcatnetwork', 'xcatnetwork upgrade'])
        expect(
          (await search(kb, { q, limit: 10 })).map((r) => r.id),
          q,
        ).toEqual([id]);
    } finally {
      await updateArticle(kb, editor, id, { ...odd, status: 'archived' });
    }
  });

  it('never shows drafts', async () => {
    expect(titles(await search(kb, { q: 'secret draft', limit: 10 }))).toEqual([]);
  });

  it('ranks helpful articles above unhelpful ones with the same match', async () => {
    const a = await createArticle(kb, editor, article('Docking station setup guide', 'Plug the dock in.'));
    const b = await createArticle(kb, editor, article('Docking station setup notes', 'Plug the dock in.'));
    const before = titles(await search(kb, { q: 'docking station', limit: 2 }));
    const [worse, better] = before[0] === a.title ? [a, b] : [b, a];
    for (let i = 0; i < 4; i++) {
      const voter = { username: `voter${i}`, canEdit: false };
      await giveFeedback(kb, voter, worse.id, { helpful: false });
      await giveFeedback(kb, voter, better.id, { helpful: true });
    }
    expect(titles(await search(kb, { q: 'docking station', limit: 2 }))[0]).toBe(better.title);
  });

  it('follows every save: edits, unpublishing and republishing', async () => {
    // The title index too: the pass for very common words reads it alone.
    const inTitles = async (word: string) =>
      (await kb.engine.match(t.deps.db, { groups: [[word]], any: false, titleOnly: true, cap: RANK_CAP, limit: 30 })).map((h) => h.id);
    const indexedBefore = (await indexedCount())!;
    const created = await createArticle(kb, editor, article('Request a monitor', 'Ask for a second screen.'));
    expect(titles(await search(kb, { q: 'monitor', limit: 5 }))).toContain('Request a monitor');
    expect(await inTitles('monitor')).toContain(created.id);
    expect(await indexedCount()).toBe(indexedBefore + 1);
    await updateArticle(kb, editor, created.id, article('Request a display', 'Ask for a second screen.'));
    expect(await indexedCount()).toBe(indexedBefore + 1);
    expect(titles(await search(kb, { q: 'monitor', limit: 5 }))).not.toContain('Request a monitor');
    expect(await inTitles('monitor')).not.toContain(created.id);
    expect(titles(await search(kb, { q: 'display', limit: 5 }))).toContain('Request a display');
    expect(await inTitles('display')).toContain(created.id);
    await updateArticle(kb, editor, created.id, article('Request a display', 'Ask for a second screen.', { status: 'archived' }));
    expect(titles(await search(kb, { q: 'display', limit: 5 }))).toEqual([]);
    expect(await inTitles('display')).not.toContain(created.id);
    expect(await indexedCount()).toBe(indexedBefore);
    // The vocabulary forgets words no published article uses: no typo leads to them.
    expect(titles(await search(kb, { q: 'displya', limit: 5 }))).toEqual([]);
    await updateArticle(kb, editor, created.id, article('Request a display', 'Ask for a second screen.'));
    expect(titles(await search(kb, { q: 'displya', limit: 5 }))).toEqual(['Request a display']);
    expect(await indexedCount()).toBe(indexedBefore + 1);
  });

  it('cuts snippets from the saved text: an edit shows at once, Markdown reduced, and leaves with the article', async () => {
    const created = await createArticle(kb, editor, article('Badge printer jams', 'Open the **tray** and pull the card out.'));
    expect((await search(kb, { q: 'badge tray', limit: 1 }))[0]!.snippet).toBe('Open the <mark>tray</mark> and pull the card out.');
    await updateArticle(
      kb,
      editor,
      created.id,
      article('Badge printer jams', 'Lift the [lid](https://example.org/lid) and clear the tray.'),
    );
    expect((await search(kb, { q: 'badge tray', limit: 1 }))[0]!.snippet).toBe('Lift the lid and clear the <mark>tray</mark>.');
    await updateArticle(kb, editor, created.id, article('Badge printer jams', 'Gone.', { status: 'archived' }));
    const left = await t.deps.db.selectFrom('kb_snippet_text').select('text').where('article_id', '=', created.id).execute();
    expect(left).toEqual([]);
  });

  it.runIf(dialect === 'sqlite')(
    'keeps title lengths beside the title index (SQLite), and the migration fills them for indexed articles',
    async () => {
      const lengths = async () =>
        Object.fromEntries(
          (
            await sql<{ article_id: number; length: number }>`SELECT article_id, length FROM kb_fts_title_length`.execute(t.deps.db)
          ).rows.map((r) => [r.article_id, r.length]),
        );
      const kept = await createArticle(kb, editor, article('Dock the wombat laptop', 'Plug the dock in.'));
      const archived = await createArticle(kb, editor, article('Undock the wombat', 'Unplug.'));
      await updateArticle(kb, editor, archived.id, article('Undock the wombat', 'Unplug.', { status: 'archived' }));
      expect((await lengths())[kept.id]).toBe('Dock the wombat laptop'.length);
      expect((await lengths())[archived.id]).toBeUndefined();
      // Shortest title first among title matches: the lengths are what orders them.
      await createArticle(kb, editor, article('Wombat', 'Short.'));
      expect(titles(await search(kb, { q: 'wombat', limit: 2 }))).toEqual(['Wombat', 'Dock the wombat laptop']);

      const before = await lengths();
      await migrateDownPastAndUp('2026-12-02T0500-kb-title-length');
      expect(await lengths()).toEqual(before);
    },
  );

  it.runIf(dialect === 'sqlite')(
    'keeps the newest matches when a pass is capped and the shortest titles first in the title pass (SQLite), and the migration that ordered the index so refills it',
    async () => {
      const lines = Array.from({ length: 30 }, (_, i) =>
        JSON.stringify({ title: `Burrow note ${i}`, body: `The numbat burrow ${i}.`, locale: 'en', slug: `numbat-${i}` }),
      );
      expect((await importArticles(kb, lines, { actor: 'hana' })).created).toBe(30);
      const created = (
        await t.deps.db.selectFrom('kb_articles').select('id').where('slug', 'like', 'numbat-%').orderBy('id', 'desc').execute()
      ).map((r) => r.id);
      const capped = async () =>
        (await kb.engine.match(t.deps.db, { groups: [['numbat']], any: false, titleOnly: false, cap: 10, limit: 10 }))
          .map((h) => h.id)
          .sort((a, b) => b - a);
      expect(await capped()).toEqual(created.slice(0, 10));
      // "Burrow note 0" to "Burrow note 9" are the shortest titles (the oldest ten), newest first.
      const shortest = async () =>
        (await kb.engine.match(t.deps.db, { groups: [['burrow']], any: false, titleOnly: true, cap: RANK_CAP, limit: 10 })).map(
          (h) => h.id,
        );
      expect(await shortest()).toEqual(created.slice(20));
      const answers = async () => Promise.all(['numbat burrow', 'password', 'printer', '重置密码'].map((q) => search(kb, { q, limit: 5 })));
      const before = await answers();

      await migrateDownPastAndUp('2026-12-03T0100-kb-fts-order');
      expect(await capped()).toEqual(created.slice(0, 10));
      expect(await shortest()).toEqual(created.slice(20));
      expect(await answers()).toEqual(before);
    },
  );

  it.runIf(dialect === 'sqlite')(
    'rebuilds the title index in pages of 1,000 bytes (SQLite), and back, with the same answers and an index FTS5 finds sound',
    async () => {
      const pageBytes = async () =>
        (await sql<{ v: number }>`SELECT v FROM kb_fts_title_config WHERE k = 'pgsz'`.execute(t.deps.db)).rows[0]?.v;
      const sound = () => sql`INSERT INTO kb_fts_title(kb_fts_title, rank) VALUES ('integrity-check', 0)`.execute(t.deps.db);
      const answers = async () =>
        Promise.all(
          [
            { q: 'password', limit: 5 },
            { q: 'network printer', limit: 5 },
            { q: 'burrow note', limit: 10 },
            { q: 'vpn', locale: 'zh-TW' as const, limit: 5 },
            { q: 'printer', category: 'devices', limit: 5 },
            { q: '重置密码', limit: 5 },
          ].map((options) => search(kb, options)),
        );
      // Title matches come shortest first, in the rowids' order: the rebuilt index must keep it.
      const quolls = [];
      for (const title of ['Quoll den map', 'Quoll', 'Quoll den'])
        quolls.push(await createArticle(kb, editor, article(title, 'Marsupial.')));
      const titlePass = async () =>
        (await kb.engine.match(t.deps.db, { groups: [['quoll']], any: false, titleOnly: true, cap: RANK_CAP, limit: 10 })).map((h) => h.id);
      const shortestFirst = [quolls[1]!.id, quolls[2]!.id, quolls[0]!.id];
      expect(await titlePass()).toEqual(shortestFirst);
      const before = await answers();
      expect(before.flat().length).toBeGreaterThan(5);
      expect(await pageBytes()).toBe(1000);
      await sound();

      const migrator = new Migrator({ db: t.deps.db, provider: { getMigrations: async () => migrations } });
      const names = Object.keys(migrations).sort();
      expect((await migrator.migrateTo(names[names.indexOf('2026-12-06T0100-kb-title-pages') - 1]!)).error).toBeUndefined();
      expect(await pageBytes()).toBe(4050);
      await sound();
      expect(await answers()).toEqual(before);
      expect(await titlePass()).toEqual(shortestFirst);
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await pageBytes()).toBe(1000);
      await sound();
      expect(await answers()).toEqual(before);
      expect(await titlePass()).toEqual(shortestFirst);
      for (const q of quolls) await updateArticle(kb, editor, q.id, article(q.title, 'Marsupial.', { status: 'archived' }));
    },
  );

  it.runIf(dialect === 'postgres')(
    'keeps the titles in order of length (PostgreSQL): a capped title pass ranks the shortest, compaction restores the order after saves, and the migration that moved the titles fills the table so',
    async () => {
      // Saved longest first, so each new row lands after the longer ones.
      const saved = [];
      for (let words = 12; words >= 1; words--)
        saved.push(await createArticle(kb, editor, article(`Bandicoot ${'trail '.repeat(words).trim()}`, 'Marsupial tracks.')));
      const shortestFour = saved
        .slice(-4)
        .map((a) => a.id)
        .sort((a, b) => a - b);
      const titlePass = async () =>
        (await kb.engine.match(t.deps.db, { groups: [['bandicoot']], any: false, titleOnly: true, cap: 4, limit: 10 }))
          .map((h) => h.id)
          .sort((a, b) => a - b);
      await kb.engine.compact(t.deps.db);
      expect(await titlePass()).toEqual(shortestFour);
      const answers = async () =>
        Promise.all(['bandicoot trail', 'password', 'network printer', '重置密码'].map((q) => search(kb, { q, limit: 5 })));
      const before = await answers();
      expect(before[0]!.length).toBe(5);

      await migrateDownPastAndUp('2026-12-07T0100-kb-title-table');
      expect(await titlePass()).toEqual(shortestFour);
      expect(await answers()).toEqual(before);
      for (const a of saved) await updateArticle(kb, editor, a.id, article(a.title, 'Marsupial tracks.', { status: 'archived' }));
      expect(await titlePass()).toEqual([]);
    },
  );

  it('compacts the index after a bulk import, and finds what it imported', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify({
        slug: `bulk-${i}`,
        title: `Bulk guide ${i} for the quokka scanner`,
        body: `Step ${i}: restart the quokka scanner.`,
        locale: 'en',
        status: 'published',
      }),
    );
    const summary = await importArticles(kb, lines, { actor: 'hana' });
    expect(summary.created).toBe(1000);
    expect((await search(kb, { q: 'quokka', limit: 5 })).length).toBe(5);
    if (dialect === 'postgres') {
      // Nothing left in the GIN indexes' pending lists (every search reads them whole), and they stay short.
      const { rows } = await sql<{ title: number; body: number }>`
        SELECT gin_clean_pending_list('kb_search_title_tsv') AS title, gin_clean_pending_list('kb_search_tsv') AS body`.execute(t.deps.db);
      expect(rows[0]).toEqual({ title: 0, body: 0 });
      const options = await sql<{ reloptions: string[] }>`
        SELECT reloptions FROM pg_class WHERE relname IN ('kb_search_tsv', 'kb_search_title_tsv')`.execute(t.deps.db);
      expect(options.rows.map((r) => r.reloptions)).toEqual([['gin_pending_list_limit=64'], ['gin_pending_list_limit=64']]);
    }
    if (dialect === 'sqlite') {
      // One segment per FTS5 table once merged (an import in batches leaves many).
      for (const table of ['kb_fts_idx', 'kb_fts_title_idx']) {
        const { rows } = await sql<{ n: number }>`SELECT count(DISTINCT segid) AS n FROM ${sql.table(table)}`.execute(t.deps.db);
        expect(rows[0]!.n, table).toBe(1);
      }
    }
  });

  it('suggests articles for a longer description', async () => {
    const results = await suggest(kb, { text: 'Since this morning Outlook asks me for my password every few minutes', limit: 3 });
    expect(titles(results)[0]).toBe('Outlook keeps asking for a password');
    const zh = await suggest(kb, { text: '我的打印机今天早上连不上了', limit: 3 });
    expect(titles(zh)[0]).toBe('打印机连不上怎么办');
  });

  it('gives nothing, quickly, for stop words only or unknown words', async () => {
    expect(await search(kb, { q: 'the and ', limit: 10 })).toEqual([]);
    expect(await search(kb, { q: 'xyzzyqux', limit: 10 })).toEqual([]);
  });

  it('bounds the work for a term in very many articles', async () => {
    // More than RANK_CAP articles sharing one word: the query still answers, best (title) matches first.
    const lines = Array.from({ length: RANK_CAP + 50 }, (_, i) =>
      JSON.stringify({ title: `Common topic ${i}`, body: `Body ${i} mentions widget once.`, locale: 'en', slug: `common-${i}` }),
    );
    const summary = await importArticles(kb, lines, { actor: 'hana' });
    expect(summary).toEqual({ created: RANK_CAP + 50, updated: 0, unchanged: 0, errors: [] });
    await createArticle(kb, editor, article('Widget reference', 'Everything about the widget.'));
    const started = performance.now();
    const results = await search(kb, { q: 'widget', limit: 5 });
    const ms = performance.now() - started;
    expect(results[0]!.title).toBe('Widget reference');
    expect(results).toHaveLength(5);
    expect(ms).toBeLessThan(1000);
  }, 120_000);

  it('lets a word in more than half of the articles neither narrow the body passes nor weigh in their ranking', async () => {
    // The bulk import above put "scanner" in 1,000 of the base's articles: more than half.
    expect((await documentFrequencies(t.deps.db, ['scanner'])).get('scanner')! * 2).toBeGreaterThan((await indexedCount())!);
    await createArticle(kb, editor, article('Sprocket tension', 'Tighten the sprocket a quarter turn.'));
    await createArticle(kb, editor, article('Chain guard notes', 'The scanner manual covers the sprocket too.'));
    const find = (commonFloor?: number) => searchArticles(kb.engine, t.deps.db, 'sprocket scanner', { limit: 5, commonFloor });
    // In 1,000 articles, under the floor: the word still narrows (the article with both words
    // first), and the looser pass brings in articles that have it alone.
    const counted = titles(await find());
    expect(counted[0]).toBe('Chain guard notes');
    expect(counted).toHaveLength(5);
    expect(counted.filter((title) => title.startsWith('Bulk guide')).length).toBeGreaterThan(0);
    // Over the floor it is common: the article about sprockets first, nothing for "scanner" alone.
    expect(titles(await find(100))).toEqual(['Sprocket tension', 'Chain guard notes']);
  });

  it('stops at a page of title matches: no looser pass is run, and no body-only match gets in', async () => {
    // Both words in more than RANK_CAP bodies, so the first pass is titles only; seven titles have both.
    const lines = Array.from({ length: RANK_CAP + 20 }, (_, i) =>
      JSON.stringify({ title: `Maintenance log ${i}`, body: `The quasar relay was checked (${i}).`, locale: 'en', slug: `relay-log-${i}` }),
    );
    for (let i = 0; i < 7; i++)
      lines.push(
        JSON.stringify({
          title: `Quasar relay guide ${i} for the night shift`,
          body: 'How to reset it.',
          locale: 'en',
          slug: `relay-guide-${i}`,
        }),
      );
    // The shortest title with every word is the best of them.
    lines.push(JSON.stringify({ title: 'Quasar relay', body: 'Overview.', locale: 'en', slug: 'relay-overview' }));
    await importArticles(kb, lines, { actor: 'hana' });
    const plans: boolean[] = [];
    const counting: KbDeps = {
      ...kb,
      engine: { ...kb.engine, match: (db, plan) => (plans.push(plan.titleOnly), kb.engine.match(db, plan)) },
    };
    const results = await search(counting, { q: 'quasar relay', limit: 5 });
    expect(titles(results)).toHaveLength(5);
    expect(titles(results)[0]).toBe('Quasar relay');
    expect(titles(results).every((title) => title.startsWith('Quasar relay'))).toBe(true);
    expect(plans).toEqual([true]);
  }, 120_000);

  it("reads the matches' votes and the page's articles with the passes on PostgreSQL (two statements fewer a search), answering as their own statements do", async () => {
    // After the bulk imports above, so title passes run ("quasar relay": seven titles among 320
    // bodies; "widget": one title among 351 bodies). The same searches with the engine told not to
    // read the page's articles with its passes, then not the votes either: the search reads them
    // instead (as on SQLite, which ignores both), each in a statement of its own.
    const passes: boolean[] = [];
    const recording = { ...kb.engine, match: (db: Executor, plan: MatchPlan) => (passes.push(plan.titleOnly), kb.engine.match(db, plan)) };
    const votesOnly = { ...kb.engine, match: (db: Executor, plan: MatchPlan) => kb.engine.match(db, { ...plan, withShown: undefined }) };
    const apart = { ...kb.engine, match: (db: Executor, plan: MatchPlan) => kb.engine.match(db, { ...plan, withVotes: false }) };
    const counted = countingStatements(t.deps.db);
    /** What is asked, the passes it runs (true: titles only), and whether its page comes from its passes. */
    const asks: { what: string; ask: (deps: KbDeps) => Promise<unknown[]>; titleOnly: boolean[]; page: boolean }[] = [
      { what: 'a title page', ask: (deps) => search(deps, { q: 'quasar relay', limit: 5 }), titleOnly: [true], page: true },
      { what: 'titles, then bodies', ask: (deps) => search(deps, { q: 'widget', limit: 5 }), titleOnly: [true, false], page: true },
      {
        what: 'every word, then any word',
        ask: (deps) => search(deps, { q: 'cached credentials', limit: 5 }),
        titleOnly: [false, false],
        page: true,
      },
      { what: 'a typo', ask: (deps) => search(deps, { q: 'pasword', limit: 5 }), titleOnly: [false], page: true },
      { what: 'a prefix', ask: (deps) => search(deps, { q: 'vp', limit: 5 }), titleOnly: [false], page: true },
      { what: 'Chinese', ask: (deps) => search(deps, { q: '重置密码', limit: 5 }), titleOnly: [false, false], page: true },
      {
        what: 'filters',
        ask: (deps) => search(deps, { q: 'printer', category: 'devices', locale: 'en', limit: 5 }),
        titleOnly: [false],
        page: true,
      },
      {
        // Ranked by the sum of two passes' scores: its page is read in a statement of its own.
        what: 'a suggestion',
        ask: (deps) => suggest(deps, { text: 'my printer driver will not update', limit: 3 }),
        titleOnly: [false, true],
        page: false,
      },
    ];
    for (const { what, ask, titleOnly, page } of asks) {
      passes.length = 0;
      counted.statements = 0;
      const together = await ask({ ...kb, db: counted.db, engine: recording });
      expect(passes, what).toEqual(titleOnly);
      const statements: number[] = [counted.statements];
      for (const engine of [votesOnly, apart]) {
        counted.statements = 0;
        expect(await ask({ ...kb, db: counted.db, engine }), what).toEqual(together);
        statements.push(counted.statements);
      }
      expect(together.length, what).toBeGreaterThan(0);
      // On PostgreSQL the page's articles, then the votes, read with the passes; on SQLite apart.
      const postgres = dialect === 'postgres';
      expect(statements, what).toEqual([
        statements[2]! - (postgres ? (page ? 2 : 1) : 0),
        statements[2]! - (postgres ? 1 : 0),
        statements[2]!,
      ]);
    }
    // Nothing matched: no votes to read, the same statements either way.
    counted.statements = 0;
    expect(await search({ ...kb, db: counted.db }, { q: 'printer', category: 'email', limit: 5 })).toEqual([]);
    const none = counted.statements;
    counted.statements = 0;
    expect(await search({ ...kb, db: counted.db, engine: apart }, { q: 'printer', category: 'email', limit: 5 })).toEqual([]);
    expect(none).toBe(counted.statements);
  });

  it("reads what the passes' read of the page missed", async () => {
    // An engine whose passes leave out one of the articles it was asked to read for the page (as a
    // near tie PostgreSQL broke otherwise would): the search reads that one itself.
    const forgetful = {
      ...kb.engine,
      match: async (db: Executor, plan: MatchPlan) => {
        const hits = await kb.engine.match(db, plan);
        const first = hits.find((h) => h.shown);
        return hits.map((h) => (h === first ? { ...h, shown: undefined } : h));
      },
    };
    for (const q of ['quasar relay', 'widget', 'pasword', '重置密码']) {
      const expected = await search(kb, { q, limit: 5 });
      expect(expected.length, q).toBeGreaterThan(0);
      expect(await search({ ...kb, engine: forgetful }, { q, limit: 5 }), q).toEqual(expected);
    }
    // A page from the ranked-match cache, with no pass run, is read on its own: see "shares ranked matches" below.
  });

  it('lets other work run between the steps of a search and of a suggestion (SQLite runs their statements on this thread)', async () => {
    for (const run of [
      () => search(kb, { q: 'printer driver', limit: 5 }),
      () => suggest(kb, { text: 'my printer driver will not update', limit: 3 }),
    ]) {
      const order: string[] = [];
      const running = run().then(() => order.push('search'));
      setImmediate(() => order.push('other'));
      await running;
      expect(order).toEqual(['other', 'search']);
    }
  });

  it('counts the articles the index holds, imports and the migration that counted them first included', async () => {
    const published = async () =>
      Number(
        (
          await t.deps.db
            .selectFrom('kb_articles')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('status', '=', 'published')
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await published()).toBeGreaterThan(RANK_CAP * 2); // the imports above
    expect(await indexedCount()).toBe(await published());
    await migrateDownPastAndUp('2026-12-04T0100-kb-article-count');
    expect(await indexedCount()).toBe(await published());
  });

  /** `kb` with fresh caches (`extra`) and an engine that counts its passes in `passes.run`. */
  const countingPasses = (extra: Partial<KbDeps>) => {
    const passes = { run: 0 };
    const deps: KbDeps = { ...kb, ...extra, engine: { ...kb.engine, match: (db, plan) => ((passes.run += 1), kb.engine.match(db, plan)) } };
    return { deps, passes };
  };

  it('answers the same analysed query from the cache, whatever its case, spacing or stop words', async () => {
    const { deps: counting, passes } = countingPasses({ cache: new SearchCache() });
    const first = await search(counting, { q: 'VPN', limit: 5 });
    const afterFirst = passes.run;
    expect(afterFirst).toBeGreaterThan(0);
    for (const q of ['vpn', '  Vpn', 'the VPN']) expect(await search(counting, { q, limit: 5 })).toEqual(first);
    expect(passes.run).toBe(afterFirst);
    // A finished word ("vpn ", no completions) is another query; so is another limit.
    await search(counting, { q: 'vpn ', limit: 5 });
    expect(passes.run).toBeGreaterThan(afterFirst);
  });

  it('keeps what the vocabulary said of each term: a query of terms seen before looks none up, answers unchanged, until the base changes', async () => {
    const counted = countingStatements(t.deps.db);
    const withTerms: KbDeps = { ...kb, db: counted.db, termCache: new SearchCache() };
    const statementsOf = async (deps: KbDeps, q: string) => {
      counted.statements = 0;
      const results = await search(deps, { q, limit: 5 });
      return { results, statements: counted.statements };
    };
    // Seen in earlier queries: "printer " and "vpn ", each finished, and the typo "pasword ".
    for (const q of ['printer ', 'vpn ', 'pasword ']) await search(withTerms, { q, limit: 5 });
    // The vocabulary's statements saved: one on PostgreSQL; on SQLite the frequencies, and the typo's own lookup.
    for (const [q, saved] of [
      ['vpn printer ', 1],
      ['printer pasword ', dialect === 'postgres' ? 1 : 2],
    ] as const) {
      const cold = await statementsOf({ ...kb, db: counted.db, termCache: new SearchCache() }, q);
      const warm = await statementsOf(withTerms, q);
      expect(warm.results, q).toEqual(cold.results);
      expect(warm.results.length, q).toBeGreaterThan(0);
      expect(warm.statements, q).toBe(cold.statements - saved);
    }
    // A word no article has yet, and a typo of it: nothing stands for either, until an article has it.
    expect(await search(withTerms, { q: 'zephyrix ', limit: 5 })).toEqual([]);
    expect(await search(withTerms, { q: 'zephyrx ', limit: 5 })).toEqual([]);
    const added = await createArticle(kb, editor, article('Zephyrix gateway', 'The Zephyrix gateway routes the lab network.'));
    try {
      for (const q of ['zephyrix ', 'zephyrx '])
        expect(
          (await search(withTerms, { q, limit: 5 })).map((r) => r.id),
          q,
        ).toEqual([added.id]);
    } finally {
      await updateArticle(kb, editor, added.id, { ...article('Zephyrix gateway', 'Archived.'), status: 'archived' });
    }
    expect(await search(withTerms, { q: 'zephyrix ', limit: 5 })).toEqual([]);
  });

  it('shares ranked matches between queries that expand alike, answers unchanged, until the base changes', async () => {
    const { deps: counting, passes } = countingPasses({ cache: new SearchCache(), matchCache: new SearchCache() });
    const right = await search(counting, { q: 'printer ', limit: 5 });
    const afterFirst = passes.run;
    expect(afterFirst).toBeGreaterThan(0);
    // A typo corrected to the same word is another query (the answer cache misses) with the same matches.
    const typo = await search(counting, { q: 'priner ', limit: 5 });
    expect(passes.run).toBe(afterFirst);
    expect(typo.map((r) => r.id)).toEqual(right.map((r) => r.id));
    // Exactly what a search with no cache at all answers, snippets included.
    expect(typo).toEqual(await search(kb, { q: 'priner ', limit: 5 }));
    expect(right).toEqual(await search(kb, { q: 'printer ', limit: 5 }));
    // Another filter is another entry.
    await search(counting, { q: 'priner ', limit: 5, category: 'devices' });
    expect(passes.run).toBeGreaterThan(afterFirst);
    // A save moves the generation: the same matches are ranked again, the new article among them.
    await search(counting, { q: 'printer ', limit: 50 });
    const beforeSave = passes.run;
    const added = await createArticle(kb, editor, article('Plotter paper jams', 'The wide-format printer on the third floor takes rolls.'));
    const again = await search(counting, { q: 'priner ', limit: 50 });
    expect(passes.run).toBeGreaterThan(beforeSave);
    expect(again.map((r) => r.id)).toContain(added.id);
    expect(again).toEqual(await search(kb, { q: 'priner ', limit: 50 }));
  });

  it.runIf(dialect === 'postgres')('plans every pass on the GIN index, even for a word in every article', async () => {
    // A word the statistics say is in all of 3,000 articles: seeing it, the planner expected the
    // first `cap` matches at the table's start and read it row by row, detoasting every body vector.
    // In a transaction rolled back at the end, so the suite's base is left as it was.
    class RolledBack extends Error {}
    const plans: string[] = [];
    await t.deps.db
      .transaction()
      .execute(async (trx) => {
        await sql`
          INSERT INTO kb_articles (id, slug, translation_group, locale, title, body, status, created_at, updated_at)
          SELECT 900000 + g, 'plan-test-' || g, 900000 + g, 'en', 'Plan test ' || g, 'everywhere', 'published', 0, 0
          FROM generate_series(1, 3000) AS g`.execute(trx);
        await sql`
          INSERT INTO kb_search (article_id, locale, category, tsv)
          SELECT 900000 + g, 'en', NULL, 'everywhere:1B plan:2B' FROM generate_series(1, 3000) AS g`.execute(trx);
        await sql`
          INSERT INTO kb_search_title (article_id, locale, category, title_length, title_tsv)
          SELECT 900000 + g, 'en', NULL, 14, 'plan:1A' FROM generate_series(1, 3000) AS g`.execute(trx);
        await sql`ANALYZE kb_search, kb_search_title`.execute(trx);
        for (const titleOnly of [false, true]) {
          const plan = { groups: [[titleOnly ? 'plan' : 'everywhere']], any: false, titleOnly, cap: RANK_CAP, limit: 30 };
          const explained = await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${matchStatement(plan)}`.execute(trx);
          plans.push(explained.rows.map((r) => r['QUERY PLAN']).join('\n'));
        }
        throw new RolledBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RolledBack)) throw error;
      });
    expect(plans).toHaveLength(2);
    expect(plans[0]).toMatch(/Bitmap Index Scan on kb_search_tsv/);
    expect(plans[1]).toMatch(/Bitmap Index Scan on kb_search_title_tsv/);
    for (const plan of plans) expect(plan).not.toMatch(/Seq Scan/);
    const left = await sql<{ n: string }>`SELECT count(*) AS n FROM kb_articles WHERE slug LIKE 'plan-test-%'`.execute(t.deps.db);
    expect(Number(left.rows[0]!.n)).toBe(0);
  });

  it.runIf(dialect === 'postgres')('cancels a search statement that runs past the timeout, and the pool stays free', async () => {
    // A stand-in for a plan PostgreSQL cannot finish in time (a real one depends on data and load):
    // the engine's match first sleeps for seconds, inside the search's own transaction.
    const slowEngine = {
      ...kb.engine,
      match: async (db: Parameters<typeof kb.engine.match>[0], plan: Parameters<typeof kb.engine.match>[1]) => {
        await sql`SELECT pg_sleep(3)`.execute(db);
        return kb.engine.match(db, plan);
      },
    };
    const slow: KbDeps = { ...kb, engine: slowEngine, searchTimeoutMs: 200 };
    const started = performance.now();
    await expect(search(slow, { q: 'printer', limit: 5 })).rejects.toMatchObject({ code: 'kb_search_too_broad' });
    await expect(suggest(slow, { text: 'my printer will not print', limit: 5 })).rejects.toMatchObject({ code: 'kb_search_too_broad' });
    expect(performance.now() - started).toBeLessThan(2500);
    // The timeout was local to those transactions: the pool's connections keep the server default.
    const shown = await sql<{ statement_timeout: string }>`SHOW statement_timeout`.execute(t.deps.db);
    expect(shown.rows[0]!.statement_timeout).toBe('0');
    expect(titles(await search(kb, { q: 'printer', limit: 3 }))[0]).toBe('Add a network printer');
  });

  it.runIf(dialect === 'postgres')('cancels a search past the timeout on the bounded pool too, with no transaction around it', async () => {
    const boundedDb = t.deps.database.withStatementTimeout(200)!;
    const slowEngine = {
      ...kb.engine,
      match: async (db: Parameters<typeof kb.engine.match>[0], plan: Parameters<typeof kb.engine.match>[1]) => {
        // Not in a transaction: the timeout comes with the connection.
        expect(db.isTransaction).toBe(false);
        await sql`SELECT pg_sleep(3)`.execute(db);
        return kb.engine.match(db, plan);
      },
    };
    const started = performance.now();
    await expect(search({ ...kb, engine: slowEngine, boundedDb }, { q: 'printer', limit: 5 })).rejects.toMatchObject({
      code: 'kb_search_too_broad',
    });
    expect(performance.now() - started).toBeLessThan(2500);
    expect((await sql<{ statement_timeout: string }>`SHOW statement_timeout`.execute(boundedDb)).rows[0]!.statement_timeout).toBe('200ms');
    expect((await sql<{ statement_timeout: string }>`SHOW statement_timeout`.execute(t.deps.db)).rows[0]!.statement_timeout).toBe('0');
    expect(titles(await search({ ...kb, boundedDb }, { q: 'printer', limit: 3 }))[0]).toBe('Add a network printer');
  });
});
