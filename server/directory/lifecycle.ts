/**
 * Checks every lifecycle write makes before it reaches a directory, the same for all of them.
 * Values are stored as given (LDAP keeps a value's spaces and characters; DNs are escaped where
 * they are built), except that an empty optional field means "none": LDAP has no empty values.
 * Anything no directory could store is a programming error upstream (HR and SCIM input is
 * validated by their schemas), so it throws instead of returning a refusal.
 */
import type { AccountChange, NewDirectoryAccount } from './port.js';

/** Longest value kept (the built-in directory's columns; far beyond any real name). */
export const MAX_DIRECTORY_VALUE = 256;

function text(field: string, value: unknown, required: boolean): string | null {
  if (value === null || value === undefined || value === '') {
    if (required) throw new TypeError(`${field} is required`);
    return null;
  }
  if (typeof value !== 'string') throw new TypeError(`${field} must be a string`);
  // NUL ends a C string (and PostgreSQL text refuses it); other control characters have no place in a name.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new TypeError(`${field} contains a control character`);
  if ([...value].length > MAX_DIRECTORY_VALUE) throw new TypeError(`${field} is longer than ${MAX_DIRECTORY_VALUE} characters`);
  if (required && value.trim() === '') throw new TypeError(`${field} is required`);
  return value;
}

/**
 * A username as a directory can key on it. Surrounding spaces are refused rather than trimmed:
 * LDAP matching ignores them, so "bob " would be a second name for bob.
 */
export function checkUsername(username: unknown, field = 'username'): string {
  const value = text(field, username, true)!;
  if (value !== value.trim()) throw new TypeError(`${field} has leading or trailing spaces`);
  return value;
}

/** A group name (cn) as given to addToGroup / removeFromGroup. */
export function checkGroupName(group: unknown): string {
  return checkUsername(group, 'group');
}

export interface CheckedAccount {
  username: string;
  givenName: string;
  familyName: string;
  displayName: string;
  email: string | null;
  department: string | null;
  title: string | null;
  manager: string | null;
  employeeNumber: string | null;
}

export function checkNewAccount(account: NewDirectoryAccount): CheckedAccount {
  if (typeof account !== 'object' || account === null) throw new TypeError('account must be an object');
  return {
    username: checkUsername(account.username),
    givenName: text('givenName', account.givenName, true)!,
    familyName: text('familyName', account.familyName, true)!,
    displayName: text('displayName', account.displayName, true)!,
    email: text('email', account.email, false),
    department: text('department', account.department, false),
    title: text('title', account.title, false),
    manager:
      account.manager === null || account.manager === undefined || account.manager === ''
        ? null
        : checkUsername(account.manager, 'manager'),
    employeeNumber: text('employeeNumber', account.employeeNumber, false),
  };
}

/** The fields a change sets: absent ones are left out; `null` (or '') clears an optional one. */
export type CheckedChange = Partial<Omit<CheckedAccount, 'username'>>;

export function checkChange(change: AccountChange): CheckedChange {
  if (typeof change !== 'object' || change === null) throw new TypeError('change must be an object');
  const out: CheckedChange = {};
  for (const field of ['givenName', 'familyName', 'displayName'] as const) {
    if (change[field] !== undefined) out[field] = text(field, change[field], true)!;
  }
  for (const field of ['email', 'department', 'title', 'employeeNumber'] as const) {
    if (change[field] !== undefined) out[field] = text(field, change[field], false);
  }
  if (change.manager !== undefined) {
    out.manager = change.manager === null || change.manager === '' ? null : checkUsername(change.manager, 'manager');
  }
  return out;
}

/** A page request as given by a caller: whole numbers, offset ≥ 0, 0 ≤ limit ≤ 1000. */
export function checkPage(page: { offset: number; limit: number }): { offset: number; limit: number } {
  const { offset, limit } = page ?? {};
  if (!Number.isInteger(offset) || offset < 0) throw new RangeError('offset must be a whole number of at least 0');
  if (!Number.isInteger(limit) || limit < 0 || limit > 1000) throw new RangeError('limit must be a whole number from 0 to 1000');
  return { offset, limit };
}
