import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { codeIn, startSmtpCapture, type SmtpCapture } from '../harness/smtp.js';
import { heading, openSignIn, overflowsSideways, signIn } from './support/portal.js';

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

describe('asking for the password again before a recovery change', () => {
  test('a person adds a recovery email on their phone by keyboard: asked for their password in place, then it goes through', async () => {
    // A throwaway person: a recovery email added here would otherwise stay on a demo person.
    const person = await server.addPerson();
    const home = `${person.username}.home@example.net`;
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, person.username, person.password);
    await expect.poll(() => heading(page)).toBe(`Hello, ${person.displayName}`);
    await page.goto(new URL('/account/security', server.url).href);
    const card = page.getByRole('region', { name: 'Recovery email' });
    const address = card.getByLabel('Personal email address');
    await expect.poll(() => address.isVisible()).toBe(true);

    // Cancelled with Escape: nothing is sent, the card says why, and focus is back where she was.
    await address.focus();
    await page.keyboard.type(home);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Enter your password again' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    const field = dialog.getByLabel('Your password');
    expect(await field.getAttribute('autocomplete')).toBe('current-password');
    expect(await field.getAttribute('type')).toBe('password');
    await expect.poll(() => field.evaluate((el) => el === document.activeElement)).toBe(true);
    // It fits the phone: nothing sideways, the whole dialog on screen.
    const box = (await dialog.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(await overflowsSideways(page)).toBe(false);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expect.poll(() => card.getByRole('alert').textContent()).toContain('enter your password again');
    expect(await address.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(smtp.to(home)).toHaveLength(0);

    // A wrong password is pointed out in the dialog and she tries again; the address is then sent the code.
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await expect.poll(() => field.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type('not my password');
    await page.keyboard.press('Enter');
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.textContent()).toContain('That password is not right.');
    expect(await field.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type(person.password);
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.isVisible()).toBe(false);

    const code = codeIn(await smtp.waitFor(home));
    await expect.poll(() => card.textContent()).toContain(`We sent a code to ${home}.`);
    // Her work address is told that a recovery address was added, with what to do if it was not her.
    const notice = await smtp.waitFor(person.email);
    expect(notice.subject).toContain('Your account recovery options changed');
    expect(notice.text).toContain('Not you?');

    // Within ten minutes the next change needs no second prompt.
    await card.getByLabel('Confirmation code').fill(code);
    await card.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => card.textContent()).toMatch(new RegExp(`${home.replaceAll('.', '\\.')}\\s*Confirmed`));
    expect(await dialog.isVisible()).toBe(false);
    await context.close();
  });
});
