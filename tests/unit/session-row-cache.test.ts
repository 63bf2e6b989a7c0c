/**
 * The in-memory session rows of a PostgreSQL process (server/sessions/cache.ts): kept only while
 * the database's announcements arrive, dropped on an announcement or a local change, and never
 * kept from a read that an announcement may have overtaken.
 */
import { describe, expect, it } from 'vitest';
import type { SessionRow } from '../../server/db/schema.js';
import { SessionRowCache } from '../../server/sessions/cache.js';

const row = (idHash: string, username = 'ada'): SessionRow => ({
  id_hash: idHash,
  username,
  created_at: 0,
  last_seen_at: 0,
  expires_at: 1_000_000,
  ip: null,
  user_agent: null,
  profile: '{}',
  checked_at: 0,
  reauth_at: null,
});

function listeningCache(options: ConstructorParameters<typeof SessionRowCache>[0] = {}) {
  const cache = new SessionRowCache(options);
  cache.handlers.onListening();
  return cache;
}

describe('SessionRowCache', () => {
  it('keeps nothing before the listener is in place', () => {
    const cache = new SessionRowCache();
    cache.keep('h1', row('h1'), cache.mark(), 0);
    expect(cache.get('h1', 0)).toBeUndefined();
    cache.handlers.onListening();
    cache.keep('h1', row('h1'), cache.mark(), 0);
    expect(cache.get('h1', 0)?.id_hash).toBe('h1');
  });

  it('drops a row when its change is announced, and only that row', () => {
    const cache = listeningCache();
    cache.keep('h1', row('h1'), cache.mark(), 0);
    cache.keep('h2', row('h2'), cache.mark(), 0);
    cache.handlers.onNotification('h1');
    expect(cache.get('h1', 1)).toBeUndefined();
    expect(cache.get('h2', 1)?.id_hash).toBe('h2');
  });

  it('does not keep a read that an announcement or a local change may have overtaken', () => {
    const cache = listeningCache();
    const before = cache.mark();
    cache.handlers.onNotification('other'); // any announcement: the read may predate its commit
    cache.keep('h1', row('h1'), before, 0);
    expect(cache.get('h1', 0)).toBeUndefined();
    const again = cache.mark();
    cache.forget('h1');
    cache.keep('h1', row('h1'), again, 0);
    expect(cache.get('h1', 0)).toBeUndefined();
  });

  it('drops everything when the listener is lost, keeps nothing until it listens again, then starts empty', () => {
    const cache = listeningCache();
    cache.keep('h1', row('h1'), cache.mark(), 0);
    cache.handlers.onLost(new Error('gone'));
    expect(cache.listening).toBe(false);
    expect(cache.get('h1', 0)).toBeUndefined();
    cache.keep('h1', row('h1'), cache.mark(), 0);
    expect(cache.get('h1', 0)).toBeUndefined();
    const duringOutage = cache.mark();
    cache.handlers.onListening();
    cache.keep('h1', row('h1'), duringOutage, 0); // read before listening again: may have missed an end
    expect(cache.get('h1', 0)).toBeUndefined();
  });

  it("forgets all of one person's rows", () => {
    const cache = listeningCache();
    cache.keep('a1', row('a1', 'ada'), cache.mark(), 0);
    cache.keep('a2', row('a2', 'ada'), cache.mark(), 0);
    cache.keep('b1', row('b1', 'bo'), cache.mark(), 0);
    cache.forgetPerson('ada');
    expect([cache.get('a1', 0), cache.get('a2', 0)]).toEqual([undefined, undefined]);
    expect(cache.get('b1', 0)?.username).toBe('bo');
  });

  it('reads a row again once it has been kept for maxAgeMs, and keeps at most maxEntries', () => {
    const cache = listeningCache({ maxAgeMs: 1000, maxEntries: 2 });
    cache.keep('h1', row('h1'), cache.mark(), 0);
    expect(cache.get('h1', 999)?.id_hash).toBe('h1');
    expect(cache.get('h1', 1000)).toBeUndefined();
    cache.keep('h1', row('h1'), cache.mark(), 0);
    cache.keep('h2', row('h2'), cache.mark(), 0);
    cache.keep('h3', row('h3'), cache.mark(), 0);
    expect(cache.get('h1', 0)).toBeUndefined(); // the oldest kept went first
    expect([cache.get('h2', 0)?.id_hash, cache.get('h3', 0)?.id_hash]).toEqual(['h2', 'h3']);
    cache.keep('h3', row('h3'), cache.mark(), 0); // kept again: takes its own place, no other's
    expect([cache.get('h2', 0)?.id_hash, cache.get('h3', 0)?.id_hash]).toEqual(['h2', 'h3']);
  });
});
