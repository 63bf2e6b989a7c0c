import type { DatabaseHandle } from '../db/database.js';
import type { NotificationHandlers } from '../db/notifications.js';
import type { SessionRow } from '../db/schema.js';

/** The channel PostgreSQL announces session changes on (migration 2026-12-08T0100-session-announce). */
export const SESSIONS_CHANNEL = 'portal_sessions';

export interface SessionRowCacheOptions {
  /** Rows kept at most (the oldest kept goes first). */
  maxEntries: number;
  /**
   * A kept row is read again after this long, announced or not: the bound on how long a change
   * can go unseen should the listening connection die without a sign (TCP keep-alive may take
   * minutes to notice a silently dropped one; once it does, nothing is kept until it listens again).
   */
  maxAgeMs: number;
}

const DEFAULTS: SessionRowCacheOptions = { maxEntries: 10_000, maxAgeMs: 30_000 };

/**
 * PostgreSQL: the session rows this process has read, kept so that a request need not read its
 * session again (a round trip on every request: over half of a cached search's CPU in the portal).
 * A row is dropped as soon as the database announces any change to it, by any process or writer
 * (a trigger sends its id hash at commit). So the cache is only trusted while those announcements
 * arrive: nothing is kept before the listener is in place or once it is lost, and a row read
 * while any announcement or local change came in is not kept either, since its read may have
 * begun before that change committed. Local changes are dropped at once, not on announcement:
 * a person who signs out here is signed out here before the response leaves.
 *
 * What it does not change: a row's expiry (absolute and idle) is checked against the clock on
 * every request, kept or not.
 */
export class SessionRowCache {
  readonly #rows = new Map<string, { row: SessionRow; keptAt: number }>();
  readonly #options: SessionRowCacheOptions;
  #listening = false;
  /** Moves at every reason to doubt a read in flight (an announcement, a local change, the listener in place or lost). */
  #doubts = 0;

  constructor(options: Partial<SessionRowCacheOptions> = {}) {
    this.#options = { ...DEFAULTS, ...options };
  }

  /** What the notification listener reports to (see Database.listen). */
  readonly handlers: NotificationHandlers = {
    onListening: () => {
      // Announcements may have been missed before now: start from nothing.
      this.#listening = true;
      this.#dropAll();
    },
    onNotification: (idHash) => this.forget(idHash),
    onLost: () => {
      this.#listening = false;
      this.#dropAll();
    },
  };

  /** Whether announcements arrive (rows are kept only then). */
  get listening(): boolean {
    return this.#listening;
  }

  /** The row kept for this id hash, if one may be trusted at `now`. */
  get(idHash: string, now: number): SessionRow | undefined {
    if (!this.#listening) return undefined;
    const kept = this.#rows.get(idHash);
    if (!kept) return undefined;
    if (now - kept.keptAt >= this.#options.maxAgeMs || now < kept.keptAt) {
      this.#rows.delete(idHash);
      return undefined;
    }
    return kept.row;
  }

  /** Take before reading a row from the database; give to keep() with what the read found. */
  mark(): number {
    return this.#doubts;
  }

  /** Keeps a row read from the database, unless anything could have changed it since `mark`. */
  keep(idHash: string, row: SessionRow, mark: number, now: number): void {
    if (!this.#listening || mark !== this.#doubts) return;
    this.#rows.delete(idHash); // re-inserted last: the Map's order is the keeping order
    if (this.#rows.size >= this.#options.maxEntries) {
      const oldest = this.#rows.keys().next().value;
      if (oldest !== undefined) this.#rows.delete(oldest);
    }
    this.#rows.set(idHash, { row, keptAt: now });
  }

  /** Drops a session's row: its change was announced, or this process is changing it. */
  forget(idHash: string): void {
    this.#doubts++;
    this.#rows.delete(idHash);
  }

  /** Drops every row of one person (all their sessions are being ended). */
  forgetPerson(username: string): void {
    this.#doubts++;
    for (const [idHash, kept] of this.#rows) if (kept.row.username === username) this.#rows.delete(idHash);
  }

  #dropAll(): void {
    this.#doubts++;
    this.#rows.clear();
  }
}

/**
 * A SessionRowCache listening for the database's announcements, or null where there are none
 * (SQLite, whose read is in-process: every request reads its row). `onLost` hears of a lost
 * listener (nothing is kept until it listens again).
 */
export function sessionRowCacheFor(database: DatabaseHandle, options: { onLost?: (error: unknown) => void } = {}): SessionRowCache | null {
  const cache = new SessionRowCache();
  const listener = database.listen(SESSIONS_CHANNEL, {
    ...cache.handlers,
    onLost(error) {
      cache.handlers.onLost(error);
      options.onLost?.(error);
    },
  });
  // Closed with the database handle.
  return listener ? cache : null;
}
