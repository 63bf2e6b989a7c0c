import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator, NO_MIGRATIONS, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../server/audit/audit.js';
import { auditRowHash } from '../../server/audit/chain.js';
import * as auditRepository from '../../server/audit/repository.js';
import { describeAuditChain, verifyAuditChain } from '../../server/audit/verify.js';
import { type DatabaseHandle, migrateToLatest, openDatabase } from '../../server/db/database.js';
import { migrations } from '../../server/db/migrations/index.js';
import { ManualClock } from '../harness/clock.js';
import { buildTestApp, signInAs } from '../harness/app.js';
import { availableDialects, openTestDatabase } from '../harness/db.js';

const CHAIN_MIGRATION = '2026-11-29T0200-audit-chain';

describe.each(availableDialects())('the hash-chained audit trail on %s', (dialect) => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const handle of open.splice(0)) await handle.close();
  });

  async function trailWith(rows: number) {
    const handle = await openTestDatabase(dialect);
    open.push(handle);
    const clock = new ManualClock();
    const trail = new AuditTrail(handle.db, clock);
    for (let i = 1; i <= rows; i++) {
      clock.advance(1000);
      await trail.record({
        action: 'test.step',
        actor: `tester-${i}`,
        subject: i % 2 ? null : 'someone',
        result: 'success',
        ip: '192.0.2.7',
        details: { step: i, note: 'ünïcødé "quoted"' },
      });
    }
    return { handle, trail, db: handle.db };
  }

  it('links every row to the one before it and says the chain is intact', async () => {
    const { db } = await trailWith(5);
    const rows = await db.selectFrom('audit_events').selectAll().orderBy('id').execute();
    expect(rows.map((r) => Number(r.id))).toEqual([1, 2, 3, 4, 5]);
    expect(rows[0]!.prev_hash).toBe('0'.repeat(64));
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
    const status = await verifyAuditChain(db);
    expect(status).toEqual({ intact: true, rows: 5 });
    expect(describeAuditChain(status)).toBe('chain intact (5 rows)');
  });

  it('names a row whose content was changed directly in the database', async () => {
    const { db } = await trailWith(6);
    await db.updateTable('audit_events').set({ actor: 'someone-else' }).where('id', '=', 4).execute();
    const status = await verifyAuditChain(db);
    expect(status).toMatchObject({ intact: false, break: { id: 4, problem: 'changed' } });
    expect(describeAuditChain(status)).toContain('row 4 was changed');
  });

  it('names a row that was rewritten with a freshly computed hash', async () => {
    const { db } = await trailWith(6);
    const row = await db.selectFrom('audit_events').selectAll().where('id', '=', 3).executeTakeFirstOrThrow();
    const forged = { ...row, id: 3, result: 'failure' as const, prev_hash: row.prev_hash! };
    await db
      .updateTable('audit_events')
      .set({ result: 'failure', hash: auditRowHash(forged) })
      .where('id', '=', 3)
      .execute();
    expect(await verifyAuditChain(db)).toMatchObject({ intact: false, break: { id: 4, problem: 'relinked' } });
  });

  it('names rows deleted from the middle of the trail', async () => {
    const { db } = await trailWith(8);
    await db.deleteFrom('audit_events').where('id', 'in', [3, 4]).execute();
    const status = await verifyAuditChain(db);
    expect(status).toMatchObject({ intact: false, break: { id: 3, lastId: 4, problem: 'removed' } });
    expect(describeAuditChain(status)).toContain('rows 3 to 4 were removed');
  });

  it('names the first rows and the newest rows when they are deleted', async () => {
    const first = await trailWith(4);
    await first.db.deleteFrom('audit_events').where('id', '=', 1).execute();
    expect(await verifyAuditChain(first.db)).toMatchObject({ intact: false, break: { id: 1, lastId: 1, problem: 'removed' } });

    const newest = await trailWith(4);
    await newest.db.deleteFrom('audit_events').where('id', '>=', 3).execute();
    const status = await verifyAuditChain(newest.db);
    expect(status).toMatchObject({ intact: false, break: { id: 3, lastId: 4, problem: 'removed' } });
  });

  it('names a row slipped in without the portal, and keeps appending past it', async () => {
    const { db, trail } = await trailWith(3);
    await db
      .insertInto('audit_events')
      .values({
        id: 4,
        at: 1,
        actor: 'intruder',
        subject: null,
        action: 'test.step',
        result: 'success',
        ip: null,
        user_agent: null,
        details: null,
      })
      .execute();
    expect(await verifyAuditChain(db)).toMatchObject({ intact: false, break: { id: 4, problem: 'unchained' } });
    await trail.record({ action: 'test.after', actor: 'tester', result: 'success' });
    expect(await db.selectFrom('audit_events').select('id').orderBy('id', 'desc').executeTakeFirst()).toEqual({ id: 5 });
  });

  it('writes the row with the caller’s transaction: a rollback leaves neither the change nor the row', async () => {
    const { db, trail } = await trailWith(2);
    await expect(
      db.transaction().execute(async (trx) => {
        await trail.record({ action: 'test.in_transaction', actor: 'tester', result: 'success' }, trx);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await db.selectFrom('audit_events').select('id').where('action', '=', 'test.in_transaction').execute()).toEqual([]);
    await db.transaction().execute((trx) => trail.record({ action: 'test.in_transaction', actor: 'tester', result: 'success' }, trx));
    expect(await verifyAuditChain(db)).toEqual({ intact: true, rows: 3 });
  });

  it('chains the rows written before the upgrade exactly as the portal hashes them', async () => {
    const handle = await openTestDatabase(dialect);
    open.push(handle);
    const db = handle.db;
    const names = Object.keys(migrations).sort();
    const before = names[names.indexOf(CHAIN_MIGRATION) - 1]!;
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    // Back to the schema just before the chain, with rows (and an id gap) as an older portal wrote them.
    const down = await migrator.migrateTo(NO_MIGRATIONS);
    expect(down.error).toBeUndefined();
    expect((await migrator.migrateTo(before)).error).toBeUndefined();
    const legacy = db as unknown as import('kysely').Kysely<any>;
    for (const [i, actor] of ['alice', null, 'adam', 'hana'].entries()) {
      await legacy
        .insertInto('audit_events')
        .values({
          id: i === 3 ? 7 : i + 1,
          at: 1_700_000_000_000 + i,
          actor,
          subject: i === 2 ? 'bob' : null,
          action: 'auth.login',
          result: i === 1 ? 'failure' : 'success',
          ip: i === 0 ? '2001:db8::1' : null,
          user_agent: i === 2 ? 'Mozilla/5.0 (X11) 中文' : null,
          details: i === 1 ? JSON.stringify({ reason: 'bad_password' }) : null,
        })
        .execute();
    }
    expect((await migrator.migrateToLatest()).error).toBeUndefined();

    const rows = await db.selectFrom('audit_events').selectAll().orderBy('id').execute();
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row.hash).toBe(auditRowHash({ ...row, id: Number(row.id), prev_hash: row.prev_hash! }));
    expect(await verifyAuditChain(db)).toEqual({ intact: true, rows: 4 });

    await new AuditTrail(db, new ManualClock()).record({ action: 'test.after_upgrade', actor: 'adam', result: 'success' });
    expect(await db.selectFrom('audit_events').select('id').orderBy('id', 'desc').executeTakeFirst()).toEqual({ id: 8 });
    expect(await verifyAuditChain(db)).toEqual({ intact: true, rows: 5 });
  });

  it('lets an admin check the chain over the API, and names a row altered in the database', async () => {
    const t = await buildTestApp({ dialect });
    open.push(t);
    const adam = await signInAs(t, 'adam');
    const alice = await signInAs(t, 'alice');
    expect((await t.request('GET', '/api/admin/audit/verify', { cookie: alice })).status).toBe(403);
    expect((await t.request('GET', '/api/admin/audit/verify')).status).toBe(401);

    const intact = await t.request('GET', '/api/admin/audit/verify', { cookie: adam });
    expect(intact.status).toBe(200);
    expect(await intact.json()).toEqual({ intact: true, rows: 2 });

    await t.deps.db.updateTable('audit_events').set({ ip: '198.51.100.1' }).where('id', '=', 1).execute();
    const broken = await (await t.request('GET', '/api/admin/audit/verify', { cookie: adam })).json();
    expect(broken).toMatchObject({ intact: false, break: { id: 1, problem: 'changed' } });
    // The listing keeps working on a broken chain.
    const listing = await t.request('GET', '/api/admin/audit?limit=5', { cookie: adam });
    expect(listing.status).toBe(200);
    expect((await listing.json()).events.length).toBeGreaterThan(0);
  });
});

describe('the audit repository', () => {
  it('offers appending and reading only: tampering is detected, not prevented', () => {
    const names = Object.keys(auditRepository);
    expect(names).toContain('insertAuditEvent');
    expect(names.filter((name) => /update|delete|remove|truncate|set|edit|clear/i.test(name))).toEqual([]);
  });
});

describe('appends from several processes on one SQLite file', () => {
  it('never forks the chain nor fails busy: three processes appending 60 rows each', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-audit-sqlite-'));
    const file = path.join(dir, 'portal.sqlite');
    try {
      const handle = openDatabase({ kind: 'sqlite', file });
      await migrateToLatest(handle.db);
      await handle.close();
      const appender = path.resolve('tests/harness/audit-appender.ts');
      const children = ['a', 'b', 'c'].map((tag) => {
        const child = spawn(path.resolve('node_modules/.bin/tsx'), [appender, file, tag, '60'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk) => (stderr += chunk));
        const ready = new Promise<void>((resolve) => child.stdout.on('data', (chunk) => String(chunk).includes('ready') && resolve()));
        const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
          child.on('exit', (code) => resolve({ code, stderr })),
        );
        return { ready, exited };
      });
      // All loaded first, then all at once: the appends overlap.
      await Promise.race([Promise.all(children.map((c) => c.ready)), Promise.all(children.map((c) => c.exited))]);
      fs.writeFileSync(`${file}.go`, '');
      const runs = children.map((c) => c.exited);
      expect(await Promise.all(runs)).toEqual([0, 1, 2].map(() => ({ code: 0, stderr: '' })));
      const check = openDatabase({ kind: 'sqlite', file });
      try {
        expect(await verifyAuditChain(check.db)).toEqual({ intact: true, rows: 180 });
      } finally {
        await check.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe.skipIf(!availableDialects().includes('postgres'))('appends from several processes on PostgreSQL', () => {
  it('never forks the chain: two app instances appending 200 rows at once leave it intact', async () => {
    const first = await openTestDatabase('postgres');
    // A second, independent pool on the same database: another portal process.
    const second: DatabaseHandle = openDatabase(first.config, { poolSize: 10 });
    try {
      const clock = new ManualClock();
      const instances = [first.db, second.db].map((db) => ({ db, trail: new AuditTrail(db, clock) }));
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => {
          const { db, trail } = instances[i % 2]!;
          const entry = { action: 'test.parallel', actor: `p${i}`, result: 'success' as const };
          // A third of them inside a caller's transaction, as services write them.
          return i % 3 === 0 ? db.transaction().execute((trx) => trail.record(entry, trx)) : trail.record(entry);
        }),
      );
      expect(await verifyAuditChain(second.db)).toEqual({ intact: true, rows: 200 });
      const { count } = await first.db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.count<number>('id').as('count'))
        .executeTakeFirstOrThrow();
      expect(Number(count)).toBe(200);
      const forks = await sql<{
        n: number;
      }>`select count(*) as n from (select prev_hash from audit_events group by prev_hash having count(*) > 1) f`.execute(first.db);
      expect(Number(forks.rows[0]!.n)).toBe(0);
    } finally {
      await second.close();
      await first.close();
    }
  });
});
