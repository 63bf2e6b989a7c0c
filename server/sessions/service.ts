import type { Kysely } from 'kysely';
import type { Me } from '../../shared/auth.js';
import type { Database } from '../db/schema.js';
import type { Clock } from '../platform/clock.js';
import { randomToken, sha256Hex } from '../platform/secrets.js';
import { deleteSession, deleteSessionsOf, findLiveSession, insertSession, markSessionReauthenticated, touchSession } from './repository.js';

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

/** Database-backed sessions: 256-bit random ids, stored hashed, idle and absolute expiry. */
export class SessionService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly limits: { idleMs: number; absoluteMs: number },
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
    });
    return id;
  }

  /** The live session for a raw id from a cookie, or null. */
  async resume(rawId: string): Promise<Session | null> {
    // Our ids are 43 base64url characters; anything else cannot be a session and costs no query.
    if (!/^[A-Za-z0-9_-]{43}$/.test(rawId)) return null;
    const idHash = sha256Hex(rawId);
    const now = this.clock.now();
    const row = await findLiveSession(this.db, idHash, now, this.limits.idleMs);
    if (!row) return null;
    if (now - row.last_seen_at > TOUCH_INTERVAL_MS) await touchSession(this.db, idHash, now);
    return {
      idHash,
      username: row.username,
      profile: JSON.parse(row.profile) as Me,
      createdAt: row.created_at,
      reauthAt: row.reauth_at === null ? null : Number(row.reauth_at),
    };
  }

  /** Marks the session as having had the password re-entered now. */
  markReauthenticated(idHash: string): Promise<void> {
    return markSessionReauthenticated(this.db, idHash, this.clock.now());
  }

  /** Whether the password was re-entered in this session within `windowMs` of now. */
  isRecentlyReauthenticated(session: Session, windowMs: number): boolean {
    return session.reauthAt !== null && this.clock.now() - session.reauthAt <= windowMs;
  }

  async end(rawId: string): Promise<void> {
    await deleteSession(this.db, sha256Hex(rawId));
  }

  /** Ends every session of a person (password reset, account disabled), optionally keeping the caller's. */
  endAllFor(username: string, keepIdHash?: string): Promise<number> {
    return deleteSessionsOf(this.db, username, keepIdHash);
  }
}
