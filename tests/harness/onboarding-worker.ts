/**
 * A whole portal server process without HTTP, for the multi-process onboarding test: composed
 * like production (composeApp) on the PostgreSQL database in DATABASE_URL, with the built-in
 * directory in that database and real SMTP (SMTP_URL), running JOBS_WORKERS job workers on the
 * system clock. Every directory enable is also written to `directory_enables` (one row per call,
 * with this process's owner), so the test can count calls, not just end states.
 * Env: DATABASE_URL, SMTP_URL, PORTAL_SECRET (shared by all processes), JOBS_WORKERS.
 * Prints "ready" when running; SIGTERM stops it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { closeDeps, composeApp } from '../../server/composition.js';
import { loadConfig } from '../../server/config.js';
import { openDatabase } from '../../server/db/database.js';
import { createBuiltinDirectory } from '../../server/directory/builtin.js';
import type { Directory } from '../../server/directory/port.js';

const env = process.env;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-worker-'));
const config = loadConfig({
  DATABASE_URL: env.DATABASE_URL,
  SMTP_URL: env.SMTP_URL,
  PORTAL_SECRET: env.PORTAL_SECRET,
  PORTAL_DATA_DIR: dataDir,
  PUBLIC_URL: 'http://portal.test',
  LOG_LEVEL: env.WORKER_LOG_LEVEL ?? 'silent',
  JOBS_WORKERS: env.JOBS_WORKERS ?? '2',
});
const database = openDatabase(config.database, { poolSize: 8 });
const builtin = createBuiltinDirectory(database.db);
let owner = 'unknown';
// Counts calls through to the real directory (nothing else changes).
const directory: Directory = Object.assign(Object.create(builtin) as Directory, {
  kind: builtin.kind,
  async setEnabled(username: string, enabled: boolean) {
    if (enabled) await sql`insert into directory_enables (username, owner) values (${username}, ${owner})`.execute(database.db);
    return builtin.setEnabled(username, enabled);
  },
});
const deps = await composeApp(config, { database, directory, jobs: { pollMs: 20, backoffBaseMs: 200, backoffMaxMs: 2000 } });
owner = deps.jobs.owner;
deps.jobs.start(config.jobWorkers);
process.stdout.write(`ready ${owner}\n`);
process.on('SIGTERM', () => {
  void closeDeps(deps)
    .finally(() => fs.rmSync(dataDir, { recursive: true, force: true }))
    .then(() => process.exit(0));
});
