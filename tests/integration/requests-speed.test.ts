import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetInputSchema, modelInputSchema } from '../../shared/inventory.js';
import type { DeviceRequest } from '../../shared/requests.js';
import { uniqueName } from '../directory/fixtures.js';
import { buildTestApp, signInAs, signInFresh, type TestApp } from '../harness/app.js';
import { availableDialects } from '../harness/db.js';
import type { ThrowawayOptions } from '../harness/people.js';

/**
 * What the device-request speed work must not change, on SQLite and PostgreSQL: a new request's
 * answer is built from the rows its transaction wrote (not read back), so it must equal a later read
 * of the same request, for every shape of chain; its Idempotency-Key answer commits with it.
 */
describe.each(availableDialects())('device requests, fast paths, on %s', (dialect) => {
  let t: TestApp;
  let adam: string;
  const RULES = [
    { category: 'laptops', steps: [{ kind: 'manager', slaHours: 48 }, { kind: 'group', role: 'helpdesk', mode: 'any', members: ['hana'], slaHours: 24 }] },
    { category: 'monitors', steps: [{ kind: 'group', role: 'helpdesk', mode: 'all', members: ['hana', 'adam'], slaHours: 24 }] },
    { category: 'accessories', steps: [{ kind: 'manager', slaHours: 48 }] },
    { category: 'peripherals', steps: [] },
  ];

  beforeAll(async () => {
    t = await buildTestApp({ dialect });
    adam = await signInFresh(t, 'adam');
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
});
