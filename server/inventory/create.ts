import type { Config } from '../config.js';
import { DatabaseLocks } from '../db/locks.js';
import type { Database } from '../db/schema.js';
import type { Kysely } from 'kysely';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { createBuiltinInventory } from './builtin.js';
import type { Inventory } from './port.js';
import { createSnipeItInventory } from './snipeit.js';

/** The inventory the configuration asks for (INVENTORY=builtin|snipeit). */
export function createInventory(config: Config['inventory'], db: Kysely<Database>, deps: { clock: Clock; logger: Logger }): Inventory {
  if (config.kind === 'snipeit') return createSnipeItInventory(config, { ...deps, locks: new DatabaseLocks(db) });
  return createBuiltinInventory(db, deps);
}
