import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, phoneContext } from '../harness/browser.js';
import { startTestServer } from '../harness/server.js';
import { DEMO_PASSWORD, heading, openSignIn, overflowsSideways, signIn } from './support/portal.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the help desk inventory', () => {
  test('hana adds an asset on her phone, finds it, and imports a CSV only once every row is right', async () => {
    const suffix = randomBytes(3).toString('hex').toUpperCase();
    const [added, first, second] = [`E2E-${suffix}-1`, `E2E-${suffix}-2`, `E2E-${suffix}-3`];
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, 'hana');

    await page.getByRole('link', { name: /Inventory/ }).click();
    await expect.poll(() => heading(page)).toBe('Inventory');
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/\d+ assets/);
    expect(await overflowsSideways(page)).toBe(false);

    // Add one asset by hand.
    await page.getByRole('link', { name: 'Add asset' }).click();
    await page.getByLabel('Asset tag').fill(added);
    await page.getByLabel('Serial number').fill(`SN-${suffix}`);
    await page.getByLabel('Model', { exact: true }).selectOption({ label: 'Lenovo ThinkPad T14 Gen 5' });
    await page.getByLabel('Location').fill('Desk 4');
    await page.getByLabel('Warranty ends').fill('2029-06-30');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => heading(page)).toBe(`Asset ${added}`);
    expect(await page.getByTestId('asset-status').textContent()).toBe('In stock');
    expect(await page.getByRole('table').textContent()).toContain('Added');

    // Find it again from the list.
    await page.getByRole('link', { name: 'Back to inventory' }).click();
    await page.getByRole('searchbox', { name: /Tag, serial/ }).fill(added.toLowerCase());
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByRole('link', { name: added }).count()).toBe(1);

    // A CSV with one bad row: the problem is shown against its row, and nothing is imported.
    await page.getByRole('link', { name: 'Import CSV' }).click();
    const bad = ['tag,model,location', `${first},Lenovo ThinkPad T14 Gen 5,Store`, `${second},ThinkPad Imaginary,Store`].join('\n');
    await page.getByLabel('Or paste the CSV here').fill(bad);
    await page.getByRole('button', { name: 'Check the file' }).click();
    await expect.poll(() => page.getByTestId('import-errors').textContent()).toContain('Nothing was imported');
    const rows = page.getByRole('table').getByRole('row');
    await expect.poll(() => rows.nth(2).textContent()).toContain('There is no model named "ThinkPad Imaginary"');
    expect(await page.getByRole('button', { name: /^Import \d+ assets?$/ }).count()).toBe(0);

    // Fixed: the preview is clean, and one confirmation imports both rows (had the good row been
    // imported before, its tag would now be taken and this import refused).
    await page.getByLabel('Or paste the CSV here').fill(bad.replace('ThinkPad Imaginary', 'XPS 13'));
    await page.getByRole('button', { name: 'Check the file' }).click();
    await page.getByRole('button', { name: 'Import 2 assets' }).click();
    await expect.poll(() => page.getByTestId('import-done').textContent()).toBe('2 assets imported.');
    expect(await overflowsSideways(page)).toBe(false);

    await page.getByRole('link', { name: 'Back to inventory' }).click();
    await page.getByRole('searchbox', { name: /Tag, serial/ }).fill(`E2E-${suffix}`);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('3 assets');
    expect(await page.getByRole('link', { name: second }).count()).toBe(1);
    await context.close();
  });

  test("the import says each row's problem in the help desk's language (Traditional Chinese), by its code", async () => {
    const suffix = randomBytes(3).toString('hex').toUpperCase();
    const context = await phoneContext(browser, { locale: 'zh-TW' });
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await page.getByLabel('使用者名稱').fill('hana');
    await page.getByLabel('密碼', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: '登入', exact: true }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
    await page.goto(`${server.url}/inventory/import`);
    const csv = ['tag,model,status', `E2E-${suffix}-1,ThinkPad Imaginary,in_stock`, `E2E-${suffix}-2,XPS 13,broken`].join('\n');
    await page.getByLabel('或在此貼上 CSV').fill(csv);
    await page.getByRole('button', { name: '檢查檔案' }).click();
    const rows = page.getByRole('table').getByRole('row');
    await expect.poll(() => rows.nth(1).textContent()).toContain('沒有名為「ThinkPad Imaginary」的型號。');
    await expect.poll(() => rows.nth(2).textContent()).toContain('請使用以下其中之一：');
    expect(await rows.nth(1).textContent()).not.toContain('There is no model');
    await context.close();
  });
});
