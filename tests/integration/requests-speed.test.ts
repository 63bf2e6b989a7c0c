import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetInputSchema, modelInputSchema } from '../../shared/inventory.js';
import type { DeviceRequest } from '../../shared/requests.js';
import { uniqueName } from '../directory/fixtures.js';
import { buildTestApp, signInAs, signInFresh, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';
import type { ThrowawayOptions } from '../harness/people.js';

/**
 * On SQLite and PostgreSQL: a new request's answer is built from the rows its transaction wrote
 * (not read back), so it must equal a later read of the same request, for every shape of chain, and
 * its Idempotency-Key answer commits with it. Backorders take stock as it arrives (added, set back
 * in stock, released by a cancellation), oldest first. Handing over another unit than the one
 * reserved moves the reservation in one transaction; two hand-overs of one unit: one wins.
 */
describe.each(availableDialects())('device requests, fast paths, on %s', (dialect) => {
  let t: TestApp;
  let adam: string;
  let hana: string;
  const RULES = [
    { category: 'laptops', steps: [{ kind: 'manager', slaHours: 48 }, { kind: 'group', role: 'helpdesk', mode: 'any', members: ['hana'], slaHours: 24 }] },
    { category: 'monitors', steps: [{ kind: 'group', role: 'helpdesk', mode: 'all', members: ['hana', 'adam'], slaHours: 24 }] },
    { category: 'accessories', steps: [{ kind: 'manager', slaHours: 48 }] },
    { category: 'peripherals', steps: [] },
  ];

  beforeAll(async () => {
    t = await buildTestApp({ dialect });
    adam = await signInFresh(t, 'adam');
    hana = await signInAs(t, 'hana');
    const response = await t.request('PUT', '/api/admin/approval-chains', { cookie: adam, json: { rules: RULES } });
    expect(response.status).toBe(200);
  });
  afterAll(() => t.close());

  async function stock(category: string, units: number) {
    const model = await t.deps.inventory.createModel(
      modelInputSchema.parse({ category, manufacturer: 'Testco', name: uniqueName('Model'), priceCents: 5000, leadTimeDays: 10 }),
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

  const call = async <T = any>(method: string, path: string, cookie: string, json?: unknown, headers?: Record<string, string>) => {
    const response = await t.request(method, path, { cookie, json, headers });
    return { status: response.status, body: (await response.json()) as T, replayed: response.headers.get('Idempotent-Replayed') };
  };

  it('answers a new request exactly as reading it back does, for every shape of chain', async () => {
    const boss = await person({ role: 'manager', prefix: 'boss' });
    const emp = await person({ manager: boss.username, prefix: 'emp' });
    const cases: { category: string; who: typeof emp; body?: Record<string, unknown>; status: string }[] = [
      { category: 'laptops', who: emp, status: 'pending_approval' },
      { category: 'monitors', who: emp, status: 'pending_approval' },
      { category: 'accessories', who: emp, status: 'pending_approval' },
      // On behalf of a report: the request is told to them, and its manager step goes above the manager.
      { category: 'laptops', who: boss, body: { onBehalfOf: emp.username }, status: 'pending_approval' },
      // No steps at all: approved (and reserved) at once.
      { category: 'peripherals', who: emp, status: 'approved' },
    ];
    for (const c of cases) {
      const model = await stock(c.category, 1);
      const key = randomUUID();
      const body = { modelId: model.id, justification: `For ${c.category}.`, ...c.body };
      const created = await call<DeviceRequest>('POST', '/api/requests', c.who.cookie, body, { 'Idempotency-Key': key });
      expect(created.status, c.category).toBe(201);
      expect(created.body.status).toBe(c.status);
      const read = await call<DeviceRequest>('GET', `/api/requests/${created.body.id}`, c.who.cookie);
      expect(read.body, c.category).toEqual(created.body);
      // The key's stored answer is that same answer.
      const again = await call<DeviceRequest>('POST', '/api/requests', c.who.cookie, body, { 'Idempotency-Key': key });
      expect(again.status).toBe(201);
      expect(again.replayed).toBe('true');
      expect(again.body).toEqual(created.body);
    }
  });

  // ----- backorders and hand-over ------------------------------------------------------------

  type Answer = DeviceRequest & { error: { code: string } };
  const decideAll = async (boss: string, id: number) => {
    const approval = (await call<{ items: { id: number; requestId: number }[] }>('GET', '/api/approvals', boss)).body.items.find((a) => a.requestId === id)!;
    return call<Answer>('POST', `/api/approvals/${approval.id}/decision`, boss, { decision: 'approve', comment: '' }, { 'Idempotency-Key': randomUUID() });
  };
  /** An accessory request (the manager only) by a new report of `boss`, approved: reserved or backordered. */
  const approvedRequest = async (boss: Awaited<ReturnType<typeof person>>, modelId: string) => {
    const emp = await person({ manager: boss.username, prefix: 'emp' });
    const created = await call<Answer>('POST', '/api/requests', emp.cookie, { modelId, justification: 'Mine broke.' }, { 'Idempotency-Key': randomUUID() });
    expect(created.status).toBe(201);
    const decided = await decideAll(boss.cookie, created.body.id);
    expect(decided.status).toBe(200);
    return { emp, id: created.body.id, request: decided.body };
  };
  const read = async (cookie: string, id: number) => (await call<DeviceRequest>('GET', `/api/requests/${id}`, cookie)).body;
  const assetInput = (modelId: string, status = 'in_stock') => ({ tag: `T-${randomUUID().slice(0, 8)}`, serial: null, modelId, status, warrantyEnd: '2029-11-30' });

  it('gives arriving stock to the oldest backorder of its model, in the same transaction, and tells them', async () => {
    const boss = await person({ role: 'manager', prefix: 'boss' });
    const model = await stock('accessories', 0);
    const first = await approvedRequest(boss, model.id);
    const second = await approvedRequest(boss, model.id);
    const third = await approvedRequest(boss, model.id);
    for (const r of [first, second, third]) expect(r.request.status).toBe('backordered');

    // The help desk adds a unit: the oldest backorder gets it at once; nothing is left on the shelf.
    const added = await call<{ tag: string; status: string; reservedFor: string | null }>('POST', '/api/inventory/assets', hana, assetInput(model.id));
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ status: 'reserved', reservedFor: `request:${first.id}` });
    expect(await read(first.emp.cookie, first.id)).toMatchObject({ status: 'approved', reservedTags: [added.body.tag], leadTimeDays: null });
    expect((await read(second.emp.cookie, second.id)).status).toBe('backordered');
    expect((await t.deps.inventory.getModel(model.id))!.inStock).toBe(0);
    const told = await call<{ items: { kind: string; link: string }[] }>('GET', '/api/notifications', first.emp.cookie);
    expect(told.body.items).toContainEqual(expect.objectContaining({ kind: 'request_approved', link: `/requests/${first.id}` }));

    // A unit back from repair is stock again: the next one in line.
    const repaired = await call<{ tag: string }>('POST', '/api/inventory/assets', hana, assetInput(model.id, 'in_repair'));
    expect((await read(second.emp.cookie, second.id)).status).toBe('backordered');
    const back = await call<{ status: string; reservedFor: string | null }>('POST', `/api/inventory/assets/${repaired.body.tag}/status`, hana, { status: 'in_stock', note: 'Repaired.' });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ status: 'reserved', reservedFor: `request:${second.id}` });
    expect((await read(second.emp.cookie, second.id)).status).toBe('approved');

    // A cancelled request's unit goes to the third.
    expect((await call('POST', `/api/requests/${first.id}/cancel`, first.emp.cookie, {})).status).toBe(200);
    expect(await read(third.emp.cookie, third.id)).toMatchObject({ status: 'approved', reservedTags: [added.body.tag] });
    expect((await t.deps.inventory.findAsset({ tag: added.body.tag }))!.reservedFor).toBe(`request:${third.id}`);

    // Without anyone waiting, new stock stays on the shelf.
    const spare = await call<{ status: string }>('POST', '/api/inventory/assets', hana, assetInput(model.id));
    expect(spare.body.status).toBe('in_stock');
    expect((await t.deps.inventory.getModel(model.id))!.inStock).toBe(1);
  });

  it('moves the reservation to the unit handed over, and gives one unit to only one of two hand-overs at once', async () => {
    const boss = await person({ role: 'manager', prefix: 'boss' });
    const model = await stock('accessories', 3);
    const a = await approvedRequest(boss, model.id);
    const b = await approvedRequest(boss, model.id);
    const heldA = a.request.reservedTags[0]!;
    const heldB = b.request.reservedTags[0]!;
    const free = model.tags.find((tag) => tag !== heldA && tag !== heldB)!;

    // Both hand over the one unit left on the shelf at the same moment.
    const [ra, rb] = await Promise.all([
      call<Answer>('POST', `/api/requests/${a.id}/fulfil`, hana, { assetTag: free, delivery: 'pickup' }),
      call<Answer>('POST', `/api/requests/${b.id}/fulfil`, hana, { assetTag: free, delivery: 'pickup' }),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([200, 409]);
    const [winner, loser, loserHeld, winnerHeld] = ra.status === 200 ? [a, b, heldB, heldA] : [b, a, heldA, heldB];
    expect((ra.status === 200 ? rb : ra).body.error.code).toBe('asset_unavailable');
    // The winner holds the unit handed over, and its own reserved one is back on the shelf.
    expect(await t.deps.inventory.findAsset({ tag: free })).toMatchObject({ status: 'reserved', reservedFor: `request:${winner.id}` });
    expect(await t.deps.inventory.findAsset({ tag: winnerHeld })).toMatchObject({ status: 'in_stock', reservedFor: null });
    expect(await read(winner.emp.cookie, winner.id)).toMatchObject({ status: 'ready_for_pickup', assetTags: [free] });
    // The loser changed nothing: still approved, still holding its own unit.
    expect(await read(loser.emp.cookie, loser.id)).toMatchObject({ status: 'approved', reservedTags: [loserHeld] });
    expect(await t.deps.inventory.findAsset({ tag: loserHeld })).toMatchObject({ status: 'reserved', reservedFor: `request:${loser.id}` });
    expect((await t.deps.inventory.getModel(model.id))!.inStock).toBe(1);

    // Between hand-over and receipt nobody else can take the unit handed over: a new approval gets the freed one.
    const c = await approvedRequest(boss, model.id);
    expect(c.request.reservedTags).toEqual([winnerHeld]);
    const received = await call<DeviceRequest>('POST', `/api/requests/${winner.id}/receive`, winner.emp.cookie, {});
    expect(received.status).toBe(200);
    expect(await t.deps.inventory.findAsset({ tag: free })).toMatchObject({ status: 'assigned', assignedTo: winner.emp.username });
  });
});
