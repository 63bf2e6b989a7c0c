import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { desktopContext, launchBrowser, phoneContext } from '../harness/browser.js';
import { saveResetPolicy } from '../../server/features/settings/service.js';
import { DEFAULT_RESET_POLICY } from '../../shared/settings.js';
import { startTestServer } from '../harness/server.js';
import { codeIn, startSmtpCapture, type SmtpCapture } from '../harness/smtp.js';
import { choosePassword, confirmPassword, enterCode, GOOD_PASSWORDS, heading, openSignIn, signIn, startForgot } from './support/portal.js';

let smtp: SmtpCapture;
let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  [server, browser] = await Promise.all([startTestServer({ env: { SMTP_URL: smtp.url } }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.close();
});

async function signedIn(page: Page, username: string, name: string, password?: string): Promise<void> {
  await openSignIn(page, server.url);
  await signIn(page, username, password);
  await expect.poll(() => heading(page)).toBe(`Hello, ${name}`);
}

/** The help desk's page for one person, found through the search as staff do. */
async function openPerson(page: Page, query: string, name: string): Promise<void> {
  await page.goto(new URL(`/staff?q=${encodeURIComponent(query)}`, server.url).href);
  await page.getByRole('link', { name }).click();
  await expect.poll(() => heading(page)).toBe(name);
  await expect.poll(() => page.getByRole('region', { name: 'Account' }).isVisible()).toBe(true);
}

/**
 * Issues a verification code on the person's page and returns it as read off the screen. The first
 * staff action of a session asks for the password again (`reauth: true`).
 */
async function issueCode(page: Page, { reauth = true } = {}): Promise<string> {
  const help = page.getByRole('region', { name: 'Help the caller' });
  await help.getByRole('button', { name: 'Issue verification code' }).click();
  if (reauth) await confirmPassword(page);
  const shown = help.locator('.issued-code__code');
  await expect.poll(() => shown.isVisible()).toBe(true);
  return (await shown.textContent())!.trim();
}

// The callers are throwaway people (server.addPerson): their passwords and locks change here, while
// hana and adam only act, so every test runs alone or in any order.
describe('the help desk helps a caller', () => {
  test('hana reads a caller a verification code, and the caller resets their password with it on their phone', async () => {
    const caller = await server.addPerson();
    const desk = await desktopContext(browser);
    const hana = await desk.newPage();
    await signedIn(hana, 'hana', 'Hana Helpdesk');
    await openPerson(hana, caller.username, caller.displayName);
    // Not locked: nothing to unlock.
    expect(await hana.getByRole('button', { name: 'Unlock' }).count()).toBe(0);
    expect(await hana.getByRole('region', { name: 'Failed sign-ins' }).textContent()).toContain('No failed sign-ins in the last 24 hours.');

    const code = await issueCode(hana);
    expect(code).toMatch(/^\d{4} \d{4}$/); // grouped for reading out
    const help = hana.getByRole('region', { name: 'Help the caller' });
    expect(await help.textContent()).toContain('Read this code out only after you have verified who the caller is.');
    expect(await help.textContent()).toMatch(/Expires in (10:00|9:[0-5]\d)/);
    // Focus went to the instruction, so a screen reader starts there.
    expect(await hana.evaluate(() => document.activeElement?.className)).toContain('issued-code__instruction');

    const phone = await phoneContext(browser);
    const page = await phone.newPage();
    await startForgot(page, server.url, caller.username);
    await page.getByRole('button', { name: /Get a code from the help desk/ }).click();
    await expect.poll(() => heading(page)).toBe('Enter the code from the help desk');
    expect(await page.getByRole('main').textContent()).toContain('After checking who you are, they will read you an 8-digit code.');
    await enterCode(page, code);
    await expect.poll(() => heading(page)).toBe('Choose a new password');
    await choosePassword(page, GOOD_PASSWORDS[0]);
    await expect.poll(() => heading(page)).toBe('Password changed');
    await page.getByRole('link', { name: 'Go to sign-in' }).click();
    await signIn(page, caller.username, GOOD_PASSWORDS[0]);
    await expect.poll(() => heading(page)).toBe(`Hello, ${caller.displayName}`);
    await phone.close();
    await desk.close();
  });

  test('hana sends a caller a reset link; they open it from the mail and choose a new password', async () => {
    const caller = await server.addPerson();
    const desk = await desktopContext(browser);
    const hana = await desk.newPage();
    await signedIn(hana, 'hana', 'Hana Helpdesk');
    await openPerson(hana, caller.username, caller.displayName);
    const help = hana.getByRole('region', { name: 'Help the caller' });
    await help.getByRole('button', { name: 'Send reset link' }).click();
    // She is asked first, with focus on the answer.
    expect(await help.getByRole('group').textContent()).toContain(
      `Send a password reset link to the email addresses of ${caller.displayName}?`,
    );
    expect(await hana.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Yes, send');
    const before = smtp.to(caller.email).length;
    await hana.keyboard.press('Enter');
    await confirmPassword(hana);
    await expect.poll(() => help.getByRole('status').textContent()).toContain('Reset link sent to one address.');

    const mail = await smtp.waitFor(caller.email, before);
    const link = /(http:\/\/localhost:\d+\/reset#token=[A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
    expect(link, mail.text).toBeTruthy();

    const phone = await phoneContext(browser);
    const page = await phone.newPage();
    const exchange = page.waitForResponse((r) => r.url().endsWith('/api/password/flows/from-link'));
    await page.goto(link!);
    expect((await exchange).headers()['referrer-policy']).toBe('no-referrer');
    await expect.poll(() => heading(page)).toBe('Choose a new password');
    // The token is gone from the address bar (and so from history and bookmarks).
    expect(new URL(page.url()).hash).toBe('');
    await choosePassword(page, GOOD_PASSWORDS[1]);
    await expect.poll(() => heading(page)).toBe('Password changed');

    // The link works once: opened again from the mail (a new tab), it says so and offers a way on.
    const again = await phone.newPage();
    await again.goto(link!);
    await expect.poll(() => heading(again)).toBe('Reset your password');
    await expect.poll(() => again.getByRole('main').textContent()).toContain('This link has expired or was already used.');
    await again.getByRole('link', { name: 'Start again' }).click();
    await expect.poll(() => heading(again)).toBe('Forgot your password or locked out?');
    await phone.close();
    await desk.close();
  });

  test('a caller locks themselves out; hana sees the failed sign-ins and unlocks the account', async () => {
    const caller = await server.addPerson();
    // Ten wrong passwords lock an account: five while changing it, five at sign-in (each rate-limited at five).
    const mine = await desktopContext(browser);
    const page = await mine.newPage();
    await signedIn(page, caller.username, caller.displayName, caller.password);
    await page.goto(new URL('/account/security', server.url).href);
    const card = page.getByRole('region', { name: 'Change password' });
    for (let attempt = 1; attempt <= 5; attempt++) {
      await card.getByLabel('Current password').fill(`wrong-${attempt}`);
      await card.getByLabel('New password').fill(GOOD_PASSWORDS[2]);
      await card.getByRole('button', { name: 'Change password' }).click();
      await expect.poll(() => card.getByLabel('Current password').getAttribute('aria-invalid')).toBe('true');
      await expect.poll(() => card.getByRole('button', { name: 'Changing…' }).count()).toBe(0);
    }
    await mine.clearCookies();
    await openSignIn(page, server.url);
    for (let attempt = 1; attempt <= 5; attempt++) await signIn(page, caller.username, `still-wrong-${attempt}`);
    await mine.close();

    const desk = await desktopContext(browser);
    const hana = await desk.newPage();
    await signedIn(hana, 'hana', 'Hana Helpdesk');
    await openPerson(hana, caller.username, caller.displayName);
    const account = hana.getByRole('region', { name: 'Account' });
    expect(await account.textContent()).toMatch(/Sign-in lock\s*Locked since/);
    const failures = hana.getByRole('table', { name: 'Failed sign-ins in the last 24 hours' });
    expect(await failures.getByRole('row').count()).toBeGreaterThanOrEqual(6); // header + five wrong sign-ins
    expect(await failures.textContent()).toContain('127.0.0.1');

    await account.getByRole('button', { name: 'Unlock' }).click();
    expect(await account.getByRole('group').textContent()).toContain(`Unlock the account of ${caller.displayName}?`);
    await account.getByRole('button', { name: 'Yes, unlock' }).click();
    await confirmPassword(hana);
    await expect.poll(() => account.getByRole('status').textContent()).toContain('The account is unlocked.');
    await expect.poll(() => account.textContent()).toMatch(/Sign-in lock\s*Not locked/);
    expect(await account.getByRole('button', { name: 'Unlock' }).count()).toBe(0);
    await desk.close();
  });

  test('hana is told why she cannot act on a staff account or her own; adam can act on staff', async () => {
    const desk = await phoneContext(browser);
    const hana = await desk.newPage();
    await signedIn(hana, 'hana', 'Hana Helpdesk');
    await openPerson(hana, 'adam', 'Adam Admin');
    const help = hana.getByRole('region', { name: 'Help the caller' });
    await expect.poll(() => help.textContent()).toContain('Only an admin can act on staff accounts');
    expect(await help.getByRole('button').count()).toBe(0);
    await openPerson(hana, 'hana', 'Hana Helpdesk');
    await expect.poll(() => help.textContent()).toContain('You cannot do this for yourself.');
    expect(await help.getByRole('button').count()).toBe(0);
    await desk.close();

    const admin = await desktopContext(browser);
    const adam = await admin.newPage();
    await signedIn(adam, 'adam', 'Adam Admin');
    await openPerson(adam, 'ruth', 'Ruth Rivera');
    expect(
      await adam.getByRole('region', { name: 'Help the caller' }).getByRole('button', { name: 'Issue verification code' }).count(),
    ).toBe(1);
    await admin.close();
  });

  test('adam requires two ways to confirm; a caller then needs the help desk as their second', async () => {
    const caller = await server.addPerson();
    const admin = await desktopContext(browser);
    const adam = await admin.newPage();
    await signedIn(adam, 'adam', 'Adam Admin');
    await adam.getByRole('link', { name: /Administration/ }).click();
    const policy = adam.getByRole('region', { name: 'Password reset policy' });
    const required = policy.getByLabel('Ways a person must confirm it is them');
    await expect.poll(() => required.inputValue()).toBe('1');
    await required.selectOption({ label: '2 different ways' });
    expect(await policy.getByLabel(/Send reset codes to the work email/).isChecked()).toBe(true);
    await policy.getByRole('button', { name: 'Save' }).click();
    await confirmPassword(adam);
    await expect.poll(() => policy.getByRole('status').textContent()).toBe('Saved.');
    // Recorded, as every privileged change is.
    await adam.reload();
    await expect.poll(() => adam.getByRole('table', { name: 'Recent audit events' }).textContent()).toContain('admin.reset_policy_changed');

    try {
      const phone = await phoneContext(browser);
      const page = await phone.newPage();
      await startForgot(page, server.url, caller.username);
      expect(await page.getByRole('main').textContent()).toContain('confirm it is you in 2 different ways');
      const before = smtp.to(caller.email).length;
      await page.getByRole('button', { name: /Email me a code/ }).click();
      await enterCode(page, codeIn(await smtp.waitFor(caller.email, before)));

      // One done, one to go: the page says so and offers only what is left.
      await expect.poll(() => heading(page)).toBe('Confirm it is you');
      expect(await page.getByRole('main').textContent()).toContain('1 of 2 done');
      expect(await page.getByRole('status').first().textContent()).toContain('Now confirm it in one more way.');
      expect(await page.getByRole('button', { name: /Email me a code/ }).count()).toBe(0);

      const desk = await desktopContext(browser);
      const hana = await desk.newPage();
      await signedIn(hana, 'hana', 'Hana Helpdesk');
      await openPerson(hana, caller.username, caller.displayName);
      const code = await issueCode(hana);
      await desk.close();

      await page.getByRole('button', { name: /Get a code from the help desk/ }).click();
      await enterCode(page, code);
      await expect.poll(() => heading(page)).toBe('Choose a new password');
      await choosePassword(page, GOOD_PASSWORDS[2]);
      await expect.poll(() => heading(page)).toBe('Password changed');
      await phone.close();

      // The caller's reset with hana's code names hana as the one who vouched.
      await adam.reload();
      await expect
        .poll(() => adam.getByRole('table', { name: 'Recent audit events' }).textContent())
        .toContain('with a code or link from hana');
      await admin.close();
    } finally {
      // One way again, as the other tests of this file expect (the UI would need adam's session and password).
      await saveResetPolicy(server.db, DEFAULT_RESET_POLICY, Date.now(), 'test clean-up');
    }
  });
});
