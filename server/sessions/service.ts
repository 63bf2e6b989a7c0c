import type { Kysely } from 'kysely';
import type { Me } from '../../shared/auth.js';
import type { Database, SessionRow } from '../db/schema.js';
import type { Clock } from '../platform/clock.js';
import { randomToken, sha256Hex } from '../platform/secrets.js';
import type { SessionRowCache } from './cache.js';
import {
  claimRecheck,
  deleteSession,
  deleteSessionsOf,
  findLiveSession,
  insertSession,
  markSessionReauthenticated,
  setCheckedAt,
  storeRecheck,
  touchSession,
} from './repository.js';

export interface Session {
  /** SHA-256 of the id: safe to keep in memory and compare; the raw id lives only in the cookie. */
  idHash: string;
  username: string;
  profile: Me;
  createdAt: number;
  /** When the password was last re-entered in this session (not at sign-in), or null. */
  reauthAt: number | null;
}

// Refresh last_seen_at at most once a minute so reads do not turn every request into a write.
const TOUCH_INTERVAL_MS = 60_000;
// After a failed recheck (directory unreachable), try again this soon at the latest.
const RECHECK_RETRY_MS = 60_000;

/**
 * How a session re-reads its person from the directory, so that a person disabled, locked or
 * removed there loses the portal too, and role changes apply within minutes.
 */
export interface SessionRecheck {
  /** At most this often per session; 0 = on every request. */
  intervalMs: number;
  /**
   * The person's profile as the directory knows them now; null when they may no longer have a
   * session (gone, disabled, locked out). Throws when the directory cannot answer.
   */
  reload(username: string, previous: Me): Promise<Me | null>;
  /** Told when the directory could not answer; the session is kept and rechecked later. */
  onUnavailable?(username: string, error: unknown): void;
}

/**
 * Database-backed sessions: 256-bit random ids, stored hashed, idle and absolute expiry. With
 * `rows` (PostgreSQL), the live rows read are kept in memory until a change to them is announced
 * (see SessionRowCache); every change made here drops the row before and after it is written.
 */
export class SessionService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly limits: { idleMs: number; absoluteMs: number },
    private readonly recheck: SessionRecheck | null = null,
    private readonly rows: SessionRowCache | null = null,
  ) {}

  get maxAgeSeconds(): number {
    return Math.floor(this.limits.absoluteMs / 1000);
  }

  /** Starts a new session and returns the raw id for the cookie. */
  async start(profile: Me, context: { ip: string | null; userAgent: string | null }): Promise<string> {
    const id = randomToken(32);
    const now = this.clock.now();
    await insertSession(this.db, {
      id_hash: sha256Hex(id),
      username: profile.username,
      created_at: now,
      last_seen_at: now,
      expires_at: now + this.limits.absoluteMs,
      ip: context.ip,
      user_agent: context.userAgent?.slice(0, 512) ?? null,
      profile: JSON.stringify(profile),
      // The profile was just read from the directory at sign-in.
      checked_at: now,
    });
    return id;
  }

  /** The live session for a raw id from a cookie, or null. */
  async resume(rawId: string): Promise<Session | null> {
    // Our ids are 43 base64url characters; anything else cannot be a session and costs no query.
    if (!/^[A-Za-z0-9_-]{43}$/.test(rawId)) return null;
    const idHash = sha256Hex(rawId);
    const now = this.clock.now();
    const row = await this.liveRow(idHash, now);
    if (!row) return null;
    if (now - row.last_seen_at > TOUCH_INTERVAL_MS) await this.changing(idHash, () => touchSession(this.db, idHash, now));
    let profile = JSON.parse(row.profile) as Me;
    if (this.recheck && now - row.checked_at >= this.recheck.intervalMs) {
      const checked = await this.changing(idHash, () => this.recheckProfile(idHash, row.username, profile, row.checked_at, now));
      if (!checked) return null;
      profile = checked;
    }
    return {
      idHash,
      username: row.username,
      profile,
      createdAt: row.created_at,
      reauthAt: row.reauth_at === null ? null : Number(row.reauth_at),
    };
  }

  /** Marks the session as having had the password re-entered now. */
  markReauthenticated(idHash: string): Promise<void> {
    return this.changing(idHash, () => markSessionReauthenticated(this.db, idHash, this.clock.now()));
  }

  /** The session's row if it is live at `now`: kept in memory, else read. */
  private async liveRow(idHash: string, now: number): Promise<SessionRow | undefined> {
    const kept = this.rows?.get(idHash, now);
    // Checked against the clock as the read checks it; one past an expiry is read again.
    if (kept && kept.expires_at > now && kept.last_seen_at > now - this.limits.idleMs) return kept;
    const mark = this.rows?.mark();
    const row = await findLiveSession(this.db, idHash, now, this.limits.idleMs);
    if (row && mark !== undefined) this.rows!.keep(idHash, row, mark, now);
    return row;
  }

  /**
   * Runs a write to a session's row, dropping the kept row before it (so no request here uses it
   * meanwhile) and after it (so no read that raced the write keeps what it found).
   */
  private changing<T>(idHash: string, write: () => Promise<T>): Promise<T> {
    return this.dropping((rows) => rows.forget(idHash), write);
  }

  /** Runs `write` between two calls of `drop` on the kept rows (see changing). */
  private async dropping<T>(drop: (rows: SessionRowCache) => void, write: () => Promise<T>): Promise<T> {
    if (this.rows) drop(this.rows);
    try {
      return await write();
    } finally {
      if (this.rows) drop(this.rows);
    }
  }

  /** Whether the password was re-entered in this session within `windowMs` of now. */
  isRecentlyReauthenticated(session: Session, windowMs: number): boolean {
    return session.reauthAt !== null && this.clock.now() - session.reauthAt <= windowMs;
  }

  /**
   * Re-reads the person behind a session. Null when the session has ended (the row is deleted);
   * otherwise the profile to use for this request.
   */
  private async recheckProfile(idHash: string, username: string, stored: Me, seenCheckedAt: number, now: number): Promise<Me | null> {
    const recheck = this.recheck!;
    // One request per interval does the directory call, across every process: the others that
    // read the same checked_at keep the stored profile. With an interval of 0 every request checks.
    if (recheck.intervalMs > 0 && !(await claimRecheck(this.db, idHash, seenCheckedAt, now))) return stored;
    let fresh: Me | null;
    try {
      fresh = await recheck.reload(username, stored);
    } catch (error) {
      // A directory outage must not sign everyone out: keep the session, try again soon.
      recheck.onUnavailable?.(username, error);
      const retryIn = Math.min(recheck.intervalMs, RECHECK_RETRY_MS);
      if (recheck.intervalMs > 0) await setCheckedAt(this.db, idHash, now - recheck.intervalMs + retryIn);
      return stored;
    }
    if (!fresh) {
      await deleteSession(this.db, idHash);
      return null;
    }
    await storeRecheck(this.db, idHash, JSON.stringify(fresh), now);
    return fresh;
  }

  async end(rawId: string): Promise<void> {
    const idHash = sha256Hex(rawId);
    await this.changing(idHash, () => deleteSession(this.db, idHash));
  }

  /** Ends every session of a person (password reset, account disabled), optionally keeping the caller's. */
  endAllFor(username: string, keepIdHash?: string): Promise<number> {
    return this.dropping(
      (rows) => rows.forgetPerson(username),
      () => deleteSessionsOf(this.db, username, keepIdHash),
    );
  }
}
