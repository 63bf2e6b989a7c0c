import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { desktopContext, launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { codeIn, startSmtpCapture, type SmtpCapture } from '../harness/smtp.js';
import { choosePassword, enterCode, GOOD_PASSWORDS, heading, openSignIn, signIn, startForgot } from './support/portal.js';

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

/** Chooses "Email me a code" and returns the code from the mail that arrives. */
async function emailedCode(page: Page, address: string): Promise<string> {
  const before = smtp.to(address).length;
  await page.getByRole('button', { name: /Email me a code/ }).click();
  await expect.poll(() => heading(page)).toBe('Enter the code from your email');
  return codeIn(await smtp.waitFor(address, before));
}

const signedInAs = async (page: Page, name: string) => expect.poll(() => heading(page)).toBe(`Hello, ${name}`);

// Each test resets or unlocks its own throwaway person (server.addPerson), so the demo people keep
// their passwords and the tests run alone or in any order.
describe('forgot password and unlock', () => {
  test('a person resets their password on their phone with a code from their email, and only the new one works', async () => {
    const person = await server.addPerson();
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await startForgot(page, server.url, person.username);

    // Every way is offered to everyone, whatever they set up: the list tells a stranger nothing.
    expect(await page.getByRole('button', { name: /Use my authenticator app/ }).count()).toBe(1);
    expect(await page.getByRole('button', { name: /Get a code from the help desk/ }).textContent()).toContain(
      'they will read you a code after checking who you are',
    );
    const code = await emailedCode(page, person.email);
    // Never the address itself: a stranger typing a username must not learn where its mail goes.
    expect(await page.getByRole('main').textContent()).toContain('We sent a code to your recovery or work email');
    expect(await page.getByRole('main').textContent()).not.toContain('@');

    // A wrong code: said next to the field, which gets focus back.
    const field = page.getByLabel('Code', { exact: true });
    expect(await field.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await field.getAttribute('inputmode')).toBe('numeric');
    await enterCode(page, code === '11111111' ? '22222222' : '11111111');
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator(`#${await field.getAttribute('aria-describedby')}`).textContent()).toContain('not correct');
    expect(await field.evaluate((el) => el === document.activeElement)).toBe(true);

    await enterCode(page, `${code.slice(0, 4)} ${code.slice(4)}`); // typed as shown in the mail
    await expect.poll(() => heading(page)).toBe('Choose a new password');

    // The rules come first; one field with a show toggle; password managers may fill and paste.
    const main = page.getByRole('main');
    expect(await main.textContent()).toContain('At least 12 characters.');
    const newPassword = page.getByLabel('New password');
    expect(await newPassword.getAttribute('autocomplete')).toBe('new-password');
    expect(await newPassword.getAttribute('type')).toBe('password');
    await page.getByLabel('Show password').check();
    expect(await newPassword.getAttribute('type')).toBe('text');

    // A weak one: the live check says what is wrong in words, and so does the refusal.
    await newPassword.fill('password');
    await expect.poll(() => main.textContent()).toContain('Use at least 12 characters (this has 8).');
    expect(await main.textContent()).toContain('This is one of the most common passwords');
    expect(await main.textContent()).toMatch(/Strength: very weak/);
    await page.getByRole('button', { name: 'Change my password' }).click();
    await expect.poll(() => newPassword.getAttribute('aria-invalid')).toBe('true');
    expect(await heading(page)).toBe('Choose a new password');

    await newPassword.fill(GOOD_PASSWORDS[0]);
    await expect.poll(() => main.textContent()).toContain('This password meets the rules.');
    expect(await main.textContent()).toMatch(/Strength: (good|strong)/);
    await choosePassword(page, GOOD_PASSWORDS[0]);
    await expect.poll(() => heading(page)).toBe('Password changed');
    expect(await main.textContent()).toContain('Your password was changed. Sign in with your new password.');

    // Not signed in automatically: the link goes to sign-in, where the old password now fails.
    await page.getByRole('link', { name: 'Go to sign-in' }).click();
    await signIn(page, person.username, person.password);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('The username or password is incorrect.');
    // …and the message now offers the way out.
    expect(await page.getByRole('alert').getByRole('link', { name: 'Forgot your password or locked out?' }).count()).toBe(1);
    await signIn(page, person.username, GOOD_PASSWORDS[0]);
    await signedInAs(page, person.displayName);
    await context.close();
  });

  test('a person just unlocks their account: the success page says so, and their password still works', async () => {
    const person = await server.addPerson();
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await startForgot(page, server.url, person.email, 'unlock');
    await enterCode(page, await emailedCode(page, person.email));
    await expect.poll(() => heading(page)).toBe('Unlock your account');
    await page.getByRole('button', { name: 'Unlock my account' }).click();
    await expect.poll(() => heading(page)).toBe('Account unlocked');
    expect(await page.getByRole('main').textContent()).toContain('Your account is unlocked. Your password did not change.');

    await page.getByRole('link', { name: 'Go to sign-in' }).click();
    await signIn(page, person.username, person.password);
    await signedInAs(page, person.displayName);
    await context.close();
  });

  test('a person goes through the whole flow with the keyboard only; its API answers send no Referer', async () => {
    const person = await server.addPerson();
    const context = await desktopContext(browser);
    const page = await context.newPage();
    const referrerPolicies = new Map<string, string | null>();
    page.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (path.startsWith('/api/password/'))
        referrerPolicies.set(path.replace(/[A-Za-z0-9_-]{43}/, ':flowId'), response.headers()['referrer-policy'] ?? null);
    });
    await openSignIn(page, server.url);
    const tab = async (times = 1) => {
      for (let i = 0; i < times; i++) await page.keyboard.press('Tab');
    };
    const focused = () =>
      page.evaluate(() => document.activeElement?.textContent?.trim() || (document.activeElement as HTMLInputElement | null)?.id);

    // From the password field, Tab reaches the submit button, then the "forgot" link.
    await page.getByLabel('Password', { exact: true }).focus();
    await tab(3); // show-password checkbox, Sign in, the link
    expect(await focused()).toBe('Forgot your password or locked out?');
    await page.keyboard.press('Enter');
    await expect.poll(() => heading(page)).toBe('Forgot your password or locked out?');

    await tab(); // focus starts on the page; the first field comes next
    expect(await focused()).toBe('forgot-login');
    await page.keyboard.type(person.username);
    await tab(); // the radio group: arrows pick within it
    await page.keyboard.press('ArrowDown');
    expect(await page.getByRole('radio', { name: /Just unlock my account/ }).isChecked()).toBe(true);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter'); // submits the form
    await expect.poll(() => heading(page)).toBe('Confirm it is you');
    // Each step moves focus to its heading, so Tab continues from there.
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');

    await tab();
    expect(await focused()).toContain('Email me a code');
    const before = smtp.to(person.email).length;
    await page.keyboard.press('Enter');
    const code = codeIn(await smtp.waitFor(person.email, before));
    await expect.poll(() => heading(page)).toBe('Enter the code from your email');
    await tab(); // the code field comes first after the heading
    expect(await focused()).toBe('verification-code');
    await page.keyboard.type(code);
    await page.keyboard.press('Enter');
    await expect.poll(() => heading(page)).toBe('Choose a new password');
    await tab();
    expect(await focused()).toBe('new-password');
    await page.keyboard.type(GOOD_PASSWORDS[1]);
    await expect.poll(() => page.getByRole('main').textContent()).toContain('This password meets the rules.');
    await page.keyboard.press('Enter');
    await expect.poll(() => heading(page)).toBe('Password changed');
    await tab();
    expect(await focused()).toBe('Go to sign-in');

    for (const path of [
      '/api/password/forgot',
      '/api/password/flows/:flowId',
      '/api/password/flows/:flowId/challenge',
      '/api/password/policy-check',
      '/api/password/flows/:flowId/reset',
    ]) {
      expect(referrerPolicies.get(path), path).toBe('no-referrer');
    }
    await context.close();
  });

  test('in Simplified Chinese the flow and the password problems are in Chinese', async () => {
    // A short username, so that a password made of it is both too short and contains it.
    const person = await server.addPerson({ prefix: 'm' });
    const context = await phoneContext(browser, { locale: 'zh-CN' });
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await page.getByRole('link', { name: '忘记密码或账户被锁定？' }).click();
    await page.getByLabel('用户名或电子邮件').fill(person.username);
    await page.getByRole('button', { name: '继续' }).click();
    await expect.poll(() => heading(page)).toBe('确认是您本人');
    const before = smtp.to(person.email).length;
    await page.getByRole('button', { name: /通过电子邮件接收验证码/ }).click();
    const code = codeIn(await smtp.waitFor(person.email, before));
    await page.getByLabel('验证码', { exact: true }).fill(code);
    await page.getByRole('button', { name: '确认', exact: true }).click();
    await expect.poll(() => heading(page)).toBe('设置新密码');

    const main = page.getByRole('main');
    expect(await main.textContent()).toContain('至少 12 个字符。');
    await page.getByLabel('新密码').fill(person.username);
    await expect.poll(() => main.textContent()).toContain(`请至少使用 12 个字符（当前为 ${person.username.length} 个）。`);
    expect(await main.textContent()).toContain('密码中不能包含您的用户名。');
    expect(await main.textContent()).toMatch(/强度：/);
    await context.close();
  });
});
