import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { desktopContext, launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { gzippedSize, openSignIn, recordRequests, signIn } from './support/portal.js';

/**
 * The first-load budget for an employee's phone (sign-in page plus home), gzipped. It was 80 KB;
 * onboarding's and activation's route tables and the sign-in page's public help links took the
 * entry to 81 KB, so it is 84 KB until the outbox (with idb) leaves the entry chunk, the next
 * lever (about 3 KB). Raise it only with a reason written here.
 */
const FIRST_LOAD_JS_BUDGET = 84 * 1024;
/**
 * Scripts that run in a Web Worker (the offline knowledge-base index) start once the page is idle
 * and never block the main thread: they are counted apart, against their own budget.
 */
const WORKER_JS_BUDGET = 20 * 1024;
const isWorkerScript = (pathname: string) => /\.worker-[\w-]+\.js$/.test(pathname);

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('role areas', () => {
  test('mark, a manager, opens his team from the home page and sees alice and bob', async () => {
    const context = await desktopContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'mark');

    const areas = page.getByRole('region', { name: 'Your work areas' });
    await areas.getByRole('link', { name: /My team/ }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('My team');
    const team = page.getByRole('list');
    await expect.poll(() => team.textContent()).toContain('Alice Anderson');
    expect(await team.textContent()).toContain('Bob Brown');
    expect(await page.getByRole('status').first().textContent()).toContain('2 direct reports');
    // Managers are not help desk: no staff tile for him.
    await page.goBack();
    expect(await areas.getByRole('link', { name: /Help desk/ }).count()).toBe(0);
    await context.close();
  });

  test('hana, at the help desk, finds alice on her phone and sees whether she is locked out', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'hana');

    await page.getByRole('link', { name: /Help desk/ }).click();
    const search = page.getByRole('searchbox', { name: 'Find a person' });
    await search.fill('a');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => search.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator(`#${await search.getAttribute('aria-describedby')}`).textContent()).toBe('Type at least two characters.');

    await search.fill('ali');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('ali');

    await page.getByRole('link', { name: 'Alice Anderson' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Alice Anderson');
    const account = page.getByRole('region', { name: 'Account' });
    await expect.poll(() => account.textContent()).toMatch(/Sign-in lock\s*Not locked/);
    expect(await account.textContent()).toMatch(/Account state\s*Enabled/);

    // Back returns to the same results, not an empty search.
    await page.getByRole('link', { name: 'Back to search' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'Alice Anderson' }).isVisible()).toBe(true);
    expect(await page.getByRole('searchbox', { name: 'Find a person' }).inputValue()).toBe('ali');
    await context.close();
  });

  test('ruth, in HR, sees the people she finds grouped by department', async () => {
    const context = await desktopContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'ruth');

    await page.getByRole('link', { name: /People/ }).click();
    await page.getByRole('searchbox', { name: 'Find a person' }).fill('example.com');
    await page.getByRole('button', { name: 'Search' }).click();
    const engineering = page.getByRole('region', { name: 'Engineering' });
    await expect.poll(() => engineering.textContent()).toContain('Alice Anderson');
    expect(await page.getByRole('region', { name: 'IT' }).textContent()).toContain('Hana Helpdesk');
    await context.close();
  });

  test('adam, an admin, opens Administration and reads the recent audit log', async () => {
    const context = await desktopContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'adam');

    await page.getByRole('link', { name: /Administration/ }).click();
    await expect.poll(() => page.getByRole('heading', { level: 2, name: 'Audit log' }).isVisible()).toBe(true);
    const table = page.getByRole('table', { name: 'Recent audit events' });
    await expect.poll(() => table.isVisible()).toBe(true);
    // His own sign-in a moment ago is there.
    await expect.poll(() => table.getByRole('row').filter({ hasText: 'adam' }).count()).toBeGreaterThan(0);
    await context.close();
  });

  test('alice typing /admin gets a friendly not-allowed page, and her phone never downloads staff code', async () => {
    const context = await phoneContext(browser);
    const requests = recordRequests(context);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'alice');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('Alice Anderson');

    // Everything an employee's phone loads for sign-in and home stays within the budget.
    const loadedJs = [...new Set(requests.filter((u) => u.endsWith('.js')).map((u) => new URL(u).pathname))];
    const firstLoadJs = loadedJs.filter((p) => !isWorkerScript(p));
    const firstLoadBytes = firstLoadJs.reduce((sum, p) => sum + gzippedSize(p), 0);
    expect(firstLoadBytes, `first-load JS: ${firstLoadJs.join(', ')}`).toBeLessThanOrEqual(FIRST_LOAD_JS_BUDGET);
    const workerBytes = loadedJs.filter(isWorkerScript).reduce((sum, p) => sum + gzippedSize(p), 0);
    expect(workerBytes, 'worker JS').toBeLessThanOrEqual(WORKER_JS_BUDGET);

    for (const area of ['/admin', '/staff', '/hr', '/team']) {
      await page.goto(new URL(area, server.url).href);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Not allowed');
      expect(new URL(page.url()).pathname).toBe(area); // the address she typed stays put
      expect(await page.getByRole('link', { name: 'Back to home' }).isVisible()).toBe(true);
    }

    const roleCode = requests.filter((u) => /\/assets\/role-/.test(u));
    expect(roleCode).toEqual([]);
    expect(requests.filter((u) => /\/api\/(admin|team|directory)/.test(u))).toEqual([]);
    await context.close();
  });

  test('the menu offers the same work areas as the home tiles, from the one permission map', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'hana');

    // The help desk may search people, so the people page is hers too, as the API allows; she keeps
    // the stock, writes the knowledge base's articles and follows new hires' checklists.
    const tiles = page.getByRole('region', { name: 'Your work areas' }).getByRole('link');
    await expect.poll(() => tiles.count()).toBe(5);
    const tileNames = (await tiles.allTextContents()).map((t) => t.trim());
    expect(tileNames.some((t) => t.startsWith('Help desk'))).toBe(true);
    expect(tileNames.some((t) => t.startsWith('People'))).toBe(true);
    expect(tileNames.some((t) => t.startsWith('Inventory'))).toBe(true);
    expect(tileNames.some((t) => t.startsWith('Articles'))).toBe(true);
    expect(tileNames.some((t) => t.startsWith('Onboarding and offboarding'))).toBe(true);
    expect(tileNames.some((t) => t.startsWith('My team') || t.startsWith('Administration'))).toBe(false);

    const header = page.getByRole('banner');
    await header.getByRole('button', { name: 'Menu' }).click();
    const menuLinks = (await header.getByRole('link').allTextContents()).map((t) => t.trim());
    expect(menuLinks).toEqual(expect.arrayContaining(['Help desk', 'People', 'Inventory', 'Articles', 'Onboarding and offboarding']));
    expect(menuLinks).not.toContain('My team');
    expect(menuLinks).not.toContain('Administration');
    await header.getByRole('link', { name: 'People' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('People');
    await context.close();
  });

  test('an unknown address shows a not-found page, signed in or not', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await page.goto(new URL('/no/such/page', server.url).href);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found');
    await context.close();
  });
});
