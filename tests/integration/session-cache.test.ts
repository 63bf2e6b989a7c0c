/**
 * Sessions kept in memory on PostgreSQL (server/sessions/cache.ts, migration
 * 2026-12-08T0100-session-announce): two processes on one database, each with its own
 * SessionService. A live session is read once and then served from memory; any change to it, made
 * by either process or by anyone's SQL, is announced and reaches the other process; an end made
 * in a process applies there at once; expiry is checked on every request; nothing is kept while
 * the announcements are lost.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Me } from '../../shared/auth.js';
import { type DatabaseHandle, openDatabase } from '../../server/db/database.js';
import { SESSIONS_CHANNEL, type SessionRowCache, sessionRowCacheFor } from '../../server/sessions/cache.js';
import { SessionService } from '../../server/sessions/service.js';
import { sha256Hex } from '../../server/platform/secrets.js';
import { ManualClock } from '../harness/clock.js';
import { availableDialects, countingStatements, openTestDatabase } from '../harness/db.js';

const limits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };
let people = 0;
const profile = (): Me => ({
  username: `person${++people}`,
  displayName: 'P',
  email: '',
  roles: ['employee'],
  department: null,
  title: null,
  manager: null,
  managerName: null,
});
const context = { ip: null, userAgent: null };

/** How long an announcement may take to cross to the other process's connection. */
const announced = { timeout: 2000, interval: 10 };

describe.runIf(availableDialects().includes('postgres'))('sessions kept in memory on PostgreSQL', () => {
  let a: Awaited<ReturnType<typeof openTestDatabase>>;
  let b: DatabaseHandle;
  let cacheB: SessionRowCache;
  /** Process B's statements, counted. */
  let counted: ReturnType<typeof countingStatements>;
  let processA: SessionService;
  let processB: SessionService;
  const clock = new ManualClock();

  beforeAll(async () => {
    a = await openTestDatabase('postgres');
    b = openDatabase(a.config, { poolSize: 2 });
    const cacheA = sessionRowCacheFor(a)!;
    cacheB = sessionRowCacheFor(b)!;
    counted = countingStatements(b.db);
    processA = new SessionService(a.db, clock, limits, null, cacheA);
    processB = new SessionService(counted.db, clock, limits, null, cacheB);
    await vi.waitFor(() => expect(cacheA.listening && cacheB.listening).toBe(true), announced);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('reads a live session once, then answers from memory', async () => {
    const id = await processA.start(profile(), context);
    const before = counted.statements;
    for (let i = 0; i < 3; i++) expect((await processB.resume(id))?.username).toMatch(/^person/);
    expect(counted.statements - before).toBe(1);
  });

  it('an end in one process reaches the other; in its own process it applies at once', async () => {
    const id = await processA.start(profile(), context);
    expect(await processB.resume(id)).not.toBeNull();
    expect(await processA.resume(id)).not.toBeNull();
    await processA.end(id);
    expect(await processA.resume(id)).toBeNull();
    await expect.poll(() => processB.resume(id), announced).toBeNull();
  });

  it("ending all of a person's sessions (a password reset) reaches the other process", async () => {
    const person = profile();
    const [first, second] = [await processA.start(person, context), await processA.start(person, context)];
    expect(await processB.resume(first)).not.toBeNull();
    expect(await processB.resume(second)).not.toBeNull();
    expect(await processA.resume(first)).not.toBeNull();
    await processA.endAllFor(person.username);
    expect(await processA.resume(first)).toBeNull();
    await expect.poll(async () => [await processB.resume(first), await processB.resume(second)], announced).toEqual([null, null]);
  });

  it("an operator's SQL reaches it too: a deleted row, a changed profile", async () => {
    const person = profile();
    const [gone, changed] = [await processA.start(person, context), await processA.start(person, context)];
    expect(await processB.resume(gone)).not.toBeNull();
    expect((await processB.resume(changed))?.profile.roles).toEqual(['employee']);
    await a.db.deleteFrom('sessions').where('id_hash', '=', sha256Hex(gone)).execute();
    const promoted = JSON.stringify({ ...person, roles: ['employee', 'helpdesk'] });
    await a.db.updateTable('sessions').set({ profile: promoted }).where('id_hash', '=', sha256Hex(changed)).execute();
    await expect.poll(() => processB.resume(gone), announced).toBeNull();
    await expect.poll(async () => (await processB.resume(changed))?.profile.roles, announced).toEqual(['employee', 'helpdesk']);
  });

  it('a re-authentication in one process is seen by the other', async () => {
    const id = await processA.start(profile(), context);
    expect((await processB.resume(id))?.reauthAt).toBeNull();
    await processA.markReauthenticated(sha256Hex(id));
    await expect.poll(async () => (await processB.resume(id))?.reauthAt, announced).toBe(clock.now());
  });

  it('checks a kept session against the clock: idle and absolute expiry need no announcement', async () => {
    const idle = await processA.start(profile(), context);
    expect(await processB.resume(idle)).not.toBeNull();
    clock.advance(limits.idleMs + 1);
    expect(await processB.resume(idle)).toBeNull();
    const old = await processA.start(profile(), context);
    for (let at = 0; at < limits.absoluteMs; at += limits.idleMs / 2) {
      clock.advance(limits.idleMs / 2);
      await processB.resume(old); // kept alive, touched as it goes
    }
    expect(await processB.resume(old)).toBeNull();
  });

  it('keeps nothing while the announcements are lost, and starts again once they resume', async () => {
    const id = await processA.start(profile(), context);
    expect(await processB.resume(id)).not.toBeNull();
    const listen = `LISTEN "${SESSIONS_CHANNEL}"`;
    const listeners = await sql<{ pid: number }>`
      SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = ${listen}`.execute(a.db);
    expect(listeners.rows.length).toBe(2);
    // Both processes' listening connections end, as in a database restart.
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = ${listen}`.execute(
      a.db,
    );
    await expect.poll(() => cacheB.listening, announced).toBe(false);
    const before = counted.statements;
    await processB.resume(id);
    await processB.resume(id);
    expect(counted.statements - before).toBe(2);
    await expect.poll(() => cacheB.listening, announced).toBe(true);
    const after = counted.statements;
    await processB.resume(id);
    await processB.resume(id);
    expect(counted.statements - after).toBe(1);
  });
});
