import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetInputSchema, modelInputSchema } from '../../shared/inventory.js';
import type { HireView } from '../../shared/onboarding.js';
import type { OffboardingDetail } from '../../shared/offboarding.js';
import type { Approval, DeviceRequest } from '../../shared/requests.js';
import { closeOffboarding } from '../../server/features/offboarding/close.js';
import { offboardingDepsOf } from '../../server/features/offboarding/routes.js';
import { uniqueName } from '../directory/fixtures.js';
import { buildTestApp, signInAs, signInFresh, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';
import type { ThrowawayOptions } from '../harness/people.js';

/**
 * Approvals follow people: when HR changes a hire's manager, the hire's equipment approvals move
 * to the new manager with the change; when an approver is closed out (offboarding), the steps
 * waiting on them move to their own manager. Never to the person who asked or submitted: then one
 * level up. On SQLite and PostgreSQL, with throwaway people only.
 */
describe.each(availableDialects())('approvals follow managers who change and approvers who leave (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp({ dialect });
  }, 60_000);
  afterAll(() => t?.close());

  async function person(options: ThrowawayOptions = {}) {
    const p = await t.addPerson(options);
    return { ...p, cookie: await signInAs(t, p.username, p.password) };
  }
  /** A laptop model in stock: the seeded chain asks the manager, then the help desk. */
  async function laptop(): Promise<string> {
    const model = await t.deps.inventory.createModel(
      modelInputSchema.parse({ category: 'laptops', manufacturer: 'Testco', name: uniqueName('Laptop'), priceCents: 150_000, leadTimeDays: 5 }),
    );
    await t.deps.inventory.createAsset(assetInputSchema.parse({ tag: `RA-${randomUUID().slice(0, 8)}`, serial: `SN${randomUUID().slice(0, 10)}`, modelId: model.id }));
    return model.id;
  }
  const call = async <T = any>(method: string, path: string, cookie: string, json?: unknown) => {
    const response = await t.request(method, path, { cookie, json, headers: { 'Idempotency-Key': randomUUID() } });
    return { status: response.status, body: (await response.json()) as T };
  };
  const queue = async (cookie: string) => (await call<{ items: Approval[] }>('GET', '/api/approvals', cookie)).body.items;
  const approvalFor = async (cookie: string, requestId: number) => (await queue(cookie)).find((a) => a.requestId === requestId);
  const pendingOf = (requestId: number) =>
    t.deps.db
      .selectFrom('request_approvers')
      .select(['approver', 'source', 'state'])
      .where('request_id', '=', requestId)
      .where('state', '=', 'pending')
      .orderBy('id')
      .execute();
  const approversOf = (requestId: number) =>
    t.deps.db.selectFrom('request_approvers').select(['approver', 'source', 'state']).where('request_id', '=', requestId).orderBy('id').execute();
  const reassignedAudit = (requestId: number) =>
    t.deps.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'requests.reassigned')
      .execute()
      .then((rows) => rows.filter((r) => JSON.parse(String(r.details)).requestId === requestId).map((r) => JSON.parse(String(r.details))));
  const notificationsOf = (username: string) =>
    t.deps.db.selectFrom('notifications').selectAll().where('recipient', '=', username).where('kind', '=', 'approval_needed').execute();

  // ----- onboarding: HR changes a hire's manager ------------------------------------------------

  async function hireWithLaptop(hr: { cookie: string }, manager: string) {
    const modelId = await laptop();
    const key = `r${randomUUID().slice(0, 8)}`;
    const bundle = await call('POST', '/api/onboarding/bundles', hr.cookie, { key, name: 'Reassign role', items: [{ modelId, quantity: 1 }], autoApprove: false });
    expect(bundle.status, JSON.stringify(bundle.body)).toBe(201);
    const created = await call<HireView>('POST', '/api/onboarding/hires', hr.cookie, {
      firstName: 'Ria',
      lastName: uniqueName('Sign'),
      personalEmail: `ria.${randomUUID().slice(0, 6)}@personal.example.net`,
      startDate: '2026-12-07',
      timeZone: 'Europe/Berlin',
      department: 'Engineering',
      title: 'Engineer',
      manager,
      role: key,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await t.drainJobs();
    const view = (await call<HireView>('GET', `/api/onboarding/hires/${created.body.id}`, hr.cookie)).body;
    expect(view.requestIds).toHaveLength(1);
    return { hire: view, requestId: view.requestIds[0]! };
  }

  it('moves a hire’s pending manager step to the new manager with the change; the old one can no longer decide', async () => {
    const hr = await person({ role: 'hr', prefix: 'hr' });
    const hrCookie = await signInFresh(t, hr.username, hr.password);
    const oldBoss = await person({ role: 'manager', prefix: 'old' });
    const newBoss = await person({ role: 'manager', prefix: 'new' });
    const { hire, requestId } = await hireWithLaptop({ cookie: hrCookie }, oldBoss.username);
    expect(await pendingOf(requestId)).toEqual([{ approver: oldBoss.username, source: 'manager', state: 'pending' }]);
    const oldApproval = await approvalFor(oldBoss.cookie, requestId);
    expect(oldApproval).toBeDefined();

    const changed = await call('PATCH', `/api/onboarding/hires/${hire.id}`, hrCookie, { manager: newBoss.username });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    // Moved in the same transaction as the change: the old row is void (kept as history), the new one pending.
    expect(await approversOf(requestId)).toEqual([
      { approver: oldBoss.username, source: 'manager', state: 'reassigned' },
      { approver: newBoss.username, source: 'manager', state: 'pending' },
    ]);
    expect(await reassignedAudit(requestId)).toEqual([
      { requestId, step: 1, from: oldBoss.username, to: newBoss.username, reason: 'manager_changed' },
    ]);
    expect((await notificationsOf(newBoss.username)).map((n) => JSON.parse(String(n.params)).requestId)).toContain(requestId);
    expect(await approvalFor(oldBoss.cookie, requestId)).toBeUndefined();
    expect((await call('POST', `/api/approvals/${oldApproval!.id}/decision`, oldBoss.cookie, { decision: 'approve', comment: '' })).status).toBe(409);
    // Nor read it: the hire is no longer theirs.
    expect((await call('GET', `/api/requests/${requestId}`, oldBoss.cookie)).status).toBe(404);
    expect((await call('GET', `/api/requests/${requestId}`, newBoss.cookie)).status).toBe(200);

    // Once the directory has the new manager (the onboarding update job), the new manager decides.
    await t.drainJobs();
    const mine = await approvalFor(newBoss.cookie, requestId);
    expect(mine).toMatchObject({ step: 1, kind: 'manager' });
    const decided = await call<DeviceRequest>('POST', `/api/approvals/${mine!.id}/decision`, newBoss.cookie, { decision: 'approve', comment: 'Welcome.' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    expect(decided.body.currentStep).toBe(2);
    expect(decided.body.timeline.map((e) => e.event)).toContain('reassigned');

    // A change that is not the manager moves nothing.
    const retitled = await call('PATCH', `/api/onboarding/hires/${hire.id}`, hrCookie, { title: 'Senior Engineer' });
    expect(retitled.status).toBe(200);
    expect(await reassignedAudit(requestId)).toHaveLength(1);
  });

  it('never hands the step to whoever submitted the request: a new manager who is that HR member passes it one level up', async () => {
    const top = await person({ role: 'manager', prefix: 'top' });
    const hr = await person({ role: 'hr', prefix: 'hrmgr', manager: top.username });
    const hrCookie = await signInFresh(t, hr.username, hr.password);
    const oldBoss = await person({ role: 'manager', prefix: 'old' });
    const { hire, requestId } = await hireWithLaptop({ cookie: hrCookie }, oldBoss.username);

    // HR names themself the hire's manager: they submitted the request, so their manager decides.
    expect((await call('PATCH', `/api/onboarding/hires/${hire.id}`, hrCookie, { manager: hr.username })).status).toBe(200);
    expect(await pendingOf(requestId)).toEqual([{ approver: top.username, source: 'escalation', state: 'pending' }]);
    const hrAsApprover = await person({ role: 'hr', prefix: 'x' });
    expect(await approvalFor(hrCookie, requestId)).toBeUndefined();
    expect(await approvalFor(hrAsApprover.cookie, requestId)).toBeUndefined();
    await t.drainJobs();
    const topsTurn = await approvalFor(top.cookie, requestId);
    expect(topsTurn).toBeDefined();
    expect((await call('POST', `/api/approvals/${topsTurn!.id}/decision`, top.cookie, { decision: 'approve', comment: '' })).status).toBe(200);
  });

  // ----- offboarding: an approver leaves ----------------------------------------------------------

  async function offboard(hrCookie: string, username: string): Promise<OffboardingDetail> {
    const started = await call<OffboardingDetail>('POST', '/api/offboarding', hrCookie, { username, lastDay: '2026-11-25', timeZone: 'UTC' });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    return started.body;
  }

  it('moves the steps waiting on a leaver to the leaver’s manager at the close-out, skipping the one who submitted; a retry moves nothing twice', async () => {
    t.clock.set(Date.UTC(2026, 10, 24, 9, 0, 0));
    const grand = await person({ role: 'manager', prefix: 'grand' });
    const top = await person({ role: 'manager', prefix: 'top' });
    // An HR member who is also the leaver's manager (and reports to `top`).
    const hrBoss = await person({ role: 'hr', prefix: 'hrboss', manager: top.username });
    const leaver = await person({ role: 'manager', prefix: 'leaver', manager: hrBoss.username });
    const emp = await person({ prefix: 'emp', manager: leaver.username });
    const other = await person({ prefix: 'other', manager: leaver.username });
    const stranger = await person({ prefix: 'str', manager: grand.username });
    const modelId = await laptop();

    // Two requests waiting on the leaver: one emp asked for, one HR (the leaver's own manager) asked for on other's behalf.
    const own = await call<DeviceRequest>('POST', '/api/requests', emp.cookie, { modelId, justification: 'Mine broke.' });
    expect(own.status).toBe(201);
    const hrCookie = await signInFresh(t, hrBoss.username, hrBoss.password);
    const onBehalf = await call<DeviceRequest>('POST', '/api/requests', hrCookie, { modelId, justification: 'For other.', onBehalfOf: other.username });
    expect(onBehalf.status, JSON.stringify(onBehalf.body)).toBe(201);
    // A request that does not wait on the leaver stays as it is.
    const unrelated = await call<DeviceRequest>('POST', '/api/requests', stranger.cookie, { modelId, justification: 'Unrelated.' });
    for (const r of [own, onBehalf]) expect(await pendingOf(r.body.id)).toEqual([{ approver: leaver.username, source: 'manager', state: 'pending' }]);

    const hr = await person({ role: 'hr', prefix: 'hr' });
    const detail = await offboard(await signInFresh(t, hr.username, hr.password), leaver.username);
    // Nothing moves before the end of the last day.
    await t.drainJobs();
    expect(await pendingOf(own.body.id)).toEqual([{ approver: leaver.username, source: 'manager', state: 'pending' }]);

    t.clock.set(Date.parse('2026-11-26T00:00:00Z'));
    await t.drainJobs();
    // emp's request goes to the leaver's manager (an escalation: the directory still names the leaver as manager).
    expect(await approversOf(own.body.id)).toEqual([
      { approver: leaver.username, source: 'manager', state: 'reassigned' },
      { approver: hrBoss.username, source: 'escalation', state: 'pending' },
    ]);
    // HR submitted the other one: never their own to approve; it goes one level up.
    expect(await approversOf(onBehalf.body.id)).toEqual([
      { approver: leaver.username, source: 'manager', state: 'reassigned' },
      { approver: top.username, source: 'escalation', state: 'pending' },
    ]);
    expect(await pendingOf(unrelated.body.id)).toEqual([{ approver: grand.username, source: 'manager', state: 'pending' }]);
    expect(await reassignedAudit(own.body.id)).toEqual([
      { requestId: own.body.id, step: 1, from: leaver.username, to: hrBoss.username, reason: 'approver_left' },
    ]);
    const revoked = await t.deps.db.selectFrom('audit_events').select('details').where('action', '=', 'offboarding.access_revoked').execute();
    expect(revoked.map((r) => JSON.parse(String(r.details))).find((d) => d.offboardingId === detail.id)).toMatchObject({ approvalsReassigned: 2 });

    // The new approvers find them in their queue and decide; the step settles.
    const hrAgain = await signInAs(t, hrBoss.username, hrBoss.password);
    const topAgain = await signInAs(t, top.username, top.password);
    expect(await approvalFor(hrAgain, onBehalf.body.id)).toBeUndefined();
    const hrTurn = await approvalFor(hrAgain, own.body.id);
    // Passed on because the approver left, not because time ran out (the card says which).
    expect(hrTurn).toMatchObject({ escalated: true, overdue: false, kind: 'manager' });
    const approved = await call<DeviceRequest>('POST', `/api/approvals/${hrTurn!.id}/decision`, hrAgain, { decision: 'approve', comment: '' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.currentStep).toBe(2);
    const topTurn = await approvalFor(topAgain, onBehalf.body.id);
    expect((await call('POST', `/api/approvals/${topTurn!.id}/decision`, topAgain, { decision: 'approve', comment: '' })).status).toBe(200);

    // A retry of the close job after a crash that lost the checklist ticks moves nothing again.
    const before = await t.deps.db.selectFrom('request_approvers').select('id').where('request_id', 'in', [own.body.id, onBehalf.body.id]).execute();
    await t.deps.db.updateTable('offboardings').set({ status: 'scheduled', sessions_revoked_at: null, done_at: null }).where('id', '=', detail.id).execute();
    await closeOffboarding(offboardingDepsOf(t.deps), detail.id);
    await closeOffboarding(offboardingDepsOf(t.deps), detail.id);
    const after = await t.deps.db.selectFrom('request_approvers').select('id').where('request_id', 'in', [own.body.id, onBehalf.body.id]).execute();
    expect(after.length).toBe(before.length);
    expect(await reassignedAudit(own.body.id)).toHaveLength(1);
    expect(await reassignedAudit(onBehalf.body.id)).toHaveLength(1);
    expect((await t.deps.db.selectFrom('offboardings').select('status').where('id', '=', detail.id).executeTakeFirstOrThrow()).status).toBe('done');
  });

  it('hands a leaver’s step to an admin when nobody above may take it', async () => {
    t.clock.set(Date.UTC(2026, 10, 24, 9, 0, 0));
    // The leaver has no manager at all.
    const leaver = await person({ role: 'manager', prefix: 'solo' });
    const emp = await person({ prefix: 'emp', manager: leaver.username });
    const modelId = await laptop();
    const asked = await call<DeviceRequest>('POST', '/api/requests', emp.cookie, { modelId, justification: 'Mine broke.' });
    expect(asked.status).toBe(201);
    const hr = await person({ role: 'hr', prefix: 'hr' });
    await offboard(await signInFresh(t, hr.username, hr.password), leaver.username);
    t.clock.set(Date.parse('2026-11-26T00:00:00Z'));
    await t.drainJobs();
    expect(await pendingOf(asked.body.id)).toEqual([{ approver: 'role:admin', source: 'role', state: 'pending' }]);
  });
});
