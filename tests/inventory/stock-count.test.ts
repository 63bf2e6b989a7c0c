/**
 * The built-in inventory keeps each model's in-stock count on the model row (the catalogue reads it
 * instead of counting assets). Random sequences of every kind of move — adding assets, reserving,
 * releasing, assigning, checking in, status changes by hand, moving an asset to another model,
 * concurrent reservations and a rolled-back transaction — must leave the kept count equal to a
 * real count of in-stock assets, on SQLite and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.js';
import { withTransaction } from '../../server/db/transaction.js';
import type { Inventory } from '../../server/inventory/port.js';
import { availableDialects } from '../harness/db.js';
import { builtinFixture, type InventoryFixture, unique } from './fixtures.js';

type Move =
  | { kind: 'add'; model: number; status: 'in_stock' | 'in_repair' }
  | { kind: 'reserve'; model: number; times: number }
  | { kind: 'release'; pick: number }
  | { kind: 'assign'; pick: number }
  | { kind: 'checkIn'; pick: number; to: 'in_stock' | 'in_repair' }
  | { kind: 'status'; pick: number; to: 'in_stock' | 'in_repair' | 'retired' | 'lost' }
  | { kind: 'remodel'; pick: number; model: number }
  | { kind: 'rollback'; model: number };

const move: fc.Arbitrary<Move> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), model: fc.nat(2), status: fc.constantFrom('in_stock' as const, 'in_repair' as const) }),
  fc.record({ kind: fc.constant('reserve' as const), model: fc.nat(2), times: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('assign' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('checkIn' as const), pick: fc.nat(), to: fc.constantFrom('in_stock' as const, 'in_repair' as const) }),
  fc.record({
    kind: fc.constant('status' as const),
    pick: fc.nat(),
    to: fc.constantFrom('in_stock' as const, 'in_repair' as const, 'retired' as const, 'lost' as const),
  }),
  fc.record({ kind: fc.constant('remodel' as const), pick: fc.nat(), model: fc.nat(2) }),
  fc.record({ kind: fc.constant('rollback' as const), model: fc.nat(2) }),
);

/** Runs one move; a refusal (conflict, nothing in stock) is a valid outcome and changes nothing. */
async function apply(inventory: Inventory, db: Kysely<Database>, models: string[], tags: string[], m: Move): Promise<void> {
  const tag = () => tags[('pick' in m ? m.pick : 0) % tags.length]!;
  try {
    switch (m.kind) {
      case 'add': {
        const t = unique('SC');
        await inventory.createAsset({
          tag: t,
          serial: null,
          modelId: models[m.model]!,
          status: m.status,
          location: null,
          purchaseDate: null,
          warrantyEnd: null,
          notes: '',
        });
        tags.push(t);
        return;
      }
      case 'reserve':
        // Several at once: on PostgreSQL they race for the same rows.
        await Promise.all(Array.from({ length: m.times }, (_, i) => inventory.reserve(models[m.model]!, `request:${unique('r')}-${i}`)));
        return;
      case 'release':
        if (tags.length) await inventory.release(tag());
        return;
      case 'assign':
        if (tags.length) {
          const asset = await inventory.findAsset({ tag: tag() });
          await inventory.assign(tag(), 'alice', { holder: asset?.reservedFor ?? undefined });
        }
        return;
      case 'checkIn':
        if (tags.length) await inventory.checkIn(tag(), { to: m.to });
        return;
      case 'status':
        if (tags.length) await inventory.setStatus(tag(), m.to, { note: 'by hand' });
        return;
      case 'remodel':
        if (tags.length) await inventory.updateAsset(tag(), { modelId: models[m.model]! });
        return;
      case 'rollback':
        await withTransaction(db, async (trx) => {
          await inventory.reserve(models[m.model]!, 'request:rolled-back', { trx });
          throw new Error('roll back');
        }).catch(() => undefined);
        return;
    }
  } catch (error) {
    if (!(error instanceof Error) || !('code' in error)) throw error;
  }
}

for (const dialect of availableDialects()) {
  describe(`built-in inventory on ${dialect}: the kept in-stock count`, () => {
    let fixture: InventoryFixture;
    beforeAll(async () => {
      fixture = await builtinFixture(dialect);
    });
    afterAll(async () => fixture?.close());

    it('equals a real count of in-stock assets after any sequence of moves', async () => {
      const { inventory } = fixture;
      const db = fixture.db as Kysely<Database>;
      await fc.assert(
        fc.asyncProperty(fc.array(move, { minLength: 1, maxLength: 25 }), async (moves) => {
          const models: string[] = [];
          for (let i = 0; i < 3; i++) {
            const model = await inventory.createModel({
              category: 'accessories',
              manufacturer: 'Logitech',
              name: unique('Mouse'),
              specs: '',
              imageUrl: null,
              priceCents: 2500,
              requestable: true,
              eligibleRoles: [],
              eligibleDepartments: [],
              leadTimeDays: 5,
            });
            models.push(model.id);
          }
          const tags: string[] = [];
          for (const m of moves) await apply(inventory, db, models, tags, m);
          for (const id of models) {
            const real = await inventory.listAssets({ modelId: id, status: 'in_stock', limit: 1 });
            expect((await inventory.getModel(id))!.inStock).toBe(real.total);
          }
          const page = await inventory.listModels({ ids: models, limit: 10 });
          for (const model of page.items) {
            expect(model.inStock).toBe((await inventory.listAssets({ modelId: model.id, status: 'in_stock', limit: 1 })).total);
          }
        }),
        { numRuns: 15 },
      );
    });
  });
}
