import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { desktopContext, launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { heading, openSignIn, signIn } from './support/portal.js';

/**
 * A portal started without SMTP_URL (and not in demo mode) only logs mail. Its screens must not
 * offer what needs mail: the API refuses those with `mail_not_configured`, and a person should
 * learn the way that works before trying, not after.
 */
let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ env: { PORTAL_DEMO: '0' } }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

type Person = Awaited<ReturnType<typeof server.addPerson>>;

async function signedIn(page: Page, person: Person): Promise<void> {
  await openSignIn(page, server.url);
  await signIn(page, person.username, person.password);
  await expect.poll(() => heading(page)).toBe(`Hello, ${person.displayName}`);
}

describe('a portal without a mail server', () => {
  test('on a phone, the recovery-email card explains why there is no form and points to the other ways', async () => {
    const person = await server.addPerson();
    const page = await (await phoneContext(browser)).newPage();
    await signedIn(page, person);
    await page.goto(new URL('/account/security', server.url).href);
    await expect.poll(() => heading(page)).toBe('Account security');

    const card = page.getByRole('region', { name: 'Recovery email' });
    await expect.poll(() => card.textContent()).toContain('no mail server is set up yet');
    expect(await card.getByRole('textbox').count()).toBe(0);
    expect(await card.getByRole('button').count()).toBe(0);
    // The ways that need no mail are still offered.
    expect(await page.getByRole('region', { name: 'Authenticator app' }).getByRole('button').count()).toBeGreaterThan(0);
  });

  test('the help desk is offered a verification code, not a reset link it could not send', async () => {
    const [desk, caller] = await Promise.all([server.addPerson({ role: 'helpdesk' }), server.addPerson()]);
    const page = await (await desktopContext(browser)).newPage();
    await signedIn(page, desk);
    await page.goto(new URL(`/staff?q=${encodeURIComponent(caller.username)}`, server.url).href);
    await page.getByRole('link', { name: caller.displayName }).click();
    await expect.poll(() => heading(page)).toBe(caller.displayName);

    const help = page.getByRole('region', { name: 'Help the caller' });
    await expect.poll(() => help.textContent()).toContain('this portal cannot send mail yet');
    expect(await help.getByRole('button', { name: /reset link/i }).count()).toBe(0);
    expect(await help.getByRole('button', { name: 'Issue verification code' }).count()).toBe(1);
  });
});
