import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RoleBundleList } from '../../shared/onboarding.js';
import { launchBrowser } from '../harness/browser.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { heading, overflowsSideways, signedInPage } from './support/portal.js';

/**
 * The role bundle editor as HR and an admin use it: ruth creates, edits and deletes a bundle on a
 * phone, is told before sending that a staff group (portal-admins) is for admins only, and sees the
 * server's word when a key is taken meanwhile; adam may give a staff group, after which ruth can
 * read that bundle but not change it. Bundles are this server's own (fresh data directory); no
 * person is changed.
 */

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function signedIn(kind: 'phone' | 'desktop', username: string): Promise<Page> {
  return signedInPage(browser, server.url, kind, username);
}

/** The bundles as the API has them, read with the page's own session. */
function bundlesOf(page: Page): Promise<RoleBundleList> {
  return page.evaluate(async () => (await fetch('/api/onboarding/bundles')).json());
}

const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

describe('role bundles', () => {
  test('ruth creates, edits and deletes a bundle on a phone; staff groups are for admins, and adam may give one', async () => {
    const key = `support-${randomBytes(3).toString('hex')}`;
    const ruth = await signedIn('phone', 'ruth');
    await ruth.goto(new URL('/onboarding/bundles', server.url).href);
    await expect.poll(() => heading(ruth)).toBe('Role bundles');
    const main = ruth.getByRole('main');
    await ruth.getByRole('link', { name: 'New role bundle' }).click();
    await expect.poll(() => heading(ruth)).toBe('New role bundle');

    // Nothing filled in: the shared schema's field errors, focus on the first, nothing sent.
    await ruth.getByRole('button', { name: 'Create the role bundle' }).click();
    const keyField = ruth.getByLabel('Key', { exact: true });
    await expect.poll(() => keyField.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => focusedId(ruth)).toBe('bundle-key');
    expect(await ruth.locator('#bundle-name-error').textContent()).toContain('Enter a name');

    // A key that exists already (the demo's engineer bundle) is refused before sending.
    await keyField.fill('engineer');
    await ruth.getByLabel('Name', { exact: true }).fill('Support desk');
    await ruth.getByRole('button', { name: 'Create the role bundle' }).click();
    await expect.poll(() => ruth.locator('#bundle-key-error').textContent()).toContain('exists already');

    // Groups: one plain, one that gives admin access. The staff one is flagged as it is typed, the
    // hint names the staff groups, and saving is refused with a clear message on that group.
    await keyField.fill(key);
    await ruth.getByRole('button', { name: 'Add a group' }).click();
    await expect.poll(() => focusedId(ruth)).toBe('bundle-group-0');
    await ruth.getByLabel('Group 1').fill('support');
    await ruth.getByRole('button', { name: 'Add a group' }).click();
    await ruth.getByLabel('Group 2').fill('Portal-Admins');
    await expect.poll(() => main.textContent()).toContain('only an admin may add it');
    expect(await ruth.locator('#bundle-groups-hint').textContent()).toContain('portal-admins');
    await ruth.getByRole('button', { name: 'Create the role bundle' }).click();
    await expect
      .poll(() => ruth.locator('#bundle-groups-1-error').textContent())
      .toBe('Only an admin can add “Portal-Admins”: it gives help-desk, HR or admin access.');
    await expect.poll(() => focusedId(ruth)).toBe('bundle-group-1');
    expect((await bundlesOf(ruth)).items.some((b) => b.key === key)).toBe(false);
    // The server says the same if the page is bypassed.
    const bypass = await ruth.evaluate(async (k) => {
      const response = await fetch('/api/onboarding/bundles', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ key: k, name: 'Sneaky', groups: ['portal-admins'] }),
      });
      return response.status;
    }, `${key}-x`);
    expect(bypass).toBe(403);

    // She removes it, adds a laptop × 2 from the catalog, approves at once, and creates the bundle.
    await ruth.getByRole('button', { name: 'Remove Group 2' }).click();
    await expect.poll(() => focusedId(ruth)).toBe('bundle-add-group');
    await ruth.getByRole('button', { name: 'Add equipment' }).click();
    await expect.poll(() => focusedId(ruth)).toBe('bundle-item-0');
    await ruth.getByLabel('Item 1').selectOption({ label: 'Lenovo ThinkPad T14 Gen 5' });
    const quantity = ruth.getByLabel('Quantity');
    await quantity.fill('9');
    await ruth.getByRole('button', { name: 'Create the role bundle' }).click();
    await expect.poll(() => ruth.locator('#bundle-items-0-quantity-error').textContent()).toContain('from 1 to 5');
    await quantity.fill('2');
    await ruth.getByLabel('Approve the equipment at once').check();
    expect(await ruth.locator('#bundle-autoApprove-hint').textContent()).toContain('approved when they are made');
    expect(await overflowsSideways(ruth)).toBe(false);
    await ruth.getByRole('button', { name: 'Create the role bundle' }).click();
    await expect.poll(() => heading(ruth)).toBe('Edit role bundle');
    expect(new URL(ruth.url()).pathname).toBe(`/onboarding/bundles/${key}`);
    await expect.poll(() => main.getByRole('status').first().textContent()).toContain('Role bundle created.');
    let made = (await bundlesOf(ruth)).items.find((b) => b.key === key)!;
    expect(made).toMatchObject({ name: 'Support desk', groups: ['support'], autoApprove: true, grantsStaff: false, updatedBy: 'ruth' });
    expect(made.items).toHaveLength(1);
    expect(made.items[0]!.quantity).toBe(2);

    // Edit: the key stays, the name, quantity and approval change.
    expect(await keyField.getAttribute('readonly')).not.toBeNull();
    await ruth.getByLabel('Name', { exact: true }).fill('Support engineers');
    await quantity.fill('1');
    await ruth.getByLabel('Approve the equipment at once').uncheck();
    await ruth.getByRole('button', { name: 'Save the role bundle' }).click();
    await expect.poll(() => main.getByRole('status').first().textContent()).toContain('Role bundle saved.');
    made = (await bundlesOf(ruth)).items.find((b) => b.key === key)!;
    expect(made).toMatchObject({ name: 'Support engineers', autoApprove: false });
    expect(made.items[0]!.quantity).toBe(1);
    expect(await overflowsSideways(ruth)).toBe(false);

    // Delete, after a confirmation; back on the list, which no longer has it.
    await ruth.getByRole('button', { name: 'Delete the role bundle' }).click();
    expect(await main.textContent()).toContain('Delete the role bundle Support engineers? This cannot be undone.');
    await expect.poll(() => ruth.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Yes, delete it');
    await ruth.getByRole('button', { name: 'Yes, delete it' }).click();
    await expect.poll(() => heading(ruth)).toBe('Role bundles');
    await expect.poll(() => main.getByRole('status').first().textContent()).toContain(`Role bundle ${key} deleted.`);
    expect(await main.textContent()).not.toContain('Support engineers');
    expect((await bundlesOf(ruth)).items.some((b) => b.key === key)).toBe(false);

    // A key taken between opening the form and saving: the server's field error, on the key.
    await ruth.goto(new URL('/onboarding/bundles/new', server.url).href);
    await expect.poll(() => heading(ruth)).toBe('New role bundle');
    await keyField.fill(`${key}-race`);
    await ruth.getByLabel('Name', { exact: true }).fill('Race');
    const raced = await ruth.evaluate(async (k) => {
      const response = await fetch('/api/onboarding/bundles', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ key: k, name: 'First' }),
      });
      return response.status;
    }, `${key}-race`);
    expect(raced).toBe(201);
    await ruth.getByRole('button', { name: 'Create the role bundle' }).click();
    await expect.poll(() => ruth.locator('#bundle-key-error').textContent()).toContain('exists already');
    expect((await bundlesOf(ruth)).items.find((b) => b.key === `${key}-race`)!.name).toBe('First');

    // adam, on a laptop, may give the admin group.
    const adam = await signedIn('desktop', 'adam');
    await adam.goto(new URL('/onboarding/bundles/new', server.url).href);
    await expect.poll(() => heading(adam)).toBe('New role bundle');
    await adam.getByLabel('Key', { exact: true }).fill(`${key}-admin`);
    await adam.getByLabel('Name', { exact: true }).fill('IT admin');
    await adam.getByRole('button', { name: 'Add a group' }).click();
    await adam.getByLabel('Group 1').fill('portal-admins');
    await expect.poll(() => adam.getByRole('main').textContent()).toContain('Staff access');
    await adam.getByRole('button', { name: 'Create the role bundle' }).click();
    await expect.poll(() => heading(adam)).toBe('Edit role bundle');
    const adminBundle = (await bundlesOf(adam)).items.find((b) => b.key === `${key}-admin`)!;
    expect(adminBundle).toMatchObject({ groups: ['portal-admins'], grantsStaff: true, updatedBy: 'adam' });

    // ruth sees it marked on the list, and may read it but not change or delete it.
    await ruth.goto(new URL('/onboarding/bundles', server.url).href);
    await expect.poll(() => main.textContent()).toContain('Staff access: admins only');
    await ruth
      .getByRole('link', { name: 'Edit' })
      .and(ruth.locator(`[aria-describedby="bundle-${key}-admin"]`))
      .click();
    await expect.poll(() => heading(ruth)).toBe('Edit role bundle');
    await expect.poll(() => main.textContent()).toContain('only an admin can change or delete it');
    expect(await ruth.getByLabel('Name', { exact: true }).isDisabled()).toBe(true);
    expect(await ruth.getByRole('button', { name: 'Delete the role bundle' }).count()).toBe(0);
    // The editor in Chinese, on the phone: its own strings, and still no sideways scrolling.
    await ruth.goto(new URL('/onboarding/bundles/new', server.url).href);
    await expect.poll(() => heading(ruth)).toBe('New role bundle');
    await ruth.getByLabel('Language').selectOption('zh-CN');
    await expect.poll(() => heading(ruth)).toBe('新建角色套餐');
    await ruth.getByRole('button', { name: '添加用户组' }).click();
    await ruth.getByLabel('用户组 1').fill('portal-hr');
    await ruth.getByRole('button', { name: '创建角色套餐' }).click();
    await expect.poll(() => ruth.locator('#bundle-groups-0-error').textContent()).toContain('只有管理员可以添加“portal-hr”');
    await ruth.getByLabel('语言').selectOption('zh-TW');
    await expect.poll(() => heading(ruth)).toBe('新增角色套組');
    expect(await overflowsSideways(ruth)).toBe(false);
    await ruth.context().close();
    await adam.context().close();
  }, 120_000);
});
