/**
 * Offboarding: HR gives a leaver's last day and zone; at the end of that day (local midnight, DST
 * included) the account is disabled, sessions and everything else that lets them in end, a return
 * opens for each device they hold, and the manager and HR get a summary by mail (a real SMTP
 * server). Nothing happens a second early; a retry opens no second return; bad input stores
 * nothing; only HR and admins may offboard, never themselves, and HR never an admin or HR colleague.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetInputSchema, modelInputSchema } from '../../shared/inventory.js';
import type { OffboardingDetail } from '../../shared/offboarding.js';
import { closeOffboarding } from '../../server/features/offboarding/close.js';
import { offboardingDepsOf } from '../../server/features/offboarding/routes.js';
import { uniqueName } from '../directory/fixtures.js';
import { buildTestAppWithMail, signInAs, signInFresh, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';
import type { ThrowawayOptions } from '../harness/people.js';
import type { SmtpCapture } from '../harness/smtp.js';

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
    await t.drainJobs();
    expect((await t.deps.directory.findUser(leaver.username))?.disabled).toBe(false);
    expect((await t.request('GET', '/api/me', { cookie: lastSession })).status).toBe(200);
    expect(await returnsOf(tags)).toEqual([]);

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
