/**
 * Offboarding: HR gives a leaver's last day and zone; at the end of that day (local midnight, DST
 * included) the account is disabled, sessions and everything else that lets them in end, a return
 * opens for each device they hold, and the manager and HR get a summary by mail (a real SMTP
 * server). Nothing happens a second early; a retry opens no second return; bad input stores
 * nothing; only HR and admins may offboard, never themselves, and HR never an admin or HR colleague.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { assetInputSchema, modelInputSchema } from '../../shared/inventory.js';
import type { OffboardingDetail } from '../../shared/offboarding.js';
import { closeOffboarding, registerOffboardingJobs } from '../../server/features/offboarding/close.js';
import { JobQueue } from '../../server/jobs/queue.js';
import { createLogger } from '../../server/platform/logger.js';
import { offboardingDepsOf } from '../../server/features/offboarding/routes.js';
import { createLdapDirectory } from '../../server/directory/ldap.js';
import type { Directory } from '../../server/directory/port.js';
import { ldapConfig, uniqueName } from '../directory/fixtures.js';
import { buildTestApp, buildTestAppWithMail, signInAs, signInFresh, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';
import type { ThrowawayOptions } from '../harness/people.js';
import { freePort } from '../harness/ports.js';
import { addLdapUser, slapdPortalEnv } from '../harness/slapd.js';
import type { SmtpCapture } from '../harness/smtp.js';

const slapd = inject('slapd');

describe.each(availableDialects())('offboarding on %s', (dialect) => {
  let t: TestApp & { smtp: SmtpCapture };
  beforeAll(async () => {
    t = await buildTestAppWithMail({ dialect });
  });
  afterAll(() => t?.close());

  async function person(options: ThrowawayOptions = {}) {
    const p = await t.addPerson(options);
    return { ...p, cookie: await signInAs(t, p.username, p.password) };
  }

  /** A staff member past the password re-entry, as after the web app's prompt. */
  async function staff(role: 'hr' | 'admin' | 'manager' | 'helpdesk') {
    const p = await t.addPerson({ role, prefix: role });
    return { ...p, cookie: await signInFresh(t, p.username, p.password) };
  }

  async function assignDevices(username: string, count: number): Promise<string[]> {
    const model = await t.deps.inventory.createModel(
      modelInputSchema.parse({ category: 'laptops', manufacturer: 'Testco', name: uniqueName('Laptop'), priceCents: 100000, leadTimeDays: 5 }),
    );
    const tags: string[] = [];
    for (let i = 0; i < count; i++) {
      const tag = `OFF-${randomUUID().slice(0, 8)}`;
      await t.deps.inventory.createAsset(assetInputSchema.parse({ tag, serial: `SN${randomUUID().slice(0, 10)}`, modelId: model.id }));
      await t.deps.inventory.assign(tag, username, { actor: 'test' });
      tags.push(tag);
    }
    return tags;
  }

  const offboard = (cookie: string, json: unknown) => t.request('POST', '/api/offboarding', { cookie, json });
  const stored = (username: string) => t.deps.db.selectFrom('offboardings').selectAll().where('username', '=', username).execute();
  const closeJobs = () => t.deps.db.selectFrom('jobs').select(['id', 'run_at', 'unique_key']).where('kind', '=', 'offboarding.close').execute();
  const returnsOf = (tags: string[]) =>
    t.deps.db.selectFrom('device_reports').selectAll().where('asset_tag', 'in', tags).where('kind', '=', 'return').execute();
  const stateOf = (detail: OffboardingDetail) => Object.fromEntries(detail.checklist.map((item) => [item.key, item.state]));

  it('refuses a date that does not exist, a zone that does not exist and an unknown person, and stores nothing', async () => {
    const hr = await staff('hr');
    const leaver = await t.addPerson();
    const jobsBefore = (await closeJobs()).length;

    const badDay = await offboard(hr.cookie, { username: leaver.username, lastDay: '2026-02-30', timeZone: 'Europe/Berlin' });
    expect(badDay.status).toBe(400);
    expect((await badDay.json()).error).toMatchObject({ code: 'validation_failed', fields: { lastDay: expect.any(String) } });

    const badZone = await offboard(hr.cookie, { username: leaver.username, lastDay: '2026-12-18', timeZone: 'Mars/Olympus' });
    expect(badZone.status).toBe(400);
    expect((await badZone.json()).error).toMatchObject({ code: 'validation_failed', fields: { timeZone: expect.any(String) } });

    const nobody = `nobody-${randomUUID().slice(0, 8)}`;
    const unknown = await offboard(hr.cookie, { username: nobody, lastDay: '2026-12-18', timeZone: 'Europe/Berlin' });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('not_found');

    const tooFar = await offboard(hr.cookie, { username: leaver.username, lastDay: '2031-01-01', timeZone: 'Europe/Berlin' });
    expect(tooFar.status).toBe(400);

    const wrongTypes = await offboard(hr.cookie, { username: [leaver.username], lastDay: 20261218, timeZone: null });
    expect(wrongTypes.status).toBe(400);

    expect(await stored(leaver.username)).toEqual([]);
    expect(await stored(nobody)).toEqual([]);
    expect((await closeJobs()).length).toBe(jobsBefore);
    expect((await t.deps.directory.findUser(leaver.username))?.disabled).toBe(false);
  });

  it('lets HR and admins offboard, never themselves; HR never an admin or an HR colleague; managers and employees not at all', async () => {
    const hr = await staff('hr');
    const admin = await staff('admin');
    const manager = await staff('manager');
    const employee = await person();
    const otherAdmin = await t.addPerson({ role: 'admin' });
    const otherHr = await t.addPerson({ role: 'hr' });
    const leaver = await t.addPerson();
    const body = (username: string) => ({ username, lastDay: '2026-12-18', timeZone: 'Europe/Berlin' });

    const answer = async (cookie: string, username: string) => {
      const response = await offboard(cookie, body(username));
      return `${response.status} ${(await response.json()).error?.code ?? 'ok'}`;
    };
    expect(await answer(employee.cookie, leaver.username)).toBe('403 forbidden');
    expect(await answer(manager.cookie, leaver.username)).toBe('403 forbidden');
    expect(await answer(hr.cookie, hr.username)).toBe('403 forbidden');
    expect(await answer(admin.cookie, admin.username)).toBe('403 forbidden');
    expect(await answer(hr.cookie, otherAdmin.username)).toBe('403 forbidden');
    expect(await answer(hr.cookie, otherHr.username)).toBe('403 forbidden');
    // Without a fresh password re-entry, even HR is asked for it first.
    const unfresh = await signInAs(t, hr.username, hr.password);
    expect(await answer(unfresh, leaver.username)).toBe('403 reauth_required');
    expect(await stored(leaver.username)).toEqual([]);

    // The refusals are in the audit trail, with who tried on whom.
    const denied = await t.deps.db
      .selectFrom('audit_events')
      .select(['actor', 'subject'])
      .where('action', '=', 'offboarding.start')
      .where('result', '=', 'denied')
      .where('actor', '=', hr.username)
      .execute();
    expect(denied.map((d) => d.subject).sort()).toEqual([hr.username, otherAdmin.username, otherHr.username].sort());

    // An admin may offboard an admin; HR then cannot move or cancel it.
    const adminOff = await offboard(admin.cookie, body(otherAdmin.username));
    expect(adminOff.status).toBe(201);
    const { id } = (await adminOff.json()) as OffboardingDetail;
    expect((await t.request('PATCH', `/api/offboarding/${id}`, { cookie: hr.cookie, json: { lastDay: '2026-12-19' } })).status).toBe(403);
    expect((await t.request('POST', `/api/offboarding/${id}/cancel`, { cookie: hr.cookie, json: {} })).status).toBe(403);
    expect((await t.request('POST', `/api/offboarding/${id}/cancel`, { cookie: admin.cookie, json: {} })).status).toBe(200);

    // HR offboards an employee; a second one for the same person is a 409 naming the field.
    expect(await answer(hr.cookie, leaver.username)).toBe('201 ok');
    const again = await offboard(admin.cookie, body(leaver.username));
    expect(again.status).toBe(409);
    expect((await again.json()).error).toMatchObject({ code: 'offboarding_scheduled', fields: { username: expect.any(String) } });
    expect((await stored(leaver.username)).length).toBe(1);

    // Reading the list and one offboarding is HR's and admins' too, nobody else's.
    expect((await t.request('GET', '/api/offboarding', { cookie: manager.cookie })).status).toBe(403);
    expect((await t.request('GET', '/api/offboarding', { cookie: employee.cookie })).status).toBe(403);
    const list = await t.request('GET', '/api/offboarding?status=scheduled', { cookie: hr.cookie });
    expect(list.status).toBe(200);
    const { items } = (await list.json()) as { items: OffboardingDetail[] };
    expect(items.map((i) => i.username)).toContain(leaver.username);
    expect(items.every((i) => i.status === 'scheduled')).toBe(true);
  });

  it('lets one of two HR members racing to offboard the same person win; the other gets 409', async () => {
    const [first, second] = await Promise.all([staff('hr'), staff('admin')]);
    const leaver = await t.addPerson();
    const body = { username: leaver.username, lastDay: '2026-12-18', timeZone: 'Europe/Berlin' };
    const statuses = (await Promise.all([offboard(first.cookie, body), offboard(second.cookie, body), offboard(first.cookie, body)])).map((r) => r.status);
    expect(statuses.sort()).toEqual([201, 409, 409]);
    expect((await stored(leaver.username)).length).toBe(1);
    const keys = (await closeJobs()).map((j) => j.unique_key);
    const [row] = await stored(leaver.username);
    expect(keys.filter((k) => k === `offboarding.close:${row!.id}`).length).toBe(1);
  });

  it('moves the close-out with the last day in one transaction, and a cancelled one does nothing', async () => {
    const hr = await staff('hr');
    const leaver = await person();
    const created = await offboard(hr.cookie, { username: leaver.username, lastDay: '2026-12-01', timeZone: 'Asia/Tokyo' });
    expect(created.status).toBe(201);
    const first = (await created.json()) as OffboardingDetail;
    // Tokyo has no DST: the end of 1 December is 15:00 UTC that day.
    expect(first.closesAt).toBe('2026-12-01T15:00:00.000Z');
    const job = async () => (await closeJobs()).find((j) => j.unique_key === `offboarding.close:${first.id}`)!;
    expect(Number((await job()).run_at)).toBe(Date.parse(first.closesAt));

    const moved = await t.request('PATCH', `/api/offboarding/${first.id}`, { cookie: hr.cookie, json: { lastDay: '2026-12-03', timeZone: 'America/New_York' } });
    expect(moved.status).toBe(200);
    const second = (await moved.json()) as OffboardingDetail;
    expect(second).toMatchObject({ lastDay: '2026-12-03', timeZone: 'America/New_York', closesAt: '2026-12-04T05:00:00.000Z' });
    expect(Number((await job()).run_at)).toBe(Date.parse(second.closesAt));
    const badMove = await t.request('PATCH', `/api/offboarding/${first.id}`, { cookie: hr.cookie, json: { lastDay: '2026-13-01' } });
    expect(badMove.status).toBe(400);
    expect((await t.request('PATCH', `/api/offboarding/${first.id}`, { cookie: hr.cookie, json: {} })).status).toBe(400);

    // Past the old end: nothing happens.
    t.clock.set(Date.parse('2026-12-02T00:00:00Z'));
    await t.drainJobs();
    expect((await t.deps.directory.findUser(leaver.username))?.disabled).toBe(false);

    // A day later HR's session has run out: they sign in again.
    const hrLater = await signInFresh(t, hr.username, hr.password);
    const cancel = await t.request('POST', `/api/offboarding/${first.id}/cancel`, { cookie: hrLater, json: { reason: 'Stays after all' } });
    expect(cancel.status).toBe(200);
    expect(((await cancel.json()) as OffboardingDetail).status).toBe('cancelled');
    expect((await t.request('POST', `/api/offboarding/${first.id}/cancel`, { cookie: hrLater, json: {} })).status).toBe(409);

    t.clock.set(Date.parse('2026-12-05T00:00:00Z'));
    await t.drainJobs();
    expect((await t.deps.directory.findUser(leaver.username))?.disabled).toBe(false);
    const [row] = await stored(leaver.username);
    expect(row).toMatchObject({ status: 'cancelled', account_disabled_at: null, sessions_revoked_at: null });
  });

  it('closes out a person removed from the directory before the end, with no devices to return', async () => {
    const hr = await staff('hr');
    const leaver = await t.addPerson();
    const created = await offboard(hr.cookie, { username: leaver.username, lastDay: '2026-12-10', timeZone: 'UTC' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as OffboardingDetail;
    await t.deps.db.deleteFrom('directory_group_members').where('username', '=', leaver.username).execute();
    await t.deps.db.deleteFrom('directory_users').where('username', '=', leaver.username).execute();
    t.clock.set(Date.parse('2026-12-11T00:00:00Z'));
    await t.drainJobs();
    const hrLater = await signInAs(t, hr.username, hr.password);
    const detail = (await (await t.request('GET', `/api/offboarding/${id}`, { cookie: hrLater })).json()) as OffboardingDetail;
    expect(detail.status).toBe('done');
    expect(stateOf(detail)).toEqual({ account_disabled: 'done', sessions_revoked: 'done', returns_opened: 'done', returns_received: 'not_needed' });
    const mail = await t.smtp.waitFor(hr.email);
    expect(mail.text).toContain('already gone from the directory');
    expect(mail.text).toContain('nothing to return');
  });

  it('closes out once when the workers of several processes reach the due job at the same moment', async () => {
    const hr = await staff('hr');
    const leaver = await t.addPerson();
    const tags = await assignDevices(leaver.username, 2);
    const created = await offboard(hr.cookie, { username: leaver.username, lastDay: '2026-12-20', timeZone: 'America/Los_Angeles' });
    expect(created.status).toBe(201);
    const { id, closesAt } = (await created.json()) as OffboardingDetail;
    // Two more "processes": queues of their own on the same database, with the same handlers.
    const others = [0, 1].map((i) => {
      const queue = new JobQueue(t.deps.db, t.clock, createLogger('silent'), { owner: `other-${i}`, recurring: false });
      registerOffboardingJobs(queue, offboardingDepsOf(t.deps));
      return queue;
    });
    t.clock.set(Date.parse(closesAt));
    await Promise.all([t.deps.jobs.runDueJobs(), ...others.map((q) => q.runDueJobs({ limit: 1 }))]);
    await t.drainJobs();
    expect((await returnsOf(tags)).length).toBe(2);
    const audits = await t.deps.db.selectFrom('audit_events').select('action').where('subject', '=', leaver.username).execute();
    expect(audits.filter((a) => a.action === 'offboarding.account_disabled').length).toBe(1);
    expect(audits.filter((a) => a.action === 'offboarding.closed').length).toBe(1);
    const [job] = await t.deps.db.selectFrom('jobs').selectAll().where('unique_key', '=', `offboarding.close:${id}`).execute();
    expect(job).toMatchObject({ state: 'done', attempts: 1 });
  });

  it('closes a leaver out at the end of their last day in Berlin across the DST change, exactly once', async () => {
    t.clock.set(Date.parse('2027-03-20T09:00:00Z'));
    const hr = await staff('hr');
    const boss = await staff('manager');
    const leaver = await person({ manager: boss.username, prefix: 'leaver' });
    const tags = await assignDevices(leaver.username, 2);
    // Something that acts for them: the manager delegated approvals to the leaver.
    const delegated = await t.request('PUT', '/api/me/delegation', {
      cookie: boss.cookie,
      json: { delegate: leaver.username, from: '2027-03-20T00:00:00Z', until: '2027-04-30T00:00:00Z' },
    });
    expect(delegated.status).toBe(200);
    await t.deps.db
      .insertInto('push_subscriptions')
      .values({ endpoint: `https://push.example.com/${randomUUID()}`, username: leaver.username, p256dh: 'k', auth: 'a', user_agent: null, created_at: t.clock.now() })
      .execute();

    // The clocks go forward on Sunday 28 March 2027: that day has 23 hours and ends at 22:00 UTC
    // (CEST), not at 23:00 UTC (CET, the offset the day began with).
    const created = await offboard(hr.cookie, { username: leaver.username, lastDay: '2027-03-28', timeZone: 'Europe/Berlin' });
    expect(created.status).toBe(201);
    const detail = (await created.json()) as OffboardingDetail;
    expect(detail).toMatchObject({ status: 'scheduled', closesAt: '2027-03-28T22:00:00.000Z', manager: boss.username, createdBy: hr.username });
    expect(stateOf(detail)).toEqual({ account_disabled: 'pending', sessions_revoked: 'pending', returns_opened: 'pending', returns_received: 'pending' });

    // One second before the end: nothing has happened, and the leaver still works.
    t.clock.set(Date.parse('2027-03-28T21:59:59Z'));
    const lastSession = await signInAs(t, leaver.username, leaver.password);
    // A reset flow started on the last evening must not outlive the account.
    expect((await t.request('POST', '/api/password/forgot', { json: { login: leaver.username } })).status).toBe(202);
    await t.drainJobs();
    expect((await t.deps.directory.findUser(leaver.username))?.disabled).toBe(false);
    expect((await t.request('GET', '/api/me', { cookie: lastSession })).status).toBe(200);
    expect(await returnsOf(tags)).toEqual([]);
    // Signing in remembered this browser (fewer lockout checks from it next time): that ends too.
    expect((await t.deps.db.selectFrom('trusted_devices').select('username').where('username', '=', leaver.username).execute()).length).toBeGreaterThan(0);

    // At the end of the day.
    t.clock.set(Date.parse('2027-03-28T22:00:00Z'));
    await t.drainJobs();
    expect((await t.deps.directory.findUser(leaver.username))?.disabled).toBe(true);
    // Refused at once, not at the next directory recheck.
    expect((await t.request('GET', '/api/me', { cookie: lastSession })).status).toBe(401);
    expect((await t.request('POST', '/api/auth/login', { json: { username: leaver.username, password: leaver.password } })).status).toBe(401);
    const returns = await returnsOf(tags);
    expect(returns.map((r) => r.asset_tag).sort()).toEqual(tags.slice().sort());
    expect(returns.every((r) => r.state === 'open' && r.reporter === leaver.username)).toBe(true);
    expect(await t.deps.db.selectFrom('approval_delegations').selectAll().where('delegate', '=', leaver.username).execute()).toEqual([]);
    expect(await t.deps.db.selectFrom('push_subscriptions').selectAll().where('username', '=', leaver.username).execute()).toEqual([]);
    expect(await t.deps.db.selectFrom('sessions').selectAll().where('username', '=', leaver.username).execute()).toEqual([]);
    expect(await t.deps.db.selectFrom('trusted_devices').selectAll().where('username', '=', leaver.username).execute()).toEqual([]);
    const flows = await t.deps.db.selectFrom('password_flows').select('cancelled_at').where('username', '=', leaver.username).execute();
    expect(flows.length).toBeGreaterThan(0);
    expect(flows.every((f) => f.cancelled_at !== null)).toBe(true);
    expect(
      await t.deps.db.selectFrom('one_time_secrets').select('id').where('username', '=', leaver.username).where('consumed_at', 'is', null).execute(),
    ).toEqual([]);

    const hrAgain = await signInAs(t, hr.username, hr.password);
    const after = (await (await t.request('GET', `/api/offboarding/${detail.id}`, { cookie: hrAgain })).json()) as OffboardingDetail;
    expect(after.status).toBe('done');
    expect(stateOf(after)).toEqual({ account_disabled: 'done', sessions_revoked: 'done', returns_opened: 'done', returns_received: 'pending' });
    expect(after.returns.map((r) => r.assetTag).sort()).toEqual(tags.slice().sort());

    // The manager and HR each get one summary naming both devices, in English and Chinese.
    for (const to of [boss.email, hr.email]) {
      const mail = await t.smtp.waitFor(to);
      expect(mail.subject).toContain('Offboarding done');
      expect(mail.subject).toContain('离职手续已完成');
      for (const tag of tags) expect(mail.text).toContain(tag);
      // The link goes to the leaver's page in the web app, on the configured address.
      expect(mail.text).toContain(`http://portal.test/onboarding/leavers/${detail.id}`);
    }

    // A retry after a crash that lost the checklist ticks (the returns were already opened): no second return.
    await t.deps.db
      .updateTable('offboardings')
      .set({ status: 'scheduled', returns_opened_at: null, done_at: null })
      .where('id', '=', detail.id)
      .execute();
    await closeOffboarding(offboardingDepsOf(t.deps), detail.id);
    await closeOffboarding(offboardingDepsOf(t.deps), detail.id);
    expect((await returnsOf(tags)).length).toBe(2);
    expect((await t.deps.db.selectFrom('offboarding_returns').selectAll().where('offboarding_id', '=', detail.id).execute()).length).toBe(2);
    await t.drainJobs();
    expect(t.smtp.to(boss.email).length).toBe(1);
    const audits = await t.deps.db.selectFrom('audit_events').select('action').where('subject', '=', leaver.username).execute();
    expect(audits.filter((a) => a.action === 'offboarding.return_opened').length).toBe(2);
    expect(audits.filter((a) => a.action === 'offboarding.account_disabled').length).toBe(1);

    // The help desk checks the devices in: the last step follows the inventory.
    const helpdesk = await staff('helpdesk');
    for (const [i, report] of (await returnsOf(tags)).entries()) {
      const closed = await t.request('POST', `/api/device-reports/${report.id}/close`, { cookie: helpdesk.cookie, json: { checkIn: true } });
      expect(closed.status).toBe(200);
      const now = (await (await t.request('GET', `/api/offboarding/${detail.id}`, { cookie: hrAgain })).json()) as OffboardingDetail;
      const item = now.checklist.find((c) => c.key === 'returns_received')!;
      expect(item).toMatchObject(i === 0 ? { state: 'pending', detail: '1 of 2' } : { state: 'done', detail: '2 of 2' });
    }
    expect(await t.deps.inventory.assignedTo(leaver.username)).toEqual([]);
  });
});

describe.skipIf(!slapd)('offboarding against OpenLDAP (ppolicy)', () => {
  let t: TestApp;
  let live: Directory;
  let unreachable: Directory;
  let down = false;

  beforeAll(async () => {
    live = createLdapDirectory(ldapConfig(slapd!));
    unreachable = createLdapDirectory(ldapConfig(slapd!, { url: `ldap://127.0.0.1:${await freePort()}`, timeoutMs: 500 }));
    // The real slapd, or (while `down`) a real LDAP client pointed at a port nobody listens on.
    const directory = new Proxy(live, { get: (target, key) => Reflect.get(down ? unreachable : target, key) as unknown });
    // No background worker: the test runs the queue itself, to see the failed attempt and its retry.
    t = await buildTestApp({ env: { PORTAL_DEMO: '0', ...slapdPortalEnv(slapd!), JOBS_WORKERS: '0' }, overrides: { directory } });
  });
  afterAll(async () => {
    await t?.close();
    await unreachable?.close();
  });

  async function ldapPerson(groups: string[] = []) {
    const username = uniqueName('ldapoff');
    const password = `Throwaway-${randomUUID().slice(0, 12)}`;
    await addLdapUser(slapd!, { username, password, groups, email: `${username}@example.com` });
    return { username, password };
  }

  it('disables the account in slapd at the end of the last day, retrying while the directory is down', async () => {
    const hr = await ldapPerson(['portal-hr']);
    const leaver = await ldapPerson();
    const hrCookie = await signInFresh(t, hr.username, hr.password);
    const created = await t.request('POST', '/api/offboarding', {
      cookie: hrCookie,
      json: { username: leaver.username, lastDay: '2026-11-27', timeZone: 'Europe/Berlin' },
    });
    expect(created.status).toBe(201);
    const { id, closesAt } = (await created.json()) as OffboardingDetail;
    expect(closesAt).toBe('2026-11-27T23:00:00.000Z');

    t.clock.set(Date.parse(closesAt));
    const leaverCookie = await signInAs(t, leaver.username, leaver.password);
    down = true;
    try {
      await t.deps.jobs.runDueJobs();
    } finally {
      down = false;
    }
    // The attempt failed and waits for its retry; the portal session ended anyway.
    const [job] = await t.deps.db.selectFrom('jobs').selectAll().where('unique_key', '=', `offboarding.close:${id}`).execute();
    expect(job).toMatchObject({ state: 'queued', attempts: 1 });
    expect(Number(job!.run_at)).toBeGreaterThan(t.clock.now());
    expect((await t.request('GET', '/api/me', { cookie: leaverCookie })).status).toBe(401);
    expect((await live.findUser(leaver.username))?.disabled).toBe(false);

    t.clock.set(Number(job!.run_at));
    await t.drainJobs();
    const user = await live.findUser(leaver.username);
    expect(user?.disabled).toBe(true);
    expect(await live.authenticate(leaver.username, leaver.password)).toEqual({ ok: false, reason: 'invalid_credentials' });
    const [row] = await t.deps.db.selectFrom('offboardings').selectAll().where('id', '=', id).execute();
    expect(row).toMatchObject({ status: 'done' });
    expect(row!.account_disabled_at).not.toBeNull();
  });
});
