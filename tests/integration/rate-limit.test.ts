import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/app.js';
import { availableDialects, openTestDatabase } from '../harness/db.js';
import { composeApp } from '../../server/composition.js';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';

const DEMO_PASSWORD = 'portal-demo-2026';

describe.each(availableDialects())('sign-in rate limits on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ dialect, env: { TRUST_PROXY: '1' } });
  });
  afterAll(() => t.close());

  const attempt = (username: string, password: string, ip: string) =>
    t.request('POST', '/api/auth/login', { json: { username, password }, headers: { 'x-forwarded-for': ip } });

  it('stops trying an account after 5 failures, even with the right password, and says when to retry', async () => {
    for (let i = 0; i < 5; i++) expect((await attempt('bob', `wrong-${i}`, `10.0.0.${i}`)).status).toBe(401);
    const blocked = await attempt('bob', DEMO_PASSWORD, '10.0.1.1');
    expect(blocked.status).toBe(429);
    expect((await blocked.json()).error.code).toBe('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    t.clock.advance(15 * 60_000 + 1);
    expect((await attempt('bob', DEMO_PASSWORD, '10.0.1.1')).status).toBe(200);
  });

  it('limits one address across many accounts', async () => {
    const statuses = [];
    for (let i = 0; i < 101; i++) statuses.push((await attempt(`user${i}`, 'wrong', '192.0.2.7')).status);
    expect(statuses.slice(0, 100).every((s) => s === 401)).toBe(true);
    expect(statuses[100]).toBe(429);
    expect((await attempt('alice', DEMO_PASSWORD, '192.0.2.8')).status).toBe(200);
  });

  it('counts exactly under concurrency: 30 parallel failures let 5 through to the directory', async () => {
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => attempt('ruth', 'wrong', `198.51.100.${i}`)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
  });
});

describe('rate limits shared by several processes', () => {
  it('two API processes on one database share one count', async () => {
    const database = await openTestDatabase(availableDialects().at(-1));
    const config = loadConfig({ PORTAL_DEMO: '1', PUBLIC_URL: 'http://portal.test', LOG_LEVEL: 'silent', TRUST_PROXY: '1' });
    const [one, two] = [
      createApp(await composeApp(config, { database, webRoot: null })),
      createApp(await composeApp(config, { database, webRoot: null })),
    ];
    const attempt = (app: typeof one, i: number) =>
      app.request('/api/auth/login', {
        method: 'POST',
        headers: { origin: 'http://portal.test', 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i}` },
        body: JSON.stringify({ username: 'mark', password: `wrong-${i}` }),
      });
    for (let i = 0; i < 5; i++) expect((await attempt(i % 2 ? one : two, i)).status).toBe(401);
    expect((await attempt(one, 50)).status).toBe(429);
    expect((await attempt(two, 51)).status).toBe(429);
    await database.close();
  });
});
