import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { confirmPassword, heading, openSignIn, overflowsSideways, signIn } from './support/portal.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** What a SCIM client gets for this token. */
async function scimStatus(token: string): Promise<number> {
  const response = await fetch(new URL('/scim/v2/ServiceProviderConfig', server.url), { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

describe('SCIM tokens on the admin pages', () => {
  test('adam, on his phone, makes a token for Okta (shown once, it works), then revokes it (it stops working)', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'adam');
    await expect.poll(() => heading(page)).toBe('Hello, Adam Admin');
    await page.goto(new URL('/admin', server.url).href);
    await page.getByRole('link', { name: 'SCIM tokens' }).click();
    await expect.poll(() => heading(page)).toBe('SCIM tokens');
    expect(await page.textContent('body')).toContain(`${new URL(server.url).origin}/scim/v2`);

    // An empty name is pointed out at the field, in words, and nothing is sent.
    await page.getByRole('button', { name: 'Create token' }).click();
    const name = page.getByLabel('Name', { exact: true });
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
    expect(await page.textContent('body')).toContain('Give the token a name.');

    // By keyboard: type the name, Enter; the portal asks for the password first.
    await name.focus();
    await page.keyboard.type('Okta production');
    await page.keyboard.press('Enter');
    await confirmPassword(page);
    const secret = page.getByLabel('Token', { exact: true });
    await expect.poll(() => secret.isVisible()).toBe(true);
    const token = await secret.inputValue();
    expect(token).toMatch(/^scim_[A-Za-z0-9_-]{43}$/);
    // Focus moved to the token, selected for copying.
    expect(await secret.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.textContent('body')).toContain('It is not shown again.');
    expect(await overflowsSideways(page)).toBe(false);
    expect(await scimStatus(token)).toBe(200);

    // Done: the token is gone from the page for good; the list keeps the name only.
    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => secret.count()).toBe(0);
    const list = page.getByRole('list', { name: 'Tokens' });
    const item = list.getByRole('listitem').filter({ hasText: 'Okta production' });
    await expect.poll(() => item.count()).toBe(1);
    expect(await page.content()).not.toContain(token);
    expect(await item.textContent()).toContain('Active');

    // Revoke asks first; "Yes" revokes, and the token stops working at once.
    await item.getByRole('button', { name: 'Revoke' }).click();
    expect(await item.textContent()).toContain('Revoke “Okta production”?');
    await item.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect.poll(() => item.textContent()).toContain('Revoked');
    await expect.poll(() => page.getByRole('status').filter({ hasText: '“Okta production” is revoked.' }).count()).toBe(1);
    expect(await scimStatus(token)).toBe(401);
    expect(await overflowsSideways(page)).toBe(false);
    await context.close();
  });

  test('the help desk neither sees the page in the menu nor gets the token list', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'hana');
    await expect.poll(() => heading(page)).toBe('Hello, Hana Helpdesk');
    expect(await page.getByRole('link', { name: 'SCIM tokens' }).count()).toBe(0);
    await page.goto(new URL('/admin/scim-tokens', server.url).href);
    await expect.poll(() => heading(page)).not.toBe('SCIM tokens');
    await context.close();
  });
});
