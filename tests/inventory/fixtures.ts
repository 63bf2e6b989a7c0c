import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateToLatest, openDatabase } from '../../server/db/database.js';
import { DatabaseLocks } from '../../server/db/locks.js';
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
  /** The same inventory as another portal process sees it (its own connections), where the test can make one. */
  second: Inventory | null;
  close(): Promise<void>;
}

let clockMs = Date.parse('2026-12-01T09:00:00Z');

export async function builtinFixture(dialect: DialectName): Promise<InventoryFixture> {
  const database = await openTestDatabase(dialect);
  const clock = { now: () => (clockMs += 1000) };
  const inventory = createBuiltinInventory(database.db, { clock });
  // PostgreSQL: a second pool on the same database, as a second process would have (an
  // in-memory SQLite cannot be opened twice).
  const other = dialect === 'postgres' ? openDatabase(database.config, { poolSize: 5 }) : null;
  return {
    inventory,
    people: ['alice', 'bob'],
    db: database.db,
    catalogFields: true,
    second: other ? createBuiltinInventory(other.db, { clock }) : null,
    close: async () => {
      await other?.close();
      await database.close();
    },
  };
}

/**
 * The portal's locks on a SQLite file of their own (migrated), and how to open it again as
 * another process would, for the Snipe-IT adapter, which keeps nothing else in the database.
 */
export async function lockDatabase() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-locks-'));
  const config = { kind: 'sqlite' as const, file: path.join(dir, 'portal.sqlite') };
  const handles = [openDatabase(config)];
  await migrateToLatest(handles[0]!.db);
  return {
    locks: new DatabaseLocks(handles[0]!.db),
    /** Locks through another connection to the same file. */
    another(): DatabaseLocks {
      const handle = openDatabase(config);
      handles.push(handle);
      return new DatabaseLocks(handle.db);
    },
    async close() {
      for (const h of handles) await h.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A name no other test uses, so tests can share one inventory. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`.toUpperCase();
}

/** The Snipe-IT adapter against the contract fake (a real HTTP server speaking Snipe-IT's API). */
export async function snipeItFixture(): Promise<InventoryFixture> {
  const fake = await startSnipeItFake();
  const lockDb = await lockDatabase();
  const adapter = (locks: DatabaseLocks) =>
    createSnipeItInventory(
      { url: fake.url, token: fake.token, statusIds: fake.statusIds, timeoutMs: 2000 },
      { logger: createLogger('silent'), locks },
    );
  return {
    inventory: adapter(lockDb.locks),
    people: ['alice', 'bob'],
    db: null,
    catalogFields: false,
    second: adapter(lockDb.another()),
    close: async () => {
      await fake.close();
      await lockDb.close();
    },
  };
}
