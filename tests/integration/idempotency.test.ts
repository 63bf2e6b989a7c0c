import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../../server/db/transaction.js';
import { errors } from '../../server/errors.js';
import type { AppEnv } from '../../server/http/context.js';
import { handleError } from '../../server/http/errors.js';
import { canonicalJson, IDEMPOTENCY_TTL_MS, idempotent, recordIdempotentAnswer, requestFingerprint } from '../../server/http/idempotency.js';
import { loadSession, requireSignIn, currentSession } from '../../server/http/session.js';
import { deleteExpiredIdempotencyKeys } from '../../server/idempotency/repository.js';
import { buildTestApp, signInAs, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';

/**
 * The Idempotency-Key middleware on a test-only route mounted like a real one (session middleware,
 * guard, then idempotent()), whose handler writes a row in a transaction, so "ran once" is counted
 * in the database the way a created request would be.
 */
const HOUR = 3600_000;

describe.each(availableDialects())('Idempotency-Key on %s', (dialect) => {
  let t: TestApp;
  let app: Hono<AppEnv>;
  let alice: string;
  let bob: string;
  /** How the handler behaves next: fail after writing, answer 4xx, or be slow. */
  const behaviour = { throwAfterWrite: false, answer422: false, delayMs: 30, delayAfterCommitMs: 0, recordInTransaction: false };

  const written = async (prefix: string) =>
    (await t.deps.db.selectFrom('settings').select('key').where('key', 'like', `${prefix}%`).execute()).length;

  beforeAll(async () => {
    t = await buildTestApp({ dialect, env: { JOBS_WORKERS: '0' } });
    alice = await signInAs(t, 'alice');
    bob = await signInAs(t, 'bob');
    app = new Hono<AppEnv>();
    app.onError(handleError(t.deps.logger));
    app.use('*', loadSession(t.deps.sessions, false));
    const handler = async (c: import('hono').Context<AppEnv>) => {
      const body = (await c.req.json()) as { label: string };
      const key = `idem-${body.label}-${randomUUID()}`;
      // The write and (optionally) the stored answer in one transaction, like a created request.
      const answer = { key, by: currentSession(c).username };
      await withTransaction(t.deps.db, async (trx) => {
        await trx.insertInto('settings').values({ key, value: '{}', updated_at: 0, updated_by: currentSession(c).username }).execute();
        await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
        if (behaviour.recordInTransaction) await recordIdempotentAnswer(trx, c, 201, answer, t.clock.now());
        if (behaviour.throwAfterWrite) throw errors.internal();
      });
      // Slow after the commit: on SQLite a slow transaction holds the one connection, so a duplicate
      // could not even read the claim until it ends.
      if (behaviour.delayAfterCommitMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayAfterCommitMs));
      if (behaviour.answer422) return c.json({ error: { code: 'validation_failed', message: 'no' } }, 422);
      return c.json(answer, 201);
    };
    app.post('/things', requireSignIn(), idempotent(t.deps, { waitMs: 10_000 }), handler);
    app.post('/slow', requireSignIn(), idempotent(t.deps, { waitMs: 50 }), handler);
    app.post('/other', requireSignIn(), idempotent(t.deps), handler);
  });
  afterAll(() => t.close());

  const send = (path: string, cookie: string, key: string | null, json: unknown) =>
    Promise.resolve(
      app.request(path, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...(key === null ? {} : { 'idempotency-key': key }) },
        body: typeof json === 'string' ? json : JSON.stringify(json),
      }),
    );

  it('runs the handler once for 20 parallel sends of one key, and gives all 20 the same answer', async () => {
    const key = randomUUID();
    const responses = await Promise.all(Array.from({ length: 20 }, () => send('/things', alice, key, { label: 'par', n: 1 })));
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(bodies).size).toBe(1);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    expect(await written('idem-par-')).toBe(1);
  });

  it('answers a later send with the stored answer, whatever the order of the body’s keys', async () => {
    const key = randomUUID();
    const first = await send('/things', alice, key, { label: 'later', a: 1, b: [1, { y: 2, x: 1 }] });
    const again = await send('/things', alice, key, '{"b":[1,{"x":1,"y":2}],"a":1,"label":"later"}');
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(await first.json());
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await written('idem-later-')).toBe(1);
  });

  it('refuses the same key with another body or on another path with 422, and runs nothing', async () => {
    const key = randomUUID();
    expect((await send('/things', alice, key, { label: 'reuse' })).status).toBe(201);
    const otherBody = await send('/things', alice, key, { label: 'reuse', extra: true });
    expect(otherBody.status).toBe(422);
    expect((await otherBody.json()).error.code).toBe('idempotency_key_reused');
    const otherPath = await send('/other', alice, key, { label: 'reuse' });
    expect(otherPath.status).toBe(422);
    expect(await written('idem-reuse-')).toBe(1);
  });

  it('needs a well-formed key: none, too short or with odd characters is 400 and runs nothing', async () => {
    for (const key of [null, '', 'short', 'has space in it!', 'x'.repeat(129)]) {
      const response = await send('/things', alice, key, { label: 'nokey' });
      expect(response.status, String(key)).toBe(400);
      expect((await response.json()).error.code).toBe('idempotency_key_required');
    }
    expect(await written('idem-nokey-')).toBe(0);
  });

  it('is 401 without a session, before looking at the key', async () => {
    const response = await Promise.resolve(
      app.request('/things', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: '{}' }),
    );
    expect(response.status).toBe(401);
  });

  it('keeps keys per person: the same key from someone else is their own request', async () => {
    const key = randomUUID();
    const fromAlice = await send('/things', alice, key, { label: 'scope' });
    const fromBob = await send('/things', bob, key, { label: 'scope' });
    expect(fromAlice.status).toBe(201);
    expect(fromBob.status).toBe(201);
    expect((await fromBob.json()).by).toBe('bob');
    expect(fromBob.headers.get('idempotent-replayed')).toBeNull();
    expect(await written('idem-scope-')).toBe(2);
  });

  it('releases the claim when the handler throws, so a retry runs it (and the failed run left nothing)', async () => {
    const key = randomUUID();
    behaviour.throwAfterWrite = true;
    try {
      expect((await send('/things', alice, key, { label: 'throw' })).status).toBe(500);
    } finally {
      behaviour.throwAfterWrite = false;
    }
    expect(await written('idem-throw-')).toBe(0);
    const retry = await send('/things', alice, key, { label: 'throw' });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(await written('idem-throw-')).toBe(1);
  });

  it('releases an answer stored inside a transaction that rolled back', async () => {
    const key = randomUUID();
    Object.assign(behaviour, { throwAfterWrite: true, recordInTransaction: true });
    try {
      expect((await send('/things', alice, key, { label: 'trx' })).status).toBe(500);
      behaviour.throwAfterWrite = false;
      const retry = await send('/things', alice, key, { label: 'trx' });
      expect(retry.status).toBe(201);
      const replay = await send('/things', alice, key, { label: 'trx' });
      expect(await replay.json()).toEqual(await retry.json());
    } finally {
      Object.assign(behaviour, { throwAfterWrite: false, recordInTransaction: false });
    }
    expect(await written('idem-trx-')).toBe(1);
  });

  it('stores a refusal the handler answered, and replays it', async () => {
    const key = randomUUID();
    behaviour.answer422 = true;
    try {
      expect((await send('/things', alice, key, { label: 'refused' })).status).toBe(422);
    } finally {
      behaviour.answer422 = false;
    }
    const again = await send('/things', alice, key, { label: 'refused' });
    expect(again.status).toBe(422);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await written('idem-refused-')).toBe(1);
  });

  it('answers 409 idempotency_in_progress to a duplicate that waited longer than allowed', async () => {
    const key = randomUUID();
    behaviour.delayAfterCommitMs = 600;
    try {
      const first = send('/slow', alice, key, { label: 'slow' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const duplicate = await send('/slow', alice, key, { label: 'slow' });
      expect(duplicate.status).toBe(409);
      expect((await duplicate.json()).error.code).toBe('idempotency_in_progress');
      expect((await first).status).toBe(201);
    } finally {
      behaviour.delayAfterCommitMs = 0;
    }
    expect((await send('/slow', alice, key, { label: 'slow' })).status).toBe(201);
    expect(await written('idem-slow-')).toBe(1);
  });

  it('forgets keys after a day (housekeeping): the same key then runs as a new request', async () => {
    const key = randomUUID();
    expect((await send('/things', alice, key, { label: 'expire' })).status).toBe(201);
    // The purge housekeeping runs (not housekeeping itself: a day later it would also end the sessions).
    await deleteExpiredIdempotencyKeys(t.deps.db, t.clock.now() + 23 * HOUR - IDEMPOTENCY_TTL_MS);
    expect((await send('/things', alice, key, { label: 'expire' })).headers.get('idempotent-replayed')).toBe('true');
    expect(await deleteExpiredIdempotencyKeys(t.deps.db, t.clock.now() + 25 * HOUR - IDEMPOTENCY_TTL_MS)).toBeGreaterThan(0);
    const fresh = await send('/things', alice, key, { label: 'expire' });
    expect(fresh.headers.get('idempotent-replayed')).toBeNull();
    expect(await written('idem-expire-')).toBe(2);
  });
});

describe('request fingerprint', () => {
  it('ignores key order and whitespace but not values, method or path', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    const base = requestFingerprint('POST', '/api/requests', '{"a":1,"b":2}');
    expect(requestFingerprint('post', '/api/requests', ' { "b": 2, "a": 1 } ')).toBe(base);
    expect(requestFingerprint('POST', '/api/requests', '{"a":1,"b":3}')).not.toBe(base);
    expect(requestFingerprint('PUT', '/api/requests', '{"a":1,"b":2}')).not.toBe(base);
    expect(requestFingerprint('POST', '/api/requests/2', '{"a":1,"b":2}')).not.toBe(base);
  });
});
