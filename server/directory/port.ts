/**
 * The directory seam: every feature talks to the company directory through this interface only.
 * Implementations: built-in (database tables, argon2id) and LDAP (OpenLDAP with ppolicy, Active Directory).
 */

/** A person as the directory knows them. `groups` are group names (cn) for people to read; roles come from `groupDns`. */
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
  /**
   * Full DNs of the groups (LDAP), which say where each group sits, so a same-named group in
   * another OU cannot grant a role. Empty on the built-in directory, whose groups are flat names.
   */
  groupDns: string[];
  /** Switched off by an administrator (AD ACCOUNTDISABLE; OpenLDAP's permanent ppolicy lock). */
  disabled: boolean;
  /** Locked out by failed sign-ins (a lock that an unlock lifts). */
  locked: boolean;
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

/** The directory's own password rules, shown to people before they choose a password. */
export interface DirectoryPasswordPolicy {
  /** Minimum length in Unicode code points. */
  minLength: number;
  /** How many previous passwords cannot be reused (0 = none). */
  historyCount: number;
  /** Failed sign-ins that lock the account; null when the directory does not lock. */
  lockoutThreshold: number | null;
}

/** Why the directory refused a new password, in terms a person can act on (never raw LDAP text). */
export type PasswordRefusal =
  /** Shorter than the directory's minimum. */
  | 'too_short'
  /** One of the recent passwords. */
  | 'in_history'
  /** Refused by the directory's quality or complexity rules. */
  | 'quality'
  /** The current password given for a self-service change is wrong. */
  | 'wrong_current_password'
  /** Changed too recently (minimum password age). */
  | 'too_soon'
  /** Any other policy refusal. */
  | 'policy';

export type SetPasswordResult = { ok: true } | { ok: false; reason: PasswordRefusal };

/**
 * How a password is written: `reset` by the portal's service account after the person proved who
 * they are (AD: replace unicodePwd); `change` by the person, with their current password
 * (AD: delete the old and add the new value in one modify; OpenLDAP: password-modify with oldPasswd).
 */
export type PasswordWrite = { kind: 'reset' } | { kind: 'change'; currentPassword: string };

/** How much of a person a look-up reads. */
export interface FindOptions {
  /**
   * Who the person is and whether they are disabled, from one read: no groups, no manager name
   * (both come back empty), and on Active Directory no lockout (which needs a second read;
   * `locked` is then false). Anonymous paths (forgot password) use it, so a look-up of someone
   * who exists costs the same directory reads as one of someone who does not.
   */
  brief?: boolean;
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
  findUser(username: string, options?: FindOptions): Promise<DirectoryUser | null>;
  /** Looks a person up by work mail address (case-insensitive); null when none or ambiguous. */
  findUserByEmail(email: string, options?: FindOptions): Promise<DirectoryUser | null>;
  /** Case-insensitive substring search on username, display name and mail, for help desk and HR. */
  searchUsers(query: string, limit: number): Promise<DirectoryUser[]>;
  /** Usernames of the people who report to this manager. */
  listReports(manager: string): Promise<string[]>;
  /** The password rules the directory enforces. */
  passwordPolicy(): Promise<DirectoryPasswordPolicy>;
  /**
   * Writes a new password. Implementations refuse empty or non-string passwords before contacting
   * the directory, enforce length and history on resets as well as changes, and map policy
   * refusals (LDAP result 19) to a PasswordRefusal.
   */
  setPassword(username: string, newPassword: string, how: PasswordWrite): Promise<SetPasswordResult>;
  /** Whether the account is locked out by failed sign-ins. */
  lockStatus(username: string): Promise<LockStatus>;
  /** Clears a lockout. */
  unlock(username: string): Promise<void>;
  /** Throws DirectoryUnavailableError when the directory cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
