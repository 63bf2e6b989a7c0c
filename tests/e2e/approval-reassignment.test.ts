import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../harness/browser.js';
import { ManualClock } from '../harness/clock.js';
import type { ThrowawayPerson } from '../harness/people.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { confirmPassword, heading, overflowsSideways, signedInPage } from './support/portal.js';
import { newTag, stockModel } from './support/stock.js';

/**
 * Approvals follow people, as the approvers see it in their queues: when HR changes a new hire's
 * manager, the hire's equipment approval leaves the old manager's queue and appears in the new
 * one's; when an approver leaves (offboarding closes them out at the end of their last day), the
 * approvals waiting on them appear in their own manager's queue. Approvers use phones, HR a laptop.
 *
 * Every approver, employee and hire is a throwaway person; ruth (HR) only acts. The server is this
 * file's own with a clock the offboarding test moves past the leaver's last day (so that test runs
 * last and signs people in after the move); the models are this file's own monitors (the manager
 * alone approves monitors).
 */

let server: TestServer;
let browser: Browser;
const clock = new ManualClock(Date.now());
const DAY = 86_400_000;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ clock }), launchBrowser()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function signedIn(kind: 'phone' | 'desktop', username: string, password?: string): Promise<Page> {
  return signedInPage(browser, server.url, kind, username, password);
}

/** The approvals queue, (re)loaded; returns the cards for `model`. */
async function queue(page: Page, model: string) {
  await page.goto(new URL('/approvals', server.url).href);
  await expect.poll(() => heading(page)).toBe('Approvals');
  // The count in the live region says the list has loaded.
  await expect.poll(() => page.getByRole('main').textContent()).toMatch(/waiting for you/);
  return page.getByRole('article', { name: model });
}

/** A JSON call with the page's own session, as the screens make it. */
async function call<T>(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ({ method, path, body, key }) => {
      const response = await fetch(path, {
        method,
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    { method, path, body, key: randomUUID() },
  );
}

describe('a new hire’s manager changes before the start', () => {
  test('ruth names another manager on the hire’s page; the equipment approval leaves the old manager’s queue and the new one approves it', async () => {
    const monitor = await stockModel(server, 'monitors', [newTag('MON')], { leadTimeDays: 5 });
    const oldBoss = await server.addPerson({ role: 'manager', prefix: 'old' });
    const newBoss = await server.addPerson({ role: 'manager', prefix: 'new' });

    // Set-up HR does on other screens (tested elsewhere): a role bundle with the monitor, approved
    // by the manager (not at once), and a hire starting next week with the old manager.
    const ruth = await signedIn('desktop', 'ruth');
    const key = `r${randomBytes(4).toString('hex')}`;
    const bundle = await call(ruth, 'POST', '/api/onboarding/bundles', {
      key,
      name: 'Reassign role',
      items: [{ modelId: monitor.id, quantity: 1 }],
      autoApprove: false,
    });
    expect(bundle.status, JSON.stringify(bundle.body)).toBe(201);
    const lastName = `Sign${randomBytes(2).toString('hex')}`;
    const hire = await call<{ id: number }>(ruth, 'POST', '/api/onboarding/hires', {
      firstName: 'Ria',
      lastName,
      personalEmail: `ria.${lastName.toLowerCase()}@personal.example.net`,
      startDate: new Date(clock.now() + 7 * DAY).toISOString().slice(0, 10),
      timeZone: 'Europe/Berlin',
      department: 'Engineering',
      title: 'Engineer',
      manager: oldBoss.username,
      role: key,
    });
    expect(hire.status, JSON.stringify(hire.body)).toBe(201);

    // The old manager has it in the queue (the job queue asks for the equipment).
    const old = await signedIn('phone', oldBoss.username, oldBoss.password);
    await expect.poll(async () => (await queue(old, monitor.name)).count(), { timeout: 20_000, interval: 500 }).toBe(1);
    expect(await old.getByRole('article', { name: monitor.name }).textContent()).toContain(`Ria ${lastName}`);

    // Ruth changes the manager on the hire's page.
    await ruth.goto(new URL(`/onboarding/${hire.body.id}`, server.url).href);
    await expect.poll(() => heading(ruth)).toBe(`Ria ${lastName}`);
    const change = ruth.getByRole('region', { name: 'Change the start date, manager or title' });
    const manager = change.getByRole('group', { name: 'Manager' });
    await manager.getByLabel('Find a person').fill(newBoss.username);
    await manager.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => manager.getByLabel('Person', { exact: true }).locator('option').count()).toBeGreaterThan(2);
    await manager.getByLabel('Person', { exact: true }).selectOption(newBoss.username);
    await change.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => ruth.getByRole('main').textContent()).toContain('Changes saved.');
    expect(await ruth.getByRole('main').textContent()).toContain(newBoss.username);
    const view = (await call<{ username: string; requestIds: number[] }>(ruth, 'GET', `/api/onboarding/hires/${hire.body.id}`)).body;
    await ruth.context().close();

    // The old manager still has the card open from before: pressing it now is refused, and changes nothing.
    const stale = old.getByRole('article', { name: monitor.name });
    await stale.getByRole('button', { name: 'Approve' }).click();
    await old.getByRole('button', { name: 'Yes, approve' }).click();
    await expect
      .poll(() => stale.getByRole('alert').textContent())
      .toContain('Someone already decided this, or the request was withdrawn.');
    // Loaded again, his queue no longer has it.
    expect(await (await queue(old, monitor.name)).count()).toBe(0);
    expect(await old.getByRole('main').textContent()).toContain('Nothing is waiting for you.');

    // In the new manager's queue; once the directory has the change (the onboarding job), he approves.
    const neu = await signedIn('phone', newBoss.username, newBoss.password);
    const card = await queue(neu, monitor.name);
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.textContent()).toContain(`Ria ${lastName}`);
    expect(await overflowsSideways(neu)).toBe(false);
    await expect
      .poll(async () => (await server.directory.findUser(view.username))?.manager, { timeout: 20_000, interval: 250 })
      .toBe(newBoss.username);
    await card.getByRole('button', { name: 'Approve' }).click();
    await neu.getByRole('button', { name: 'Yes, approve' }).click();
    await expect.poll(() => neu.getByRole('main').textContent()).toContain(`Approved: ${monitor.name}`);

    // The request's timeline says it was passed on, and by whom it was approved.
    expect(view.requestIds).toHaveLength(1);
    await neu.goto(new URL(`/requests/${view.requestIds[0]}`, server.url).href);
    const main = neu.getByRole('main');
    await expect.poll(() => main.textContent()).toContain('Passed on to another approver');
    expect(await main.textContent()).toContain(`by ${newBoss.username}`);
    for (const page of [old, neu]) await page.context().close();
  });
});

describe('an approver leaves', () => {
  test('at the end of the leaver’s last day, the request waiting on them appears in their own manager’s queue, who approves it', async () => {
    const monitor = await stockModel(server, 'monitors', [newTag('MON')], { leadTimeDays: 5 });
    const grand: ThrowawayPerson = await server.addPerson({ role: 'manager', prefix: 'grand' });
    const leaver = await server.addPerson({ role: 'manager', manager: grand.username, prefix: 'leaver' });
    const employee = await server.addPerson({ manager: leaver.username, prefix: 'emp' });

    // The employee asks; the request waits on their manager, who is leaving.
    const mine = await signedIn('phone', employee.username, employee.password);
    await mine.goto(new URL('/catalog', server.url).href);
    await mine.getByRole('searchbox', { name: 'Search the catalog' }).fill(monitor.name);
    await mine.getByRole('button', { name: 'Search', exact: true }).click();
    await mine
      .getByRole('article', { name: monitor.name })
      .getByRole('link', { name: `Request ${monitor.name}` })
      .click();
    await mine.getByLabel('Why do you need it?').fill('A second screen for design reviews.');
    await mine.getByRole('button', { name: 'Send request' }).click();
    await expect.poll(() => heading(mine)).toBe(monitor.name);
    const requestPath = new URL(mine.url()).pathname;
    await mine.context().close();

    const theirs = await signedIn('phone', leaver.username, leaver.password);
    expect(await (await queue(theirs, monitor.name)).count()).toBe(1);
    const above = await signedIn('phone', grand.username, grand.password);
    expect(await (await queue(above, monitor.name)).count()).toBe(0);
    await above.context().close();

    // Ruth offboards the approver, last day today (UTC).
    const zone = 'UTC';
    const lastDay = new Date(clock.now()).toISOString().slice(0, 10);
    const ruth = await signedIn('desktop', 'ruth');
    await ruth.goto(new URL('/onboarding', server.url).href);
    await ruth.getByRole('link', { name: 'Offboard someone' }).click();
    await expect.poll(() => heading(ruth)).toBe('Offboard someone');
    const who = ruth.getByRole('group', { name: 'Person who is leaving' });
    await who.getByLabel('Find a person').fill(leaver.username);
    await who.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => who.getByLabel('Person', { exact: true }).locator('option').count()).toBeGreaterThan(1);
    await who.getByLabel('Person', { exact: true }).selectOption(leaver.username);
    await ruth.getByLabel('Last day').fill(lastDay);
    await ruth.getByLabel('Time zone').fill(zone);
    await ruth.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => heading(ruth)).toBe('Check before you confirm');
    await ruth.getByRole('button', { name: 'Yes, schedule the offboarding' }).click();
    const prompt = ruth.getByRole('dialog', { name: 'Enter your password again' });
    await expect.poll(async () => (await prompt.isVisible()) || /^Offboarding /.test(await heading(ruth))).toBe(true);
    if (await prompt.isVisible()) await confirmPassword(ruth);
    await expect.poll(() => heading(ruth)).toMatch(/^Offboarding /);
    await ruth.context().close();

    // Before the end of the day the request still waits on the leaver.
    expect(await (await queue(theirs, monitor.name)).count()).toBe(1);

    // Just past midnight after the last day: the close-out moves the step to the leaver's manager.
    clock.set(Date.parse(`${lastDay}T00:00:00Z`) + DAY + 60_000);
    await expect
      .poll(async () => (await server.directory.findUser(leaver.username))?.disabled, { timeout: 30_000, interval: 250 })
      .toBe(true);
    // The leaver's session is over: their phone is back at sign-in.
    await theirs.reload();
    await expect.poll(() => heading(theirs), { timeout: 20_000 }).toBe('Sign in');
    await theirs.context().close();

    const next = await signedIn('phone', grand.username, grand.password);
    const card = next.getByRole('article', { name: monitor.name });
    await expect.poll(async () => (await queue(next, monitor.name)).count(), { timeout: 20_000, interval: 500 }).toBe(1);
    expect(await card.textContent()).toContain(employee.username);
    // Said for what it is: passed on because the approver left, not overdue (the step has time left).
    expect(await card.textContent()).toContain('Passed on to you: the approver can no longer decide');
    expect(await card.textContent()).not.toContain('Overdue');
    expect(await overflowsSideways(next)).toBe(false);
    await card.getByRole('button', { name: 'Approve' }).click();
    await next.getByRole('button', { name: 'Yes, approve' }).click();
    await expect.poll(() => next.getByRole('main').textContent()).toContain(`Approved: ${monitor.name}`);
    await next.context().close();

    const again = await signedIn('phone', employee.username, employee.password);
    await again.goto(new URL(requestPath, server.url).href);
    const main = again.getByRole('main');
    await expect.poll(() => main.textContent()).toContain('Passed on to another approver');
    expect(await main.textContent()).toContain(`by ${grand.username}`);
    await again.context().close();
  });
});
