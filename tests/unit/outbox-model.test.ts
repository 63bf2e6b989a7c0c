import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AttentionEntry,
  backoffMs,
  classifyAnswer,
  flush,
  type LockRunner,
  type OutboxDeps,
  type OutboxEntry,
  type OutboxStorage,
  queue,
  retryAsNew,
  type TransportAnswer,
} from '../../web/src/api/outbox-core.js';

/**
 * The offline outbox as a model test (SECURITY 21): random sequences of queueing, sending, lost
 * answers, tabs killed mid-send and reloaded, two tabs sending at once, sessions expiring and
 * another person signing in, against a simulated server that honours Idempotency-Key the way
 * server/http/idempotency.ts does. Whatever happens, every queued write is applied exactly once
 * (by the person who queued it) or, if the server refuses it, shown under "needs attention";
 * nothing is lost and nothing is applied twice.
 *
 * The real storage is IndexedDB (web/src/api/outbox.ts), which has no implementation in Node here;
 * this in-memory one implements the same small interface, with the same atomic move.
 */

class MemoryStorage implements OutboxStorage {
  readonly pendingRows = new Map<string, OutboxEntry>();
  readonly attentionRows = new Map<string, AttentionEntry>();
  async pending() {
    await tick();
    return [...this.pendingRows.values()].sort((a, b) => a.seq - b.seq).map((e) => structuredClone(e));
  }
  async put(entry: OutboxEntry) {
    await tick();
    this.pendingRows.set(entry.key, structuredClone(entry));
  }
  async remove(key: string) {
    await tick();
    this.pendingRows.delete(key);
  }
  async moveToAttention(entry: AttentionEntry) {
    await tick();
    this.pendingRows.delete(entry.key);
    this.attentionRows.set(entry.key, structuredClone(entry));
  }
  async attention() {
    await tick();
    return [...this.attentionRows.values()].map((e) => structuredClone(e));
  }
  async removeAttention(key: string) {
    await tick();
    this.attentionRows.delete(key);
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

interface WriteBody {
  writeId: number;
  /** The server refuses it (422), like a request for an item that is no longer requestable. */
  invalid: boolean;
}

/** A server honouring Idempotency-Key: (person, key) → fingerprint and stored answer. */
class SimulatedServer {
  /** writeId → who applied it, once per application. */
  readonly applied = new Map<number, string[]>();
  readonly keys = new Map<string, { fingerprint: string; answer: TransportAnswer | null }>();
  sessionValid = true;

  handle(user: string, entry: OutboxEntry): TransportAnswer {
    if (!this.sessionValid) return { status: 401, body: { error: { code: 'unauthenticated', message: 'Sign in' } } };
    const scoped = `${user}\n${entry.key}`;
    const fingerprint = JSON.stringify([entry.method, entry.path, entry.body]);
    const stored = this.keys.get(scoped);
    if (stored) {
      if (stored.fingerprint !== fingerprint) return { status: 422, body: { error: { code: 'idempotency_key_reused', message: '' } } };
      return stored.answer ?? { status: 409, body: { error: { code: 'idempotency_in_progress', message: '' } } };
    }
    const body = entry.body as WriteBody;
    let answer: TransportAnswer;
    if (body.invalid) {
      answer = { status: 422, body: { error: { code: 'validation_failed', message: 'Not requestable', fields: { modelId: 'gone' } } } };
    } else {
      this.applied.set(body.writeId, [...(this.applied.get(body.writeId) ?? []), user]);
      answer = { status: 201, body: { id: body.writeId } };
    }
    this.keys.set(scoped, { fingerprint, answer });
    return answer;
  }
}

/** One lock shared by the tabs, released when its holder's tab is killed (as Web Locks are). */
class SharedLock {
  private held = false;
  runner(killed: Promise<void>, isKilled: () => boolean): LockRunner {
    return async <T>(work: () => Promise<T>) => {
      if (isKilled()) return undefined; // a dead tab runs nothing
      if (this.held) return undefined; // ifAvailable: another tab is sending
      this.held = true;
      try {
        return await Promise.race([work(), killed.then(() => undefined)]);
      } finally {
        this.held = false;
      }
    };
  }
}

type Net = 'ok' | 'down' | 'lose' | 'kill' | '503' | 'slow409';

class Tab {
  private kill!: () => void;
  readonly killed: Promise<void>;
  dead = false;
  /** What the network does to each call, in order; 'ok' once used up. */
  script: Net[] = [];
  constructor(
    private readonly world: World,
    private readonly lock: SharedLock,
  ) {
    this.killed = new Promise((resolve) => (this.kill = () => ((this.dead = true), resolve())));
  }

  deps(): OutboxDeps {
    const world = this.world;
    return {
      storage: world.storage,
      withLock: this.lock.runner(this.killed, () => this.dead),
      now: () => world.now,
      newKey: () => `key-${++world.keys}`,
      currentUser: () => world.user,
      transport: async (entry) => {
        await tick();
        const net = this.script.shift() ?? 'ok';
        if (net === 'down') throw new TypeError('Failed to fetch');
        if (net === '503') return { status: 503, body: { error: { code: 'internal', message: '' } } };
        // The cookie goes with the request: the server acts as whoever is signed in now.
        const answer = world.server.handle(world.user!, entry);
        if (net === 'slow409') return { status: 409, body: { error: { code: 'idempotency_in_progress', message: '' } } };
        if (net === 'lose') throw new TypeError('Failed to fetch'); // applied, answer lost
        if (net === 'kill') {
          this.kill(); // the tab dies with the request applied; this flush never continues
          return new Promise<TransportAnswer>(() => {});
        }
        return answer;
      },
    };
  }
}

class World {
  readonly storage = new MemoryStorage();
  readonly server = new SimulatedServer();
  readonly lock = new SharedLock();
  now = 1_000_000;
  keys = 0;
  user: string | null = 'alice';
  tabs: Tab[] = [new Tab(this, this.lock), new Tab(this, this.lock)];
  /** Every write queued: writeId → its owner and whether the server will refuse it. */
  readonly writes = new Map<number, { owner: string; invalid: boolean }>();
}

type Op =
  | { op: 'queue'; tab: number; invalid: boolean }
  | { op: 'send'; tab: number; net: Net[] }
  | { op: 'sendBoth'; netA: Net[]; netB: Net[] }
  | { op: 'reload'; tab: number }
  | { op: 'expireSession' }
  | { op: 'signIn'; user: 'alice' | 'bob' }
  | { op: 'wait'; ms: number }
  | { op: 'retryAsNew' };

const net = fc.array(fc.constantFrom<Net>('ok', 'ok', 'down', 'lose', 'kill', '503', 'slow409'), { maxLength: 4 });
const tab = fc.integer({ min: 0, max: 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('queue' as const), tab, invalid: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('send' as const), tab, net }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('sendBoth' as const), netA: net, netB: net }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reload' as const), tab }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('expireSession' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('signIn' as const), user: fc.constantFrom('alice' as const, 'bob' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 400_000 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('retryAsNew' as const) }) },
);

async function apply(world: World, op: Op): Promise<void> {
  switch (op.op) {
    case 'queue': {
      if (!world.user) return; // the app only offers writes to a signed-in person
      const writeId = world.writes.size + 1;
      world.writes.set(writeId, { owner: world.user, invalid: op.invalid });
      await queue(world.tabs[op.tab]!.deps(), world.user, { method: 'POST', path: '/api/requests', body: { writeId, invalid: op.invalid }, label: `write ${writeId}` });
      return;
    }
    case 'send':
      world.tabs[op.tab]!.script = [...op.net];
      await flush(world.tabs[op.tab]!.deps());
      return;
    case 'sendBoth':
      world.tabs[0]!.script = [...op.netA];
      world.tabs[1]!.script = [...op.netB];
      await Promise.all([flush(world.tabs[0]!.deps(), { force: true }), flush(world.tabs[1]!.deps(), { force: true })]);
      return;
    case 'reload':
      world.tabs[op.tab] = new Tab(world, world.lock);
      return;
    case 'expireSession':
      world.server.sessionValid = false;
      return;
    case 'signIn':
      world.user = op.user;
      world.server.sessionValid = true;
      return;
    case 'wait':
      world.now += op.ms;
      return;
    case 'retryAsNew': {
      const [refused] = await world.storage.attention();
      if (refused) await retryAsNew(world.tabs[0]!.deps(), refused);
      return;
    }
  }
}

/** Nothing applied twice, nobody's write applied as someone else, nothing queued has vanished. */
function checkInvariants(world: World): void {
  const inPending = new Set([...world.storage.pendingRows.values()].map((e) => (e.body as WriteBody).writeId));
  const inAttention = new Set([...world.storage.attentionRows.values()].map((e) => (e.body as WriteBody).writeId));
  for (const [writeId, { owner, invalid }] of world.writes) {
    const applied = world.server.applied.get(writeId) ?? [];
    expect(applied.length, `write ${writeId} applied ${applied.length} times`).toBeLessThanOrEqual(1);
    if (applied.length) expect(applied[0], `write ${writeId} applied as ${applied[0]}`).toBe(owner);
    if (invalid) expect(applied).toEqual([]);
    expect(applied.length > 0 || inPending.has(writeId) || inAttention.has(writeId), `write ${writeId} lost`).toBe(true);
  }
}

/** The network comes back and each person signs in: everything is answered in the end. */
async function settle(world: World): Promise<void> {
  world.server.sessionValid = true;
  for (const user of ['alice', 'bob']) {
    world.user = user;
    const fresh = new Tab(world, new SharedLock());
    for (let i = 0; i < 50 && [...world.storage.pendingRows.values()].some((e) => e.owner === user); i++) {
      await flush(fresh.deps(), { force: true });
    }
  }
}

describe('offline outbox model', () => {
  it('applies every queued write exactly once or shows it under needs attention, whatever the network, tabs and sessions do', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
        const world = new World();
        for (const op of ops) {
          await apply(world, op);
          checkInvariants(world);
        }
        await settle(world);
        checkInvariants(world);
        expect(world.storage.pendingRows.size).toBe(0);
        const attention = new Set([...world.storage.attentionRows.values()].map((e) => (e.body as WriteBody).writeId));
        for (const [writeId, { invalid }] of world.writes) {
          if (invalid) expect(attention.has(writeId), `refused write ${writeId} shown`).toBe(true);
          else {
            expect(world.server.applied.get(writeId), `write ${writeId}`).toHaveLength(1);
            expect(attention.has(writeId)).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps an entry on 401 and sends it once the person signed in again', async () => {
    const world = new World();
    await apply(world, { op: 'queue', tab: 0, invalid: false });
    world.server.sessionValid = false;
    expect(await flush(world.tabs[0]!.deps())).toBe('signin');
    expect(world.storage.pendingRows.size).toBe(1);
    world.server.sessionValid = true;
    expect(await flush(world.tabs[0]!.deps(), { force: true })).toBe('done');
    expect(world.server.applied.get(1)).toEqual(['alice']);
  });

  it('never sends one person’s queued write under another person’s session', async () => {
    const world = new World();
    await apply(world, { op: 'queue', tab: 0, invalid: false });
    world.user = 'bob';
    expect(await flush(world.tabs[0]!.deps(), { force: true })).toBe('done');
    expect(world.server.applied.size).toBe(0);
    expect(world.storage.pendingRows.size).toBe(1);
  });

  it('lets only one tab send at a time', async () => {
    const world = new World();
    await apply(world, { op: 'queue', tab: 0, invalid: false });
    const results = await Promise.all([flush(world.tabs[0]!.deps()), flush(world.tabs[1]!.deps())]);
    expect(results.sort()).toEqual(['busy', 'done']);
  });

  it('classifies answers: 2xx done; 401 sign in; 408, 429, 5xx and 409 in progress retried; other 4xx refused', () => {
    const body = (code: string) => ({ error: { code, message: '' } });
    expect(classifyAnswer({ status: 201, body: {} })).toBe('done');
    expect(classifyAnswer({ status: 204, body: null })).toBe('done');
    expect(classifyAnswer({ status: 401, body: body('unauthenticated') })).toBe('signin');
    for (const status of [408, 429, 500, 502, 503]) expect(classifyAnswer({ status, body: null })).toBe('retry');
    expect(classifyAnswer({ status: 409, body: body('idempotency_in_progress') })).toBe('retry');
    expect(classifyAnswer({ status: 409, body: body('request_not_pending') })).toBe('refused');
    for (const status of [400, 403, 404, 422]) expect(classifyAnswer({ status, body: body('x') })).toBe('refused');
    expect(backoffMs(1)).toBe(2000);
    expect(backoffMs(30)).toBe(5 * 60_000);
  });
});
