/**
 * The knowledge-base API as the web app and an attacker call it: who may read and write what,
 * versions and restore, translations, feedback that cannot be stuffed, the offline export by
 * cursor with ETag, analytics, safe snippets, audit of every authoring change, and the import CLI.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KbArticle, KbExportAnswer, KbSearchAnswer } from '../../shared/kb.js';
import { type TestApp, buildTestApp, signInAs } from '../harness/app.js';

describe('knowledge-base API', () => {
  let t: TestApp;
  let hana: string; // help desk: kb.edit
  let alice: string; // employee
  let bob: string;

  const create = async (json: Record<string, unknown>, cookie = hana) => {
    const res = await t.request('POST', '/api/kb/articles', { cookie, json: { locale: 'en', status: 'published', ...json } });
    return { status: res.status, body: (await res.json()) as KbArticle & { error?: { code: string; fields?: Record<string, string> } } };
  };
  const searchAs = async (cookie: string, q: string, extra = '') =>
    (await (await t.request('GET', `/api/kb/search?q=${encodeURIComponent(q)}${extra}`, { cookie })).json()) as KbSearchAnswer;

  beforeAll(async () => {
    t = await buildTestApp();
    hana = await signInAs(t, 'hana');
    alice = await signInAs(t, 'alice');
    bob = await signInAs(t, 'bob');
  });
  afterAll(() => t?.close());

  it('lets the help desk create an article (201, slug from the title) and employees read and find it', async () => {
    const { status, body } = await create({ title: 'Set up the VPN client', body: '## Steps\n\n1. Install it.', category: 'network', tags: ['vpn'] });
    expect(status).toBe(201);
    expect(body).toMatchObject({ slug: 'set-up-the-vpn-client', version: 1, status: 'published', owner: 'hana', locale: 'en' });
    const read = await t.request('GET', '/api/kb/articles/set-up-the-vpn-client', { cookie: alice });
    expect(read.status).toBe(200);
    expect(((await read.json()) as KbArticle).viewCount).toBe(1);
    expect((await searchAs(alice, 'vpn')).results.map((r) => r.slug)).toContain('set-up-the-vpn-client');
  });

  it('refuses bad input with field errors and writes nothing', async () => {
    const before = await t.deps.db.selectFrom('kb_articles').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    for (const json of [
      { title: '', body: 'x' },
      { title: 'x', body: 'x', locale: 'fr' },
      { title: 'x', body: 'x', status: 'live' },
      { title: 'x', body: 'x', slug: 'Not A Slug' },
      { title: 'x', body: 42 },
      { title: ['x'], body: 'x' },
      { title: 'x', body: 'x', extra: true },
    ]) {
      const { status, body } = await create(json);
      expect(status, JSON.stringify(json)).toBe(400);
      expect(body.error!.code).toBe('validation_failed');
    }
    const after = await t.deps.db.selectFrom('kb_articles').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('refuses a slug that is taken (409) and makes unique slugs for equal titles', async () => {
    expect((await create({ title: 'Other', body: 'x', slug: 'set-up-the-vpn-client' })).body.error!.code).toBe('kb_slug_taken');
    const a = await create({ title: 'Same title', body: 'a' });
    const b = await create({ title: 'Same title', body: 'b' });
    expect(a.body.slug).toBe('same-title');
    expect(b.body.slug).not.toBe('same-title');
    const zh = await create({ title: '如何连接打印机', body: '打开设置。', locale: 'zh-CN' });
    expect(zh.body.slug).toMatch(/^article-[0-9a-f]+$/);
  });

  it('hides drafts from readers (404) but not from editors, and never lets an employee write', async () => {
    const { body } = await create({ title: 'Unreleased draft', body: 'secret', status: 'draft' });
    expect((await t.request('GET', `/api/kb/articles/${body.slug}`, { cookie: alice })).status).toBe(404);
    expect((await t.request('GET', `/api/kb/articles/${body.slug}`, { cookie: hana })).status).toBe(200);
    const put = await t.request('PUT', `/api/kb/articles/${body.id}`, { cookie: alice, json: { title: 'x', body: 'x', locale: 'en', status: 'published' } });
    expect(put.status).toBe(403);
    expect((await t.request('GET', `/api/kb/articles/${body.id}/versions`, { cookie: alice })).status).toBe(403);
    expect((await t.request('GET', `/api/kb/articles/${body.slug}`, { cookie: null })).status).toBe(401);
  });

  it('keeps every save as a version, refuses a stale save, and restores an old version as a new one', async () => {
    const { body: v1 } = await create({ title: 'Printer guide', body: 'First text.' });
    const save = (json: Record<string, unknown>) =>
      t.request('PUT', `/api/kb/articles/${v1.id}`, { cookie: hana, json: { title: 'Printer guide', locale: 'en', status: 'published', ...json } });
    expect((await save({ body: 'Second text.', baseVersion: 1 })).status).toBe(200);
    const stale = await save({ body: 'Third text from an old tab.', baseVersion: 1 });
    expect(stale.status).toBe(409);
    expect((await stale.json()).error.code).toBe('kb_version_conflict');
    const versions = (await (await t.request('GET', `/api/kb/articles/${v1.id}/versions`, { cookie: hana })).json()).versions as { version: number; body: string }[];
    expect(versions.map((v) => [v.version, v.body])).toEqual([
      [2, 'Second text.'],
      [1, 'First text.'],
    ]);
    const restored = (await (await t.request('POST', `/api/kb/articles/${v1.id}/versions/1/restore`, { cookie: hana, json: {} })).json()) as KbArticle;
    expect(restored).toMatchObject({ version: 3, body: 'First text.' });
    expect((await t.request('POST', `/api/kb/articles/${v1.id}/versions/99/restore`, { cookie: hana, json: {} })).status).toBe(404);
    const actions = await t.deps.db.selectFrom('audit_events').select(['action', 'actor']).where('action', 'like', 'kb.article.%').execute();
    expect(actions.filter((a) => a.action === 'kb.article.restore')).toEqual([{ action: 'kb.article.restore', actor: 'hana' }]);
    expect(actions.every((a) => a.actor === 'hana')).toBe(true);
  });

  it('links translations and shows readers only the published ones', async () => {
    const { body: en } = await create({ title: 'Reset your password', body: 'Open the portal.' });
    const { body: zh } = await create({ title: '重置密码', body: '打开门户。', locale: 'zh-CN', translationOf: en.id, slug: 'reset-your-password-zh-cn' });
    await create({ title: '重設密碼', body: '草稿', locale: 'zh-TW', translationOf: en.id, slug: 'reset-your-password-zh-tw', status: 'draft' });
    expect(zh.translationGroup).toBe(en.translationGroup);
    const second = await create({ title: '另一个', body: 'x', locale: 'zh-CN', translationOf: en.id });
    expect(second.status).toBe(400);
    expect(second.body.error!.fields).toHaveProperty('translationOf');
    const asReader = (await (await t.request('GET', `/api/kb/articles/${en.slug}`, { cookie: alice })).json()) as KbArticle;
    expect(asReader.translations.map((x) => x.locale)).toEqual(['zh-CN']);
    const asEditor = (await (await t.request('GET', `/api/kb/articles/${en.slug}`, { cookie: hana })).json()) as KbArticle;
    expect(asEditor.translations.map((x) => x.locale).sort()).toEqual(['zh-CN', 'zh-TW']);
  });

  it('counts one vote per person (voting again replaces it) and only on published articles', async () => {
    const { body } = await create({ title: 'Feedback target', body: 'x' });
    const vote = (cookie: string, json: unknown) => t.request('POST', `/api/kb/articles/${body.id}/feedback`, { cookie, json });
    expect(await (await vote(alice, { helpful: false, comment: 'Step 2 is wrong' })).json()).toEqual({ helpfulCount: 0, unhelpfulCount: 1 });
    expect(await (await vote(alice, { helpful: false })).json()).toEqual({ helpfulCount: 0, unhelpfulCount: 1 });
    expect(await (await vote(alice, { helpful: true })).json()).toEqual({ helpfulCount: 1, unhelpfulCount: 0 });
    expect(await (await vote(bob, { helpful: false, comment: 'Did not work' })).json()).toEqual({ helpfulCount: 1, unhelpfulCount: 1 });
    expect((await vote(bob, { helpful: 'yes' })).status).toBe(400);
    const { body: draft } = await create({ title: 'Draft target', body: 'x', status: 'draft' });
    expect((await t.request('POST', `/api/kb/articles/${draft.id}/feedback`, { cookie: alice, json: { helpful: true } })).status).toBe(404);
  });

  it('serves snippets as escaped text with only <mark> as markup', async () => {
    await create({ title: 'Tricky markup', body: 'Type <img src=x onerror=alert(1)> and <script>alert(2)</script> zebrafish [x](javascript:alert(3))' });
    const { results } = await searchAs(alice, 'zebrafish');
    expect(results).toHaveLength(1);
    const markup = results[0]!.snippet.replace(/<\/?mark>/g, '');
    expect(markup).not.toMatch(/[<>]/);
    expect(results[0]!.snippet).toContain('<mark>zebrafish</mark>');
    expect(results[0]!.snippet).not.toContain('javascript');
  });

  it('answers repeated searches from its cache, but never with an article that changed since', async () => {
    const { body } = await create({ title: 'Hovercraft parking', body: 'Where to park.' });
    expect((await searchAs(alice, 'hovercraft')).results.map((r) => r.title)).toEqual(['Hovercraft parking']);
    // The repeat is served from the cache, its JSON kept with it: the same answer, still typed as JSON.
    const repeat = await t.request('GET', '/api/kb/search?q=hovercraft', { cookie: alice });
    expect(repeat.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await repeat.json()) as KbSearchAnswer).results.map((r) => r.title)).toEqual(['Hovercraft parking']);
    await t.request('PUT', `/api/kb/articles/${body.id}`, { cookie: hana, json: { title: 'Hovercraft bays', body: 'Where to park.', locale: 'en', status: 'published' } });
    expect((await searchAs(alice, 'hovercraft')).results.map((r) => r.title)).toEqual(['Hovercraft bays']);
    await t.request('PUT', `/api/kb/articles/${body.id}`, { cookie: hana, json: { title: 'Hovercraft bays', body: 'Where to park.', locale: 'en', status: 'archived' } });
    expect((await searchAs(alice, 'hovercraft')).results).toEqual([]);
  });

  it('exports changes by cursor for the offline index, with removals and an ETag', async () => {
    const all = (await (await t.request('GET', '/api/kb/export?limit=1000', { cookie: alice })).json()) as KbExportAnswer;
    expect(all.more).toBe(false);
    expect(all.articles.every((a) => typeof a.body === 'string')).toBe(true);
    expect(all.articles.some((a) => a.title === 'Unreleased draft')).toBe(false);
    const cursor = all.cursor;
    // Paging: a small page says there is more.
    const page = (await (await t.request('GET', '/api/kb/export?limit=2', { cookie: alice })).json()) as KbExportAnswer;
    expect(page.more).toBe(true);
    expect(page.articles.length + page.removed.length).toBe(2);
    // Nothing changed: the same (empty) answer, and 304 for the same ETag.
    const first = await t.request('GET', `/api/kb/export?since=${cursor}`, { cookie: alice });
    const quiet = (await first.json()) as KbExportAnswer;
    expect(quiet).toMatchObject({ articles: [], removed: [], cursor, more: false });
    const etag = first.headers.get('etag')!;
    expect((await t.request('GET', `/api/kb/export?since=${cursor}`, { cookie: alice, headers: { 'if-none-match': etag } })).status).toBe(304);
    // Archiving an article sends its id as removed.
    const target = all.articles.find((a) => a.title === 'Feedback target')!;
    await t.request('PUT', `/api/kb/articles/${target.id}`, { cookie: hana, json: { title: 'Feedback target', body: 'x', locale: 'en', status: 'archived' } });
    const delta = (await (await t.request('GET', `/api/kb/export?since=${cursor}`, { cookie: alice })).json()) as KbExportAnswer;
    expect(delta.removed).toEqual([target.id]);
    expect(delta.cursor).toBeGreaterThan(cursor);
    const zhOnly = (await (await t.request('GET', '/api/kb/export?locale=zh-CN&locale=zh-TW', { cookie: alice })).json()) as KbExportAnswer;
    expect(zhOnly.articles.length).toBeGreaterThan(0);
    expect(zhOnly.articles.every((a) => a.locale !== 'en')).toBe(true);
  });

  it('shows the help desk top searches, zero-result searches and unhelpful articles', async () => {
    await searchAs(alice, 'Quantum Teleporter');
    await searchAs(bob, 'quantum   teleporter');
    const res = await t.request('GET', '/api/kb/analytics', { cookie: hana });
    expect(res.status).toBe(200);
    const data = await res.json();
    expect(data.zeroResults[0]).toMatchObject({ query: 'quantum teleporter', count: 2 });
    expect(data.topSearches.some((s: { query: string }) => s.query === 'vpn')).toBe(true);
    expect(data.unhelpful[0]).toMatchObject({ title: 'Feedback target', unhelpful: 1, comments: ['Did not work'] });
    expect((await t.request('GET', '/api/kb/analytics', { cookie: alice })).status).toBe(403);
  });

  it('logs a typing burst once, as the query it settles on, per session', async () => {
    const typist = await t.addPerson();
    const other = await t.addPerson();
    const typistCookie = await signInAs(t, typist.username, typist.password);
    const otherCookie = await signInAs(t, other.username, other.password);
    const counts = async () => {
      const data = (await (await t.request('GET', '/api/kb/analytics?limit=100', { cookie: hana })).json()) as { topSearches: { query: string; count: number }[] };
      return new Map(data.topSearches.filter((s) => /^x(y(l.*)?)?$/.test(s.query)).map((s) => [s.query, s.count]));
    };
    // Search-as-you-type: each keystroke pause asks, a backspace trims, a second person types at the same time.
    for (const q of ['x', 'xy', 'xyl', 'xylophone', 'xylophone sta', 'xylophone stan', 'xylophone sta', 'xylophone stand']) {
      await searchAs(typistCookie, q);
      if (q === 'xyl') await searchAs(otherCookie, 'xylo');
      t.clock.advance(700);
    }
    expect(await counts()).toEqual(new Map([['xylophone stand', 1], ['xylo', 1]]));
    // The same words later (a new burst) count again; an unrelated query right after starts its own row.
    t.clock.advance(11_000);
    await searchAs(typistCookie, 'xylophone stand');
    await searchAs(typistCookie, 'xylophone case');
    expect(await counts()).toEqual(new Map([['xylophone stand', 2], ['xylophone case', 1], ['xylo', 1]]));
    // Only a session's latest row carries its (opaque) burst key, and it is not the session id.
    const keyed = await t.deps.db.selectFrom('kb_search_log').select(['query', 'burst']).where('burst', 'is not', null).execute();
    expect(keyed.filter((r) => r.query.startsWith('xylo')).map((r) => r.query).sort()).toEqual(['xylo', 'xylophone case']);
    expect(keyed.every((r) => !typistCookie.includes(r.burst!) && !otherCookie.includes(r.burst!))).toBe(true);
  });

  it('suggests articles for a description, and lists categories', async () => {
    const res = await t.request('GET', `/api/kb/suggest?text=${encodeURIComponent('I cannot install the VPN client on my new laptop')}`, { cookie: alice });
    expect(((await res.json()) as KbSearchAnswer).results[0]!.slug).toBe('set-up-the-vpn-client');
    const cats = await (await t.request('GET', '/api/kb/categories', { cookie: alice })).json();
    expect(cats.categories).toContainEqual({ category: 'network', count: 1 });
  });
});

describe('kb import CLI', () => {
  it('imports a JSON-lines file idempotently by slug, reporting bad lines by number', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-kb-import-'));
    try {
      const file = path.join(dir, 'articles.jsonl');
      const lines = [
        { title: 'Reset your password', body: 'Open the portal.', locale: 'en', category: 'accounts' },
        'not json',
        { title: '', body: 'x', locale: 'fr' },
        { title: '如何重置密码', body: '打开门户。', locale: 'zh-CN', tags: ['密码'] },
      ];
      fs.writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
      const run = () =>
        spawnSync(path.resolve('node_modules/.bin/tsx'), [path.resolve('server/main.ts'), 'kb', 'import', file], {
          env: { ...process.env, PORTAL_DATA_DIR: dir, LOG_LEVEL: 'silent' },
          encoding: 'utf8',
          timeout: 60_000,
        });
      const first = run();
      expect(first.stdout).toContain('created 2, updated 0, unchanged 0, errors 2');
      expect(first.stdout).toContain('line 2: not valid JSON');
      expect(first.stdout).toMatch(/line 3: title: .*locale: /);
      expect(first.status).toBe(1);
      const again = run();
      expect(again.stdout).toContain('created 0, updated 0, unchanged 2, errors 2');
      fs.writeFileSync(file, JSON.stringify({ ...(lines[0] as object), body: 'Open the portal and choose Forgot password.' }) + '\n');
      const changed = run();
      expect(changed.stdout).toContain('created 0, updated 1, unchanged 0, errors 0');
      expect(changed.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
