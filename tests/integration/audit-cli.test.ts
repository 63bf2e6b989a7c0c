import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../server/audit/audit.js';
import { migrateToLatest, openDatabase } from '../../server/db/database.js';
import { ManualClock } from '../harness/clock.js';

/** `audit verify` as an operator runs it: `tsx server/main.ts audit verify` against the configured database. */
const TSX = path.resolve('node_modules/.bin/tsx');
const MAIN = path.resolve('server/main.ts');

describe('portal audit verify', () => {
  let dataDir: string;
  const verify = () =>
    spawnSync(TSX, [MAIN, 'audit', 'verify'], {
      env: { ...process.env, LOG_LEVEL: 'silent', PORTAL_DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const withDatabase = async (work: (db: ReturnType<typeof openDatabase>['db']) => Promise<unknown>) => {
    const handle = openDatabase({ kind: 'sqlite', file: path.join(dataDir, 'portal.sqlite') });
    try {
      await work(handle.db);
    } finally {
      await handle.close();
    }
  };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-audit-cli-'));
    await withDatabase(async (db) => {
      await migrateToLatest(db);
      const trail = new AuditTrail(db, new ManualClock());
      for (let i = 0; i < 6; i++) await trail.record({ action: 'test.step', actor: `tester-${i}`, result: 'success' });
    });
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('says the chain is intact and exits 0', () => {
    const result = verify();
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('chain intact (6 rows)');
    expect(result.status).toBe(0);
  });

  it('exits 1 naming a row changed directly in the database', async () => {
    await withDatabase((db) => db.updateTable('audit_events').set({ action: 'test.innocent' }).where('id', '=', 2).execute());
    const result = verify();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('chain broken at row 2: row 2 was changed');
  });

  it('exits 1 naming a row deleted directly in the database', async () => {
    // Deleting the changed row leaves a clean chain around a hole, which is named next.
    await withDatabase((db) => db.deleteFrom('audit_events').where('id', '=', 2).execute());
    const result = verify();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('chain broken at row 2: row 2 was removed');
  });

  it('explains its verbs when given an unknown one', () => {
    const result = spawnSync(TSX, [MAIN, 'audit', 'fix'], { env: { ...process.env, PORTAL_DATA_DIR: dataDir }, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('audit verify');
  });
});
