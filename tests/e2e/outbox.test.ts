import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { openSignIn, signIn, waitForServiceWorkerControl } from './support/portal.js';

/**
 * The offline outbox in Chromium, with its real IndexedDB, Web Locks, service worker and
 * network switch. Writes are put in the outbox the way `queueWrite` stores them (the device-request
 * screens that call it are tested in their own end-to-end file); the write used here is turning on
 * push notifications (POST /api/push/subscriptions), whose effect and audit row can be counted.
 */
let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const P256DH = 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U';
const AUTH = 'tBHItJI5svbpez7KI4CCXg';

/** Stores writes in the outbox as queueWrite does: a fresh Idempotency-Key each, in order, owned by `owner`. */
async function queueInPage(page: Page, owner: string, writes: { label: string; body: unknown }[]): Promise<void> {
  await page.evaluate(
    async ({ owner, writes }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('portal-outbox', 1);
        open.onupgradeneeded = () => {
          open.result.createObjectStore('pending', { keyPath: 'key' }).createIndex('seq', 'seq');
          open.result.createObjectStore('attention', { keyPath: 'key' });
        };
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const tx = db.transaction('pending', 'readwrite');
      writes.forEach((write, i) => {
        const now = Date.now();
        tx.objectStore('pending').put({
          method: 'POST',
          path: '/api/push/subscriptions',
          body: write.body,
          label: write.label,
          key: crypto.randomUUID(),
          seq: now * 1000 + i,
          owner,
          queuedAt: now,
          attempts: 0,
          notBefore: now,
        });
      });
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { owner, writes },
  );
}

const waiting = (page: Page) => page.getByRole('status').filter({ hasText: /waiting to be sent/ });
const attention = (page: Page) => page.getByRole('region', { name: 'Needs attention' });

describe('offline outbox', () => {
  test('writes made offline are sent once when the network returns; a refused one stays under Needs attention until dismissed', async () => {
    const person = await server.addPerson({ prefix: 'outbox' });
    const context = await phoneContext(browser, { serviceWorkers: true });
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await waitForServiceWorkerControl(page);
    await signIn(page, person.username, person.password);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/');
    // One online visit to a signed-in page lets the service worker keep who is signed in.
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toMatch(/^Hello/);

    await context.setOffline(true);
    const endpoint = `https://push.example.com/send/${person.username}`;
    await queueInPage(page, person.username, [
      { label: 'Turn on notifications', body: { endpoint, keys: { p256dh: P256DH, auth: AUTH } } },
      {
        label: 'A change the portal refuses',
        body: { endpoint: 'http://not-a-push-service.example/x', keys: { p256dh: P256DH, auth: AUTH } },
      },
    ]);
    // The app is closed and opened again while still offline: the writes are still there, waiting.
    await page.reload();
    await expect.poll(() => waiting(page).textContent()).toContain('2 changes are waiting to be sent.');
    const subscriptions = () =>
      server.db.selectFrom('push_subscriptions').select('endpoint').where('username', '=', person.username).execute();
    const subscribeAudits = async () =>
      (
        await server.db
          .selectFrom('audit_events')
          .select('id')
          .where('actor', '=', person.username)
          .where('action', '=', 'push.subscribe')
          .execute()
      ).length;
    expect(await subscriptions()).toEqual([]);

    await context.setOffline(false);
    await expect.poll(() => waiting(page).count()).toBe(0);
    await expect.poll(() => attention(page).count()).toBe(1);
    const refused = attention(page).getByRole('listitem');
    expect(await refused.count()).toBe(1);
    expect(await refused.textContent()).toContain('A change the portal refuses');
    expect(await refused.textContent()).toContain('Some of the details are not valid. Check them and try again.');
    expect(await subscriptions()).toEqual([{ endpoint }]);
    expect(await subscribeAudits()).toBe(1);

    // Reloading sends nothing again; the refusal is kept until the person dismisses it.
    await page.reload();
    await expect.poll(() => attention(page).count()).toBe(1);
    expect(await subscribeAudits()).toBe(1);
    await attention(page).getByRole('button', { name: 'Dismiss “A change the portal refuses”' }).click();
    await expect.poll(() => attention(page).count()).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)).toBe(false);
    await context.close();
  });

  test('a write refused with 401 is kept, the person is asked to sign in, and it is sent after signing in', async () => {
    const person = await server.addPerson({ prefix: 'outboxauth' });
    const context = await phoneContext(browser, { serviceWorkers: true });
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await waitForServiceWorkerControl(page);
    await signIn(page, person.username, person.password);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/');

    // The session ends on the server (as after the idle limit) while a write is queued offline.
    await context.setOffline(true);
    await server.db.deleteFrom('sessions').where('username', '=', person.username).execute();
    const endpoint = `https://push.example.com/send/${person.username}`;
    await queueInPage(page, person.username, [
      { label: 'Turn on notifications', body: { endpoint, keys: { p256dh: P256DH, auth: AUTH } } },
    ]);
    await context.setOffline(false);
    await expect.poll(() => waiting(page).textContent()).toContain('Sign in again to send them');
    expect(await server.db.selectFrom('push_subscriptions').select('endpoint').where('username', '=', person.username).execute()).toEqual(
      [],
    );

    await waiting(page).getByRole('button', { name: 'Sign in again to send them' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
    await signIn(page, person.username, person.password);
    await expect
      .poll(async () => server.db.selectFrom('push_subscriptions').select('endpoint').where('username', '=', person.username).execute())
      .toEqual([{ endpoint }]);
    await expect.poll(() => waiting(page).count()).toBe(0);
    await context.close();
  });
});
