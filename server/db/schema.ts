import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Table types for Kysely. Timestamps are stored as epoch milliseconds (bigint on PostgreSQL,
 * integer on SQLite) so both dialects compare and sort them the same way; they are read as
 * numbers (see the pg type parser in database.ts).
 */
type Millis = number;

/** The built-in directory's people (ignored when DIRECTORY=ldap). */
export interface DirectoryUserTable {
  username: string;
  display_name: string;
  email: string;
  /** Lower-cased mail for case-insensitive lookups. */
  email_lower: string;
  department: string | null;
  title: string | null;
  manager: string | null;
  password_hash: string;
  disabled: ColumnType<number, number | undefined, number>;
  failed_attempts: ColumnType<number, number | undefined, number>;
  locked_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface DirectoryGroupMemberTable {
  group_name: string;
  username: string;
}

/** Server-side sessions. Only a SHA-256 of the session id is stored, so a database leak yields no live session. */
export interface SessionTable {
  id_hash: string;
  username: string;
  created_at: Millis;
  last_seen_at: Millis;
  expires_at: Millis;
  ip: string | null;
  user_agent: string | null;
  /** JSON snapshot of the person (name, mail, roles) taken at sign-in, so each request needs no directory call. */
  profile: string;
}

/** Fixed-window counters for rate limits, shared by every process through the database. */
export interface RateLimitTable {
  key: string;
  window_start: Millis;
  count: number;
}

/** Append-only audit trail: repositories offer insert and read, never update or delete. */
export interface AuditEventTable {
  id: Generated<number>;
  at: Millis;
  /** Who acted (username), or null for an anonymous caller. */
  actor: string | null;
  /** Whose account or object the action was about, when different from the actor. */
  subject: string | null;
  action: string;
  result: 'success' | 'failure' | 'denied';
  ip: string | null;
  user_agent: string | null;
  /** JSON text with non-secret details. */
  details: string | null;
}

export interface Database {
  directory_users: DirectoryUserTable;
  directory_group_members: DirectoryGroupMemberTable;
  sessions: SessionTable;
  rate_limits: RateLimitTable;
  audit_events: AuditEventTable;
}

export type DirectoryUserRow = Selectable<DirectoryUserTable>;
export type NewDirectoryUser = Insertable<DirectoryUserTable>;
export type DirectoryUserUpdate = Updateable<DirectoryUserTable>;
export type SessionRow = Selectable<SessionTable>;
export type AuditEventRow = Selectable<AuditEventTable>;
export type NewAuditEvent = Insertable<AuditEventTable>;
