/**
 * The directory seam: every feature talks to the company directory through this interface only.
 * Implementations: built-in (database tables, argon2id) and LDAP (OpenLDAP with ppolicy, Active Directory).
 */

/** A person as the directory knows them. `groups` are group names (cn) for people to read; roles come from `groupDns`. */
export interface DirectoryUser {
  /** Login name: uid on OpenLDAP, sAMAccountName on Active Directory. */
  username: string;
  displayName: string;
  /** First name (LDAP givenName); null when the directory has none. */
  givenName: string | null;
  /** Last name (LDAP sn); null when the directory has none. */
  familyName: string | null;
  /** Work mail address; empty string when the directory has none. */
  email: string;
  department: string | null;
  title: string | null;
  /** Username of the manager, resolved from the manager DN on LDAP. */
  manager: string | null;
  /** HR's number for the person (LDAP/AD employeeNumber); null when none. */
  employeeNumber: string | null;
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

/** A new account as HR or SCIM describes it. `manager` is a username. */
export interface NewDirectoryAccount {
  /** Login name (uid / sAMAccountName); stored as given on LDAP, lower-case on the built-in directory. */
  username: string;
  givenName: string;
  familyName: string;
  displayName: string;
  /** Work mail. */
  email: string;
  department: string | null;
  title: string | null;
  /** Username of the manager; must exist (`no_such_manager` otherwise). */
  manager: string | null;
  employeeNumber: string | null;
}

/** Fields to change; absent fields stay, `null` clears an optional one. */
export type AccountChange = Partial<Omit<NewDirectoryAccount, 'username'>>;

/**
 * The outcome of a lifecycle write. Expected refusals come back as values; an unreachable
 * directory throws DirectoryUnavailableError (callers on the job queue retry on it), and a value
 * no directory could store (empty username, NUL) throws a TypeError (a programming error).
 */
export type DirectoryWriteResult =
  { ok: true } | { ok: false; reason: 'username_taken' | 'not_found' | 'no_such_group' | 'no_such_manager' };

export interface DirectoryGroup {
  /** The group's name (cn). */
  name: string;
  /** Usernames of the members that are people in the directory, sorted. */
  members: string[];
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
  /**
   * Creates an account with no usable password (the person sets one through activation or a
   * reset). `enabled: false` creates it disabled: it cannot sign in and findUser says `disabled`.
   * `username_taken` when the username exists (any case), `no_such_manager` when the manager does not.
   */
  createUser(account: NewDirectoryAccount, options: { enabled: boolean }): Promise<DirectoryWriteResult>;
  /**
   * Enables or disables an account (OpenLDAP: ppolicy's permanent lock `pwdAccountLockedTime:
   * 000001010000Z`; AD: userAccountControl 512 / 514; built-in: its flag). Idempotent. Only
   * writes: ending the person's portal sessions is the caller's job (SessionService.endAllFor).
   */
  setEnabled(username: string, enabled: boolean): Promise<DirectoryWriteResult>;
  /** Changes the given fields; `no_such_manager` (nothing written) when a new manager does not exist. */
  updateUser(username: string, change: AccountChange): Promise<DirectoryWriteResult>;
  /** Removes the account and its group memberships. */
  deleteUser(username: string): Promise<DirectoryWriteResult>;
  /**
   * Adds a member to a group named by its cn. Idempotent. On LDAP the group must exist under the
   * group base (`no_such_group`); the built-in directory's groups are flat names that exist while
   * they have members, so any name is accepted there.
   */
  addToGroup(username: string, group: string): Promise<DirectoryWriteResult>;
  /** Removes a member from a group. Idempotent (not a member, or no such group on the built-in directory: ok). */
  removeFromGroup(username: string, group: string): Promise<DirectoryWriteResult>;
  /** Every group with its members' usernames, by name. */
  listGroups(): Promise<DirectoryGroup[]>;
  /** One page of all people, ordered by username (case-insensitive), with the total count. */
  listUsers(page: { offset: number; limit: number }): Promise<{ total: number; users: DirectoryUser[] }>;
  /** Throws DirectoryUnavailableError when the directory cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
