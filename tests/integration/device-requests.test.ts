import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetInputSchema, modelInputSchema } from '../../shared/inventory.js';
import type { Approval, DeviceRequest, NotificationList } from '../../shared/requests.js';
import { uniqueName } from '../directory/fixtures.js';
import { buildTestAppWithMail, signInAs, signInFresh, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';
import type { SmtpCapture } from '../harness/smtp.js';
import type { ThrowawayOptions } from '../harness/people.js';

// Well-formed keys of a browser's push subscription (the recording sender never uses them).
const PUSH_P256DH = 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U';
const PUSH_AUTH = 'tBHItJI5svbpez7KI4CCXg';

/**
 * Device requests through the API, on SQLite and PostgreSQL: the whole story with real mail, the
 * races (last unit, two approvers, one Idempotency-Key sent 20 times), delegation, SLA reminders
 * and escalation, and the authorization walk. Every test stocks its own models and makes its own
 * people; demo staff (hana, adam) only act.
 */
describe.each(availableDialects())('device requests on %s', (dialect) => {
  let t: TestApp & { smtp: SmtpCapture };
  let hana: string;
  let adam: string;
  const RULES = [
    { category: 'laptops', steps: [{ kind: 'manager', slaHours: 48 }, { kind: 'group', role: 'helpdesk', mode: 'any', members: ['hana'], slaHours: 24 }] },
    { category: 'accessories', maxPriceCents: 10_000, steps: [{ kind: 'manager', slaHours: 48 }] },
    { category: 'loaners', steps: [{ kind: 'manager', slaHours: 48 }] },
  ];

  beforeAll(async () => {
    t = await buildTestAppWithMail({ dialect });
    hana = await signInAs(t, 'hana');
    adam = await signInFresh(t, 'adam');
    // Demo mode seeded its chains: accessories under the set price need the manager only.
    const seeded = await call<{ rules: { category: string; maxPriceCents: number | null; steps: { kind: string }[] }[] }>('GET', '/api/admin/approval-chains', adam);
    expect(seeded.body.rules.find((r) => r.category === 'accessories' && r.maxPriceCents !== null)!.steps.map((s) => s.kind)).toEqual(['manager']);
    expect(seeded.body.rules.find((r) => r.category === 'laptops')!.steps.map((s) => s.kind)).toEqual(['manager', 'group']);
    // Test chains: laptops need the manager then the help desk; accessories only the manager;
    // monitors a manager and then two named help-desk members who must all approve.
    const response = await t.request('PUT', '/api/admin/approval-chains', {
      cookie: adam,
      json: { rules: RULES },
    });
    expect(response.status).toBe(200);
  });
  afterAll(() => t.close());

  // ----- helpers -------------------------------------------------------------------------------

  async function stock(category: string, units: number, extra: { priceCents?: number; leadTimeDays?: number | null } = {}) {
    const model = await t.deps.inventory.createModel(
      modelInputSchema.parse({ category, manufacturer: 'Testco', name: uniqueName('Model'), priceCents: extra.priceCents ?? 5000, leadTimeDays: extra.leadTimeDays ?? 10 }),
    );
    const tags: string[] = [];
    for (let i = 0; i < units; i++) {
      const tag = `T-${randomUUID().slice(0, 8)}`;
      await t.deps.inventory.createAsset(assetInputSchema.parse({ tag, serial: `SN${randomUUID().slice(0, 10)}`, modelId: model.id, warrantyEnd: '2029-11-30' }));
      tags.push(tag);
    }
    return { id: model.id, tags };
  }

  async function person(options: ThrowawayOptions = {}) {
    const p = await t.addPerson(options);
    return { ...p, cookie: await signInAs(t, p.username, p.password) };
  }

  /** An employee with a manager of their own, both throwaway. */
  async function team() {
    const boss = await person({ role: 'manager', prefix: 'boss' });
    const emp = await person({ manager: boss.username, prefix: 'emp' });
    return { boss, emp };
  }

  const call = async <T = any>(method: string, path: string, cookie: string, json?: unknown, headers?: Record<string, string>) => {
    const response = await t.request(method, path, { cookie, json, headers });
    return { status: response.status, body: (await response.json()) as T };
  };
  /** A request as answered, or the error body when it was refused. */
  type Answer = DeviceRequest & { error: { code: string; fields?: Record<string, string> } };
  const create = (cookie: string, body: Record<string, unknown>, key = randomUUID()) =>
    call<Answer>('POST', '/api/requests', cookie, { justification: 'My old one broke.', ...body }, { 'Idempotency-Key': key });
  const queue = async (cookie: string) => (await call<{ items: Approval[] }>('GET', '/api/approvals', cookie)).body.items;
  const approvalFor = async (cookie: string, requestId: number) => (await queue(cookie)).find((a) => a.requestId === requestId);
  const decide = (cookie: string, approvalId: number, decision: 'approve' | 'reject', comment = '', key = randomUUID()) =>
    call<Answer>('POST', `/api/approvals/${approvalId}/decision`, cookie, { decision, comment }, { 'Idempotency-Key': key });
  const inStock = async (modelId: string) => (await t.deps.inventory.getModel(modelId))!.inStock;

  // ----- the story -----------------------------------------------------------------------------

  /** Turns web push on for a person (a browser's subscription, as PushSubscription.toJSON() gives it). */
  const subscribe = async (cookie: string, name: string) => {
    const json = { endpoint: `https://push.example.com/send/${name}`, keys: { p256dh: PUSH_P256DH, auth: PUSH_AUTH } };
    expect((await t.request('POST', '/api/push/subscriptions', { json, cookie })).status).toBe(201);
  };

  it('runs the whole story: request, manager, help desk, ship, receive, my devices, mail at every step', async () => {
    const { boss, emp } = await team();
    await subscribe(boss.cookie, boss.username);
    await subscribe(emp.cookie, emp.username);
    const laptop = await stock('laptops', 2);

    const catalog = await call<{ items: { modelId: string; label: unknown; eligibility: unknown; approvalSteps: string[] }[] }>('GET', '/api/catalog?category=laptops', emp.cookie);
    const item = catalog.body.items.find((i) => i.modelId === laptop.id)!;
    expect(item.label).toEqual({ kind: 'in_stock', count: 2 });
    expect(item.eligibility).toEqual({ eligible: true });
    expect(item.approvalSteps).toEqual(['manager', 'group']);

    const created = await create(emp.cookie, { modelId: laptop.id, neededBy: '2026-12-15' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.body).toMatchObject({ status: 'pending_approval', currentStep: 1, requester: emp.username });

    // The help desk sees nothing yet: the manager decides first.
    expect(await approvalFor(hana, id)).toBeUndefined();
    const mine = await approvalFor(boss.cookie, id);
    expect(mine).toMatchObject({ step: 1, stepCount: 2, kind: 'manager' });
    expect((await decide(boss.cookie, mine!.id, 'approve', 'Fine by me.')).body.currentStep).toBe(2);

    const desk = await approvalFor(hana, id);
    expect(desk).toMatchObject({ step: 2, kind: 'group' });
    const approved = await decide(hana, desk!.id, 'approve');
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');
    expect(approved.body.reservedTags).toHaveLength(1);
    expect(laptop.tags).toContain(approved.body.reservedTags[0]);
    expect(await inStock(laptop.id)).toBe(1);

    // An asset of another model, or none at all, is refused and changes nothing.
    const stranger = await stock('monitors', 1);
    const wrong = await call<Answer>('POST', `/api/requests/${id}/fulfil`, hana, { assetTag: stranger.tags[0], delivery: 'ship' });
    expect([wrong.status, wrong.body.error.code]).toEqual([409, 'asset_unavailable']);
    expect((await call<Answer>('POST', `/api/requests/${id}/fulfil`, hana, { assetTag: 'NO-SUCH-TAG' })).status).toBe(409);
    expect((await call<Answer>('POST', `/api/requests/${id}/fulfil`, hana, { assetTags: [...laptop.tags] })).status).toBe(400);
    expect((await call<DeviceRequest>('GET', `/api/requests/${id}`, emp.cookie)).body.status).toBe('approved');
    // The help desk picks the other unit from the shelf (by its serial): the reserved one goes back.
    const other = laptop.tags.find((tag) => tag !== approved.body.reservedTags[0])!;
    const serial = (await t.deps.inventory.findAsset({ tag: other }))!.serial!;
    const fulfil = await call<DeviceRequest>('POST', `/api/requests/${id}/fulfil`, hana, { assetTag: serial, delivery: 'ship' });
    expect(fulfil.status).toBe(200);
    expect(fulfil.body).toMatchObject({ status: 'shipped', assetTags: [other], reservedTags: [] });
    expect(fulfil.body.can.receive).toBe(false); // hana is not the requester

    const received = await call<DeviceRequest>('POST', `/api/requests/${id}/receive`, emp.cookie, {});
    expect(received.status).toBe(200);
    expect(received.body.status).toBe('received');
    expect(received.body.timeline.map((e) => e.event)).toEqual(['submitted', 'step_approved', 'step_approved', 'approved', 'shipped', 'received']);

    const devices = await call<{ items: { assetTag: string; warrantyEnd: string | null }[] }>('GET', '/api/me/devices', emp.cookie);
    expect(devices.body.items).toEqual([expect.objectContaining({ assetTag: other, warrantyEnd: '2029-11-30' })]);
    // Every unit accounted for: the picked one assigned, the other back on the shelf.
    expect(await inStock(laptop.id)).toBe(1);

    await t.drainJobs();
    expect(t.smtp.to(boss.email).map((m) => m.subject)).toContain('A request waits for your approval / 有申请等待您审批');
    const empMail = t.smtp.to(emp.email).map((m) => m.subject);
    expect(empMail).toEqual(
      expect.arrayContaining([expect.stringContaining('Your request moved on'), expect.stringContaining('Your request was approved'), expect.stringContaining('Your device was shipped')]),
    );
    expect(t.smtp.to(emp.email).find((m) => m.subject.includes('shipped'))!.text).toContain(`/requests/${id}`);
    // Web push too: the approval request carries approve/reject buttons that open its confirmation screen.
    const pushes = (await t.deps.db.selectFrom('jobs').select('payload').where('kind', '=', 'push.send').execute()).map((j) => JSON.parse(j.payload));
    expect(pushes).toContainEqual(
      expect.objectContaining({ recipient: boss.username, url: `/approvals/${mine!.id}`, actions: [expect.objectContaining({ action: 'approve' }), expect.objectContaining({ action: 'reject' })] }),
    );
    expect(pushes).toContainEqual(expect.objectContaining({ recipient: emp.username, url: `/requests/${id}`, title: 'Your device was shipped' }));

    const bell = await call<NotificationList>('GET', '/api/notifications', emp.cookie);
    expect(bell.body.unread).toBe(3);
    expect((await call('POST', '/api/notifications/read', emp.cookie, {})).body).toMatchObject({ marked: 3, unread: 0 });

    // Every transition is audited.
    const audit = await t.deps.db.selectFrom('audit_events').select(['action', 'actor']).where('subject', '=', emp.username).where('action', 'like', 'requests.%').orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual([
      'requests.create',
      'requests.step_approved',
      'requests.step_approved',
      'requests.approved',
      'requests.shipped',
      'requests.received',
    ]);
  });

  it('mails and lists a notification for a person without web push, and queues no push for nobody', async () => {
    const { boss, emp } = await team();
    const laptop = await stock('laptops', 1);
    const created = await create(emp.cookie, { modelId: laptop.id });
    expect(created.status).toBe(201);
    await t.drainJobs();
    expect(t.smtp.to(boss.email).map((m) => m.subject)).toContain('A request waits for your approval / 有申请等待您审批');
    expect((await call<NotificationList>('GET', '/api/notifications', boss.cookie)).body.unread).toBe(1);
    const pushes = await t.deps.db.selectFrom('jobs').select('payload').where('kind', '=', 'push.send').execute();
    expect(pushes.map((j) => JSON.parse(j.payload).recipient)).not.toContain(boss.username);
  });

  it('rejects with a reason, and the requester hears why', async () => {
    const { boss, emp } = await team();
    const laptop = await stock('laptops', 1);
    const { body } = await create(emp.cookie, { modelId: laptop.id });
    const approval = (await approvalFor(boss.cookie, body.id))!;
    const noReason = await decide(boss.cookie, approval.id, 'reject');
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.fields).toHaveProperty('comment');
    const key = randomUUID();
    const rejected = await decide(boss.cookie, approval.id, 'reject', 'Your laptop is only a year old.', key);
    expect(rejected.body).toMatchObject({ status: 'rejected', rejectionReason: 'Your laptop is only a year old.' });
    expect(rejected.body.steps.map((s) => s.state)).toEqual(['rejected', 'skipped']);
    expect(await inStock(laptop.id)).toBe(1);
    const bell = await call<NotificationList>('GET', '/api/notifications', emp.cookie);
    expect(bell.body.items[0]).toMatchObject({ kind: 'request_rejected', params: expect.objectContaining({ reason: 'Your laptop is only a year old.' }) });
    // The same decision sent again with its key (an answer lost offline) replays the answer.
    const replayed = await decide(boss.cookie, approval.id, 'reject', 'Your laptop is only a year old.', key);
    expect(replayed.status).toBe(200);
    expect(replayed.body.status).toBe('rejected');
    // A decided approval cannot be decided again.
    const again = await decide(boss.cookie, approval.id, 'approve');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_decided');
  });

  it('releases the reserved unit when an approved request is cancelled', async () => {
    const { boss, emp } = await team();
    const mouse = await stock('accessories', 1, { priceCents: 2500 });
    const { body } = await create(emp.cookie, { modelId: mouse.id });
    const approved = await decide(boss.cookie, (await approvalFor(boss.cookie, body.id))!.id, 'approve');
    expect(approved.body.status).toBe('approved');
    expect(await inStock(mouse.id)).toBe(0);
    const cancelled = await call<DeviceRequest>('POST', `/api/requests/${body.id}/cancel`, emp.cookie, { reason: 'Found one in a drawer.' });
    expect(cancelled.body.status).toBe('cancelled');
    expect(await inStock(mouse.id)).toBe(1);
    // Cancelled is final.
    expect((await call('POST', `/api/requests/${body.id}/cancel`, emp.cookie, {})).status).toBe(409);
  });

  // ----- races ---------------------------------------------------------------------------------

  it('gives the last unit to one of two requests approved at once; the other is backordered with the lead time', async () => {
    const boss = await person({ role: 'manager', prefix: 'boss' });
    const [a, b] = await Promise.all([person({ manager: boss.username }), person({ manager: boss.username })]);
    const mouse = await stock('accessories', 1, { priceCents: 2500, leadTimeDays: 12 });
    const ra = (await create(a.cookie, { modelId: mouse.id })).body;
    const rb = (await create(b.cookie, { modelId: mouse.id })).body;
    const [qa, qb] = [(await approvalFor(boss.cookie, ra.id))!, (await approvalFor(boss.cookie, rb.id))!];
    const results = await Promise.all([decide(boss.cookie, qa.id, 'approve'), decide(boss.cookie, qb.id, 'approve')]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(results.map((r) => r.body.status).sort()).toEqual(['approved', 'backordered']);
    expect(results.find((r) => r.body.status === 'backordered')!.body.leadTimeDays).toBe(12);
    expect(await inStock(mouse.id)).toBe(0);
  });

  it('counts one decision when two help-desk members decide the same step at once', async () => {
    const { boss, emp } = await team();
    const other = await person({ role: 'helpdesk', prefix: 'desk' });
    const laptop = await stock('laptops', 1);
    const { body } = await create(emp.cookie, { modelId: laptop.id });
    await decide(boss.cookie, (await approvalFor(boss.cookie, body.id))!.id, 'approve');
    const row = (await approvalFor(hana, body.id))!;
    expect((await approvalFor(other.cookie, body.id))!.id).toBe(row.id);
    const results = await Promise.all([decide(hana, row.id, 'approve'), decide(other.cookie, row.id, 'reject', 'No budget left.')]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const final = await call<DeviceRequest>('GET', `/api/requests/${body.id}`, emp.cookie);
    expect(['approved', 'rejected']).toContain(final.body.status);
    expect(final.body.steps[1]!.approvers.filter((a) => a.state !== 'void')).toHaveLength(1);
    expect(await inStock(laptop.id)).toBe(final.body.status === 'approved' ? 0 : 1);
  });

  it('waits for every named member of an "all" step, even when they approve at the same moment', async () => {
    const { boss, emp } = await team();
    const [one, two] = [await person({ role: 'helpdesk' }), await person({ role: 'helpdesk' })];
    const rules = [...RULES, { category: 'monitors', steps: [{ kind: 'manager' }, { kind: 'group', role: 'helpdesk', mode: 'all', members: [one.username, two.username] }] }];
    expect((await call('PUT', '/api/admin/approval-chains', adam, { rules })).status).toBe(200);
    try {
      const monitor = await stock('monitors', 1);
      const { body } = await create(emp.cookie, { modelId: monitor.id });
      await decide(boss.cookie, (await approvalFor(boss.cookie, body.id))!.id, 'approve');
      // Each member has their own approval; hana (help desk, not named) has none.
      const [a, b] = [(await approvalFor(one.cookie, body.id))!, (await approvalFor(two.cookie, body.id))!];
      expect(a.id).not.toBe(b.id);
      expect(await approvalFor(hana, body.id)).toBeUndefined();
      const results = await Promise.all([decide(one.cookie, a.id, 'approve'), decide(two.cookie, b.id, 'approve')]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      const final = await call<DeviceRequest>('GET', `/api/requests/${body.id}`, emp.cookie);
      expect(final.body.status).toBe('approved');
      expect(final.body.steps[1]!.approvers.map((x) => x.state)).toEqual(['approved', 'approved']);
      expect(await inStock(monitor.id)).toBe(0);
    } finally {
      expect((await call('PUT', '/api/admin/approval-chains', adam, { rules: RULES })).status).toBe(200);
    }
  });

  it('makes one request of the same Idempotency-Key sent 20 times at once; another body is 422, no key is 400', async () => {
    const { emp } = await team();
    const mouse = await stock('accessories', 3);
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 20 }, () => create(emp.cookie, { modelId: mouse.id }, key)));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect((await call<{ items: unknown[] }>('GET', '/api/requests', emp.cookie)).body.items).toHaveLength(1);
    expect((await create(emp.cookie, { modelId: mouse.id, quantity: 2 }, key)).status).toBe(422);
    const noKey = await call('POST', '/api/requests', emp.cookie, { modelId: mouse.id, justification: 'Need it.' });
    expect(noKey.status).toBe(400);
    expect((await call<{ items: unknown[] }>('GET', '/api/requests', emp.cookie)).body.items).toHaveLength(1);
  });

  it('never books one loaner twice for overlapping days', async () => {
    const boss = await person({ role: 'manager', prefix: 'boss' });
    const [a, b, c] = (await Promise.all([1, 2, 3].map(() => person({ manager: boss.username })))) as [Awaited<ReturnType<typeof person>>, Awaited<ReturnType<typeof person>>, Awaited<ReturnType<typeof person>>];
    const loaner = await stock('loaners', 1);
    const ra = (await create(a.cookie, { modelId: loaner.id, loanFrom: '2026-12-01', loanUntil: '2026-12-05' })).body;
    const rb = (await create(b.cookie, { modelId: loaner.id, loanFrom: '2026-12-05', loanUntil: '2026-12-08' })).body;
    const rc = (await create(c.cookie, { modelId: loaner.id, loanFrom: '2026-12-06', loanUntil: '2026-12-09' })).body;
    const decided = await Promise.all([ra, rb].map(async (r) => decide(boss.cookie, (await approvalFor(boss.cookie, r.id))!.id, 'approve')));
    expect(decided.map((d) => d.body.status).sort()).toEqual(['approved', 'backordered']);
    const winner = decided.find((d) => d.body.status === 'approved')!.body;
    const third = await decide(boss.cookie, (await approvalFor(boss.cookie, rc.id))!.id, 'approve');
    // Dec 6–9 clashes with Dec 5–8 only.
    expect(third.body.status).toBe(winner.id === ra.id ? 'approved' : 'backordered');
  });

  // ----- delegation and SLA --------------------------------------------------------------------

  it('lets a delegate decide while the manager is away, audited on their behalf', async () => {
    const { boss, emp } = await team();
    const deputy = await person({ role: 'manager', prefix: 'deputy' });
    const now = t.clock.now();
    const set = await call('PUT', '/api/me/delegation', boss.cookie, {
      delegate: deputy.username,
      from: new Date(now - 1000).toISOString(),
      until: new Date(now + 7 * 86_400_000).toISOString(),
    });
    expect(set.status).toBe(200);
    const mouse = await stock('accessories', 1);
    const { body } = await create(emp.cookie, { modelId: mouse.id });
    const approval = (await approvalFor(deputy.cookie, body.id))!;
    expect(approval.onBehalfOf).toBe(boss.username);
    const decided = await decide(deputy.cookie, approval.id, 'approve');
    expect(decided.body.status).toBe('approved');
    expect(decided.body.timeline.find((e) => e.event === 'step_approved')).toMatchObject({ actor: deputy.username, onBehalfOf: boss.username });
    const row = await t.deps.db.selectFrom('audit_events').select(['actor', 'details']).where('action', '=', 'requests.step_approved').where('subject', '=', emp.username).executeTakeFirstOrThrow();
    expect(row.actor).toBe(deputy.username);
    expect(JSON.parse(row.details!)).toMatchObject({ onBehalfOf: boss.username });
    // Once the window ends, the deputy sees nothing of the boss's.
    await call('DELETE', '/api/me/delegation', boss.cookie);
    const next = (await create(emp.cookie, { modelId: mouse.id })).body;
    expect(await approvalFor(deputy.cookie, next.id)).toBeUndefined();
  });

  it("reminds the approver at half the SLA and escalates to the approver's manager at its end", async () => {
    const top = await person({ role: 'manager', prefix: 'top' });
    const boss = await person({ role: 'manager', prefix: 'boss', manager: top.username });
    const emp = await person({ manager: boss.username });
    const mouse = await stock('accessories', 1);
    const { body } = await create(emp.cookie, { modelId: mouse.id });
    await t.drainJobs();
    const before = t.smtp.to(boss.email).length;

    t.clock.advance(25 * 3_600_000);
    await t.drainJobs();
    expect(t.smtp.to(boss.email).slice(before).map((m) => m.subject)).toContain('Reminder: a request waits for your approval / 提醒：有申请等待您审批');
    top.cookie = await signInAs(t, top.username, top.password);
    expect(await approvalFor(top.cookie, body.id)).toBeUndefined();

    t.clock.advance(24 * 3_600_000);
    await t.drainJobs();
    // A day on, sessions have long gone idle: sign in again.
    top.cookie = await signInAs(t, top.username, top.password);
    boss.cookie = await signInAs(t, boss.username, boss.password);
    const escalated = (await approvalFor(top.cookie, body.id))!;
    expect(escalated).toMatchObject({ escalated: true, overdue: true });
    expect(t.smtp.to(top.email).map((m) => m.subject)).toContain('A request was escalated to you / 有申请已上报给您');
    // Running the escalation again adds nobody twice.
    await t.deps.jobs.drain();
    expect((await queue(top.cookie)).filter((a) => a.requestId === body.id)).toHaveLength(1);
    expect((await decide(top.cookie, escalated.id, 'approve')).body.status).toBe('approved');
    // The boss's own approval is settled with the step.
    expect(await approvalFor(boss.cookie, body.id)).toBeUndefined();
    // Later tests act as hana, whose session went idle while the clock moved.
    hana = await signInAs(t, 'hana');
  });

  // ----- my devices ----------------------------------------------------------------------------

  it('lists my devices; a problem report, and a return the help desk checks back in', async () => {
    const { emp } = await team();
    const stranger = await person();
    const phone = await stock('phones', 2);
    await t.deps.inventory.assign(phone.tags[0]!, emp.username, {});
    await t.deps.inventory.assign(phone.tags[1]!, emp.username, {});
    const devices = await call<{ items: { assetTag: string; openReport: unknown }[] }>('GET', '/api/me/devices', emp.cookie);
    expect(devices.body.items.map((d) => d.assetTag).sort()).toEqual([...phone.tags].sort());

    // Only the holder reports on a device; a stranger's report is as if it did not exist.
    const report = (tag: string, cookie: string, body: Record<string, unknown>) => call('POST', `/api/me/devices/${tag}/reports`, cookie, body);
    expect((await report(phone.tags[0]!, stranger.cookie, { kind: 'problem', description: 'Cracked screen' })).status).toBe(404);
    expect((await report(phone.tags[0]!, emp.cookie, { kind: 'stolen', description: 'Gone' })).status).toBe(400);
    const problem = await report(phone.tags[0]!, emp.cookie, { kind: 'problem', description: 'The screen flickers.' });
    expect(problem.status).toBe(201);
    expect((await report(phone.tags[0]!, emp.cookie, { kind: 'return', description: 'Again' })).status).toBe(409);
    const ret = await report(phone.tags[1]!, emp.cookie, { kind: 'return', description: 'I have two phones.' });
    expect(ret.status).toBe(201);

    const open = await call<{ items: { id: number; kind: string; assetTag: string }[] }>('GET', '/api/device-reports', hana);
    expect(open.body.items.filter((r) => phone.tags.includes(r.assetTag)).map((r) => r.kind).sort()).toEqual(['problem', 'return']);
    expect((await call('GET', '/api/device-reports', emp.cookie)).status).toBe(403);
    // A return goes back through check-in: the device leaves the person and is in stock again.
    const closed = await call('POST', `/api/device-reports/${ret.body.id}/close`, hana, { checkIn: true });
    expect(closed.body).toMatchObject({ state: 'closed', resolution: 'checked_in' });
    expect((await t.deps.inventory.findAsset({ tag: phone.tags[1]! }))!).toMatchObject({ status: 'in_stock', assignedTo: null });
    expect((await call<{ items: { assetTag: string }[] }>('GET', '/api/me/devices', emp.cookie)).body.items.map((d) => d.assetTag)).toEqual([phone.tags[0]]);
    // A problem is closed without a check-in; a closed report cannot be closed again.
    expect((await call('POST', `/api/device-reports/${problem.body.id}/close`, hana, { checkIn: true })).status).toBe(400);
    expect((await call('POST', `/api/device-reports/${problem.body.id}/close`, hana, {})).status).toBe(200);
    expect((await call('POST', `/api/device-reports/${problem.body.id}/close`, hana, {})).status).toBe(409);
  });

  // ----- authorization -------------------------------------------------------------------------

  it('walks authorization: strangers, own requests, other managers, the help desk on a manager step', async () => {
    const { boss, emp } = await team();
    const stranger = await person({ prefix: 'stranger' });
    const otherBoss = await person({ role: 'manager', prefix: 'other' });
    const laptop = await stock('laptops', 1);
    const { body } = await create(emp.cookie, { modelId: laptop.id });
    const approval = (await approvalFor(boss.cookie, body.id))!;

    // Another employee cannot read, cancel, receive or decide it.
    expect((await call('GET', `/api/requests/${body.id}`, stranger.cookie)).status).toBe(404);
    expect((await call('POST', `/api/requests/${body.id}/cancel`, stranger.cookie, {})).status).toBe(404);
    expect((await call('POST', `/api/requests/${body.id}/receive`, stranger.cookie, {})).status).toBe(404);
    expect((await decide(stranger.cookie, approval.id, 'approve')).status).toBe(404);
    expect((await call('POST', `/api/requests/${body.id}/fulfil`, stranger.cookie, { assetTag: laptop.tags[0] })).status).toBe(403);
    // There is no way to set a status directly.
    expect((await call('PATCH', `/api/requests/${body.id}`, emp.cookie, { status: 'approved' })).status).toBe(404);
    expect((await call('PUT', `/api/requests/${body.id}`, emp.cookie, { status: 'approved' })).status).toBe(404);
    // The requester cannot approve their own request (the row is not theirs), nor receive before hand-over.
    expect((await decide(emp.cookie, approval.id, 'approve')).status).toBe(404);
    expect((await call('POST', `/api/requests/${body.id}/receive`, emp.cookie, {})).status).toBe(409);
    // Another manager approves only for their own reports; the help desk not the manager's step.
    expect(await approvalFor(otherBoss.cookie, body.id)).toBeUndefined();
    expect((await decide(otherBoss.cookie, approval.id, 'approve')).status).toBe(404);
    expect((await decide(hana, approval.id, 'approve')).status).toBe(404);
    // Asking on behalf of someone who is not a report is refused and creates nothing.
    const behalf = await create(otherBoss.cookie, { modelId: laptop.id, onBehalfOf: emp.username });
    expect(behalf.status).toBe(400);
    expect(behalf.body.error.fields).toHaveProperty('onBehalfOf');

    // A help-desk member's own request: its help-desk step is decided by someone else.
    const deskBoss = await person({ role: 'manager' });
    const desk = await person({ role: 'helpdesk', manager: deskBoss.username });
    const own = (await create(desk.cookie, { modelId: laptop.id })).body;
    await decide(deskBoss.cookie, (await approvalFor(deskBoss.cookie, own.id))!.id, 'approve');
    expect(await approvalFor(desk.cookie, own.id)).toBeUndefined();
    const row = (await approvalFor(hana, own.id))!;
    const self = await decide(desk.cookie, row.id, 'approve');
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe('forbidden');

    // A manager asking for a report: the step goes to the manager's manager, not to themselves.
    const top = await person({ role: 'manager' });
    const mid = await person({ role: 'manager', manager: top.username });
    const report = await person({ manager: mid.username });
    const forReport = await create(mid.cookie, { modelId: laptop.id, onBehalfOf: report.username });
    expect(forReport.status).toBe(201);
    expect(forReport.body.requester).toBe(report.username);
    expect(await approvalFor(mid.cookie, forReport.body.id)).toBeUndefined();
    expect(await approvalFor(top.cookie, forReport.body.id)).toBeDefined();
  });

  it('refuses bad input with field errors and creates nothing', async () => {
    const { emp } = await team();
    const laptop = await stock('laptops', 1);
    const bad = async (body: Record<string, unknown>, field: string) => {
      const answer = await create(emp.cookie, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.fields, JSON.stringify(answer.body)).toHaveProperty(field);
    };
    await bad({ modelId: laptop.id, justification: '' }, 'justification');
    await bad({ modelId: 'abc' }, 'modelId');
    await bad({ modelId: '999999' }, 'modelId');
    await bad({ modelId: laptop.id, quantity: 3 }, 'quantity');
    await bad({ modelId: laptop.id, quantity: 0 }, 'quantity');
    await bad({ modelId: laptop.id, neededBy: '2026-02-30' }, 'neededBy');
    await bad({ modelId: laptop.id, neededBy: '2020-01-01' }, 'neededBy');
    await bad({ modelId: laptop.id, loanFrom: '2026-12-01', loanUntil: '2026-12-03' }, 'loanFrom');
    await bad({ modelId: laptop.id, loanFrom: '2026-12-05', loanUntil: '2026-12-01' }, 'loanUntil');
    await bad({ modelId: laptop.id, status: 'approved' }, '_');
    expect((await call<{ items: unknown[] }>('GET', '/api/requests', emp.cookie)).body.items).toHaveLength(0);
    const decision = await call('POST', '/api/approvals/1/decision', emp.cookie, { decision: 'maybe' }, { 'Idempotency-Key': randomUUID() });
    expect(decision.status).toBe(400);
  });
});
