import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { withTransaction } from '../../server/db/transaction.js';
import { sendPushLater } from '../../server/push/outbox.js';
import { listPushSubscriptions } from '../../server/push/repository.js';
import { loadVapidKeys, VAPID_KEYS_FILE } from '../../server/push/vapid.js';
import { notificationTarget } from '../../shared/push.js';
import { buildTestApp, signInAs, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';

// A browser's subscription as PushSubscription.toJSON() gives it (the keys are well-formed; the
// push service is the recording fake, since real ones cannot be reached from here).
const P256DH = 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U';
const AUTH = 'tBHItJI5svbpez7KI4CCXg';
const subscription = (name: string) => ({ endpoint: `https://push.example.com/send/${name}`, keys: { p256dh: P256DH, auth: AUTH } });

describe.each(availableDialects())('web push on %s', (dialect) => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    t = await buildTestApp({ dialect, env: { JOBS_WORKERS: '0' } });
    alice = await signInAs(t, 'alice');
    bob = await signInAs(t, 'bob');
  });
  afterAll(() => t.close());

  const push = (recipient: string, extra: Partial<Parameters<typeof sendPushLater>[2]> = {}) =>
    withTransaction(t.deps.db, (trx) =>
      sendPushLater(trx, t.clock.now(), { recipient, title: 'Request approved', body: 'Your laptop request was approved.', url: '/requests/1', ...extra }),
    );

  it('gives anyone the VAPID public key', async () => {
    const response = await t.request('GET', '/api/push/key');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ publicKey: t.push.publicKey });
  });

  it('stores a signed-in person’s subscription and sends their pushes to it, and to nobody else', async () => {
    expect((await t.request('POST', '/api/push/subscriptions', { json: subscription('alice-phone'), cookie: alice })).status).toBe(201);
    expect((await t.request('POST', '/api/push/subscriptions', { json: subscription('bob-laptop'), cookie: bob })).status).toBe(201);
    await push('alice', { actions: [{ action: 'approve', title: 'Approve' }], url: '/approvals/7' });
    await t.drainJobs();
    const [message] = t.push.to(subscription('alice-phone').endpoint);
    expect(message).toMatchObject({ title: 'Request approved', url: '/approvals/7', actions: [{ action: 'approve', title: 'Approve' }] });
    expect(message!.tag).toBeTruthy();
    expect(t.push.to(subscription('bob-laptop').endpoint)).toEqual([]);
  });

  it('refuses a subscription that is not a public https push service, and stores nothing', async () => {
    const bad = [
      { ...subscription('x'), endpoint: 'http://push.example.com/send/x' },
      { ...subscription('x'), endpoint: 'https://127.0.0.1/send/x' },
      { ...subscription('x'), endpoint: 'https://[::1]/send/x' },
      { ...subscription('x'), endpoint: 'https://localhost/send/x' },
      { ...subscription('x'), endpoint: 'https://metadata.internal/send/x' },
      { ...subscription('x'), endpoint: 'https://user:pw@push.example.com/x' },
      { ...subscription('x'), keys: { p256dh: 'short', auth: AUTH } },
      { ...subscription('x'), keys: { p256dh: P256DH, auth: ['array'] } },
      { endpoint: 'https://push.example.com/send/x' },
    ];
    for (const json of bad) {
      const response = await t.request('POST', '/api/push/subscriptions', { json, cookie: bob });
      expect(response.status, JSON.stringify(json)).toBe(400);
      expect((await response.json()).error.code).toBe('validation_failed');
    }
    expect((await listPushSubscriptions(t.deps.db, 'bob')).map((s) => s.endpoint)).toEqual([subscription('bob-laptop').endpoint]);
  });

  it('needs a session to subscribe or unsubscribe', async () => {
    expect((await t.request('POST', '/api/push/subscriptions', { json: subscription('anon') })).status).toBe(401);
    expect((await t.request('DELETE', '/api/push/subscriptions', { json: { endpoint: subscription('alice-phone').endpoint } })).status).toBe(401);
  });

  it('lets a person remove only their own subscription', async () => {
    const endpoint = subscription('alice-phone').endpoint;
    expect((await t.request('DELETE', '/api/push/subscriptions', { json: { endpoint }, cookie: bob })).status).toBe(204);
    expect((await listPushSubscriptions(t.deps.db, 'alice')).map((s) => s.endpoint)).toContain(endpoint);
    expect((await t.request('DELETE', '/api/push/subscriptions', { json: { endpoint }, cookie: alice })).status).toBe(204);
    expect(await listPushSubscriptions(t.deps.db, 'alice')).toEqual([]);
    await push('alice');
    await t.drainJobs();
    expect(t.push.to(endpoint)).toHaveLength(1); // only the push from before
  });

  it('drops a subscription the push service says is gone, and keeps sending to the others', async () => {
    const gone = subscription('alice-old-browser');
    const live = subscription('alice-new-browser');
    for (const s of [gone, live]) await t.request('POST', '/api/push/subscriptions', { json: s, cookie: alice });
    t.push.gone.add(gone.endpoint);
    await push('alice', { title: 'gone test' });
    await t.drainJobs();
    expect((await listPushSubscriptions(t.deps.db, 'alice')).map((s) => s.endpoint)).toEqual([live.endpoint]);
    expect(t.push.to(live.endpoint).map((m) => m.title)).toContain('gone test');
  });

  it('retries a push whose service failed, without dropping the subscription', async () => {
    const flaky = subscription('bob-flaky');
    await t.request('POST', '/api/push/subscriptions', { json: flaky, cookie: bob });
    t.push.failing.add(flaky.endpoint);
    const jobId = await push('bob', { title: 'flaky' });
    await t.drainJobs();
    const job = await t.deps.db.selectFrom('jobs').select(['state', 'last_error']).where('id', '=', jobId!).executeTakeFirstOrThrow();
    expect(job.state).toBe('queued');
    expect(job.last_error).toMatch(/503/);
    expect(job.last_error).not.toContain('/send/'); // endpoints stay out of the job's error and logs
    expect((await listPushSubscriptions(t.deps.db, 'bob')).map((s) => s.endpoint)).toContain(flaky.endpoint);
  });

  it('sends nothing when the change that queued the push rolls back', async () => {
    const before = t.push.sent.length;
    await expect(
      withTransaction(t.deps.db, async (trx) => {
        await sendPushLater(trx, t.clock.now(), { recipient: 'alice', title: 'rolled back', body: '', url: '/' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await t.drainJobs();
    expect(t.push.sent.slice(before).map((s) => s.message.title)).not.toContain('rolled back');
  });
});

describe('VAPID keys', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-vapid-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('are generated into the data directory on first start (0600) and the same on the next', () => {
    const dir = path.join(tempDir(), 'data');
    const first = loadVapidKeys(null, 'mailto:it@example.com', dir);
    expect(first.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect(first.privateKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fs.statSync(path.join(dir, VAPID_KEYS_FILE)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(loadVapidKeys(null, 'mailto:it@example.com', dir)).toEqual(first);
  });

  it('come from configuration when set, and configuration wants both halves', () => {
    const dir = tempDir();
    const pair = { publicKey: 'B'.repeat(87), privateKey: 'k'.repeat(43) };
    const config = loadConfig({ PORTAL_DATA_DIR: dir, VAPID_PUBLIC_KEY: pair.publicKey, VAPID_PRIVATE_KEY: pair.privateKey, VAPID_SUBJECT: 'mailto:it@example.com' });
    expect(config.push).toEqual({ vapid: pair, subject: 'mailto:it@example.com' });
    expect(loadVapidKeys(config.push.vapid, config.push.subject, dir)).toEqual({ ...pair, subject: 'mailto:it@example.com' });
    expect(fs.existsSync(path.join(dir, VAPID_KEYS_FILE))).toBe(false);
    expect(() => loadConfig({ PORTAL_DATA_DIR: dir, VAPID_PUBLIC_KEY: pair.publicKey })).toThrow(/VAPID_PRIVATE_KEY/);
    expect(() => loadConfig({ PORTAL_DATA_DIR: dir, VAPID_SUBJECT: 'http://example.com' })).toThrow(/VAPID_SUBJECT/);
  });

  it('default the contact to the https public URL, else the mail sender', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://it.example.com' }).push.subject).toBe('https://it.example.com');
    expect(loadConfig({ PUBLIC_URL: 'http://localhost:3000', MAIL_FROM: 'IT <it@example.com>' }).push.subject).toBe('mailto:it@example.com');
  });
});

describe('notification clicks', () => {
  it('open an approval’s confirmation screen for approve/reject, else the notification’s own page inside the portal', () => {
    expect(notificationTarget({ url: '/approvals/12' }, 'approve')).toBe('/approvals/12?decision=approve');
    expect(notificationTarget({ url: '/approvals/12' }, 'reject')).toBe('/approvals/12?decision=reject');
    expect(notificationTarget({ url: '/approvals/12' }, undefined)).toBe('/approvals/12');
    expect(notificationTarget({ url: '/requests/3' }, 'approve')).toBe('/requests/3');
    expect(notificationTarget({ url: 'https://evil.example/' }, undefined)).toBe('/');
    expect(notificationTarget({ url: '//evil.example/' }, undefined)).toBe('/');
  });
});
