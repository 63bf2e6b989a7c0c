import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { desktopContext, launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { DEMO_PASSWORD, openSignIn } from './support/portal.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const h1 = (page: import('playwright-core').Page) => page.getByRole('heading', { level: 1 }).textContent();

describe('languages', () => {
  test('switching to Simplified Chinese changes the page, and the choice survives a reload', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    expect(await h1(page)).toBe('Sign in');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');

    await page.getByLabel('Language').selectOption({ label: '简体中文' });
    await expect.poll(() => h1(page)).toBe('登录');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    // Form labels follow, so screen readers announce them in Chinese too.
    expect(await page.getByLabel('用户名').count()).toBe(1);
    expect(await page.title()).toContain('员工 IT 服务门户');

    await page.reload();
    await expect.poll(() => h1(page)).toBe('登录');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await context.close();
  });

  test('errors from the server are shown in the chosen language, by their code', async () => {
    const context = await desktopContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await page.getByLabel('Language').selectOption('zh-TW');
    await expect.poll(() => h1(page)).toBe('登入');

    // A wrong password counts against the account: a throwaway person's, so alice stays as seeded.
    await page.getByLabel('使用者名稱').fill((await server.addPerson()).username);
    await page.getByLabel('密碼', { exact: true }).fill('wrong-password');
    await page.getByRole('button', { name: '登入', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('使用者名稱或密碼不正確。');
    await context.close();
  });

  test('a browser set to Traditional Chinese gets it without choosing, and a signed-in page follows', async () => {
    const context = await phoneContext(browser, { locale: 'zh-TW' });
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await expect.poll(() => h1(page)).toBe('登入');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-TW');

    await page.getByLabel('使用者名稱').fill('alice');
    await page.getByLabel('密碼', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: '登入', exact: true }).click();
    await expect.poll(() => h1(page)).toBe('您好，Alice Anderson');
    expect(await page.getByRole('region', { name: '個人資料' }).isVisible()).toBe(true);
    await context.close();
  });
});
