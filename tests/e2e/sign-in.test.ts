import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { desktopContext, launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { DEMO_PASSWORD, heading, openSignIn, signIn, signOut } from './support/portal.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('signing in and out', () => {
  test('alice signs in on her phone, sees her profile and manager, and signs out again', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await page.goto(server.url);

    // Not signed in: the portal sends her to sign in, and demo mode says so in the header.
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
    await expect.poll(() => page.getByRole('banner').getByText('Demo').isVisible()).toBe(true);

    await signIn(page, 'alice');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('Alice Anderson');
    const profile = page.getByRole('region', { name: 'Your profile' });
    await expect.poll(() => profile.textContent()).toMatch(/Manager\s*Mark Manager/i);
    expect(await profile.textContent()).toContain('Software Engineer');
    expect(await profile.textContent()).toContain('Engineering');
    expect(await profile.textContent()).toContain('alice@example.com');
    // An employee holds no role areas, so no tiles for them.
    expect(await page.getByRole('region', { name: 'Your work areas' }).count()).toBe(0);

    await signOut(page);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
    await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Sign in' }).isVisible()).toBe(true);

    // The session is really gone: going home again asks to sign in.
    await page.goto(server.url);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
    await context.close();
  });

  test('a wrong password gets the one uniform message and nobody is signed in', async () => {
    const context = await desktopContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);

    // A wrong password counts against the account: a throwaway person's, so alice stays as seeded.
    const person = await server.addPerson();
    await signIn(page, person.username, 'not-her-password');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('The username or password is incorrect.');
    // …with the way out: reset or unlock without calling anyone.
    expect(await alert.textContent()).toContain('You can reset it yourself.');
    expect(await alert.getByRole('link', { name: 'Forgot your password or locked out?' }).getAttribute('href')).toBe('/forgot');

    // An unknown username reads exactly the same, so the page never tells which accounts exist.
    const wrongPasswordText = await alert.textContent();
    await signIn(page, 'nobody-by-this-name', 'whatever-password');
    await expect.poll(() => alert.textContent()).toBe(wrongPasswordText);

    expect(new URL(page.url()).pathname).toBe('/sign-in');
    const me = await page.evaluate(async () => (await fetch('/api/me')).status);
    expect(me).toBe(401);
    await context.close();
  });

  test('empty fields are pointed out next to the field before anything is sent', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    const username = page.getByLabel('Username');
    await expect.poll(() => username.getAttribute('aria-invalid')).toBe('true');
    const describedBy = await username.getAttribute('aria-describedby');
    expect((await page.locator(`#${describedBy}`).textContent())?.trim()).toBe('Enter your username.');
    // Focus moves to the first field to fix, so keyboard and screen-reader users land on it.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(await username.getAttribute('id'));
    await context.close();
  });

  test('the demo list fills in the username, and sign-in returns to the page that was asked for', async () => {
    const context = await desktopContext(browser);
    const page = await context.newPage();
    await page.goto(new URL('/staff', server.url).href);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/staff');

    const demo = page.getByRole('region', { name: 'Demo sign-ins' });
    expect(await demo.textContent()).toContain(`Password for every demo person: ${DEMO_PASSWORD}`);
    await demo.getByRole('button', { name: /hana/ }).click();
    expect(await page.getByLabel('Username').inputValue()).toBe('hana');
    // Focus moves on to the password, the next thing to type.
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type)).toBe('password');

    await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/staff');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Help desk');
    await context.close();
  });

  test('an address from another site in ?redirect= is ignored (no open redirect)', async () => {
    const context = await desktopContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url, '/sign-in?redirect=//evil.example/steal');
    await signIn(page, 'bob');
    await expect.poll(() => page.url()).toBe(new URL('/', server.url).href);
    await context.close();
  });

  test('when the session ends on the server, the next action asks to sign in again and comes back', async () => {
    const context = await desktopContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'mark');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Hello, Mark Manager');

    await context.clearCookies(); // as if the session expired or was revoked elsewhere
    await page.getByRole('link', { name: /My team/ }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
    expect(await page.getByRole('status').filter({ hasText: 'Your session has ended.' }).count()).toBe(1);

    await signIn(page, 'mark');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/team');
    await expect.poll(() => page.getByRole('list').textContent()).toContain('Alice Anderson');
    await context.close();
  });

  test('too many wrong passwords: the portal says to wait, and for how long', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    const alert = page.getByRole('alert');
    // Five wrong passwords lock the account too: a throwaway person's, not a demo person's.
    const person = await server.addPerson();
    // The server allows five tries per account in its window; the sixth is refused.
    for (let attempt = 1; attempt <= 6; attempt++) {
      await signIn(page, person.username, `wrong-${attempt}`);
      await expect.poll(() => alert.textContent()).toMatch(attempt <= 5 ? /incorrect/ : /Too many attempts/);
    }
    expect(await alert.textContent()).toMatch(/Try again in \d+ minutes\./);
    await context.close();
  });

  test('when the company directory is down, sign-in says so instead of blaming the password', async () => {
    const context = await desktopContext(browser);
    const page = await context.newPage();
    // Stand in for an unreachable directory (the server side of this answer has its own tests).
    await page.route('**/api/auth/login', (route) =>
      route.fulfill({
        status: 503,
        json: { error: { code: 'directory_unavailable', message: 'The company directory cannot be reached right now.' } },
      }),
    );
    await openSignIn(page, server.url);
    await signIn(page, 'alice');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('The company directory cannot be reached right now');
    expect(await page.getByRole('alert').textContent()).not.toContain('incorrect');
    await context.close();
  });

  test('someone trying the demo reads their reset code in the demo mailbox and carries on where they were', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await page.getByRole('link', { name: 'Forgot your password or locked out?' }).click();
    await page.getByLabel('Username or email').fill('adam');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: /Email me a code/ }).click();
    await expect.poll(() => heading(page)).toBe('Enter the code from your email');

    await page.getByRole('link', { name: 'Demo: read the code in the demo mailbox' }).click();
    await expect.poll(() => heading(page)).toBe('Demo mailbox');
    const mail = page.getByRole('article').first();
    await expect.poll(() => mail.textContent()).toContain('To adam@example.com');
    const code = /^\s+(\d{8})\s*$/m.exec((await mail.locator('pre').textContent())!)?.[1];
    expect(code).toBeTruthy();

    await page.getByRole('link', { name: 'Back' }).click();
    await expect.poll(() => heading(page)).toBe('Enter the code from your email');
    await page.getByLabel('Code', { exact: true }).fill(code!);
    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    await expect.poll(() => heading(page)).toBe('Choose a new password');

    // The header's demo badge leads to the same mailbox.
    await page.getByRole('banner').getByRole('link', { name: /Demo/ }).click();
    await expect.poll(() => heading(page)).toBe('Demo mailbox');
    await context.close();
  });
});
