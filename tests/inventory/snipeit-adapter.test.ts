/**
 * What only the Snipe-IT adapter does: talk over the network. Outages and a refused token are
 * `inventory_unavailable` (503) after a bounded wait, Snipe-IT's HTTP-200 error answers become
 * field errors or conflicts, and long lists are read page by page with limit/offset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { createSnipeItInventory } from '../../server/inventory/snipeit.js';
import { createLogger } from '../../server/platform/logger.js';
import { type SnipeItFake, startSnipeItFake } from '../harness/snipeit-fake.js';
import { lockDatabase, unique } from './fixtures.js';

describe('Snipe-IT adapter', () => {
  let fake: SnipeItFake;
  let lockDb: Awaited<ReturnType<typeof lockDatabase>>;
  const adapter = (token = fake.token, timeoutMs = 500) =>
    createSnipeItInventory(
      { url: fake.url, token, statusIds: fake.statusIds, timeoutMs },
      { logger: createLogger('silent'), locks: lockDb.locks },
    );

  beforeAll(async () => {
    fake = await startSnipeItFake();
    lockDb = await lockDatabase();
  });
  afterAll(async () => {
    await fake.close();
    await lockDb.close();
  });

  it('sends the bearer token, and treats a refused token as the inventory being unavailable', async () => {
    await expect(adapter().ping()).resolves.toBeUndefined();
    await expect(adapter('wrong-token').ping()).rejects.toMatchObject({ code: 'inventory_unavailable' });
  });

  it('answers inventory_unavailable on a server error, and within its timeout when Snipe-IT hangs', async () => {
    const inventory = adapter();
    fake.failWith = 'server_error';
    try {
      await expect(inventory.findAsset({ tag: 'IT-1' })).rejects.toMatchObject({ code: 'inventory_unavailable' });
      fake.failWith = 'hang';
      const started = Date.now();
      await expect(inventory.reserve('1', 'request:1')).rejects.toMatchObject({ code: 'inventory_unavailable' });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      fake.failWith = 'none';
    }
  });

  it('turns Snipe-IT’s 200 "status: error" answers into field errors and not-found', async () => {
    const inventory = adapter();
    await expect(
      inventory.createModel({
        category: 'no-such-category',
        manufacturer: 'X',
        name: 'Y',
        specs: '',
        imageUrl: null,
        priceCents: null,
        requestable: true,
        eligibleRoles: [],
        eligibleDepartments: [],
        leadTimeDays: null,
      }),
    ).rejects.toMatchObject({ code: 'validation_failed', details: { fields: { category: expect.any(String) } } });
    expect(await inventory.findAsset({ tag: unique('NONE') })).toBeNull();
    expect(await inventory.getModel('999999')).toBeNull();
    await expect(inventory.assign(unique('NONE'), 'alice')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('reads long lists page by page with limit and offset', async () => {
    const inventory = adapter();
    const model = await inventory.createModel({
      category: 'peripherals',
      manufacturer: 'Logitech',
      name: unique('MX'),
      specs: '',
      imageUrl: null,
      priceCents: null,
      requestable: true,
      eligibleRoles: [],
      eligibleDepartments: [],
      leadTimeDays: null,
    });
    for (let i = 0; i < 3; i++)
      await inventory.createAsset({
        tag: unique('IT'),
        serial: null,
        modelId: model.id,
        status: 'in_stock',
        location: null,
        purchaseDate: null,
        warrantyEnd: null,
        notes: '',
      });
    fake.requests.length = 0;
    const page = await inventory.listAssets({ modelId: model.id, limit: 2, offset: 2 });
    expect(page.total).toBe(3);
    expect(page.items).toHaveLength(1);
    expect(fake.requests.some((r) => r.startsWith('GET /api/v1/hardware?') && r.includes('limit=2') && r.includes('offset=2'))).toBe(true);
  });

  it('asks for the URL, token and status labels when INVENTORY=snipeit, all at once', () => {
    expect(() => loadConfig({ INVENTORY: 'snipeit', SNIPEIT_URL: 'ftp://x' })).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([
          expect.stringMatching(/^SNIPEIT_URL: /),
          'SNIPEIT_TOKEN: SNIPEIT_TOKEN is required when INVENTORY=snipeit',
          'SNIPEIT_IN_STOCK_STATUS_ID: SNIPEIT_IN_STOCK_STATUS_ID is required when INVENTORY=snipeit',
          'SNIPEIT_RESERVED_STATUS_ID: SNIPEIT_RESERVED_STATUS_ID is required when INVENTORY=snipeit',
        ]),
      }),
    );
    const config = loadConfig({
      INVENTORY: 'snipeit',
      SNIPEIT_URL: 'https://assets.example.com/',
      SNIPEIT_TOKEN: 't',
      SNIPEIT_IN_STOCK_STATUS_ID: '2',
      SNIPEIT_RESERVED_STATUS_ID: '7',
    });
    expect(config.inventory).toMatchObject({ kind: 'snipeit', url: 'https://assets.example.com', statusIds: { inStock: 2, reserved: 7 } });
    expect(loadConfig({}).inventory).toEqual({ kind: 'builtin' });
  });
});
