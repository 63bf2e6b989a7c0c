/**
 * Named locks across processes (server/db/locks.ts), on SQLite and PostgreSQL: one holder at a
 * time whatever the interleaving, a crashed holder's lock taken over once it expires, a waiter
 * that gives up with the caller's error, and a lock let go by its holder only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseLocks } from '../../server/db/locks.js';
import { availableDialects, openTestDatabase } from '../harness/db.js';

describe.each(availableDialects())('database locks on %s', (dialect) => {
  let handle: Awaited<ReturnType<typeof openTestDatabase>>;
  let locks: DatabaseLocks;
  const options = { ttlMs: 10_000, waitMs: 5_000, onTimeout: () => new Error('busy') };
  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    locks = new DatabaseLocks(handle.db);
  });
  afterAll(() => handle?.close());

  it('lets one holder in at a time, and each waiter in turn', async () => {
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        locks.withLock(
          'model:1',
          async () => {
            most = Math.max(most, ++inside);
            await new Promise((r) => setTimeout(r, 10));
            order.push(i);
            inside--;
          },
          options,
        ),
      ),
    );
    expect(most).toBe(1);
    expect([...order].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await handle.db.selectFrom('locks').selectAll().execute()).toEqual([]);
  });

  it('lets go when the work fails, and other keys never wait', async () => {
    await expect(locks.withLock('model:2', () => Promise.reject(new Error('boom')), options)).rejects.toThrow('boom');
    await expect(locks.withLock('model:2', async () => 'again', options)).resolves.toBe('again');
    let release!: () => void;
    const held = locks.withLock('model:3', () => new Promise<void>((r) => (release = r)), options);
    await expect(locks.withLock('model:4', async () => 'free', { ...options, waitMs: 50 })).resolves.toBe('free');
    release();
    await held;
  });

  it('gives up with the caller error while another holds it, and takes over a lock its holder never let go', async () => {
    // A holder that crashed: its row stays until it expires.
    await handle.db
      .insertInto('locks')
      .values({ key: 'model:5', holder: 'crashed', expires_at: Date.now() + 300 })
      .execute();
    await expect(locks.withLock('model:5', async () => 'too soon', { ...options, waitMs: 50 })).rejects.toThrow('busy');
    await expect(locks.withLock('model:5', async () => 'after expiry', { ...options, waitMs: 2000 })).resolves.toBe('after expiry');
    // The crashed holder coming back cannot let go of a lock that is now someone else's.
    let release!: () => void;
    const held = locks.withLock('model:5', () => new Promise<void>((r) => (release = r)), options);
    await new Promise((r) => setTimeout(r, 30));
    await handle.db.deleteFrom('locks').where('key', '=', 'model:5').where('holder', '=', 'crashed').execute();
    await expect(locks.withLock('model:5', async () => 'stolen', { ...options, waitMs: 50 })).rejects.toThrow('busy');
    release();
    await held;
  });
});
