import { randomBytes } from 'node:crypto';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, phoneContext } from '../harness/browser.js';
import { ManualClock } from '../harness/clock.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { slapdPortalEnv, startSlapd, type SlapdHandle } from '../harness/slapd.js';
import { startSmtpCapture, type SmtpCapture } from '../harness/smtp.js';
import { GOOD_PASSWORDS, confirmPassword, heading, openSignIn, overflowsSideways, signIn, signedInPage } from './support/portal.js';
import { newTag, stockModel } from './support/stock.js';

/**
 * HR's onboarding and offboarding, as the people do it, with the server's clock moved to the days
 * that matter: ruth adds a hire who starts next Monday in Tokyo; the account waits, disabled; the
 * help desk ships the laptop of the hire's role; at Monday 00:00 Tokyo time the account opens and
 * the activation mail arrives (a real SMTP server); the hire sets a password on a phone and signs
 * in. Then bob (given two devices) is offboarded: at the end of his last day his account is closed
 * and returns are opened.
 *
 * The directory is a real OpenLDAP (slapd with ppolicy, seeded with the demo company) private to this
 * file, as is the server (fresh data directory): closing bob's account there is seen by no other test.
 * The shared test slapd is never touched. Demo mode needs the built-in directory, so the catalog and
 * the role bundle are this file's own (a laptop model with one unit; HR makes the bundle).
 */

let slapd: SlapdHandle;
let server: TestServer;
let smtp: SmtpCapture;
let browser: Browser;
const clock = new ManualClock(Date.now());
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

beforeAll(async () => {
  [smtp, slapd] = await Promise.all([startSmtpCapture(), startSlapd()]);
  [server, browser] = await Promise.all([
    startTestServer({ clock, env: { ...slapdPortalEnv(slapd), PORTAL_DEMO: '0', SMTP_URL: smtp.url } }),
    launchBrowser(),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.close();
  await slapd?.stop();
});

/** The account's entry as slapd itself stores it (read as the rootdn), with its operational lock attribute. */
async function ldapEntry(username: string): Promise<{ dn: string; locked: string | null } | null> {
  const client = new Client({ url: slapd.url });
  try {
    await client.bind(slapd.adminDn, slapd.adminPassword);
    const { searchEntries } = await client.search(slapd.userBase, {
      filter: `(uid=${username})`,
      attributes: ['uid', 'pwdAccountLockedTime'],
    });
    const entry = searchEntries[0];
    if (!entry) return null;
    const locked = [entry.pwdAccountLockedTime ?? []].flat()[0];
    return { dn: entry.dn, locked: locked === undefined ? null : String(locked) };
  } finally {
    await client.unbind();
  }
}

/** The calendar day (YYYY-MM-DD) of an instant in a zone. */
function dayIn(zone: string, at: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** The instant of local 00:00 on `day` in `zone` (searching the offsets a zone can have). */
function midnightIn(zone: string, day: string): number {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  for (let offset = -14 * HOUR; offset <= 14 * HOUR; offset += 15 * 60_000) {
    const at = utcMidnight - offset;
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
    if (dayIn(zone, at) === day && parts === '00:00') return at;
  }
  throw new Error(`no midnight found for ${day} in ${zone}`);
}

/** The Monday after today in `zone` (never today). */
function nextMonday(zone: string, now: number): string {
  for (let i = 1; i <= 7; i++) {
    const day = dayIn(zone, now + i * DAY);
    if (new Date(`${day}T12:00:00Z`).getUTCDay() === 1) return day;
  }
  throw new Error('no Monday in a week');
}

function signedIn(kind: 'phone' | 'desktop', username: string, password?: string): Promise<Page> {
  return signedInPage(browser, server.url, kind, username, password);
}

/** Polls until `check` holds, letting the server's job queue (polling every second) catch up. */
async function eventually<T>(read: () => Promise<T>, expected: (value: T) => boolean, timeout = 20_000): Promise<T> {
  let last: T | undefined;
  await expect
    .poll(
      async () => {
        last = await read();
        return expected(last);
      },
      { timeout, interval: 250 },
    )
    .toBe(true);
  return last!;
}

describe('a new hire', () => {
  test('ruth adds a hire starting next Monday in Tokyo; the account waits disabled; the laptop ships; on Monday 00:00 Tokyo the hire activates on a phone and signs in', async () => {
    const zone = 'Asia/Tokyo';
    const startDate = nextMonday(zone, clock.now());
    const lastName = `Tanaka${randomBytes(2).toString('hex')}`;
    const personalEmail = `aiko.${lastName.toLowerCase()}@mail.example.net`;

    // HR's engineer bundle: the engineering group and this file's laptop, approved at once.
    const model = await stockModel(server, 'laptops', [newTag('LT')]);
    const ruth = await signedIn('desktop', 'ruth');
    const bundle = await ruth.evaluate(async (modelId) => {
      const response = await fetch('/api/onboarding/bundles', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          key: 'engineer',
          name: 'Engineer',
          groups: ['engineering'],
          items: [{ modelId, quantity: 1 }],
          autoApprove: true,
        }),
      });
      return { status: response.status, body: await response.text() };
    }, model.id);
    expect(bundle.status, bundle.body).toBe(201);
    await ruth.goto(new URL('/onboarding/bundles', server.url).href);
    await expect.poll(() => ruth.getByRole('main').textContent()).toContain(`Acme ${model.name} × 1`);

    // Ruth opens onboarding from her home page.
    await ruth.goto(new URL('/', server.url).href);
    await expect.poll(() => heading(ruth)).toMatch(/^Hello, /);
    await ruth
      .getByRole('link', { name: /Onboarding and offboarding/ })
      .first()
      .click();
    await expect.poll(() => heading(ruth)).toBe('Onboarding and offboarding');
    await ruth.getByRole('link', { name: 'Add a new hire' }).click();
    await expect.poll(() => heading(ruth)).toBe('Add a new hire');

    // Sent empty, the form says what is missing beside each field (the shared schema, before sending),
    // and puts focus on the first problem.
    await ruth.getByRole('button', { name: 'Add the hire' }).click();
    await expect.poll(() => ruth.getByLabel('First name').getAttribute('aria-invalid')).toBe('true');
    expect(await ruth.evaluate(() => document.activeElement?.id)).toBe('hire-firstName');
    expect(await ruth.getByRole('main').textContent()).toContain('Enter the first name.');

    await ruth.getByLabel('First name').fill('Aiko');
    await ruth.getByLabel('Last name').fill(lastName);
    const username = `aiko.${lastName.toLowerCase()}`;
    await expect.poll(() => ruth.getByRole('main').textContent()).toContain(`Username, if it is free: ${username}`);
    await ruth.getByLabel('Personal email').fill(personalEmail);
    await ruth.getByLabel('Start date').fill(startDate);
    await ruth.getByLabel('Time zone').fill(zone);
    await ruth.getByLabel('Department').fill('Engineering');
    await ruth.getByLabel('Job title').fill('Software engineer');
    // The manager, found with the staff screens' people search.
    const manager = ruth.getByRole('group', { name: 'Manager' });
    await manager.getByLabel('Find a person').fill('mark');
    await manager.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => manager.getByLabel('Person', { exact: true }).locator('option').count()).toBeGreaterThan(1);
    await manager.getByLabel('Person', { exact: true }).selectOption('mark');
    await ruth.getByLabel('Role bundle').selectOption('engineer');
    await ruth.getByRole('button', { name: 'Add the hire' }).click();

    await expect.poll(() => heading(ruth)).toBe(`Aiko ${lastName}`);
    const main = ruth.getByRole('main');
    await expect.poll(() => main.textContent()).toContain(`The account ${username} is made disabled`);
    expect(await main.textContent()).toContain('Scheduled');
    const hirePath = new URL(ruth.url()).pathname;

    // The directory work runs on the job queue: the account appears, disabled.
    const account = await eventually(
      () => server.directory.findUser(username),
      (user) => user !== null,
    );
    expect(account!.disabled).toBe(true);
    // In slapd: an inetOrgPerson entry under the people base, locked by ppolicy's permanent lock.
    expect(await ldapEntry(username)).toEqual({ dn: `uid=${username},${slapd.userBase}`, locked: '000001010000Z' });
    await ruth.reload();
    const created = ruth.getByRole('listitem').filter({ hasText: 'Account created (disabled)' });
    await expect.poll(() => created.textContent()).toContain('Done');

    // The role's equipment was asked for on the hire's behalf and the laptop reserved (the engineer bundle is approved at once).
    const requestLinks = ruth.getByRole('region', { name: 'Equipment requests' }).getByRole('link');
    await expect.poll(() => requestLinks.count()).toBeGreaterThan(0);
    // Each request is named by what was asked for, with its status beside it.
    expect(await requestLinks.allTextContents()).toContain(model.name);
    expect(await ruth.getByRole('region', { name: 'Equipment requests' }).textContent()).toMatch(
      /Approved|Shipped|Ready for pickup|Received/,
    );
    const requestIds = (await requestLinks.evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).pathname))).map((p) =>
      p.split('/').pop()!,
    );
    const reserved = await eventually(
      async () =>
        (await server.inventory.listAssets({ status: 'reserved', limit: 100 })).items.filter((a) =>
          requestIds.some((id) => a.reservedFor === `request:${id}`),
        ),
      (assets) => assets.some((a) => a.category === 'laptops'),
    );
    const laptop = reserved.find((a) => a.category === 'laptops')!;
    const laptopRequest = laptop.reservedFor!.split(':')[1]!;

    // The list: upcoming, with the start in the hire's own time.
    await ruth.getByRole('link', { name: 'Back to onboarding' }).click();
    const card = ruth.getByRole('listitem').filter({ hasText: username });
    await expect.poll(() => card.textContent()).toContain('Scheduled');
    expect(await card.textContent()).toContain('their time (Asia/Tokyo)');

    // The manager follows his future report's checklist, read-only: no HR actions, no leavers.
    const mark = await signedIn('desktop', 'mark');
    await mark.goto(new URL('/onboarding', server.url).href);
    await expect.poll(() => heading(mark)).toBe('Onboarding and offboarding');
    await expect.poll(() => mark.getByRole('listitem').filter({ hasText: username }).count()).toBe(1);
    expect(await mark.getByRole('link', { name: 'Add a new hire' }).count()).toBe(0);
    expect(await mark.getByRole('heading', { name: 'Leavers' }).count()).toBe(0);
    await mark.getByRole('link', { name: `Aiko ${lastName}` }).click();
    await expect.poll(() => mark.getByRole('heading', { name: 'Checklist' }).count()).toBe(1);
    expect(await mark.getByRole('button', { name: /Save changes|Cancel the hire/ }).count()).toBe(0);
    await mark.context().close();

    // The help desk ships the laptop before day one, through the usual hand-over.
    const hana = await signedIn('desktop', 'hana');
    await hana.goto(new URL(`/fulfil/${laptopRequest}`, server.url).href);
    await expect.poll(() => heading(hana)).toBe('Hand over a device');
    await hana.getByLabel('Asset tag or serial number').first().fill(laptop.tag);
    await hana.getByRole('radio', { name: 'Shipped' }).check();
    await hana.getByRole('button', { name: 'Hand over', exact: true }).click();
    await expect.poll(() => hana.getByRole('main').textContent()).toContain('Marked as shipped.');
    await hana.context().close();

    // Nothing is sent before the day: still disabled, no mail.
    expect(smtp.to(personalEmail)).toEqual([]);

    // Monday 00:00 in Tokyo (a minute after): the queue enables the account and mails the link.
    clock.set(midnightIn(zone, startDate) + 60_000);
    const mail = await smtp.waitFor(personalEmail, 0, 30_000).catch(async (error: unknown) => {
      // Say which job did not run, rather than only that no mail came.
      const jobs = await server.db
        .selectFrom('jobs')
        .select(['kind', 'state', 'run_at', 'attempts', 'last_error'])
        .where('kind', 'like', '%onboarding%')
        .execute();
      throw new Error(`no activation mail (clock ${new Date(clock.now()).toISOString()}): ${JSON.stringify(jobs)}`, { cause: error });
    });
    const link = /https?:\/\/\S+\/activate#token=[A-Za-z0-9_-]{43}/.exec(mail.text)?.[0];
    expect(link, mail.text).toBeTruthy();
    expect(mail.subject).not.toMatch(/[A-Za-z0-9_-]{43}/); // no secret in a subject
    expect((await server.directory.findUser(username))?.disabled).toBe(false);
    expect((await ldapEntry(username))?.locked).toBeNull();

    // The hire opens the link on a phone: welcomed by first name, the token gone from the address bar.
    const phone = await (await phoneContext(browser)).newPage();
    await phone.goto(link!.replace(/^https?:\/\/[^/]+/, server.url));
    await expect.poll(() => heading(phone)).toBe('Welcome, Aiko');
    expect(phone.url()).not.toContain('token');
    expect(await phone.evaluate(() => window.location.hash)).toBe('');
    // The same live policy feedback as a reset: a weak password is refused before it is sent.
    await phone.getByLabel('New password').fill('password');
    await expect.poll(() => phone.locator('#activate-password-feedback').textContent()).toMatch(/\S/);
    await phone.getByLabel('New password').fill(GOOD_PASSWORDS[0]);
    await phone.getByRole('button', { name: 'Set my password' }).click();
    await expect.poll(() => heading(phone)).toBe('Your account is ready');
    expect(await phone.getByRole('main').textContent()).toContain(username);
    expect(await overflowsSideways(phone)).toBe(false);
    // The link is single use: opened again from the mail, in a new tab or in this one (only the fragment changes).
    const again = await phone.context().newPage();
    await again.goto(link!.replace(/^https?:\/\/[^/]+/, server.url));
    await expect.poll(() => again.getByRole('alert').textContent()).toContain('expired or was already used');
    await again.close();
    await phone.goto(link!.replace(/^https?:\/\/[^/]+/, server.url));
    await expect.poll(() => phone.getByRole('alert').textContent()).toContain('expired or was already used');
    expect(phone.url()).not.toContain('token');

    await openSignIn(phone, server.url);
    await signIn(phone, username, GOOD_PASSWORDS[0]);
    await expect.poll(() => heading(phone)).toMatch(/^Hello, Aiko/);
    expect(await overflowsSideways(phone)).toBe(false);
    // The laptop that was shipped before day one: the hire confirms receipt, and it is theirs.
    await phone.goto(new URL(`/requests/${laptopRequest}`, server.url).href);
    await phone.getByRole('button', { name: 'I have received it' }).click();
    await expect.poll(() => phone.getByRole('main').textContent()).toContain('Receipt confirmed.');
    expect((await server.inventory.findAsset({ tag: laptop.tag }))?.assignedTo).toBe(username);
    await phone.context().close();

    // The checklist records it all (ruth signs in again: a week has passed on the server's clock).
    await ruth.context().close();
    const later = await signedIn('desktop', 'ruth');
    await later.goto(new URL(hirePath, server.url).href);
    await expect.poll(() => heading(later)).toBe(`Aiko ${lastName}`);
    for (const item of ['Account created (disabled)', 'Equipment reserved', 'Activation link sent', 'Password set', 'First sign-in']) {
      await expect.poll(() => later.getByRole('listitem').filter({ hasText: item }).first().textContent()).toContain('Done');
    }
    expect(await later.getByRole('main').textContent()).toContain('Started');
    await later.context().close();
  }, 120_000);
});

describe('changing plans', () => {
  test('ruth moves a hire’s start date on the hire’s page, then cancels the hire after a confirmation; the account does not stay usable', async () => {
    const ruth = await signedIn('desktop', 'ruth');
    const start = dayIn('Europe/Lisbon', clock.now() + 14 * DAY);
    const moved = dayIn('Europe/Lisbon', clock.now() + 21 * DAY);
    const lastName = `Silva${randomBytes(2).toString('hex')}`;
    // Added through the API (the form has its own test above).
    const added = await ruth.evaluate(
      async (body) => {
        const response = await fetch('/api/onboarding/hires', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as { id: number; username: string } };
      },
      {
        firstName: 'Rui',
        lastName,
        personalEmail: `rui.${lastName.toLowerCase()}@mail.example.net`,
        startDate: start,
        timeZone: 'Europe/Lisbon',
        department: 'Sales',
        title: 'Account manager',
        manager: 'mark',
      },
    );
    expect(added.status).toBe(201);
    const { id, username } = added.body;
    await eventually(
      () => server.directory.findUser(username),
      (user) => user !== null,
    );

    await ruth.goto(new URL(`/onboarding/${id}`, server.url).href);
    await expect.poll(() => heading(ruth)).toBe(`Rui ${lastName}`);
    const longDay = (day: string) =>
      new Intl.DateTimeFormat('en', { dateStyle: 'full', timeZone: 'UTC' }).format(Date.parse(`${day}T00:00:00Z`));
    expect(await ruth.getByRole('main').textContent()).toContain(longDay(start));

    // Move the start a week on: the page shows the new day (and the activation moves with it on the server).
    await ruth.getByLabel('Start date', { exact: true }).fill(moved);
    await ruth.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => ruth.getByRole('status').filter({ hasText: 'Changes saved.' }).count()).toBe(1);
    expect(await ruth.getByRole('main').textContent()).toContain(longDay(moved));
    await ruth.reload();
    await expect.poll(() => ruth.getByRole('main').textContent()).toContain(longDay(moved));

    // Cancel: the question says what happens before anything does; focus is on "Yes".
    await ruth.getByRole('button', { name: 'Cancel the hire' }).click();
    const question = ruth.getByRole('group', { name: /Cancel the hire of Rui/ });
    await expect.poll(() => question.count()).toBe(1);
    await expect.poll(() => ruth.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Yes, cancel the hire');
    expect(await ruth.getByRole('main').textContent()).toContain('reserved equipment goes back to stock');
    await ruth.keyboard.press('Enter');
    await expect.poll(() => ruth.getByRole('main').textContent()).toContain('Cancelled');
    expect(await ruth.getByRole('button', { name: 'Save changes' }).count()).toBe(0);
    // Removed or left disabled, as the portal is set up: either way nobody can sign in with it.
    const account = await eventually(
      () => server.directory.findUser(username),
      (user) => user === null || user.disabled,
    );
    expect(account === null || account.disabled).toBe(true);
    await ruth.context().close();
  }, 60_000);
});

describe('a leaver', () => {
  test('ruth offboards bob, who has two devices; at the end of his last day (Berlin) the account is closed, his session ends and returns are opened', async () => {
    const zone = 'Europe/Berlin';
    // bob of this file's own slapd (see the top): the only directory his closing is seen in.
    const leaver = { username: 'bob', password: undefined };
    const tags = [newTag('LV'), newTag('LV')];
    await stockModel(server, 'laptops', tags);
    for (const tag of tags) await server.inventory.assign(tag, leaver.username, { actor: 'hana' });

    // The leaver is signed in on their phone.
    const theirs = await signedIn('phone', leaver.username, leaver.password);

    const lastDay = dayIn(zone, clock.now());
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

    // A plain statement of what will happen, and when, before anything is sent.
    await expect.poll(() => heading(ruth)).toBe('Check before you confirm');
    const statement = (await ruth.getByRole('main').textContent())!;
    expect(statement).toContain(`(${zone}), for ${leaver.username}:`);
    expect(statement).toContain('their account is disabled');
    expect(statement).toContain('a return is opened for each device');
    await ruth.getByRole('button', { name: 'Yes, schedule the offboarding' }).click();
    // Acting on someone else's account asks for the password again unless ruth gave it in the last minutes.
    const prompt = ruth.getByRole('dialog', { name: 'Enter your password again' });
    await expect.poll(async () => (await prompt.isVisible()) || /^Offboarding /.test(await heading(ruth))).toBe(true);
    if (await prompt.isVisible()) await confirmPassword(ruth);
    await expect.poll(() => heading(ruth)).toMatch(/^Offboarding /);
    expect(await ruth.getByRole('main').textContent()).toContain('Scheduled');
    const leaverPath = new URL(ruth.url()).pathname;

    // Before the end of the day nothing changes.
    expect((await server.directory.findUser(leaver.username))?.disabled).toBe(false);

    // The end of the last day in Berlin: the queue closes the account.
    const nextDay = dayIn(zone, midnightIn(zone, lastDay) + 36 * HOUR);
    clock.set(midnightIn(zone, nextDay) + 60_000);
    await eventually(
      async () => (await server.directory.findUser(leaver.username))?.disabled,
      (disabled) => disabled === true,
      30_000,
    );
    expect((await ldapEntry(leaver.username))?.locked).toBe('000001010000Z');

    // Their session is gone: the phone is back at sign-in.
    await theirs.reload();
    await expect.poll(() => heading(theirs)).toBe('Sign in');
    await theirs.context().close();

    // The checklist: account disabled, sessions revoked, returns opened (ruth signs in again after the clock jump).
    await ruth.context().close();
    const later = await signedIn('desktop', 'ruth');
    await later.goto(new URL(leaverPath, server.url).href);
    await expect.poll(() => heading(later)).toMatch(/^Offboarding /);
    for (const item of ['Account disabled', 'Sessions and tokens revoked', 'Returns opened']) {
      await expect
        .poll(() => later.getByRole('listitem').filter({ hasText: item }).first().textContent(), { timeout: 20_000 })
        .toContain('Done');
    }
    expect(await overflowsSideways(later)).toBe(false);
    await later.context().close();
  });
});

describe('on HR’s phone, and in Chinese', () => {
  test('the lists and the new-hire form fit a 390 px phone, read by their labels, and switch to zh-CN and zh-TW', async () => {
    const ruth = await signedIn('phone', 'ruth');
    await ruth.goto(new URL('/onboarding', server.url).href);
    await expect.poll(() => heading(ruth)).toBe('Onboarding and offboarding');
    expect(await ruth.getByRole('heading', { level: 2 }).allTextContents()).toEqual(['New hires', 'Leavers']);
    expect(await overflowsSideways(ruth)).toBe(false);

    await ruth.getByRole('link', { name: 'Add a new hire' }).click();
    await expect.poll(() => heading(ruth)).toBe('Add a new hire');
    for (const label of [
      'First name',
      'Last name',
      'Personal email',
      'Start date',
      'Time zone',
      'Department',
      'Job title',
      'Role bundle',
    ]) {
      expect(await ruth.getByLabel(label, { exact: true }).count(), label).toBe(1);
    }
    // The zone starts as the browser's own and is checked by the shared rule before sending.
    await ruth.getByLabel('Time zone').fill('Mars/Olympus');
    await ruth.getByLabel('First name').fill('Ana');
    await ruth.getByRole('button', { name: 'Add the hire' }).click();
    await expect.poll(() => ruth.getByLabel('Time zone').getAttribute('aria-invalid')).toBe('true');
    expect(await ruth.getByRole('main').textContent()).toContain('Choose a time zone from the list, like Asia/Tokyo.');
    expect(await overflowsSideways(ruth)).toBe(false);

    await ruth.getByLabel('Language').selectOption('zh-CN');
    await expect.poll(() => heading(ruth)).toBe('添加新员工');
    await ruth.goto(new URL('/onboarding', server.url).href);
    await expect.poll(() => heading(ruth)).toBe('入职与离职');
    await ruth.getByLabel('语言').selectOption('zh-TW');
    await expect.poll(() => heading(ruth)).toBe('入職與離職');
    expect(await overflowsSideways(ruth)).toBe(false);
    await ruth.context().close();
  });
});

describe('the screens for everyone else', () => {
  test('an employee cannot open onboarding; the activation page without a link says so, on a phone', async () => {
    const employee = await signedIn('phone', 'alice');
    await employee.goto(new URL('/onboarding', server.url).href);
    await expect.poll(() => heading(employee)).not.toBe('Onboarding and offboarding');
    await employee.context().close();

    const page = await (await phoneContext(browser)).newPage();
    await page.goto(new URL('/activate', server.url).href);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('This link is incomplete');
    expect(await overflowsSideways(page)).toBe(false);
    await page.context().close();
  });
});
