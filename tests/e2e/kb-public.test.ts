/**
 * Locked out, on a phone: the sign-in page offers the help articles anyone may read; one opens
 * and reads without signing in (no feedback form, a way back to sign in); an internal article's
 * link sends the person to sign in and back to it afterwards.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { openSignIn, signIn } from './support/portal.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('public help articles', () => {
  test('read signed out from the sign-in page; an internal article asks to sign in first', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    const help = page.getByRole('region', { name: 'Locked out? Help you can read without signing in' });
    await expect.poll(() => help.getByRole('link').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await help
      .getByRole('link', { name: /password/i })
      .first()
      .click();
    await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/kb\//);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toMatch(/password/i);
    // Reading only: no "did this help?" (it needs a session), and a way back to sign in.
    await expect.poll(() => page.locator('.kb-body').count()).toBe(1);
    expect(await page.locator('.kb-feedback').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Back to sign in' }).count()).toBe(1);

    // A link to an internal article: sign in first, then it opens.
    await page.goto(new URL('/kb/vpn-connect', server.url).href);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/kb/vpn-connect');
    await signIn(page, 'alice');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/kb/vpn-connect');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBeTruthy();
    await context.close();
  });
});
