import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/app.js';
import { availableDialects, openTestDatabase } from '../harness/db.js';
import { addBuiltinPerson, uniqueName } from '../directory/fixtures.js';
import { composeApp } from '../../server/composition.js';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';

const PASSWORD = 'Throwaway-password-1';

/** The `name=value` of the trusted-device cookie a sign-in set. */
function deviceCookieFrom(response: Response): string {
  const pair = response.headers
    .getSetCookie()
    .find((c) => c.includes('portal_device='))
    ?.split(';')[0];
  if (!pair) throw new Error('no trusted-device cookie');
  return pair;
}

describe.each(availableDialects())('sign-in rate limits on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ dialect });
  });
  afterAll(() => t.close());

  /** A throwaway person of this test's own, so no demo account is ever locked. */
  const person = async () => {
    const username = uniqueName('rl');
    await addBuiltinPerson(t.deps.db, { username, password: PASSWORD });
    return username;
  };
  const attempt = (username: string, password: string, ip: string, cookie?: string) =>
    t.request('POST', '/api/auth/login', { json: { username, password }, ip, cookie: cookie ?? null });

  it('stops one address guessing one account after 5 failures, says when to retry, and lets it in again later', async () => {
    const username = await person();
    for (let i = 0; i < 5; i++) expect((await attempt(username, `wrong-${i}`, '10.0.0.1')).status).toBe(401);
    const blocked = await attempt(username, PASSWORD, '10.0.0.1');
    expect(blocked.status).toBe(429);
    expect((await blocked.json()).error.code).toBe('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // The person elsewhere is not blocked by that address.
    expect((await attempt(username, PASSWORD, '10.0.0.2')).status).toBe(200);
    t.clock.advance(15 * 60_000 + 1);
    expect((await attempt(username, PASSWORD, '10.0.0.1')).status).toBe(200);
  });

  it('a stranger guessing from many addresses never locks the account in the directory, and the person signs in on their own browser', async () => {
    const username = await person();
    const first = await attempt(username, PASSWORD, '10.1.0.1');
    expect(first.status).toBe(200);
    const device = deviceCookieFrom(first);
    // The built-in directory locks after 10 failures; untrusted attempts stop below that, whatever the address.
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await attempt(username, `wrong-${i}`, `172.16.${i}.9`)).status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(9);
    expect(statuses.filter((s) => s === 429)).toHaveLength(31);
    expect((await t.deps.directory.lockStatus(username)).locked).toBe(false);
    // On the browser where the person signed in before, sign-in still works, even from a blocked address.
    expect((await attempt(username, PASSWORD, '172.16.3.9', device)).status).toBe(200);
    // A new browser is subject to the backstop until it runs out.
    expect((await attempt(username, PASSWORD, '10.1.0.1')).status).toBe(429);
  });

  it('a trusted browser gets its own 5 tries, and a cookie trusted for someone else counts as untrusted', async () => {
    const username = await person();
    const other = await person();
    const device = deviceCookieFrom(await attempt(username, PASSWORD, '10.2.0.1'));
    for (let i = 0; i < 5; i++) expect((await attempt(username, `wrong-${i}`, '10.2.0.1', device)).status).toBe(401);
    expect((await attempt(username, PASSWORD, '10.2.0.1', device)).status).toBe(429);
    // The same cookie on another account's attempts does not lift that account's per-address limit.
    for (let i = 0; i < 5; i++) expect((await attempt(other, `wrong-${i}`, '10.2.0.2', device)).status).toBe(401);
    expect((await attempt(other, PASSWORD, '10.2.0.2', device)).status).toBe(429);
  });

  it('limits one address across many accounts', async () => {
    const statuses = [];
    for (let i = 0; i < 101; i++) statuses.push((await attempt(`user${i}`, 'wrong', '192.0.2.7')).status);
    expect(statuses.slice(0, 100).every((s) => s === 401)).toBe(true);
    expect(statuses[100]).toBe(429);
    const username = await person();
    expect((await attempt(username, PASSWORD, '192.0.2.8')).status).toBe(200);
  });

  it('counts exactly under concurrency: 30 parallel failures from one address let 5 through to the directory', async () => {
    const username = await person();
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => attempt(username, `wrong-${i}`, '198.51.100.1')));
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
    const username = uniqueName('rl');
    await addBuiltinPerson(database.db, { username, password: PASSWORD });
    const attempt = (app: typeof one, i: number) =>
      app.request('/api/auth/login', {
        method: 'POST',
        headers: { origin: 'http://portal.test', 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.1' },
        body: JSON.stringify({ username, password: `wrong-${i}` }),
      });
    for (let i = 0; i < 5; i++) expect((await attempt(i % 2 ? one : two, i)).status).toBe(401);
    expect((await attempt(one, 50)).status).toBe(429);
    expect((await attempt(two, 51)).status).toBe(429);
    await database.close();
  });
});
