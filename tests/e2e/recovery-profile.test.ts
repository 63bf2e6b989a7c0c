import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { desktopContext, launchBrowser, phoneContext } from '../harness/browser.js';
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

type Person = Awaited<ReturnType<typeof server.addPerson>>;

async function signedIn(page: Page, person: Person): Promise<void> {
  await openSignIn(page, server.url);
  await signIn(page, person.username, person.password);
  await expect.poll(() => heading(page)).toBe(`Hello, ${person.displayName}`);
}

/** Chromium's virtual authenticator: a passkey-capable "phone" the test controls. */
async function virtualAuthenticator(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

/** Signs in after a reset, proving the new password is the one that works now. */
async function signInWith(page: Page, username: string, password: string, name: string): Promise<void> {
  await page.getByRole('link', { name: 'Go to sign-in' }).click();
  await signIn(page, username, password);
  await expect.poll(() => heading(page)).toBe(`Hello, ${name}`);
}

// Each test sets up recovery for, or changes the password of, its own throwaway person
// (server.addPerson), so the demo people stay as seeded and the tests run in any order.
describe('recovery profile and password change', () => {
  test('a person follows the home nudge, sets up their authenticator app, and later resets with it from a fresh phone', async () => {
    const person = await server.addPerson();
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await signedIn(page, person);

    // One ready way (codes to her work email) is below the two recommended: the home page nudges.
    const nudge = page.getByRole('region', { name: 'Set up account recovery' });
    await expect.poll(() => nudge.textContent()).toContain('Ready now: 1 of the recommended 2.');
    await nudge.getByRole('link', { name: 'Set up recovery' }).click();
    await expect.poll(() => heading(page)).toBe('Account security');

    const app = page.getByRole('region', { name: 'Authenticator app' });
    await app.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await confirmPassword(page, person.password);
    const qr = app.getByRole('img', { name: 'QR code that adds the IT Portal to your authenticator app' });
    await expect.poll(() => qr.isVisible()).toBe(true);
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    // The key for typing by hand, in groups of four, as the app would show it.
    const shownKey = (await app.locator('.totp__secret').textContent())!.trim();
    expect(shownKey).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
    const totp = new TOTP({ secret: Secret.fromBase32(shownKey.replace(/ /g, '')), digits: 6, period: 30, algorithm: 'SHA1' });

    await app.getByLabel('The 6-digit code the app shows').fill(totp.generate());
    await app.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => app.textContent()).toContain('Set up');
    expect(await app.getByRole('button', { name: 'Remove' }).count()).toBe(1);
    const ready = page.getByRole('region', { name: 'Ways to reset your password' });
    await expect.poll(() => ready.textContent()).toContain('2 ways are ready.');
    expect(await ready.textContent()).toMatch(/Authenticator app\s*Ready/);

    // Two ways ready: the nudge is gone.
    await page.getByRole('link', { name: 'Back to home' }).click();
    await expect.poll(() => heading(page)).toBe(`Hello, ${person.displayName}`);
    await page.waitForTimeout(300);
    expect(await nudge.count()).toBe(0);
    await context.close();

    // Another phone, signed out: she resets with the app. (Each time step is accepted once, so she waits for the next code.)
    const fresh = await phoneContext(browser);
    const phone = await fresh.newPage();
    await startForgot(phone, server.url, person.username);
    await phone.getByRole('button', { name: /Use my authenticator app/ }).click();
    await expect.poll(() => heading(phone)).toBe('Enter the code from your authenticator app');
    await enterCode(phone, totp.generate({ timestamp: Date.now() + 30_000 }));
    await expect.poll(() => heading(phone)).toBe('Choose a new password');
    await choosePassword(phone, GOOD_PASSWORDS[0]);
    await expect.poll(() => heading(phone)).toBe('Password changed');
    await signInWith(phone, person.username, GOOD_PASSWORDS[0], person.displayName);
    await fresh.close();
  });

  test('a person adds a passkey on their laptop, and resets their password with it', async () => {
    const person = await server.addPerson();
    const context = await desktopContext(browser);
    const page = await context.newPage();
    const laptop = await virtualAuthenticator(context, page);
    await signedIn(page, person);

    // Through the header menu this time.
    const menu = page.getByRole('banner');
    await menu.getByRole('button', { name: 'Menu' }).click();
    await menu.getByRole('link', { name: 'Account security' }).click();
    await expect.poll(() => heading(page)).toBe('Account security');

    const passkeys = page.getByRole('region', { name: 'Passkeys' });
    await passkeys.getByRole('button', { name: 'Add a passkey' }).click();
    await expect.poll(() => passkeys.getByLabel('Name for the new passkey').getAttribute('aria-invalid')).toBe('true');
    await passkeys.getByLabel('Name for the new passkey').fill('Work laptop');
    await passkeys.getByRole('button', { name: 'Add a passkey' }).click();
    await confirmPassword(page, person.password);
    await expect.poll(() => passkeys.getByRole('listitem').textContent()).toContain('Work laptop');
    expect(await page.getByRole('region', { name: 'Ways to reset your password' }).textContent()).toMatch(/Passkey\s*Ready/);

    // The passkey syncs to his phone (as platform passkeys do); there he resets, signed out.
    const { credentials } = await laptop.cdp.send('WebAuthn.getCredentials', { authenticatorId: laptop.authenticatorId });
    expect(credentials).toHaveLength(1);
    await context.close();

    const fresh = await phoneContext(browser);
    const phone = await fresh.newPage();
    const synced = await virtualAuthenticator(fresh, phone);
    await synced.cdp.send('WebAuthn.addCredential', { authenticatorId: synced.authenticatorId, credential: credentials[0]! });
    await startForgot(phone, server.url, person.username);
    await phone.getByRole('button', { name: /Use a passkey/ }).click();
    await expect.poll(() => heading(phone)).toBe('Use your passkey');
    await phone.getByRole('button', { name: 'Use my passkey' }).click();
    await expect.poll(() => heading(phone)).toBe('Choose a new password');
    await choosePassword(phone, GOOD_PASSWORDS[1]);
    await expect.poll(() => heading(phone)).toBe('Password changed');
    await signInWith(phone, person.username, GOOD_PASSWORDS[1], person.displayName);
    await fresh.close();
  });

  test('a person changes their password: a wrong current one is pointed out, and their other sessions end', async () => {
    const person = await server.addPerson();
    const elsewhere = await desktopContext(browser);
    const otherPage = await elsewhere.newPage();
    await signedIn(otherPage, person);

    const context = await phoneContext(browser);
    const page = await context.newPage();
    await signedIn(page, person);
    await page.getByRole('region', { name: 'Password and recovery' }).getByRole('link', { name: 'Account security' }).click();
    const card = page.getByRole('region', { name: 'Change password' });
    await expect.poll(() => card.isVisible()).toBe(true);
    await expect.poll(() => card.textContent()).toContain('At least 12 characters.');

    const current = card.getByLabel('Current password');
    expect(await current.getAttribute('autocomplete')).toBe('current-password');
    await current.fill('not-my-password');
    await card.getByLabel('New password').fill(GOOD_PASSWORDS[2]);
    await card.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => current.getAttribute('aria-invalid')).toBe('true');
    expect(await card.textContent()).toContain('Your current password is not correct.');
    expect(await current.evaluate((el) => el === document.activeElement)).toBe(true);

    await current.fill(person.password);
    await card.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => card.getByRole('status').textContent()).toContain('Your password was changed.');
    expect(await card.getByRole('status').textContent()).toContain('Your other devices and browsers were signed out');

    // This phone stays signed in; the laptop session is over.
    expect(await page.evaluate(async () => (await fetch('/api/me')).status)).toBe(200);
    expect(await otherPage.evaluate(async () => (await fetch('/api/me')).status)).toBe(401);
    await elsewhere.close();
    await context.close();
  });

  test('a person adds a personal recovery email with the code mailed to it, and can put the nudge off for now', async () => {
    const person = await server.addPerson();
    const home = `${person.username}@home.example`;
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await signedIn(page, person);
    const nudge = page.getByRole('region', { name: 'Set up account recovery' });
    await nudge.getByRole('button', { name: 'Not now' }).click();
    expect(await nudge.count()).toBe(0);
    await page.reload();
    await expect.poll(() => heading(page)).toBe(`Hello, ${person.displayName}`);
    await page.waitForTimeout(300);
    expect(await nudge.count()).toBe(0); // not again in this session

    await page.goto(new URL('/account/security', server.url).href);
    const card = page.getByRole('region', { name: 'Recovery email' });
    await expect.poll(() => card.textContent()).toContain(`Until you add one, codes go to your work email, ${person.email}.`);
    await card.getByLabel('Personal email address').fill(home);
    await card.getByRole('button', { name: 'Send a confirmation code' }).click();
    await confirmPassword(page, person.password);
    const code = codeIn(await smtp.waitFor(home));
    await expect.poll(() => card.textContent()).toContain(`We sent a code to ${home}.`);
    await card.getByLabel('Confirmation code').fill(code);
    await card.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => card.textContent()).toMatch(new RegExp(`${home.replace(/\./g, '\\.')}\\s*Confirmed`));
    await context.close();
  });
});
