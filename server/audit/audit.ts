import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../platform/clock.js';
import { currentRequestScope } from '../platform/request-scope.js';
import type { AuditEventView } from '../../shared/people.js';
import { insertAuditEvent, listRecentAuditEvents } from './repository.js';

/** Names of audited actions, `area.verb`, so the log can be filtered by area. */
export type AuditAction = 'auth.login' | 'auth.logout' | 'directory.lookup' | (string & {});

export interface AuditEntry {
  action: AuditAction;
  result: 'success' | 'failure' | 'denied';
  /** Who acted; null when nobody is signed in (e.g. a failed sign-in). */
  actor: string | null;
  /** Whose account the action concerned, when that is someone else or the actor is unknown. */
  subject?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /** Non-secret details; never passwords, tokens or session ids. */
  details?: Record<string, unknown>;
}

/** Writes the append-only audit trail (who, on whose behalf, what, when, from where, result). */
export class AuditTrail {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /**
   * Appends an entry to the hash chain; where it came from defaults to the request being handled.
   * Given a transaction, the row commits with the caller's change (or not at all); otherwise it is
   * written in a transaction of its own.
   */
  async record(entry: AuditEntry, db: Kysely<Database> = this.db): Promise<void> {
    const scope = currentRequestScope();
    // Cut to the column sizes here, not in the database: the hash covers exactly what is stored.
    await insertAuditEvent(db, {
      at: this.clock.now(),
      actor: entry.actor?.slice(0, 256) ?? null,
      subject: entry.subject?.slice(0, 256) ?? null,
      action: entry.action.slice(0, 128),
      result: entry.result,
      ip: (entry.ip ?? scope?.ip)?.slice(0, 64) ?? null,
      user_agent: (entry.userAgent ?? scope?.userAgent)?.slice(0, 512) ?? null,
      details: entry.details ? JSON.stringify(entry.details) : null,
    });
  }
}

/** The "on behalf of" staff member recorded in an event's details, if any. */
function onBehalfOfIn(details: string | null): string | null {
  if (!details) return null;
  try {
    const value = (JSON.parse(details) as { onBehalfOf?: unknown }).onBehalfOf;
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

/** The newest audit events as admins see them (ISO times, no user agents; of the details only "on behalf of"). */
export async function recentAuditEvents(
  db: Kysely<Database>,
  limit: number,
  filter: { actor?: string; action?: string },
): Promise<AuditEventView[]> {
  const rows = await listRecentAuditEvents(db, limit, filter);
  return rows.map((r) => ({
    id: Number(r.id),
    at: new Date(Number(r.at)).toISOString(),
    actor: r.actor,
    subject: r.subject,
    action: r.action,
    result: r.result,
    ip: r.ip,
    onBehalfOf: onBehalfOfIn(r.details),
  }));
}
