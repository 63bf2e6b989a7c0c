import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionInfoSchema } from '../../shared/auth.js';
import { sha256Hex } from '../../server/platform/secrets.js';
import { buildTestApp, sessionCookieFrom, signInAs, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';

const DEMO_PASSWORD = 'portal-demo-2026';

// The browser names its offline copies of personal answers after this tag (the cookie is HttpOnly).
describe.each(availableDialects())('the session tag on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ dialect });
  });
  afterAll(() => t.close());

  const me = async (cookie: string) => (await (await t.request('GET', '/api/me', { cookie })).json()) as { username: string; session: unknown };

  it('names the same session in the sign-in answer and in /api/me, and a new one at every sign-in', async () => {
    const login = await t.request('POST', '/api/auth/login', { json: { username: 'bob', password: DEMO_PASSWORD } });
    const body = (await login.json()) as { user: { username: string }; session: unknown };
    const cookie = sessionCookieFrom(login)!;
    const first = sessionInfoSchema.parse(body.session);
    const answer = await me(cookie);
    expect(answer.username).toBe('bob');
    expect(sessionInfoSchema.parse(answer.session).tag).toBe(first.tag);

    const again = sessionInfoSchema.parse((await me(await signInAs(t, 'bob'))).session);
    expect(again.tag).not.toBe(first.tag);
  });

  it('gives away neither the session id nor its stored hash', async () => {
    const cookie = await signInAs(t, 'alice');
    const id = cookie.split('=')[1]!;
    const { tag } = sessionInfoSchema.parse((await me(cookie)).session);
    const stored = await t.deps.db.selectFrom('sessions').select('id_hash').where('username', '=', 'alice').execute();
    expect(stored.map((r) => r.id_hash)).toContain(sha256Hex(id));
    for (const secret of [id, sha256Hex(id)]) {
      expect(secret.includes(tag)).toBe(false);
      expect(tag.includes(secret.slice(0, 16))).toBe(false);
    }
  });

  it('says how long the session can live without another request: the idle limit, capped by the absolute one', async () => {
    const cookie = await signInAs(t, 'alice');
    expect(sessionInfoSchema.parse((await me(cookie)).session).liveForMs).toBe(30 * 60_000);
    // 11 h 50 min later (kept alive every 20 minutes), only 10 minutes of the 12 hours are left.
    for (let elapsed = 0; elapsed < 11 * 60 + 50; elapsed += 10) {
      t.clock.advance(10 * 60_000);
      expect((await t.request('GET', '/api/me', { cookie })).status).toBe(200);
    }
    expect(sessionInfoSchema.parse((await me(cookie)).session).liveForMs).toBe(10 * 60_000);
  });
});
