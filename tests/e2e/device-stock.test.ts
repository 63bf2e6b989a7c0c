import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, phoneContext } from '../harness/browser.js';
import type { ThrowawayPerson } from '../harness/people.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { startSmtpCapture, type SmtpCapture } from '../harness/smtp.js';
import { barcodeVideo } from './support/barcode.js';
import { heading, openSignIn, overflowsSideways, signIn, signedInPage } from './support/portal.js';
import { addTeam, newTag, stockModel } from './support/stock.js';

/**
 * Stock and the units handed over, as the people see it: a request approved while nothing is in
 * stock waits on backorder with the model's lead time, and is served the moment the help desk adds
 * a unit (the employee is told, by mail through a real SMTP server too); the help desk hands over
 * another unit of the model than the one set aside (the set-aside one goes back on the shelf, a tag
 * of another model is refused); and the hand-over page reads the label with the browser's own
 * BarcodeDetector where there is one.
 *
 * Employees use a 390 px phone, the help desk a laptop. Every person who acts on a request is a
 * throwaway one (hana only acts), and every test stocks models of its own (monitors: the manager
 * alone approves), so no demo stock changes.
 */

let server: TestServer;
let smtp: SmtpCapture;
let browser: Browser;
/** What the fake camera shows: a real barcode of a tag that is NOT the one the shimmed detector reports (see the last test). */
const CAMERA_TAG = newTag('CAM');

beforeAll(async () => {
  smtp = await startSmtpCapture();
  const video = await barcodeVideo(CAMERA_TAG);
  [server, browser] = await Promise.all([startTestServer({ env: { SMTP_URL: smtp.url } }), launchBrowser({ fakeCamera: video })]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.close();
});

function signedIn(kind: 'phone' | 'desktop', username: string, password?: string): Promise<Page> {
  return signedInPage(browser, server.url, kind, username, password);
}

/** The catalog, searched for `model`; its card must read `availability`; then the request form, sent. Returns the request id. */
async function request(page: Page, model: string, availability: string, justification: string): Promise<string> {
  await page.goto(new URL('/catalog', server.url).href);
  await expect.poll(() => heading(page)).toBe('Device catalog');
  await page.getByRole('searchbox', { name: 'Search the catalog' }).fill(model);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const card = page.getByRole('article', { name: model });
  await expect.poll(() => card.textContent()).toContain(availability);
  await card.getByRole('link', { name: `Request ${model}` }).click();
  await expect.poll(() => heading(page)).toBe(`Request ${model}`);
  await page.getByLabel('Why do you need it?').fill(justification);
  await page.getByRole('button', { name: 'Send request' }).click();
  await expect.poll(() => heading(page)).toBe(model);
  const id = /\/requests\/(\d+)$/.exec(page.url())?.[1];
  expect(id, page.url()).toBeTruthy();
  return id!;
}

/** The manager approves the request for `model` from the queue on a phone. */
async function managerApproves(boss: ThrowawayPerson, model: string): Promise<void> {
  const page = await signedIn('phone', boss.username, boss.password);
  await page.goto(new URL('/approvals', server.url).href);
  await expect.poll(() => heading(page)).toBe('Approvals');
  const card = page.getByRole('article', { name: model });
  await expect.poll(() => card.count()).toBe(1);
  await card.getByRole('button', { name: 'Approve' }).click();
  await page.getByRole('button', { name: 'Yes, approve' }).click();
  await expect.poll(() => page.getByRole('main').textContent()).toContain(`Approved: ${model}`);
  await page.context().close();
}

/** The help desk's hand-over page of a request, opened from the Hand-overs queue (a full page load, as the link is). */
async function openHandOver(page: Page, model: string, requestId: string): Promise<void> {
  await page.goto(new URL('/fulfil', server.url).href);
  await expect.poll(() => heading(page)).toBe('Hand-overs');
  const link = page.getByRole('link', { name: new RegExp(`^${model} — `) });
  await expect.poll(() => link.count()).toBe(1);
  await link.click();
  await expect.poll(() => heading(page)).toBe('Hand over a device');
  expect(new URL(page.url()).pathname).toBe(`/fulfil/${requestId}`);
}

/** The status the inventory screen shows for an asset. */
async function assetStatus(page: Page, tag: string): Promise<string | null> {
  await page.goto(new URL(`/inventory/assets/${encodeURIComponent(tag)}`, server.url).href);
  await expect.poll(() => heading(page)).toBe(`Asset ${tag}`);
  const status = page.getByTestId('asset-status');
  await expect.poll(() => status.count()).toBe(1);
  return status.textContent();
}

describe('a request approved while nothing is in stock', () => {
  test('waits on backorder with the lead time; the help desk adds a unit and it is reserved at once; the employee is told and the hand-over goes as usual', async () => {
    const monitor = await stockModel(server, 'monitors', []);
    const { boss, employee } = await addTeam(server);

    const mine = await signedIn('phone', employee.username, employee.password);
    const id = await request(mine, monitor.name, 'Ships in about 10 days', 'My screen flickers all day.');
    await managerApproves(boss, monitor.name);

    // Approved, but nothing on the shelf: on backorder, with the model's lead time, and a mail says so.
    await mine.reload();
    const main = mine.getByRole('main');
    await expect.poll(() => main.textContent()).toContain('Approved, on backorder');
    expect(await main.textContent()).toContain('Approved, but none is in stock: it ships in about 10 days.');
    expect(await overflowsSideways(mine)).toBe(false);
    const onOrder = await smtp.waitFor(employee.email, 0, 20_000);
    expect(onOrder.subject).toContain('Your request was approved and is on order');
    expect(onOrder.text).toContain('it ships in about 10 days');
    const mailsBefore = smtp.to(employee.email).length;

    // The help desk adds a unit on the inventory screen: it is set aside for the waiting request at once.
    const tag = newTag('MON');
    const hana = await signedIn('desktop', 'hana');
    await hana.goto(new URL('/inventory', server.url).href);
    await hana.getByRole('link', { name: 'Add asset' }).click();
    await hana.getByLabel('Asset tag').fill(tag);
    await hana.getByLabel('Serial number').fill(`SN-${tag}`);
    await hana.getByLabel('Model', { exact: true }).selectOption({ label: `Acme ${monitor.name}` });
    await hana.getByLabel('Location').fill('Store');
    await hana.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => heading(hana)).toBe(`Asset ${tag}`);
    expect(await hana.getByTestId('asset-status').textContent()).toBe('Reserved');

    // The employee's request page says so (no more backorder note), and they are told in the app and by mail.
    await mine.reload();
    await expect.poll(() => main.textContent()).toContain('Approved; a device is set aside');
    expect(await main.textContent()).not.toContain('none is in stock');
    const setAside = await smtp.waitFor(employee.email, mailsBefore, 20_000);
    expect(setAside.subject).toContain('Your request was approved');
    expect(setAside.text).toContain(`Your request for ${monitor.name} (#${id}) was approved and a unit is set aside for you.`);
    await mine.getByRole('link', { name: /^Notifications: \d+ unread$/ }).click();
    await expect
      .poll(() => mine.getByRole('main').textContent())
      .toContain(`Your request for ${monitor.name} is approved; the help desk is preparing it.`);

    // Then the hand-over as usual: the set-aside unit is named on the page, typed, ready for pickup.
    await openHandOver(hana, monitor.name, id);
    await expect.poll(() => hana.getByTestId('set-aside').textContent()).toContain(tag);
    await hana.getByLabel('Asset tag or serial number').fill(tag);
    await hana.getByRole('radio', { name: 'Ready for pickup at the help desk' }).check();
    await hana.getByRole('button', { name: 'Hand over', exact: true }).click();
    await expect.poll(() => hana.getByRole('main').textContent()).toContain('Marked as ready for pickup.');

    await mine.goto(new URL(`/requests/${id}`, server.url).href);
    await expect.poll(() => main.textContent()).toContain('It is ready for you at the help desk.');
    await mine.getByRole('button', { name: 'I have received it' }).click();
    await expect.poll(() => main.textContent()).toContain('Receipt confirmed.');
    await mine.getByRole('link', { name: 'See my devices' }).click();
    await expect.poll(() => mine.getByRole('article', { name: monitor.name }).textContent()).toContain(tag);
    expect(await assetStatus(hana, tag)).toBe('Assigned');
    for (const page of [mine, hana]) await page.context().close();
  });

  test('a CSV import of new stock serves the oldest backorder first, in the same import', async () => {
    const monitor = await stockModel(server, 'monitors', []);
    const { boss, employee } = await addTeam(server);
    const second = await server.addPerson({ manager: boss.username, prefix: 'emp2' });

    // Two requests for the same out-of-stock model, the first one older.
    const first = await signedIn('phone', employee.username, employee.password);
    const firstId = await request(first, monitor.name, 'Ships in about 10 days', 'I need a second screen for reviews.');
    const other = await signedIn('phone', second.username, second.password);
    const otherId = await request(other, monitor.name, 'Ships in about 10 days', 'I need a second screen too.');
    const manager = await signedIn('phone', boss.username, boss.password);
    await manager.goto(new URL('/approvals', server.url).href);
    for (let i = 0; i < 2; i++) {
      const card = manager.getByRole('article', { name: monitor.name }).first();
      await expect.poll(() => manager.getByRole('article', { name: monitor.name }).count()).toBe(2 - i);
      await card.getByRole('button', { name: 'Approve' }).click();
      await manager.getByRole('button', { name: 'Yes, approve' }).click();
      await expect.poll(() => manager.getByRole('article', { name: monitor.name }).count()).toBe(1 - i);
    }
    await manager.context().close();
    for (const [page, id] of [
      [first, firstId],
      [other, otherId],
    ] as const) {
      await page.goto(new URL(`/requests/${id}`, server.url).href);
      await expect.poll(() => page.getByRole('main').textContent()).toContain('Approved, on backorder');
    }

    // One unit arrives by CSV: the older request gets it; the other keeps waiting with its lead time.
    const tag = newTag('CSV');
    const hana = await signedIn('desktop', 'hana');
    await hana.goto(new URL('/inventory/import', server.url).href);
    await hana.getByLabel('Or paste the CSV here').fill(['tag,model,location', `${tag},${monitor.name},Store`].join('\n'));
    await hana.getByRole('button', { name: 'Check the file' }).click();
    await hana.getByRole('button', { name: 'Import one asset' }).click();
    await expect.poll(() => hana.getByTestId('import-done').textContent()).toBe('One asset imported.');
    expect(await assetStatus(hana, tag)).toBe('Reserved');

    await first.reload();
    await expect.poll(() => first.getByRole('main').textContent()).toContain('Approved; a device is set aside');
    await other.reload();
    await expect.poll(() => other.getByRole('main').textContent()).toContain('Approved, on backorder');
    expect(await other.getByRole('main').textContent()).toContain('it ships in about 10 days');
    // Both requests are in the hand-over queue under one model name: the older one's page names the unit.
    await hana.goto(new URL(`/fulfil/${firstId}`, server.url).href);
    await expect.poll(() => hana.getByTestId('set-aside').textContent()).toContain(tag);
    for (const page of [first, other, hana]) await page.context().close();
  });
});

describe('handing over another unit than the one set aside', () => {
  test('the request ends with the unit handed over; the set-aside one is back in stock; a tag of another model is refused', async () => {
    const [reservedFirst, spare] = [newTag('MON'), newTag('MON')];
    const monitor = await stockModel(server, 'monitors', [reservedFirst, spare]);
    const foreign = newTag('OTH');
    await stockModel(server, 'monitors', [foreign]);
    const { boss, employee } = await addTeam(server);

    const mine = await signedIn('phone', employee.username, employee.password);
    const id = await request(mine, monitor.name, '2 in stock', 'A screen for the meeting room desk.');
    await managerApproves(boss, monitor.name);

    // One unit is set aside; the page names it. The help desk has the other one at hand.
    const hana = await signedIn('desktop', 'hana');
    await openHandOver(hana, monitor.name, id);
    const setAside = (await hana.getByTestId('set-aside').textContent())!;
    const held = [reservedFirst, spare].find((tag) => setAside.includes(tag))!;
    const other = held === reservedFirst ? spare : reservedFirst;
    expect(held, setAside).toBeTruthy();
    expect(setAside).not.toContain(other);

    // A tag of another model: refused with a clear message, and nothing changes.
    const field = hana.getByLabel('Asset tag or serial number');
    await field.fill(foreign);
    await hana.getByRole('button', { name: 'Hand over', exact: true }).click();
    const alert = hana.getByRole('alert');
    await expect
      .poll(() => alert.textContent())
      .toContain("That asset can't be handed over for this request. Check the tag and the model.");
    expect(await hana.getByRole('main').textContent()).not.toContain('Marked as shipped');

    // The other unit of the same model: handed over.
    await field.fill(other);
    await hana.getByRole('radio', { name: 'Shipped' }).check();
    await hana.getByRole('button', { name: 'Hand over', exact: true }).click();
    await expect.poll(() => hana.getByRole('main').textContent()).toContain('Marked as shipped.');
    expect(await hana.getByRole('main').textContent()).toContain(`Asset tag: ${other}`);

    // The inventory screen: the set-aside unit is back on the shelf; the foreign one was never touched.
    expect(await assetStatus(hana, held)).toBe('In stock');
    expect(await assetStatus(hana, other)).toBe('Reserved');
    expect(await assetStatus(hana, foreign)).toBe('In stock');

    // The employee confirms receipt: assigned with that tag.
    await mine.goto(new URL(`/requests/${id}`, server.url).href);
    const main = mine.getByRole('main');
    await expect.poll(() => main.textContent()).toContain('Shipped');
    expect(await main.textContent()).toContain(other);
    await mine.getByRole('button', { name: 'I have received it' }).click();
    await expect.poll(() => main.textContent()).toContain('Receipt confirmed.');
    expect(await assetStatus(hana, other)).toBe('Assigned');
    expect(await hana.getByRole('main').textContent()).toContain(employee.username);
    expect(await assetStatus(hana, held)).toBe('In stock');
    for (const page of [mine, hana]) await page.context().close();
  });
});

/**
 * The hand-over page's native path. Chromium on Linux has no BarcodeDetector (it ships on Android,
 * ChromeOS and macOS only), so the page would take the ZXing path here, which the phone test in
 * device-requests.test.ts covers with a real barcode in the fake camera. To prove the page uses the
 * browser's own detector when there is one, this test installs a small page-level BarcodeDetector
 * before the page loads (addInitScript) that reports a fixed tag, and only from a live camera
 * stream. The fake camera meanwhile shows a real barcode of another tag (CAMERA_TAG): had the page
 * used ZXing, that tag would be in the field instead.
 */
describe('scanning with the browser’s own BarcodeDetector', () => {
  test('the hand-over page asks the native detector for label formats, reads the tag from the live camera, and stops the camera', async () => {
    const scanned = newTag('NAT');
    const monitor = await stockModel(server, 'monitors', [scanned]);
    const { boss, employee } = await addTeam(server);
    const mine = await signedIn('phone', employee.username, employee.password);
    const id = await request(mine, monitor.name, 'Only 1 left', 'A screen for my home office.');
    await mine.context().close();
    await managerApproves(boss, monitor.name);

    const context = await phoneContext(browser);
    await context.addInitScript((tag: string) => {
      interface Log {
        formats: string[];
        looks: number;
        live: boolean;
      }
      const log: Log = { formats: [], looks: 0, live: false };
      (window as unknown as { barcodeLog: Log }).barcodeLog = log;
      class BarcodeDetector {
        static async getSupportedFormats(): Promise<string[]> {
          return ['aztec', 'code_128', 'qr_code', 'upc_a'];
        }
        constructor(options: { formats: string[] }) {
          log.formats = options.formats;
        }
        async detect(source: unknown): Promise<{ rawValue: string; format: string }[]> {
          log.looks += 1;
          const stream = source instanceof HTMLVideoElement ? source.srcObject : null;
          const live = stream instanceof MediaStream && stream.getVideoTracks().some((track) => track.readyState === 'live');
          log.live ||= live;
          // Like a real detector: nothing until a few frames of a live camera have been looked at.
          return live && log.looks >= 3 ? [{ rawValue: ` ${tag} `, format: 'code_128' }] : [];
        }
      }
      (window as unknown as { BarcodeDetector: typeof BarcodeDetector }).BarcodeDetector = BarcodeDetector;
    }, scanned);
    const hana = await context.newPage();
    await openSignIn(hana, server.url);
    await signIn(hana, 'hana');
    await expect.poll(() => heading(hana)).toMatch(/^Hello, /);
    await openHandOver(hana, monitor.name, id);

    await hana.getByRole('button', { name: 'Scan with the camera' }).click();
    const field = hana.getByLabel('Asset tag or serial number');
    await expect.poll(() => field.inputValue(), { timeout: 20_000 }).toBe(scanned);
    const log = await hana.evaluate(
      () => (window as unknown as { barcodeLog: { formats: string[]; looks: number; live: boolean } }).barcodeLog,
    );
    // Asked only for the formats labels are printed in, that the detector supports; looked at the live camera.
    expect(log.formats.sort()).toEqual(['code_128', 'qr_code']);
    expect(log.live).toBe(true);
    expect(log.looks).toBeGreaterThanOrEqual(3);
    // Read once: the camera is off, no more looks, and focus is back in the field to check the tag.
    expect(await hana.locator('video').isVisible()).toBe(false);
    expect(await field.evaluate((el) => el === document.activeElement)).toBe(true);
    const looks = log.looks;
    await hana.waitForTimeout(500);
    expect(await hana.evaluate(() => (window as unknown as { barcodeLog: { looks: number } }).barcodeLog.looks)).toBe(looks);
    expect(await field.inputValue()).not.toBe(CAMERA_TAG);

    await hana.getByRole('radio', { name: 'Shipped' }).check();
    await hana.getByRole('button', { name: 'Hand over', exact: true }).click();
    await expect.poll(() => hana.getByRole('main').textContent()).toContain('Marked as shipped.');
    expect(await overflowsSideways(hana)).toBe(false);
    await context.close();
  });
});
