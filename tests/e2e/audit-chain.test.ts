import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { openSignIn, overflowsSideways, signIn } from './support/portal.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('audit log integrity', () => {
  test('adam sees the chain intact on his phone, and where it breaks after someone edits the database', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'adam');
    await page.getByRole('link', { name: /Administration/ }).click();

    const card = page.getByRole('region', { name: 'Audit trail integrity' });
    await expect
      .poll(() => card.getByRole('status').textContent())
      .toMatch(/^Chain intact: (the one entry checks out|all \d+ entries check out)\.$/);
    expect(await card.getByRole('alert').count()).toBe(0);
    expect(await overflowsSideways(page)).toBe(false);

    // Someone with access to the database quietly rewrites an entry: adam's own sign-in.
    const database = new SQLite(path.join(server.dataDir, 'portal.sqlite'));
    const { id } = database
      .prepare("select id from audit_events where action = 'auth.login' and actor = 'adam' order by id desc")
      .get() as {
      id: number;
    };
    database.prepare("update audit_events set ip = '203.0.113.9' where id = ?").run(id);
    database.close();

    // Checked again by keyboard alone.
    const again = card.getByRole('button', { name: 'Check again' });
    await again.focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => card.getByRole('alert').textContent())
      .toContain(`Chain broken at entry ${id}: it was changed after it was written.`);
    expect(await card.getByRole('status').textContent()).not.toContain('Chain intact');
    expect(await overflowsSideways(page)).toBe(false);

    // The same news in Chinese (where the card has a Chinese name).
    await page.getByLabel('Language').selectOption('zh-CN');
    const chinese = page.getByRole('region', { name: '审计日志完整性' });
    await expect.poll(() => chinese.getByRole('alert').textContent()).toContain(`链条在第 ${id} 条记录处断开：该记录写入后被修改过。`);
    await context.close();
  });
});
