/**
 * One contract for every inventory implementation: the built-in inventory (on SQLite and on
 * PostgreSQL) and the Snipe-IT adapter (against a contract fake of Snipe-IT's REST API, since
 * Snipe-IT itself cannot run here) must reserve, assign, check in and keep history the same way.
 * Features only see the `Inventory` interface, so whatever passes here is interchangeable for them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelInput } from '../../shared/inventory.js';
import { AppError } from '../../server/errors.js';
import type { Inventory } from '../../server/inventory/port.js';
import { withTransaction } from '../../server/db/transaction.js';
import { availableDialects } from '../harness/db.js';
import { builtinFixture, type InventoryFixture, snipeItFixture, unique } from './fixtures.js';

function modelInput(overrides: Partial<ModelInput> = {}): ModelInput {
  return {
    category: 'laptops',
    manufacturer: 'Lenovo',
    name: unique('ThinkPad T14'),
    specs: '16 GB RAM, 512 GB SSD',
    imageUrl: null,
    priceCents: 140_000,
    requestable: true,
    eligibleRoles: [],
    eligibleDepartments: [],
    leadTimeDays: 10,
    ...overrides,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return 'no error';
}

/** A model with `units` assets in stock; returns the model id and the tags. */
async function stocked(inventory: Inventory, units: number, input: Partial<ModelInput> = {}) {
  const model = await inventory.createModel(modelInput(input));
  const tags: string[] = [];
  for (let i = 0; i < units; i++) {
    const tag = unique('IT');
    await inventory.createAsset({
      tag,
      serial: unique('SN'),
      modelId: model.id,
      status: 'in_stock',
      location: 'HQ store room',
      purchaseDate: '2026-01-15',
      warrantyEnd: '2029-01-15',
      notes: '',
    });
    tags.push(tag);
  }
  return { model, tags };
}

function inventoryContract(name: string, makeFixture: () => Promise<InventoryFixture>): void {
  describe(`inventory contract: ${name}`, () => {
    let fixture: InventoryFixture;
    let inventory: Inventory;
    let alice: string;
    let bob: string;

    beforeAll(async () => {
      fixture = await makeFixture();
      inventory = fixture.inventory;
      [alice, bob] = fixture.people;
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it('answers a ping and lists the standard categories', async () => {
      await expect(inventory.ping()).resolves.toBeUndefined();
      const slugs = (await inventory.listCategories()).map((c) => c.slug);
      expect(slugs).toEqual(expect.arrayContaining(['laptops', 'phones', 'monitors', 'peripherals']));
    });

    it('creates a model and reads it back with its in-stock count', async () => {
      const { model } = await stocked(inventory, 2, { category: 'monitors', name: unique('Dell U2723QE'), manufacturer: 'Dell' });
      expect(model).toMatchObject({
        category: 'monitors',
        manufacturer: 'Dell',
        inStock: 0,
        requestable: true,
        specs: '16 GB RAM, 512 GB SSD',
      });
      const read = await inventory.getModel(model.id);
      expect(read).toMatchObject({ id: model.id, name: model.name, inStock: 2 });
      if (fixture.catalogFields) expect(read).toMatchObject({ priceCents: 140_000, leadTimeDays: 10 });
      expect(await inventory.getModel('999999')).toBeNull();
    });

    it('searches and filters models, with totals for paging', async () => {
      const word = unique('Zephyrus');
      const a = await inventory.createModel(modelInput({ name: `${word} 14`, category: 'laptops' }));
      const b = await inventory.createModel(modelInput({ name: `${word} 16`, category: 'laptops', requestable: false }));
      const found = await inventory.listModels({ query: word.toLowerCase() });
      expect(found.total).toBe(2);
      expect(found.items.map((m) => m.id).sort()).toEqual([a.id, b.id].sort());
      expect((await inventory.listModels({ query: word, requestable: true })).items.map((m) => m.id)).toEqual([a.id]);
      expect((await inventory.listModels({ query: word, category: 'phones' })).total).toBe(0);
      const paged = await inventory.listModels({ query: word, limit: 1, offset: 1 });
      expect(paged.total).toBe(2);
      expect(paged.items).toHaveLength(1);
      expect((await inventory.listModels({ ids: [b.id] })).items.map((m) => m.id)).toEqual([b.id]);
    });

    it('updates a model', async () => {
      const model = await inventory.createModel(modelInput());
      const updated = await inventory.updateModel(
        model.id,
        modelInput({ name: `${model.name} Gen 5`, leadTimeDays: 21, requestable: false }),
      );
      expect(updated).toMatchObject({ id: model.id, name: `${model.name} Gen 5`, requestable: false });
      if (fixture.catalogFields) expect(updated.leadTimeDays).toBe(21);
      expect(await codeOf(inventory.updateModel('999999', modelInput()))).toBe('not_found');
    });

    it('finds an asset by tag or serial regardless of case, and refuses a duplicate tag or serial', async () => {
      const { model } = await stocked(inventory, 0);
      const tag = unique('IT');
      const serial = unique('PF3X');
      const created = await inventory.createAsset({
        tag,
        serial,
        modelId: model.id,
        status: 'in_stock',
        location: 'Berlin',
        purchaseDate: '2026-02-01',
        warrantyEnd: '2029-02-01',
        notes: 'sealed box',
      });
      expect(created).toMatchObject({
        tag,
        serial,
        modelId: model.id,
        modelName: model.name,
        category: 'laptops',
        status: 'in_stock',
        warrantyEnd: '2029-02-01',
      });
      expect((await inventory.findAsset({ tag: tag.toLowerCase() }))?.tag).toBe(tag);
      expect((await inventory.findAsset({ serial: serial.toLowerCase() }))?.tag).toBe(tag);
      expect(await inventory.findAsset({ tag: unique('NOPE') })).toBeNull();
      expect(await inventory.findAsset({ serial: unique('NOPE') })).toBeNull();

      const dupTag = inventory.createAsset({ ...created, tag: tag.toLowerCase(), serial: null, status: 'in_stock' });
      await expect(dupTag).rejects.toMatchObject({ code: 'validation_failed', details: { fields: { tag: expect.any(String) } } });
      const dupSerial = inventory.createAsset({ ...created, tag: unique('IT'), serial, status: 'in_stock' });
      await expect(dupSerial).rejects.toMatchObject({ code: 'validation_failed', details: { fields: { serial: expect.any(String) } } });
      expect((await inventory.getModel(model.id))?.inStock).toBe(1);
    });

    it('lists assets by status, model and text, paged', async () => {
      const { model, tags } = await stocked(inventory, 3);
      await inventory.setStatus(tags[0]!, 'in_repair', { note: 'cracked screen' });
      const all = await inventory.listAssets({ modelId: model.id });
      expect(all.total).toBe(3);
      expect(all.items.map((a) => a.tag).sort()).toEqual([...tags].sort());
      const repair = await inventory.listAssets({ modelId: model.id, status: 'in_repair' });
      expect(repair.items.map((a) => a.tag)).toEqual([tags[0]]);
      expect((await inventory.listAssets({ query: tags[1]!.toLowerCase() })).items.map((a) => a.tag)).toEqual([tags[1]]);
      const page = await inventory.listAssets({ modelId: model.id, limit: 2, offset: 2 });
      expect(page).toMatchObject({ total: 3 });
      expect(page.items).toHaveLength(1);
    });

    it('gives the last unit to exactly one of two reservations at once', async () => {
      const { model, tags } = await stocked(inventory, 1);
      const results = await Promise.all([inventory.reserve(model.id, 'request:1'), inventory.reserve(model.id, 'request:2')]);
      const won = results.filter((r) => r !== null);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ tag: tags[0], status: 'reserved', reservedFor: expect.stringMatching(/^request:[12]$/) });
      expect((await inventory.getModel(model.id))?.inStock).toBe(0);
      expect(await inventory.reserve(model.id, 'request:3')).toBeNull();
    });

    it('gives the last unit to exactly one reservation when two portal processes ask at once', async (ctx) => {
      const second = fixture.second;
      if (!second) return ctx.skip(); // an in-memory SQLite has no second process
      const { model, tags } = await stocked(inventory, 1);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? second : inventory).reserve(model.id, `request:p${i}`)),
      );
      const won = results.filter((r) => r !== null);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ tag: tags[0], status: 'reserved' });
      expect(await second.findAsset({ tag: tags[0]! })).toMatchObject({ status: 'reserved', reservedFor: won[0]!.reservedFor });
    });

    it('hands out each unit once when many reserve at once', async () => {
      const { model } = await stocked(inventory, 3);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => inventory.reserve(model.id, `request:${i}`)));
      const tags = results.filter((r) => r !== null).map((r) => r.tag);
      expect(tags).toHaveLength(3);
      expect(new Set(tags).size).toBe(3);
      expect((await inventory.getModel(model.id))?.inStock).toBe(0);
    });

    it('reserves a given unit only while it is an in-stock unit of the model, once when two ask at once', async () => {
      const { model, tags } = await stocked(inventory, 2);
      const other = await stocked(inventory, 1);
      // The second unit, not the first the model would hand out.
      const results = await Promise.all([
        inventory.reserve(model.id, 'request:21', { tag: tags[1]! }),
        inventory.reserve(model.id, 'request:22', { tag: tags[1]!.toLowerCase() }),
      ]);
      const won = results.filter((r) => r !== null);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ tag: tags[1], status: 'reserved', reservedFor: expect.stringMatching(/^request:2[12]$/) });
      expect(await inventory.findAsset({ tag: tags[0]! })).toMatchObject({ status: 'in_stock' });
      // Taken, of another model, unknown: no unit, nothing changes.
      expect(await inventory.reserve(model.id, 'request:23', { tag: tags[1]! })).toBeNull();
      expect(await inventory.reserve(model.id, 'request:23', { tag: other.tags[0]! })).toBeNull();
      expect(await inventory.reserve(model.id, 'request:23', { tag: 'NO-SUCH-TAG-9' })).toBeNull();
      expect(await inventory.findAsset({ tag: other.tags[0]! })).toMatchObject({ status: 'in_stock' });
      expect((await inventory.getModel(model.id))?.inStock).toBe(1);
      expect((await inventory.getModel(other.model.id))?.inStock).toBe(1);
    });

    it('releases a reservation back to stock, once, and only for its holder', async () => {
      const { model, tags } = await stocked(inventory, 1);
      await inventory.reserve(model.id, 'request:10');
      expect(await codeOf(inventory.release(tags[0]!, { holder: 'request:11' }))).toBe('inventory_conflict');
      expect(await inventory.release(tags[0]!, { holder: 'request:10' })).toBe(true);
      expect(await inventory.release(tags[0]!, { holder: 'request:10' })).toBe(false);
      expect(await inventory.findAsset({ tag: tags[0]! })).toMatchObject({ status: 'in_stock', reservedFor: null });
      expect((await inventory.getModel(model.id))?.inStock).toBe(1);
    });

    it('assigns a reserved unit to its requester, lists it under their devices, and checks it in', async () => {
      const { model, tags } = await stocked(inventory, 2);
      const reserved = (await inventory.reserve(model.id, 'request:20'))!;
      const other = tags.find((t) => t !== reserved.tag)!;
      // Someone else's reservation, the wrong model, or a second hand-out are refused.
      expect(await codeOf(inventory.assign(reserved.tag, alice, { holder: 'request:21' }))).toBe('inventory_conflict');
      expect(await codeOf(inventory.assign(reserved.tag, alice))).toBe('inventory_conflict');
      expect(await codeOf(inventory.assign(other, alice, { modelId: '999999' }))).toBe('inventory_conflict');

      const assigned = await inventory.assign(reserved.tag, alice, { holder: 'request:20', modelId: model.id, actor: 'hana' });
      expect(assigned).toMatchObject({ tag: reserved.tag, status: 'assigned', assignedTo: alice, reservedFor: null });
      expect(await codeOf(inventory.assign(reserved.tag, bob))).toBe('inventory_conflict');
      const mine = await inventory.assignedTo(alice);
      expect(mine.map((a) => a.tag)).toContain(reserved.tag);
      expect(mine.find((a) => a.tag === reserved.tag)).toMatchObject({ warrantyEnd: '2029-01-15', modelName: model.name });

      // An in-stock unit can be handed out directly (a walk-up at the desk).
      expect(await inventory.assign(other, bob, { modelId: model.id })).toMatchObject({ status: 'assigned', assignedTo: bob });

      const back = await inventory.checkIn(reserved.tag, { to: 'in_repair', note: 'battery swells', actor: 'hana' });
      expect(back).toMatchObject({ status: 'in_repair', assignedTo: null });
      expect((await inventory.assignedTo(alice)).map((a) => a.tag)).not.toContain(reserved.tag);
      expect(await codeOf(inventory.checkIn(reserved.tag))).toBe('inventory_conflict');
      expect(await codeOf(inventory.assign(reserved.tag, alice))).toBe('inventory_conflict');
    });

    it('sets a status by hand, but never under a reservation or an assignment', async () => {
      const { model, tags } = await stocked(inventory, 2);
      const reserved = (await inventory.reserve(model.id, 'request:30'))!;
      expect(await codeOf(inventory.setStatus(reserved.tag, 'lost', { note: 'gone' }))).toBe('inventory_conflict');
      const free = tags.find((t) => t !== reserved.tag)!;
      expect(await inventory.setStatus(free, 'retired', { note: 'end of life' })).toMatchObject({ status: 'retired' });
      expect(await inventory.setStatus(free, 'in_stock', { note: 'found a use' })).toMatchObject({ status: 'in_stock' });
    });

    it('keeps the history of every movement in order', async () => {
      const { model, tags } = await stocked(inventory, 1);
      await inventory.reserve(model.id, 'request:40');
      await inventory.assign(tags[0]!, alice, { holder: 'request:40', actor: 'hana' });
      await inventory.checkIn(tags[0]!, { actor: 'hana', note: 'leaver' });
      const history = await inventory.history(tags[0]!.toLowerCase());
      expect(history.map((e) => [e.kind, e.toStatus])).toEqual([
        ['created', 'in_stock'],
        ['reserved', 'reserved'],
        ['assigned', 'assigned'],
        ['checked_in', 'in_stock'],
      ]);
      expect(history[2]).toMatchObject({ fromStatus: 'reserved', person: alice });
      expect(history[3]).toMatchObject({ fromStatus: 'assigned', person: alice });
      expect(history.every((e) => e.assetTag === tags[0])).toBe(true);
    });

    it('answers not_found for an unknown tag on every move', async () => {
      const tag = unique('NOSUCH');
      expect(await codeOf(inventory.history(tag))).toBe('not_found');
      expect(await codeOf(inventory.assign(tag, alice))).toBe('not_found');
      expect(await codeOf(inventory.checkIn(tag))).toBe('not_found');
      expect(await codeOf(inventory.release(tag))).toBe('not_found');
      expect(await codeOf(inventory.setStatus(tag, 'lost', { note: 'x' }))).toBe('not_found');
      expect(await codeOf(inventory.updateAsset(tag, { notes: 'x' }))).toBe('not_found');
    });

    it('updates an asset’s details but keeps the model of a reserved one', async () => {
      const { model, tags } = await stocked(inventory, 1);
      const updated = await inventory.updateAsset(tags[0]!, { location: 'Shanghai', notes: 'spare charger inside' });
      expect(updated).toMatchObject({ location: 'Shanghai', notes: 'spare charger inside', status: 'in_stock' });
      const other = await inventory.createModel(modelInput());
      await inventory.reserve(model.id, 'request:50');
      expect(await codeOf(inventory.updateAsset(tags[0]!, { modelId: other.id }))).toBe('inventory_conflict');
    });
  });
}

for (const dialect of availableDialects()) {
  inventoryContract(`built-in on ${dialect}`, () => builtinFixture(dialect));

  describe(`built-in inventory on ${dialect}: joins the caller's transaction`, () => {
    let fixture: InventoryFixture;
    beforeAll(async () => {
      fixture = await builtinFixture(dialect);
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it('undoes a reservation when the caller’s transaction rolls back', async () => {
      const { inventory, db } = fixture;
      const { model } = await stocked(inventory, 1);
      await expect(
        withTransaction(db!, async (trx) => {
          expect(await inventory.reserve(model.id, 'request:60', { trx })).not.toBeNull();
          throw new Error('the request could not be saved');
        }),
      ).rejects.toThrow('could not be saved');
      expect((await inventory.getModel(model.id))?.inStock).toBe(1);
      const again = await withTransaction(db!, (trx) => inventory.reserve(model.id, 'request:61', { trx }));
      expect(again?.reservedFor).toBe('request:61');
    });
  });
}

inventoryContract('Snipe-IT adapter against its contract fake', () => snipeItFixture());
