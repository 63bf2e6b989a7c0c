import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { composeApp } from '../../server/composition.js';
import { loadConfig } from '../../server/config.js';
import type { Database } from '../../server/db/schema.js';
import type { Directory } from '../../server/directory/port.js';
import type { Clock } from '../../server/platform/clock.js';
import type { Inventory } from '../../server/inventory/port.js';
import { startServer } from '../../server/serve.js';
import { addThrowawayPerson, assertDemoPeopleUnchanged, type ThrowawayOptions, type ThrowawayPerson } from './people.js';
import { freePort } from './ports.js';

export interface TestServer {
  url: string;
  dataDir: string;
  /** The server's database, for a test's own set-up and clean-up that no person does in the UI. */
  db: Kysely<Database>;
  /** The server's inventory, for a test's own stock (models and assets) set up as the help desk would. */
  inventory: Inventory;
  /** The server's directory, to check what a person's actions did to an account (created, disabled). */
  directory: Directory;
  /** A fresh person in this server's built-in directory (people.ts), added straight to its database. */
  addPerson(options?: ThrowawayOptions): Promise<ThrowawayPerson>;
  /** Stops the server; fails when a test left the demo people changed. */
  close(): Promise<void>;
}

/**
 * The real portal over HTTP, as `npm start` runs it (SQLite file, built-in directory, demo data,
 * the built web app), in a fresh data directory on a free port. For end-to-end tests and benchmarks.
 * Tests that change a person add their own (`addPerson`), so the demo people every test of the
 * file shares stay as seeded; closing the server checks that they did.
 */
export async function startTestServer(
  options: {
    env?: Record<string, string>;
    /** The server's clock, for tests that move time (SLA escalation); the real clock when not given. */
    clock?: Clock;
  } = {},
): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-e2e-'));
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    PORTAL_DATA_DIR: dataDir,
    PORTAL_DEMO: '1',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const deps = await composeApp(config, options.clock ? { clock: options.clock } : {});
  const server = await startServer(deps);
  return {
    url,
    dataDir,
    db: deps.db,
    inventory: deps.inventory,
    directory: deps.directory,
    // The server runs in this process, so its own database handle is at hand: no second connection
    // to the SQLite file, no seed option the production server would have to carry.
    addPerson: (options) => addThrowawayPerson(deps, options),
    async close() {
      try {
        await assertDemoPeopleUnchanged(deps.db);
      } finally {
        await server.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
