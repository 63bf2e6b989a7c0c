/**
 * How a process's knowledge-base search caches learn of changes (server/features/kb/changes.ts):
 * another process's change reaches the next search on both dialects; on PostgreSQL the counter
 * is announced by the database instead of read by every search, and read again whenever the
 * announcements cannot be trusted to be complete (before listening, after a lost connection,
 * after this process's own write).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditTrail } from '../../server/audit/audit.js';
import { type DatabaseHandle, migrateToLatest, openDatabase } from '../../server/db/database.js';
import type { NotificationHandlers } from '../../server/db/notifications.js';
import type { Database } from '../../server/db/schema.js';
import { KB_CHANGES_CHANNEL, type KbChanges, kbChangesFor } from '../../server/features/kb/changes.js';
import * as repo from '../../server/features/kb/repository.js';
import { importArticles } from '../../server/features/kb/import.js';
import { type KbDeps, createArticle, search, updateArticle } from '../../server/features/kb/service.js';
import { SearchCache } from '../../server/kb/search/cache.js';
import { searchEngineFor } from '../../server/kb/search/index.js';
import { ManualClock } from '../harness/clock.js';
import { availableDialects, countingStatements, openTestDatabase } from '../harness/db.js';

const editor = { username: 'hana', canEdit: true };

/** Moves the counter in a committed transaction of its own, as another process's write would. */
async function moveCounter(db: Kysely<Database>): Promise<number> {
  return db.transaction().execute((trx) => repo.nextChangeSeq(trx));
}

/** The backend holding `db`'s database's LISTEN for the knowledge base, once there is one (PostgreSQL). */
async function listenerPidOf(db: Kysely<Database>): Promise<number | undefined> {
  const listen = `LISTEN "${KB_CHANGES_CHANNEL}"`;
  const found = await sql<{
    pid: number;
  }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = ${listen}`.execute(db);
  return found.rows[0]?.pid;
}

/** Two handles on one database, as two server processes have (SQLite: a file both open). */
async function twoProcesses(dialect: 'sqlite' | 'postgres'): Promise<{ a: DatabaseHandle; b: DatabaseHandle; close(): Promise<void> }> {
  if (dialect === 'postgres') {
    const a = await openTestDatabase('postgres');
    const b = openDatabase(a.config, { poolSize: 2 });
    return { a, b, close: async () => (await b.close(), await a.close()) };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-kb-changes-'));
  const config = { kind: 'sqlite' as const, file: path.join(dir, 'portal.sqlite') };
  const a = openDatabase(config);
  await migrateToLatest(a.db);
  const b = openDatabase(config);
  return { a, b, close: async () => (await b.close(), await a.close(), fs.rmSync(dir, { recursive: true, force: true })) };
}

describe.each(availableDialects())('knowledge-base changes reach the search caches on %s', (dialect) => {
  let handles: Awaited<ReturnType<typeof twoProcesses>>;
  let changes: KbChanges;
  /** Process A: searches through the caches the HTTP app keeps. Process B: writes. */
  let a: KbDeps;
  let b: KbDeps;

  beforeAll(async () => {
    handles = await twoProcesses(dialect);
    const clock = new ManualClock();
    const engine = searchEngineFor(dialect);
    changes = kbChangesFor(handles.a);
    if (dialect === 'postgres') {
      // Searches from here on trust the announcements (the first one reads the counter once).
      await vi.waitFor(async () => expect(await listenerPidOf(handles.b.db)).toBeDefined(), { timeout: 3_000, interval: 20 });
    }
    a = {
      db: handles.a.db,
      engine,
      audit: new AuditTrail(handles.a.db, clock),
      clock,
      cache: new SearchCache(),
      matchCache: new SearchCache(),
      changes,
    };
    b = { db: handles.b.db, engine, audit: new AuditTrail(handles.b.db, clock), clock };
  });
  afterAll(async () => {
    await changes?.close();
    await handles?.close();
  });

  const titles = async (deps: KbDeps, q: string) => (await search(deps, { q, limit: 10 }, { log: false })).map((r) => r.title);

  it("finds an article another process publishes, though the same search's empty answer was cached (the clock stands still: no expiry)", async () => {
    expect(await titles(a, 'zebra label printer')).toEqual([]);
    await createArticle(b, editor, {
      title: 'Zebra label printer',
      body: 'Load the labels, then calibrate.',
      locale: 'en',
      status: 'published',
    });
    await expect.poll(() => titles(a, 'zebra label printer'), { timeout: 3_000 }).toContain('Zebra label printer');
  });

  it('sees its own writes at the very next search, with no announcement needed (here withheld)', async () => {
    // The same process as A, but its listener hears nothing: only its own writes can move it.
    const deaf = kbChangesFor({ ...handles.a, listen: (_channel, h) => (h.onListening(), { close: async () => {} }) });
    const own: KbDeps = { ...a, cache: new SearchCache(), matchCache: new SearchCache(), changes: deaf };
    expect(await titles(own, 'quokka dock')).toEqual([]);
    const created = await createArticle(own, editor, {
      title: 'Quokka dock firmware',
      body: 'Update the dock first.',
      locale: 'en',
      status: 'published',
    });
    expect(await titles(own, 'quokka dock')).toEqual(['Quokka dock firmware']);
    await updateArticle(own, editor, created.id, {
      title: 'Quokka dock firmware',
      body: 'Update the dock first.',
      locale: 'en',
      status: 'archived',
    });
    expect(await titles(own, 'quokka dock')).toEqual([]);
    expect(await titles(own, 'wombat')).toEqual([]);
    await importArticles(own, ['{"title":"Wombat webcam drivers","body":"Install the driver.","locale":"en","slug":"wombat-webcam"}'], {
      actor: 'import',
    });
    expect(await titles(own, 'wombat')).toEqual(['Wombat webcam drivers']);
  });
});

describe('kbChangesFor, with the listener simulated (its real one is tested on PostgreSQL below)', () => {
  let handle: DatabaseHandle;
  let handlers: NotificationHandlers | null = null;
  let closed = 0;

  beforeAll(async () => {
    const real = await openTestDatabase('sqlite');
    // A PostgreSQL-like handle whose notifications this test sends itself (SQLite has none).
    handle = {
      ...real,
      listen: (channel, h) => {
        expect(channel).toBe(KB_CHANGES_CHANNEL);
        handlers = h;
        return { close: async () => void (closed += 1) };
      },
    };
  });
  afterAll(() => handle?.close());

  it('reads the counter until it listens, then answers from memory, moved by announcements, until a local write or a lost connection', async () => {
    const changes = kbChangesFor(handle);
    const count = countingStatements(handle.db);
    const db = count.db;
    const reads = async (n: number) => {
      const before = count.statements;
      const value = await changes.current(db);
      expect(count.statements - before, 'statements for this read').toBe(n);
      return value;
    };
    const start = await repo.currentChangeSeq(handle.db);

    // Not listening yet: every call reads.
    expect(await reads(1)).toBe(start);
    expect(await reads(1)).toBe(start);

    handlers!.onListening();
    expect(await reads(1)).toBe(start); // once, after listening began
    expect(await reads(0)).toBe(start);
    expect(await reads(0)).toBe(start);

    // Another process's change: the counter moves, and the announcement (not a read) brings it.
    const moved = await moveCounter(handle.db);
    expect(await reads(0)).toBe(start); // not announced (yet): nothing read
    handlers!.onNotification(String(moved));
    expect(await reads(0)).toBe(moved);
    handlers!.onNotification('not a number');
    handlers!.onNotification(String(moved - 1)); // late, out of order: the counter only grows
    expect(await reads(0)).toBe(moved);

    // This process's own write: read at once, not when its announcement arrives.
    const own = await moveCounter(handle.db);
    changes.changed();
    expect(await reads(1)).toBe(own);
    expect(await reads(0)).toBe(own);

    // A read that began before a reason to doubt does not restore trust when it ends.
    changes.changed();
    const inFlight = changes.current(db);
    changes.changed();
    expect(await inFlight).toBe(own);
    expect(await reads(1)).toBe(own);
    expect(await reads(0)).toBe(own);

    // Lost connection: announcements may be missed, so every call reads until it listens again.
    handlers!.onLost(new Error('connection reset'));
    const missed = await moveCounter(handle.db);
    expect(await reads(1)).toBe(missed);
    expect(await reads(1)).toBe(missed);
    handlers!.onListening();
    expect(await reads(1)).toBe(missed);
    expect(await reads(0)).toBe(missed);

    // A caller's transaction reads its own view, which may hold an uncommitted move: never kept.
    await handle.db
      .transaction()
      .execute(async (trx) => {
        const uncommitted = await repo.nextChangeSeq(trx);
        handlers!.onLost(new Error('doubt'));
        expect(await changes.current(trx)).toBe(uncommitted);
        throw new Error('roll back');
      })
      .catch((error: Error) => expect(error.message).toBe('roll back'));
    handlers!.onListening();
    expect(await reads(1)).toBe(missed);

    await changes.close();
    expect(closed).toBe(1);
  });
});

describe.runIf(availableDialects().includes('postgres'))('PostgreSQL announces the knowledge-base change counter', () => {
  let handles: Awaited<ReturnType<typeof twoProcesses>>;
  beforeAll(async () => {
    handles = await twoProcesses('postgres');
  });
  afterAll(() => handles?.close());

  const listenerPid = () => listenerPidOf(handles.b.db);

  it('announces every committed move (not a rolled-back one); searches then read no counter, and a lost connection falls back to reading until it listens again', async () => {
    const changes = kbChangesFor(handles.a);
    try {
      const count = countingStatements(handles.a.db);
      const db = count.db;
      await expect.poll(listenerPid, { timeout: 3_000, message: 'the listener is in place' }).toBeDefined();
      const start = await changes.current(db);
      count.statements = 0;

      const moved = await moveCounter(handles.b.db);
      await expect.poll(() => changes.current(db), { timeout: 3_000, message: 'the move is announced' }).toBe(moved);
      await handles.b.db
        .transaction()
        .execute(async (trx) => {
          await repo.nextChangeSeq(trx);
          throw new Error('roll back');
        })
        .catch(() => {});
      const next = await moveCounter(handles.b.db);
      await expect.poll(() => changes.current(db), { timeout: 3_000, message: 'the next committed move is announced' }).toBe(next);
      expect(next).toBe(moved + 1); // the rolled-back move was never announced (nor kept)
      expect(start).toBeLessThan(moved);
      expect(count.statements, 'statements read through the counting handle').toBe(0);

      // The listening connection dies (a restart, a failover): no announcement will come for a
      // change made meanwhile, so searches read the counter again until it listens once more.
      const pid = (await listenerPid())!;
      await sql`SELECT pg_terminate_backend(${pid})`.execute(handles.b.db);
      const missed = await moveCounter(handles.b.db);
      await expect.poll(() => changes.current(db), { timeout: 3_000, message: 'the missed move is read' }).toBe(missed);
      await expect.poll(async () => (await listenerPid()) ?? pid, { timeout: 10_000, message: 'it listens again' }).not.toBe(pid);
      await expect
        .poll(
          async () => {
            const before = count.statements;
            await changes.current(db);
            return count.statements - before;
          },
          { timeout: 3_000, message: 'it trusts announcements again' },
        )
        .toBe(0);
      const later = await moveCounter(handles.b.db);
      count.statements = 0;
      await expect.poll(() => changes.current(db), { timeout: 3_000, message: 'a move after the reconnection is announced' }).toBe(later);
      expect(count.statements).toBe(0);
    } finally {
      await changes.close();
    }
    // Closed: its connection is gone.
    await expect.poll(listenerPid, { timeout: 3_000, message: 'the listener is closed' }).toBeUndefined();
  });
});
