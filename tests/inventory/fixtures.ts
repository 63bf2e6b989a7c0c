import { randomBytes } from 'node:crypto';
import type { Executor } from '../../server/db/transaction.js';
import { createBuiltinInventory } from '../../server/inventory/builtin.js';
import type { Inventory } from '../../server/inventory/port.js';
import { createSnipeItInventory } from '../../server/inventory/snipeit.js';
import { createLogger } from '../../server/platform/logger.js';
import { startSnipeItFake } from '../harness/snipeit-fake.js';
import { type DialectName, openTestDatabase } from '../harness/db.js';

/** An inventory under test, and how to close what it opened. */
export interface InventoryFixture {
  inventory: Inventory;
  /** People the inventory knows (Snipe-IT checks out only to its own users). */
  people: [string, string];
  /** The database, for built-in-only checks (transactions); null for external inventories. */
  db: Executor | null;
  /** Whether it keeps the portal's catalogue fields (price, lead time); Snipe-IT has no field for them. */
  catalogFields: boolean;
  close(): Promise<void>;
}

let clockMs = Date.parse('2026-12-01T09:00:00Z');

export async function builtinFixture(dialect: DialectName): Promise<InventoryFixture> {
  const database = await openTestDatabase(dialect);
  const inventory = createBuiltinInventory(database.db, { clock: { now: () => (clockMs += 1000) } });
  return { inventory, people: ['alice', 'bob'], db: database.db, catalogFields: true, close: () => database.close() };
}

/** A name no other test uses, so tests can share one inventory. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`.toUpperCase();
}

/** The Snipe-IT adapter against the contract fake (a real HTTP server speaking Snipe-IT's API). */
export async function snipeItFixture(): Promise<InventoryFixture> {
  const fake = await startSnipeItFake();
  const inventory = createSnipeItInventory(
    { url: fake.url, token: fake.token, statusIds: fake.statusIds, timeoutMs: 2000 },
    { logger: createLogger('silent') },
  );
  return { inventory, people: ['alice', 'bob'], db: null, catalogFields: false, close: () => fake.close() };
}
