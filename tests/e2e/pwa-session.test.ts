import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { cachedApiAnswers, heading, openSignIn, signIn, waitForServiceWorkerControl } from './support/portal.js';

// Offline copies of personal answers belong to one session and must not outlive it: a shared
// phone must never show the last person's name, email or roles to the next one.

/** The shortest idle limit the portal allows, so a session can end unseen within one test. */
const IDLE_MINUTES = 1;

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ env: { SESSION_IDLE_MINUTES: String(IDLE_MINUTES) } }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Ends a person's sessions the way the server does (password reset, disabled account): rows gone, cookie left behind. */
function endSessionsOnServer(username: string): void {
  const db = new Database(path.join(server.dataDir, 'portal.sqlite'));
  try {
    db.prepare('DELETE FROM sessions WHERE username = ?').run(username);
  } finally {
    db.close();
  }
}

/** Signs in online and reloads once, so the service worker keeps the profile for offline use. */
async function signInAndKeepOffline(page: Page, username: string, name: string): Promise<void> {
  await openSignIn(page, server.url);
  await waitForServiceWorkerControl(page);
  await signIn(page, username);
  await expect.poll(() => heading(page)).toBe(`Hello, ${name}`);
  await page.reload();
  await expect.poll(() => heading(page)).toBe(`Hello, ${name}`);
  await expect.poll(async () => (await cachedApiAnswers(page)).filter((a) => a.path === '/api/me').length).toBe(1);
}

async function expectNobodyShownOffline(page: Page, who: string[]): Promise<void> {
  await page.reload();
  await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
  expect(await heading(page)).toBe('Sign in');
  for (const text of who) expect(await page.getByText(text).count()).toBe(0);
}

describe('offline copies are bound to the session', () => {
  test('a session ended on the server: the first 401 from any API call drops the copy, so an offline reload shows nobody', async () => {
    const context = await phoneContext(browser, { serviceWorkers: true });
    const page = await context.newPage();
    await signInAndKeepOffline(page, 'alice', 'Alice Anderson');

    endSessionsOnServer('alice');
    // Any API call that meets the ended session will do; this one bypasses the page's own
    // session handling, so it is the service worker alone that must notice the 401.
    expect(await page.evaluate(async () => (await fetch('/api/me', { credentials: 'same-origin' })).status)).toBe(401);
    await expect.poll(async () => (await cachedApiAnswers(page)).filter((a) => a.path === '/api/me')).toEqual([]);

    await context.setOffline(true);
    await expectNobodyShownOffline(page, ['Alice Anderson', 'alice@example.com', 'Software Engineer']);
    await context.close();
  });

  test('when someone else signs in on the same browser, only their profile is kept and shown offline', async () => {
    const context = await phoneContext(browser, { serviceWorkers: true });
    const page = await context.newPage();
    await signInAndKeepOffline(page, 'alice', 'Alice Anderson');

    // Alice walks away without signing out; her cookie goes (as when the browser drops it) and Bob signs in.
    await context.clearCookies();
    await page.goto(new URL('/', server.url).href);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
    await signIn(page, 'bob');
    await expect.poll(() => heading(page)).toBe('Hello, Bob Brown');
    // (/api/info lists the demo sign-ins, so it is left out of the search for Alice.)
    const answers = (await cachedApiAnswers(page)).filter((a) => a.path !== '/api/info');
    expect(answers.filter((a) => /alice/i.test(a.body))).toEqual([]);
    expect(answers.filter((a) => a.path === '/api/me').map((a) => JSON.parse(a.body).username)).toEqual(['bob']);

    // Straight offline, without another online visit: Bob's own profile, never Alice's.
    await context.setOffline(true);
    await page.reload();
    await expect.poll(() => heading(page)).toBe('Hello, Bob Brown');
    expect(await page.getByText('Alice Anderson').count()).toBe(0);
    expect(await page.getByText('alice@example.com').count()).toBe(0);
    await context.close();
  });

  test('offline, the page shows a copy only for the session it knows is its own', async () => {
    const context = await phoneContext(browser, { serviceWorkers: true });
    const page = await context.newPage();
    await signInAndKeepOffline(page, 'alice', 'Alice Anderson');
    const known = await page.evaluate(() => localStorage.getItem('portal.signed-in'));
    expect(known).toMatch(/^[A-Za-z0-9_-]{16,64}$/);

    await context.setOffline(true);
    // What an earlier version left behind ("someone signed in", no session named): no copy is trusted.
    await page.evaluate(() => localStorage.setItem('portal.signed-in', '1'));
    await expectNobodyShownOffline(page, ['Alice Anderson', 'alice@example.com']);

    // Back to the session the copy belongs to: it shows again.
    await page.evaluate((tag) => localStorage.setItem('portal.signed-in', tag!), known);
    await page.goto(new URL('/', server.url).href);
    await expect.poll(() => heading(page)).toBe('Hello, Alice Anderson');
    await context.close();
  });

  test(
    'a session that ended unseen (idle limit passed) shows nobody offline',
    async () => {
      const context = await phoneContext(browser, { serviceWorkers: true });
      const page = await context.newPage();
      await signInAndKeepOffline(page, 'alice', 'Alice Anderson');

      // Nobody touches the portal until the idle limit has passed; then it is opened without a network.
      await page.goto('about:blank');
      await new Promise((resolve) => setTimeout(resolve, IDLE_MINUTES * 60_000 + 2_000));
      await context.setOffline(true);
      await page.goto(new URL('/', server.url).href);
      await expectNobodyShownOffline(page, ['Alice Anderson', 'alice@example.com', 'Software Engineer']);
      await expect.poll(async () => (await cachedApiAnswers(page)).filter((a) => a.path === '/api/me')).toEqual([]);

      // /api/info is the same for everyone and stays cached.
      expect((await cachedApiAnswers(page)).some((a) => a.path === '/api/info')).toBe(true);
      await context.close();
    },
    IDLE_MINUTES * 60_000 + 60_000,
  );
});
