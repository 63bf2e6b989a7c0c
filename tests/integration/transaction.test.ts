import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../server/audit/audit.js';
import { listRecentAuditEvents } from '../../server/audit/repository.js';
import { withTransaction } from '../../server/db/transaction.js';
import { findDirectoryUser, replacePassword } from '../../server/directory/builtin-repository.js';
import { getResetPolicy, saveResetPolicy } from '../../server/features/settings/service.js';
import { ManualClock } from '../harness/clock.js';
import { DEFAULT_RESET_POLICY } from '../../shared/settings.js';
import { addBuiltinPerson } from '../directory/fixtures.js';
import { buildTestApp, signInFresh, type TestApp } from '../harness/app.js';
import { availableDialects, openTestDatabase } from '../harness/db.js';

describe.each(availableDialects())('one unit of work on %s', (dialect) => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let audit: AuditTrail;
  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    audit = new AuditTrail(database.db, new ManualClock());
  });
  afterAll(() => database.close());

  const actions = async () => (await listRecentAuditEvents(database.db, 100)).map((e) => e.action);

  it('commits a change and its audit row together', async () => {
    await withTransaction(database.db, async (trx) => {
      await saveResetPolicy(trx, { ...DEFAULT_RESET_POLICY, requiredMethods: 2 }, 1, 'tester');
      await audit.record({ action: 'test.committed', actor: 'tester', result: 'success' }, trx);
    });
    expect((await getResetPolicy(database.db)).requiredMethods).toBe(2);
    expect(await actions()).toContain('test.committed');
  });

  it('rolls back the change and its audit row together when the work fails', async () => {
    // Whatever the policy is when this test runs (tests may run in any order), the change is undone.
    const before = await getResetPolicy(database.db);
    const failure = new Error('the enqueue after the audit row failed');
    await expect(
      withTransaction(database.db, async (trx) => {
        await saveResetPolicy(trx, { ...before, requiredMethods: before.requiredMethods === 1 ? 2 : 1 }, 2, 'tester');
        await audit.record({ action: 'test.rolled_back', actor: 'tester', result: 'success' }, trx);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await getResetPolicy(database.db)).toEqual(before);
    expect(await actions()).not.toContain('test.rolled_back');
  });

  it('joins a transaction already open instead of nesting one', async () => {
    await expect(
      withTransaction(database.db, async (outer) => {
        await withTransaction(outer, (inner) => audit.record({ action: 'test.inner', actor: 'tester', result: 'success' }, inner));
        throw new Error('outer fails after the inner work');
      }),
    ).rejects.toThrow('outer fails');
    expect(await actions()).not.toContain('test.inner');
  });

  it('lets a repository that needs a transaction of its own run inside the caller’s', async () => {
    const username = `temp-trx-${dialect}`;
    await addBuiltinPerson(database.db, { username, password: 'Throwaway-pass-4d7e' });
    const previousHash = (await findDirectoryUser(database.db, username))!.password_hash;
    const change = { username, previousHash, newHash: 'not-a-real-hash', now: 3, historyLimit: 5, unlock: false, clearFailures: false };
    const failure = new Error('the audit row after the password write failed');
    await expect(
      withTransaction(database.db, async (trx) => {
        expect(await replacePassword(trx, change)).toBe(true);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect((await findDirectoryUser(database.db, username))!.password_hash).toBe(previousHash);
  });
});

describe('an admin settings change and its audit row', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it('leaves neither behind when the audit row cannot be written', async () => {
    const adam = await signInFresh(t, 'adam'); // a settings change needs a recent password
    const before = await getResetPolicy(t.deps.db);
    const record = t.deps.audit.record.bind(t.deps.audit);
    t.deps.audit.record = async (entry, db) => {
      if (entry.action === 'admin.reset_policy_changed') throw new Error('audit store refused the row');
      return record(entry, db);
    };
    try {
      const response = await t.request('PUT', '/api/admin/settings/password-reset', {
        json: { ...before, requiredMethods: before.requiredMethods === 1 ? 2 : 1 },
        cookie: adam,
      });
      expect(response.status).toBe(500);
    } finally {
      t.deps.audit.record = record;
    }
    expect(await getResetPolicy(t.deps.db)).toEqual(before);
  });
});
