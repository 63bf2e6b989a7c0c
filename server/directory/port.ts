/**
 * The directory seam: every feature talks to the company directory through this interface only.
 * Implementations: built-in (database tables, argon2id) and LDAP (OpenLDAP with ppolicy, Active Directory).
 */

/** A person as the directory knows them. `groups` are group names (cn), not DNs. */
export interface DirectoryUser {
  /** Login name: uid on OpenLDAP, sAMAccountName on Active Directory. */
  username: string;
  displayName: string;
  /** Work mail address; empty string when the directory has none. */
  email: string;
  department: string | null;
  title: string | null;
  /** Username of the manager, resolved from the manager DN on LDAP. */
  manager: string | null;
  groups: string[];
  disabled: boolean;
}

export type AuthenticateResult =
  | { ok: true; user: DirectoryUser }
  /** Wrong password, unknown user, locked or disabled account all look the same to the caller. */
  | { ok: false; reason: 'invalid_credentials' };

export interface LockStatus {
  locked: boolean;
  /** When the lock was set, if the directory records it. */
  lockedAt: Date | null;
}

export class DirectoryUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DirectoryUnavailableError';
  }
}

export interface Directory {
  readonly kind: 'builtin' | 'ldap';
  /**
   * Checks a username and password. Implementations must refuse empty or non-string
   * passwords before contacting the directory (an empty LDAP bind is "unauthenticated" and succeeds on AD).
   */
  authenticate(username: string, password: string): Promise<AuthenticateResult>;
  /** Looks a person up by login name; null when there is no such person. */
  findUser(username: string): Promise<DirectoryUser | null>;
  /** Looks a person up by work mail address (case-insensitive); null when none or ambiguous. */
  findUserByEmail(email: string): Promise<DirectoryUser | null>;
  /** Case-insensitive substring search on username, display name and mail, for help desk and HR. */
  searchUsers(query: string, limit: number): Promise<DirectoryUser[]>;
  /** Usernames of the people who report to this manager. */
  listReports(manager: string): Promise<string[]>;
  /** Whether the account is locked out by failed sign-ins. */
  lockStatus(username: string): Promise<LockStatus>;
  /** Clears a lockout. */
  unlock(username: string): Promise<void>;
  /** Throws DirectoryUnavailableError when the directory cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
