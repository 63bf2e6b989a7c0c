import { describe, expect, it } from 'vitest';
import { PASSWORD_PROBLEMS, passwordLength as serverLength } from '../../shared/password.js';
import { RECOMMENDED_READY_METHODS as SHARED_RECOMMENDED } from '../../shared/recovery.js';
import { RECOMMENDED_READY_METHODS } from '../../web/src/common/recovery.js';
import { CODE_DIGITS, groupDigits, normalizeCode } from '../../web/src/features/password/codes.js';
import { isPasswordProblem, PASSWORD_PROBLEM_CODES, passwordLength } from '../../web/src/features/password/problems.js';

// The browser keeps its own copies of a few shared facts (to keep zod out of its bundle); these
// tests fail as soon as a copy drifts from the source.
describe('what the browser knows about passwords and recovery', () => {
  it('explains exactly the problems the server can report', () => {
    expect([...PASSWORD_PROBLEM_CODES].sort()).toEqual([...PASSWORD_PROBLEMS].sort());
    expect(isPasswordProblem('in_history')).toBe(true);
    expect(isPasswordProblem('toString')).toBe(false); // not fooled by Object.prototype
  });

  it('counts length in code points, as the server does', () => {
    for (const sample of ['correct horse', '密码很长的一句话', '🔑🔑🔑 emoji', 'e\u0301']) {
      expect(passwordLength(sample)).toBe(serverLength(sample));
    }
    expect(passwordLength('🔑🔑')).toBe(2);
  });

  it('nudges below the same number of ready methods as the server recommends', () => {
    expect(RECOMMENDED_READY_METHODS).toBe(SHARED_RECOMMENDED);
  });
});

describe('one-time codes as people read and type them', () => {
  it('groups a code in fours for reading out, and takes it back with spaces or dashes', () => {
    expect(groupDigits('12345678')).toBe('1234 5678');
    expect(groupDigits('JBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP');
    expect(groupDigits('ABCDEFGHI')).toBe('ABCD EFGH I');
    expect(normalizeCode(' 1234 5678 ')).toBe('12345678');
    expect(normalizeCode('1234-5678')).toBe('12345678');
  });

  it('expects six digits from an authenticator app and eight from mail or the help desk', () => {
    expect(CODE_DIGITS).toEqual({ email: 8, totp: 6, helpdesk_code: 8 });
  });
});
