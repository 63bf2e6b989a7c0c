import { randomBytes } from 'node:crypto';
import type { Executor } from '../../server/db/transaction.js';
import { createBuiltinInventory } from '../../server/inventory/builtin.js';
import type { Inventory } from '../../server/inventory/port.js';
import { type DialectName, openTestDatabase } from '../harness/db.js';

/** An inventory under test, and how to close what it opened. */
export interface InventoryFixture {
  inventory: Inventory;
  /** People the inventory knows (Snipe-IT checks out only to its own users). */
  people: [string, string];
  /** The database, for built-in-only checks (transactions); null for external inventories. */
  db: Executor | null;
  close(): Promise<void>;
}

let clockMs = Date.parse('2026-12-01T09:00:00Z');

export async function builtinFixture(dialect: DialectName): Promise<InventoryFixture> {
  const database = await openTestDatabase(dialect);
  const inventory = createBuiltinInventory(database.db, { clock: { now: () => (clockMs += 1000) } });
  return { inventory, people: ['alice', 'bob'], db: database.db, close: () => database.close() };
}

/** A name no other test uses, so tests can share one inventory. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`.toUpperCase();
}
