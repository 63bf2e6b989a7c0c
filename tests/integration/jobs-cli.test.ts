import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../../server/db/database.js';

const TSX = path.resolve('node_modules/.bin/tsx');
const MAIN = path.resolve('server/main.ts');

describe('npm run portal -- jobs', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-jobs-cli-'));
    const handle = openDatabase({ kind: 'sqlite', file: path.join(dataDir, 'portal.sqlite') });
    await migrateToLatest(handle.db);
    const now = Date.UTC(2026, 10, 24, 9, 0, 0);
    await handle.db
      .insertInto('jobs')
      .values([
        { kind: 'mail.send', payload: '{}', state: 'failed', run_at: now, attempts: 8, max_attempts: 8, last_error: 'connect ECONNREFUSED 10.0.0.5:25', created_at: now, updated_at: now, finished_at: now },
        { kind: 'housekeeping', payload: '{}', state: 'queued', run_at: now, attempts: 0, max_attempts: 8, created_at: now, updated_at: now },
      ])
      .execute();
    await handle.close();
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const run = (args: string[]) =>
    spawnSync(TSX, [MAIN, 'jobs', ...args], { env: { ...process.env, PORTAL_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });

  it('lists failed jobs with attempts and last error, and the count in each state', () => {
    const result = run([]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('queued: 1  running: 0  done: 0  failed: 1');
    expect(result.stdout).toMatch(/#1 {2}mail\.send {2}attempts 8\/8/);
    expect(result.stdout).toContain('connect ECONNREFUSED 10.0.0.5:25');
    expect(result.stdout).not.toContain('housekeeping');
  });

  it('lists another state when asked, and refuses an unknown one', () => {
    expect(run(['queued']).stdout).toContain('housekeeping');
    const bad = run(['exploded']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('state is one of queued, running, done, failed');
  });
});
