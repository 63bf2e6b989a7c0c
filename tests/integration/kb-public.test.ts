/**
 * Published articles tagged `public` are readable without signing in (someone locked out of
 * their account needs "how to reset my password"); everything else in the knowledge base still
 * needs a session, and what a signed-out reader gets says nothing about the internal base.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KbArticle, KbPublicAnswer } from '../../shared/kb.js';
import { type TestApp, buildTestApp, signInAs } from '../harness/app.js';

describe('public knowledge-base articles', () => {
  let t: TestApp;
  let hana: string;
  let alice: string;
  const ids: Record<string, number> = {};

  const create = async (key: string, json: Record<string, unknown>) => {
    const res = await t.request('POST', '/api/kb/articles', { cookie: hana, json: { locale: 'en', status: 'published', category: 'accounts', ...json } });
    expect(res.status, await res.clone().text()).toBe(201);
    const body = (await res.json()) as KbArticle;
    ids[key] = body.id;
    return body;
  };
  const anonymous = (path: string, ip = '10.20.0.1') => t.request('GET', path, { ip });

  beforeAll(async () => {
    t = await buildTestApp();
    hana = await signInAs(t, 'hana');
    alice = await signInAs(t, 'alice');
    const reset = await create('reset', { title: 'Reset a forgotten password', body: 'Choose **Forgot password** on the sign-in page.', tags: ['password', 'public'] });
    await create('resetZh', { title: '重置忘记的密码', body: '在登录页选择“忘记密码”。', locale: 'zh-CN', tags: ['public'], translationOf: reset.id });
    await create('resetTw', { title: '重設忘記的密碼', body: '在登入頁選擇「忘記密碼」。', locale: 'zh-TW', translationOf: reset.id });
    await create('vpn', { title: 'Internal VPN gateways', body: 'vpn.internal.example: the gateway list.', category: 'network', tags: ['vpn'] });
    await create('draft', { title: 'Draft unlock steps', body: 'Not reviewed.', status: 'draft', tags: ['public'] });
    await create('archived', { title: 'Old unlock steps', body: 'Gone.', status: 'archived', tags: ['public'] });
  });
  afterAll(() => t?.close());

  it('lets anyone read a published article tagged public, without its owner or related internal articles', async () => {
    const res = await anonymous('/api/kb/articles/reset-a-forgotten-password');
    expect(res.status).toBe(200);
    const article = (await res.json()) as KbArticle;
    expect(article).toMatchObject({ title: 'Reset a forgotten password', owner: null, related: [], viewCount: 1 });
    // Translations: only the public one is linked.
    expect(article.translations.map((l) => l.title)).toEqual(['重置忘记的密码']);
    // Signed in, the same article is the full one.
    const full = (await (await t.request('GET', '/api/kb/articles/reset-a-forgotten-password', { cookie: alice })).json()) as KbArticle;
    expect(full.owner).toBe('hana');
    expect(full.translations).toHaveLength(2);
  });

  it('answers 401 for everything else, as if signed-out callers could not tell what exists', async () => {
    for (const slug of ['internal-vpn-gateways', 'draft-unlock-steps', 'old-unlock-steps', 'no-such-article', 'zhong-zhi-wang-ji-de-mi-ma-x']) {
      const res = await anonymous(`/api/kb/articles/${slug}`);
      expect({ slug, status: res.status }).toEqual({ slug, status: 401 });
    }
    for (const path of ['/api/kb/search?q=password', '/api/kb/suggest?text=forgot%20my%20password', '/api/kb/export', '/api/kb/categories', '/api/kb/analytics', '/api/kb/articles']) {
      expect({ path, status: (await anonymous(path)).status }).toEqual({ path, status: 401 });
    }
    // A signed-out view of a private article counted nothing.
    const vpn = (await (await t.request('GET', '/api/kb/articles/internal-vpn-gateways', { cookie: alice })).json()) as KbArticle;
    expect(vpn.viewCount).toBe(1);
  });

  it('lists the public articles for the sign-in page: published ones only', async () => {
    const res = await anonymous('/api/kb/public', '10.20.0.2');
    expect(res.status).toBe(200);
    const { articles } = (await res.json()) as KbPublicAnswer;
    expect(articles.map((a) => a.id).sort()).toEqual([ids.reset, ids.resetZh].sort());
    expect(articles[0]).toEqual({ id: ids.reset, slug: 'reset-a-forgotten-password', title: 'Reset a forgotten password', locale: 'en', category: 'accounts' });
  });

  it('does not make "public" a search word', async () => {
    const res = await t.request('GET', '/api/kb/search?q=public', { cookie: alice });
    expect(((await res.json()) as { results: unknown[] }).results).toEqual([]);
  });

  it('stops one address reading public articles in bulk', async () => {
    let last: Response | undefined;
    for (let i = 0; i < 100 && last?.status !== 429; i++) last = await anonymous('/api/kb/articles/reset-a-forgotten-password', '10.20.0.3');
    expect(last!.status).toBe(429);
    // Another address, and signed-in readers, are not held up by it.
    expect((await anonymous('/api/kb/articles/reset-a-forgotten-password', '10.20.0.4')).status).toBe(200);
    expect((await t.request('GET', '/api/kb/articles/reset-a-forgotten-password', { cookie: alice, ip: '10.20.0.3' })).status).toBe(200);
  });
});
