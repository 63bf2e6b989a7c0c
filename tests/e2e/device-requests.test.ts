import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { desktopContext, launchBrowser } from '../harness/browser.js';
import { ManualClock } from '../harness/clock.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { barcodeVideo } from './support/barcode.js';
import { heading, openSignIn, overflowsSideways, signIn, signedInPage } from './support/portal.js';
import { addTeam, newTag, stockModel } from './support/stock.js';

/**
 * The device story on phones, as the people do it: an employee asks for a laptop, their manager
 * approves from the queue, the help desk approves, scans the laptop's barcode with the camera and
 * ships it; the employee confirms receipt and sees it under their devices. Every person who acts
 * on a request is a throwaway one (with a throwaway manager), and every test stocks a model of its
 * own, so nothing here is seen by another test. Hana only acts (her account is never changed).
 */

let server: TestServer;
/** A second portal whose clock the escalation test moves (the first keeps real time). */
let late: TestServer;
const lateClock = new ManualClock(Date.now());
let browser: Browser;
/** The laptop the camera "sees": a real Code 128 barcode of this tag, played as the fake camera's video. */
const SCANNED_TAG = newTag('LT');

beforeAll(async () => {
  const video = await barcodeVideo(SCANNED_TAG);
  [server, late, browser] = await Promise.all([
    startTestServer(),
    startTestServer({ clock: lateClock }),
    launchBrowser({ fakeCamera: video }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await late?.close();
});

function signedInPhone(username: string, password?: string, portal: TestServer = server): Promise<Page> {
  return signedInPage(browser, portal.url, 'phone', username, password);
}

/** From the home page's Devices card to the request form for `model`, by search, as a person does. */
async function requestFromCatalog(page: Page, model: string, justification: string, suggested?: RegExp): Promise<string> {
  await page
    .getByRole('region', { name: 'Devices' })
    .getByRole('link', { name: /Device catalog/ })
    .click();
  await expect.poll(() => heading(page)).toBe('Device catalog');
  await page.getByRole('searchbox', { name: 'Search the catalog' }).fill(model);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const card = page.getByRole('article', { name: model });
  await expect.poll(() => card.textContent()).toContain('Only 1 left');
  await card.getByRole('link', { name: `Request ${model}` }).click();
  await expect.poll(() => heading(page)).toBe(`Request ${model}`);
  await page.getByLabel('Why do you need it?').fill(justification);
  if (suggested) {
    // While the reason is typed, the knowledge base suggests how-to articles (they open in a new tab).
    const suggestions = page.getByRole('region', { name: 'These articles may help' });
    await expect
      .poll(() => suggestions.getByRole('link').allTextContents(), { timeout: 10_000 })
      .toContainEqual(expect.stringMatching(suggested));
  }
  await page.getByRole('button', { name: 'Send request' }).click();
  await expect.poll(() => heading(page)).toBe(model);
  const id = /\/requests\/(\d+)$/.exec(page.url())?.[1];
  expect(id, page.url()).toBeTruthy();
  return id!;
}

/** Opens the approvals queue from the home page and returns the card of `model`. */
async function openQueue(page: Page, model: string) {
  await page.goto(new URL('/', page.url()).href);
  await page
    .getByRole('region', { name: 'Devices' })
    .getByRole('link', { name: /Approvals/ })
    .click();
  await expect.poll(() => heading(page)).toBe('Approvals');
  const card = page.getByRole('article', { name: model });
  await expect.poll(() => card.count()).toBe(1);
  return card;
}

describe('device requests on a phone', () => {
  test('an employee asks for a laptop; the manager and the help desk approve; the help desk scans it and ships it; the employee confirms receipt', async () => {
    const laptop = await stockModel(server, 'laptops', [SCANNED_TAG]);
    const { boss, employee } = await addTeam(server);

    const mine = await signedInPhone(employee.username, employee.password);
    const id = await requestFromCatalog(mine, laptop.name, 'My laptop is five years old and the battery lasts an hour.', /battery/i);
    await expect.poll(() => mine.getByRole('main').textContent()).toContain('Waiting for approval');
    expect(await overflowsSideways(mine)).toBe(false);

    // The manager approves from his queue: two large buttons, then a confirmation in place.
    const manager = await signedInPhone(boss.username, boss.password);
    let card = await openQueue(manager, laptop.name);
    // Named as the directory names them (the username is part of a throwaway person's name).
    expect(await card.textContent()).toContain(`For `);
    expect(await card.textContent()).toContain(employee.username);
    expect(await card.textContent()).toContain('Step 1 of 2');
    const approve = card.getByRole('button', { name: 'Approve' });
    const box = await approve.boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(48); // a thumb-sized target
    await approve.click();
    // Focus is on the confirming button, so Enter (or a second tap) decides.
    await expect.poll(() => manager.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Yes, approve');
    await manager.keyboard.press('Enter');
    await expect
      .poll(() => manager.getByRole('main').textContent())
      .toMatch(new RegExp(`Approved: ${laptop.name} for .*${employee.username}`));
    expect(await overflowsSideways(manager)).toBe(false);

    // The help desk approves the second step, then hands the laptop over, scanning its label.
    const hana = await signedInPhone('hana');
    card = await openQueue(hana, laptop.name);
    expect(await card.textContent()).toContain('Step 2 of 2');
    await card.getByRole('button', { name: 'Approve' }).click();
    await hana.getByRole('button', { name: 'Yes, approve' }).click();
    const handOver = hana.getByRole('link', { name: 'Hand over the device' });
    await expect.poll(() => handOver.count()).toBe(1);
    const answer = hana.waitForResponse((r) => new URL(r.url()).pathname === `/fulfil/${id}`);
    await handOver.click();
    // The hand-over page's own HTML allows the camera; no other page does.
    expect((await answer).headers()['permissions-policy']).toContain('camera=(self)');
    await expect.poll(() => heading(hana)).toBe('Hand over a device');
    await hana.getByRole('button', { name: 'Scan with the camera' }).click();
    const tagField = hana.getByLabel('Asset tag or serial number');
    await expect.poll(() => tagField.inputValue(), { timeout: 20_000 }).toBe(SCANNED_TAG);
    // Reading a code stops the camera and puts focus back in the field, to check it.
    expect(await hana.locator('video').isVisible()).toBe(false);
    await hana.getByRole('radio', { name: 'Shipped' }).check();
    await hana.getByRole('button', { name: 'Hand over', exact: true }).click();
    await expect
      .poll(() => hana.getByRole('main').textContent())
      .toMatch(new RegExp(`Marked as shipped\\. .*${employee.username}.* is told`));
    expect(await overflowsSideways(hana)).toBe(false);

    // The employee has news: the bell shows unread notifications.
    await mine.reload();
    await expect.poll(() => mine.getByRole('link', { name: /^Notifications: \d+ unread$/ }).count()).toBe(1);
    await expect.poll(() => mine.getByRole('main').textContent()).toContain('Shipped');
    await mine.getByRole('button', { name: 'I have received it' }).click();
    await expect.poll(() => mine.getByRole('main').textContent()).toContain('Receipt confirmed.');
    await mine.getByRole('link', { name: 'See my devices' }).click();
    await expect.poll(() => heading(mine)).toBe('My devices');
    const device = mine.getByRole('article', { name: laptop.name });
    await expect.poll(() => device.textContent()).toContain(SCANNED_TAG);
    expect(await device.textContent()).toContain('Warranty until');
    expect(await overflowsSideways(mine)).toBe(false);

    // Something is wrong with it: they ask for a replacement from the same page.
    await device.getByRole('button', { name: /Report a problem/ }).click();
    await device.getByRole('radio', { name: 'Ask for a replacement' }).check();
    await device.getByLabel('Tell the help desk more').fill('The hinge is cracked.');
    await device.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => device.textContent()).toContain('Sent. The help desk will get in touch about a replacement.');

    // The notifications: listed with what happened, and read with one button (the count goes).
    await mine.getByRole('link', { name: /^Notifications: \d+ unread$/ }).click();
    await expect.poll(() => heading(mine)).toBe('Notifications');
    await expect.poll(() => mine.getByRole('main').textContent()).toContain(`${laptop.name} has been shipped to you.`);
    await mine.getByRole('button', { name: 'Mark all as read' }).click();
    await expect.poll(() => mine.getByRole('link', { name: 'Notifications', exact: true }).count()).toBe(1);
    expect(await mine.getByRole('main').textContent()).toContain('No unread notifications.');

    // And the inventory agrees: the laptop is assigned to them.
    const asset = await server.inventory.findAsset({ tag: SCANNED_TAG });
    expect(asset?.status).toBe('assigned');
    expect(asset?.assignedTo).toBe(employee.username);
    for (const page of [mine, manager, hana]) await page.context().close();
  });
});

describe('saying no, and deciding for someone who is away', () => {
  test('the manager rejects with a reason (a reason is required); the employee sees it', async () => {
    const laptop = await stockModel(server, 'laptops', [newTag('LT')]);
    const { boss, employee } = await addTeam(server);
    const mine = await signedInPhone(employee.username, employee.password);
    const id = await requestFromCatalog(mine, laptop.name, 'I would like a second laptop for travelling.');

    const manager = await signedInPhone(boss.username, boss.password);
    const card = await openQueue(manager, laptop.name);
    await card.getByRole('button', { name: 'Reject' }).click();
    // Focus goes straight to the reason.
    const reason = card.getByLabel('Reason (required)');
    await expect.poll(() => reason.evaluate((el) => el === document.activeElement)).toBe(true);
    await card.getByRole('button', { name: 'Yes, reject' }).click();
    await expect.poll(() => reason.getAttribute('aria-invalid')).toBe('true');
    expect(await card.textContent()).toContain('Say why, so');
    await reason.fill('One laptop per person; use a loaner for trips.');
    await card.getByRole('button', { name: 'Yes, reject' }).click();
    await expect.poll(() => manager.getByRole('main').textContent()).toContain(`Rejected: ${laptop.name}`);
    expect(await manager.getByRole('article', { name: laptop.name }).count()).toBe(0);

    await mine.goto(new URL(`/requests/${id}`, server.url).href);
    await expect.poll(() => mine.getByRole('main').textContent()).toContain('Rejected');
    const main = (await mine.getByRole('main').textContent())!;
    expect(main).toContain('One laptop per person; use a loaner for trips.');
    // Nothing left to do with it: no cancel, no receipt.
    expect(await mine.getByRole('button', { name: /Cancel request|I have received it/ }).count()).toBe(0);
    for (const page of [mine, manager]) await page.context().close();
  });

  test('a manager away names a stand-in; opened from a notification action, the decision waits for "Yes"; the timeline says on whose behalf', async () => {
    const laptop = await stockModel(server, 'laptops', [newTag('LT')]);
    const { boss, employee } = await addTeam(server);
    const deputy = await server.addPerson({ role: 'manager', prefix: 'deputy' });

    // The manager names a stand-in for today and the next week.
    const manager = await signedInPhone(boss.username, boss.password);
    await manager.goto(new URL('/approvals', server.url).href);
    await manager.getByRole('link', { name: 'Away? Let someone approve for you' }).click();
    await expect.poll(() => heading(manager)).toBe('Stand-in while away');
    await manager.getByLabel('Username of your stand-in').fill(deputy.username);
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    await manager.getByLabel('Until').fill(until);
    await manager.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => manager.getByRole('main').textContent()).toContain(`${deputy.username} decides for you from`);

    const mine = await signedInPhone(employee.username, employee.password);
    const id = await requestFromCatalog(mine, laptop.name, 'The screen of my laptop is cracked.');

    // The stand-in's phone gets a push with Approve / Reject actions; the action opens this address
    // (the approval id comes in the push, here read from the same API the push is built from).
    const stand = await signedInPhone(deputy.username, deputy.password);
    const approvalId = await stand.evaluate(async (requestId) => {
      const answer = (await (await fetch('/api/approvals')).json()) as { items: { id: number; requestId: number }[] };
      return answer.items.find((a) => a.requestId === requestId)?.id;
    }, Number(id));
    expect(approvalId).toBeTruthy();
    await stand.goto(new URL(`/approvals/${approvalId}?decision=approve`, server.url).href);
    await expect.poll(() => heading(stand)).toBe('Decide on a request');
    await expect.poll(() => stand.getByRole('main').textContent()).toContain(`You decide for ${boss.username}, who is away.`);
    await expect.poll(() => stand.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Yes, approve');

    // Opening the address changed nothing: the request still waits for its first step.
    await mine.reload();
    await expect.poll(() => mine.getByRole('main').textContent()).toContain('Waiting for approval');
    expect(await mine.getByRole('main').textContent()).not.toContain('Approved a step');

    await stand.getByRole('button', { name: 'Yes, approve' }).click();
    await expect.poll(() => stand.getByRole('main').textContent()).toContain(`Approved: ${laptop.name}`);

    // Opened again (a second tap on the notification), it says so and changes nothing.
    await stand.goto(new URL(`/approvals/${approvalId}?decision=approve`, server.url).href);
    await expect.poll(() => stand.getByRole('main').textContent()).toContain('This request is no longer waiting for you');

    await mine.reload();
    await expect.poll(() => mine.getByRole('main').textContent()).toContain(`by ${deputy.username}, standing in for ${boss.username}`);
    for (const page of [mine, manager, stand]) await page.context().close();
  });
});

describe('when an approver does not decide in time', () => {
  test('the step passes to the approver’s own manager, who sees it as overdue and decides', async () => {
    const laptop = await stockModel(late, 'laptops', [newTag('LT')]);
    const grand = await late.addPerson({ role: 'manager', prefix: 'grand' });
    const boss = await late.addPerson({ role: 'manager', manager: grand.username, prefix: 'boss' });
    const employee = await late.addPerson({ manager: boss.username, prefix: 'emp' });
    const mine = await signedInPhone(employee.username, employee.password, late);
    const id = await requestFromCatalog(mine, laptop.name, 'My laptop no longer starts.');
    await mine.context().close();

    // Two days and an hour pass without a decision: the step's time runs out and the job queue escalates it.
    lateClock.advance(49 * 3_600_000);
    const above = await signedInPhone(grand.username, grand.password, late);
    await above.goto(new URL('/approvals', late.url).href);
    const card = above.getByRole('article', { name: laptop.name });
    await expect
      .poll(
        async () => {
          if ((await card.count()) === 0) await above.reload();
          return card.count();
        },
        { timeout: 20_000, interval: 1000 },
      )
      .toBe(1);
    expect(await card.textContent()).toContain('Overdue: passed on to you');
    await card.getByRole('button', { name: 'Approve' }).click();
    await above.getByRole('button', { name: 'Yes, approve' }).click();
    await expect.poll(() => above.getByRole('main').textContent()).toContain(`Approved: ${laptop.name}`);

    const again = await signedInPhone(employee.username, employee.password, late);
    await again.goto(new URL(`/requests/${id}`, late.url).href);
    const main = again.getByRole('main');
    await expect.poll(() => main.textContent()).toContain('Overdue: passed on');
    expect(await main.textContent()).toContain(`by ${grand.username}`);
    for (const page of [above, again]) await page.context().close();
  });
});

describe('offline', () => {
  test('a request and a decision made offline are each sent once when the network returns; a decision the portal refuses waits under "Needs attention"', async () => {
    const laptop = await stockModel(server, 'laptops', [newTag('LT')]);
    const other = await stockModel(server, 'laptops', [newTag('LT')]);
    const { boss, employee } = await addTeam(server);

    // The employee has the portal open (My requests, then the form), then loses the network.
    const mine = await signedInPhone(employee.username, employee.password);
    await mine.goto(new URL('/requests', server.url).href);
    await expect.poll(() => mine.getByRole('main').textContent()).toContain('No requests yet.');
    await mine.goto(new URL('/', server.url).href);
    await mine
      .getByRole('region', { name: 'Devices' })
      .getByRole('link', { name: /Device catalog/ })
      .click();
    await mine
      .getByRole('article', { name: laptop.name })
      .getByRole('link', { name: `Request ${laptop.name}` })
      .click();
    await expect.poll(() => heading(mine)).toBe(`Request ${laptop.name}`);
    await mine.context().setOffline(true);
    await mine.getByLabel('Why do you need it?').fill('Starting on a project next week.');
    await mine.getByRole('button', { name: 'Send request' }).click();
    await expect.poll(() => mine.getByRole('main').textContent()).toContain('You are offline: your request is saved on this device');
    await expect.poll(() => mine.getByRole('status').filter({ hasText: 'waiting to be sent' }).count()).toBe(1);

    // Back online: the outbox sends it, once.
    await mine.context().setOffline(false);
    await expect.poll(() => mine.getByRole('status').filter({ hasText: 'waiting to be sent' }).count(), { timeout: 15_000 }).toBe(0);
    await mine.goto(new URL('/requests', server.url).href);
    await expect.poll(() => mine.getByRole('main').textContent()).toContain('One request.');
    await mine.getByRole('link', { name: laptop.name }).click();
    await expect.poll(() => heading(mine)).toBe(laptop.name);
    const firstId = /\/requests\/(\d+)$/.exec(mine.url())![1]!;
    // A second request, which the employee will cancel while the manager's decision on it waits offline.
    await mine.goto(new URL('/', server.url).href);
    const secondId = await requestFromCatalog(mine, other.name, 'A spare for the lab.');

    // The manager opens his queue, goes offline, and decides both.
    const manager = await signedInPhone(boss.username, boss.password);
    for (const name of [laptop.name, other.name]) await openQueue(manager, name);
    await manager.context().setOffline(true);
    for (const name of [laptop.name, other.name]) {
      const card = manager.getByRole('article', { name });
      await card.getByRole('button', { name: 'Approve' }).click();
      await card.getByRole('button', { name: 'Yes, approve' }).click();
      await expect.poll(() => manager.getByRole('main').textContent()).toContain(`your decision on ${name}`);
    }
    // Meanwhile, online, the employee cancels the second request.
    await mine.goto(new URL(`/requests/${secondId}`, server.url).href);
    await mine.getByRole('button', { name: 'Cancel request' }).click();
    await mine.getByRole('button', { name: 'Yes, cancel it' }).click();
    await expect.poll(() => mine.getByRole('main').textContent()).toContain('The request is cancelled.');

    await manager.context().setOffline(false);
    // The first decision is applied once; the second is refused and kept, with the reason, under "Needs attention".
    const attention = manager.getByRole('region', { name: 'Needs attention' });
    await expect.poll(() => attention.count(), { timeout: 15_000 }).toBe(1);
    expect(await attention.textContent()).toContain(`Approve ${other.name}`);
    await mine.goto(new URL(`/requests/${firstId}`, server.url).href);
    await expect.poll(() => mine.getByRole('main').textContent()).toContain('Approved a step');
    const timeline = (await mine.getByRole('main').textContent())!;
    expect(timeline.split('Approved a step').length - 1).toBe(1);
    for (const page of [mine, manager]) await page.context().close();
  });
});

describe('the catalog on a laptop', () => {
  test('availability and eligibility read plainly; a manager asks on behalf of a report', async () => {
    const { boss, employee } = await addTeam(server);
    const inStock = await stockModel(server, 'laptops', [newTag('LT'), newTag('LT')]);
    const none = await stockModel(server, 'laptops', []);
    const hrOnly = `HR Book ${randomBytes(3).toString('hex')}`;
    await server.inventory.createModel({
      category: 'laptops',
      manufacturer: 'Acme',
      name: hrOnly,
      specs: '',
      imageUrl: null,
      priceCents: null,
      requestable: true,
      eligibleRoles: ['hr'],
      eligibleDepartments: [],
      leadTimeDays: null,
    });

    const context = await desktopContext(browser);
    const page = await context.newPage();
    await openSignIn(page, server.url);
    await signIn(page, boss.username, boss.password);
    await page.goto(new URL('/catalog?category=laptops', server.url).href);
    await expect.poll(() => page.getByRole('button', { name: 'Laptops' }).getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => page.getByRole('article', { name: inStock.name }).textContent()).toContain('2 in stock');
    expect(await page.getByRole('article', { name: none.name }).textContent()).toContain('Ships in about 10 days');
    const refused = page.getByRole('article', { name: hrOnly });
    expect(await refused.textContent()).toContain('Not available to you');
    expect(await refused.getByRole('link').count()).toBe(0);

    await page
      .getByRole('article', { name: inStock.name })
      .getByRole('link', { name: `Request ${inStock.name}` })
      .click();
    await expect.poll(() => heading(page)).toBe(`Request ${inStock.name}`);
    // A manager may ask for one of his reports; the list comes from his team.
    const forWhom = page.getByLabel('Request for');
    await expect.poll(() => forWhom.locator('option').count()).toBe(2);
    await forWhom.selectOption(employee.username);
    // Too short a reason is caught beside the field, before anything is sent.
    await page.getByLabel('Why do you need it?').fill('x');
    await page.keyboard.press('Tab');
    await page.getByRole('button', { name: 'Send request' }).click();
    await expect.poll(() => page.getByLabel('Why do you need it?').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('request-justification');
    await page.getByLabel('Why do you need it?').fill('New starter on my team needs a laptop.');
    await page.getByRole('button', { name: 'Send request' }).click();
    await expect.poll(() => heading(page)).toBe(inStock.name);
    const main = page.getByRole('main');
    await expect.poll(() => main.textContent()).toContain('Requested for');
    expect(await main.textContent()).toContain(employee.username);
    await context.close();
  });
});
